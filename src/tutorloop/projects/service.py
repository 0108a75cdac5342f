"""Projects: creation from a schema, settings, members, progress — and the access policy."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.orm import Session

from tutorloop.accounts.models import User
from tutorloop.accounts.service import Principal
from tutorloop.audit.service import record
from tutorloop.db import NO_SYNC
from tutorloop.errors import Forbidden, Invalid, NotFound
from tutorloop.projects.models import PROJECT_ROLES, Membership, Project
from tutorloop.schema.spec import parse_spec

RANK = {role: i for i, role in enumerate(PROJECT_ROLES)}  # annotator < reviewer < manager


def role_in_project(session: Session, *, actor: Principal, project_id: int) -> str | None:
    """The actor's role in the project (admins count as managers), or None if not a member."""
    if actor.is_admin:
        return "manager"
    return session.scalar(
        select(Membership.role).where(Membership.project_id == project_id, Membership.user_id == actor.user.id)
    )


_PROJECT_AND_ROLE = (
    select(Project, Membership.role)
    .outerjoin(Membership, and_(Membership.project_id == Project.id, Membership.user_id == bindparam("user_id")))
    .where(Project.id == bindparam("project_id"))
)


def authorize_role(
    session: Session, *, actor: Principal, project_id: int, at_least: str = "annotator"
) -> tuple[Project, str]:
    """The project and the actor's role in it, if that role is at least `at_least`.

    Non-members get 404, so a project's existence does not leak; members with a lower role get 403.
    """
    row = session.execute(_PROJECT_AND_ROLE, {"user_id": actor.user.id, "project_id": project_id}).first()
    role = None if row is None else ("manager" if actor.is_admin else row[1])
    if role is None:
        raise NotFound(f"Project {project_id} not found.", where="project_id")
    if RANK[role] < RANK[at_least]:
        raise Forbidden(f"This needs the {at_least} role in the project; you are {role}.")
    return row[0], role


def authorize(session: Session, *, actor: Principal, project_id: int, at_least: str = "annotator") -> Project:
    """The project if the actor holds at least the given role in it (see `authorize_role`)."""
    return authorize_role(session, actor=actor, project_id=project_id, at_least=at_least)[0]


def create_project(session: Session, *, actor: Principal | None, raw_spec: dict) -> Project:
    """Create a project from a labelling schema; the creator becomes its manager."""
    if actor is not None and actor.user.role not in ("admin", "manager"):
        raise Forbidden("Only admins and managers can create projects.")
    spec = parse_spec(raw_spec)
    project = Project(
        name=spec["name"], description=spec["description"], spec=spec, guidelines=spec["guidelines"],
        overlap=spec["overlap"], lease_seconds=spec["lease_seconds"],
        created_by=actor.user.id if actor else None,
    )
    session.add(project)
    session.flush()
    if actor is not None:
        session.add(Membership(project_id=project.id, user_id=actor.user.id, role="manager"))
    record(session, actor_id=actor.user.id if actor else None, action="project.create",
           project_id=project.id, target_type="project", target_id=project.id, detail={"name": project.name})
    return project


def list_projects(session: Session, *, actor: Principal) -> list[tuple[Project, str]]:
    """The projects the actor can see, with the actor's role in each."""
    if actor.is_admin:
        return [(p, "manager") for p in session.scalars(select(Project).order_by(Project.id))]
    rows = session.execute(
        select(Project, Membership.role).join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == actor.user.id).order_by(Project.id)
    )
    return [(p, r) for p, r in rows]


def update_project(session: Session, *, actor: Principal, project_id: int, changes: dict) -> Project:
    """Change name, description, guidelines, overlap or lease length (managers)."""
    from tutorloop.items.service import apply_overlap

    project = authorize(session, actor=actor, project_id=project_id, at_least="manager")
    before = {k: getattr(project, k) for k in changes}
    for key in ("name", "description", "lease_seconds", "gold_rate", "consensus_method"):
        if changes.get(key) is not None:
            setattr(project, key, changes[key])
    if changes.get("guidelines") is not None and changes["guidelines"] != project.guidelines:
        project.guidelines = changes["guidelines"]
        project.guideline_version += 1
    if changes.get("overlap") is not None and changes["overlap"] != project.overlap:
        project.overlap = changes["overlap"]
        apply_overlap(session, project=project)
    record(session, actor_id=actor.user.id, action="project.update", project_id=project.id,
           target_type="project", target_id=project.id,
           detail={k: {"from": str(before[k])[:200], "to": str(changes[k])[:200]} for k in changes})
    return project


