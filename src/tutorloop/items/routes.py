"""HTTP routes for importing and reading items, and their comments."""

from fastapi import APIRouter, Form, Request, UploadFile

from tutorloop.accounts.deps import Actor, DbSession
from tutorloop.annotations.models import Annotation
from tutorloop.comments import service as comments
from tutorloop.errors import Invalid, NotFound, TooLarge
from tutorloop.formats.items import FORMATS, guess_format
from tutorloop.items import service
from tutorloop.items.models import Item
from tutorloop.projects.schemas import (
    CommentCreate,
    CommentRead,
    ImportResult,
    ItemPage,
    ItemRead,
)
from tutorloop.projects.service import RANK, authorize, role_in_project
from tutorloop.queue.service import holds_lease

router = APIRouter(tags=["items"])


def item_read(item: Item, spec: dict, *, show_gold: bool = False) -> ItemRead:
    """The API view of an item; gold answers only when `show_gold` (reviewers and managers)."""
    return ItemRead(
        id=item.id, external_id=item.external_id, data=item.data, metadata=item.meta or {},
        rendered=service.rendered_fields(spec, item.project_id, item.data, item_id=item.id),
        needed=item.needed,
        annotation_count=item.annotation_count, created_at=item.created_at,
        gold=item.gold if show_gold else None, predictions=item.predictions, media=item.media or {},
    )


async def read_upload(request: Request, file: UploadFile) -> bytes:
    """The uploaded bytes, refusing anything over the configured limit without reading it all."""
    limit = request.app.state.settings.max_upload_mb * 1024 * 1024
    chunks, size = [], 0
    while chunk := await file.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the upload is larger than {request.app.state.settings.max_upload_mb} MB",
                           where="file")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/projects/{project_id}/items/import", response_model=ImportResult)
async def import_items(project_id: int, request: Request, file: UploadFile, format: str | None = Form(None),
                       question: str | None = Form(None), as_: str = Form("predictions", alias="as")):
    """Import items from JSONL, a JSON array or CSV; all or nothing; known ids are updated."""
    from starlette.concurrency import run_in_threadpool

    from tutorloop.accounts.deps import current_principal

    def check():
        with request.app.state.db.session(write=False) as session:
            actor = current_principal(request, session)
            authorize(session, actor=actor, project_id=project_id, at_least="manager")

    await run_in_threadpool(check)  # refuse outsiders before reading their upload
    data = await read_upload(request, file)
    fmt = format or guess_format(file.filename or "", data[:64])
    if fmt not in FORMATS:
        raise Invalid(f"unknown format {fmt!r} (use {', '.join(FORMATS)})", where="format")

    def work():
        with request.app.state.db.session(write=True) as session:
            actor = current_principal(request, session)
            return service.import_items(session, actor=actor, project_id=project_id, data=data, fmt=fmt,
                                        media_root=request.app.state.settings.resolved_media_dir,
                                        question=question, target=as_)

    return await run_in_threadpool(work)


@router.get("/projects/{project_id}/items", response_model=ItemPage)
def list_items(project_id: int, actor: Actor, session: DbSession, after: int | None = None, limit: int = 50):
    """A page of items in id order (managers and reviewers)."""
    limit = max(1, min(limit, 500))
    items = service.list_items(session, actor=actor, project_id=project_id, after=after, limit=limit)
    spec = authorize(session, actor=actor, project_id=project_id).spec
    return ItemPage(items=[item_read(i, spec, show_gold=True) for i in items],
                    next_after=items[-1].id if len(items) == limit else None)


def authorize_item(session, *, actor, project_id: int, item_id: int) -> tuple[Item, dict, str]:
    """The item, the schema and the actor's role, if the actor may see the item: reviewers and managers
    always, annotators when they hold or annotated it."""
    project = authorize(session, actor=actor, project_id=project_id)
    item = service.get_item(session, project_id=project_id, item_id=item_id)
    role = role_in_project(session, actor=actor, project_id=project_id)
    if RANK[role] < RANK["reviewer"]:
        from sqlalchemy import select

        annotated = session.scalar(select(Annotation.id).where(
            Annotation.item_id == item.id, Annotation.user_id == actor.user.id)) is not None
        if not annotated and not holds_lease(session, user_id=actor.user.id, item_id=item.id):
            raise NotFound(f"Item {item_id} not found in project {project_id}.", where="item_id")
    return item, project.spec, role


@router.get("/projects/{project_id}/items/{item_id}", response_model=ItemRead)
def get_item(project_id: int, item_id: int, actor: Actor, session: DbSession):
    """One item (annotators: only items they hold or annotated)."""
    item, spec, role = authorize_item(session, actor=actor, project_id=project_id, item_id=item_id)
    return item_read(item, spec, show_gold=RANK[role] >= RANK["reviewer"])


@router.get("/projects/{project_id}/items/{item_id}/comments", response_model=list[CommentRead])
def list_comments(project_id: int, item_id: int, actor: Actor, session: DbSession):
    """An item's comments, oldest first."""
    authorize_item(session, actor=actor, project_id=project_id, item_id=item_id)
    return [CommentRead(id=c.id, item_id=c.item_id, user_id=u.id, username=u.username,
                        display_name=u.display_name, body=c.body, created_at=c.created_at)
            for c, u in comments.list_comments(session, actor=actor, project_id=project_id, item_id=item_id)]


@router.post("/projects/{project_id}/items/{item_id}/comments", response_model=CommentRead, status_code=201)
def add_comment(project_id: int, item_id: int, body: CommentCreate, actor: Actor, session: DbSession):
    """Leave a note or comment on an item."""
    authorize_item(session, actor=actor, project_id=project_id, item_id=item_id)
    c = comments.add_comment(session, actor=actor, project_id=project_id, item_id=item_id, body=body.body)
    return CommentRead(id=c.id, item_id=c.item_id, user_id=actor.user.id, username=actor.user.username,
                       display_name=actor.user.display_name, body=c.body, created_at=c.created_at)
