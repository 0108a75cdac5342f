"""HTTP routes for projects, members and progress."""

from fastapi import APIRouter

from tutorloop.accounts.deps import Actor, DbSession
from tutorloop.accounts.service import get_user, get_user_by_name
from tutorloop.errors import Invalid
from tutorloop.markdown import render_markdown
from tutorloop.projects import service
from tutorloop.projects.models import Project
from tutorloop.projects.schemas import (
    MemberAdd,
    MemberRead,
    MemberSet,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)
from tutorloop.schema.spec import load_spec_text

router = APIRouter(tags=["projects"])


def project_read(project: Project, role: str) -> ProjectRead:
    """The API view of a project."""
    return ProjectRead(
        id=project.id, name=project.name, description=project.description, spec=project.spec,
        guidelines=project.guidelines, guidelines_html=render_markdown(project.guidelines),
        guideline_version=project.guideline_version, overlap=project.overlap,
        lease_seconds=project.lease_seconds, my_role=role, gold_rate=project.gold_rate,
        consensus_method=project.consensus_method, item_count=project.item_count,
        complete_count=project.complete_count, created_at=project.created_at,
    )


@router.get("/projects", response_model=list[ProjectRead])
def list_projects(actor: Actor, session: DbSession):
    """Projects you are a member of (every project for admins)."""
    return [project_read(p, role) for p, role in service.list_projects(session, actor=actor)]


@router.post("/projects", response_model=ProjectRead, status_code=201)
def create_project(body: ProjectCreate, actor: Actor, session: DbSession):
    """Create a project from a labelling schema (`spec` as JSON, or `spec_text` as YAML/JSON text)."""
    if body.spec is not None:
        raw = body.spec
    elif body.spec_text is not None:
        raw = load_spec_text(body.spec_text)
    else:
        raise Invalid("send the schema as `spec` (an object) or `spec_text` (YAML or JSON)", where="spec")
    return project_read(service.create_project(session, actor=actor, raw_spec=raw), "manager")


@router.get("/projects/{project_id}", response_model=ProjectRead)
def get_project(project_id: int, actor: Actor, session: DbSession):
    """One project, with your role in it."""
    project = service.authorize(session, actor=actor, project_id=project_id)
    return project_read(project, service.role_in_project(session, actor=actor, project_id=project_id))


@router.patch("/projects/{project_id}", response_model=ProjectRead)
def update_project(project_id: int, body: ProjectUpdate, actor: Actor, session: DbSession):
    """Change settings; new guidelines increment the guideline version (managers)."""
    changes = body.model_dump(exclude_none=True)
    return project_read(service.update_project(session, actor=actor, project_id=project_id, changes=changes),
                        "manager")


@router.get("/projects/{project_id}/progress")
def progress(project_id: int, actor: Actor, session: DbSession) -> dict:
    """Items, completion, leases out and per-person totals."""
    return service.progress(session, actor=actor, project_id=project_id)


@router.get("/projects/{project_id}/members", response_model=list[MemberRead])
def list_members(project_id: int, actor: Actor, session: DbSession):
    """The project's members and their roles."""
    return [MemberRead(user_id=u.id, username=u.username, display_name=u.display_name, role=m.role,
                       is_active=u.is_active)
            for m, u in service.list_members(session, actor=actor, project_id=project_id)]


@router.put("/projects/{project_id}/members/{user_id}", response_model=MemberRead)
def set_member(project_id: int, user_id: int, body: MemberSet, actor: Actor, session: DbSession):
    """Add a person or change their role (managers)."""
    member = service.set_member(session, actor=actor, project_id=project_id, user_id=user_id, role=body.role)
    return _member_read(session, member)


@router.post("/projects/{project_id}/members", response_model=MemberRead)
def add_member(project_id: int, body: MemberAdd, actor: Actor, session: DbSession):
    """Add a person by username, or change their role (managers)."""
    service.authorize(session, actor=actor, project_id=project_id, at_least="manager")
    user = get_user_by_name(session, username=body.username)
    member = service.set_member(session, actor=actor, project_id=project_id, user_id=user.id, role=body.role)
    return _member_read(session, member)


def _member_read(session, member) -> MemberRead:
    user = get_user(session, user_id=member.user_id)
    return MemberRead(user_id=user.id, username=user.username, display_name=user.display_name,
                      role=member.role, is_active=user.is_active)


@router.delete("/projects/{project_id}/members/{user_id}")
def remove_member(project_id: int, user_id: int, actor: Actor, session: DbSession):
    """Remove a person from the project; their work stays (managers)."""
    service.remove_member(session, actor=actor, project_id=project_id, user_id=user_id)
    return {"ok": True}