def list_members(session: Session, *, actor: Principal, project_id: int) -> list[tuple[Membership, User]]:
    """Members with their accounts."""
    authorize(session, actor=actor, project_id=project_id)
    return list(session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.project_id == project_id).order_by(User.username)
    ).all())


def set_member(session: Session, *, actor: Principal | None, project_id: int, user_id: int, role: str) -> Membership:
    """Add a person to the project, or change their role (managers; actor None = operator)."""
    if actor is not None:
        authorize(session, actor=actor, project_id=project_id, at_least="manager")
    if role not in PROJECT_ROLES:
        raise Invalid(f"role must be one of {', '.join(PROJECT_ROLES)}", where="role")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.", where="user_id")
    member = session.get(Membership, (project_id, user_id))
    if member is None:
        member = Membership(project_id=project_id, user_id=user_id, role=role)
        session.add(member)
    else:
        member.role = role
    record(session, actor_id=actor.user.id if actor else None, action="member.set", project_id=project_id,
           target_type="user", target_id=user_id, detail={"role": role})
    return member


def remove_member(session: Session, *, actor: Principal, project_id: int, user_id: int) -> None:
    """Remove a person from the project; their leases there are returned, their work kept."""
    from tutorloop.queue.service import release_all_for_user

    authorize(session, actor=actor, project_id=project_id, at_least="manager")
    if session.get(Membership, (project_id, user_id)) is None:
        raise NotFound(f"User {user_id} is not a member of this project.", where="user_id")
    release_all_for_user(session, user_id=user_id, project_id=project_id)
    session.execute(delete(Membership).where(Membership.project_id == project_id,
                                             Membership.user_id == user_id), execution_options=NO_SYNC)
    record(session, actor_id=actor.user.id, action="member.remove", project_id=project_id,
           target_type="user", target_id=user_id)


_MEMBER_COUNTERS = ("annotations", "accepted", "rejected", "time_spent_ms")
_PROJECT_COUNTERS = ("item_count", "complete_count", "annotation_count")
_members, _projects = Membership.__table__, Project.__table__
_BUMP_MEMBER = (
    update(_members)
    .where(_members.c.project_id == bindparam("key_project"), _members.c.user_id == bindparam("key_user"))
    .values({name: _members.c[name] + bindparam(f"d_{name}") for name in _MEMBER_COUNTERS})
)
_BUMP_PROJECT = (
    update(_projects).where(_projects.c.id == bindparam("key_project"))
    .values({name: _projects.c[name] + bindparam(f"d_{name}") for name in _PROJECT_COUNTERS})
)


def bump_member_counters(session: Session, *, project_id: int, user_id: int, **deltas: int) -> None:
    """Add to a member's running totals (annotations, accepted, rejected, time_spent_ms)."""
    if any(deltas.values()):
        params = {f"d_{name}": deltas.get(name, 0) for name in _MEMBER_COUNTERS}
        session.execute(_BUMP_MEMBER, {"key_project": project_id, "key_user": user_id, **params})


def bump_project_counters(session: Session, *, project_id: int, **deltas: int) -> None:
    """Add to the project's running totals (item_count, complete_count, annotation_count)."""
    if any(deltas.values()):
        params = {f"d_{name}": deltas.get(name, 0) for name in _PROJECT_COUNTERS}
        session.execute(_BUMP_PROJECT, {"key_project": project_id, **params})


def progress(session: Session, *, actor: Principal, project_id: int) -> dict:
    """Counts for the dashboard, read from running totals (no scan of the project)."""
    from tutorloop.queue.service import live_lease_count

    project = authorize(session, actor=actor, project_id=project_id)
    members = session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.project_id == project_id).order_by(User.username)
    ).all()
    per_annotator = [
        {
            "user_id": u.id, "username": u.username, "display_name": u.display_name, "role": m.role,
            "is_active": u.is_active, "annotations": m.annotations, "accepted": m.accepted,
            "rejected": m.rejected,
            "mean_seconds": round(m.time_spent_ms / m.annotations / 1000, 1) if m.annotations else None,
        }
        for m, u in members
    ]
    in_progress = live_lease_count(session, project_id=project_id)
    return {
        "items": project.item_count,
        "complete": project.complete_count,
        "remaining": project.item_count - project.complete_count,
        "in_progress": in_progress,
        "annotations": project.annotation_count,
        "accepted": sum(p["accepted"] for p in per_annotator),
        "rejected": sum(p["rejected"] for p in per_annotator),
        "per_annotator": per_annotator,
    }
