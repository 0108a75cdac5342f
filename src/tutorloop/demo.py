"""`tutorloop demo`: demo people and projects on the embedded default, then serve on 127.0.0.1."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import select

from tutorloop.config import Settings
from tutorloop.demo_media import make_scene_images, make_shape_images, make_tracking_video

PEOPLE = [
    # username, role, password, display name, project role
    ("admin", "admin", "admin-demo-1", "Amira Haddad", None),
    ("manager", "manager", "manager-demo-1", "Marcus Lee", "manager"),
    ("reviewer", "reviewer", "reviewer-demo-1", "Rana Khalil", "reviewer"),
    ("annotator1", "annotator", "annotator-demo-1", "Ahmed Nasser", "annotator"),
    ("annotator2", "annotator", "annotator-demo-2", "Grace Okafor", "annotator"),
]

def _demo_file(name: str) -> bytes:
    return resources.files("tutorloop.demo_data").joinpath(name).read_bytes()


def _jsonl(records: list[dict]) -> bytes:
    import json

    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()


# (schema file, items: a demo_data file name, or a function of the project's media folder making them)
DEMO_PROJECTS = [
    ("sentiment.yaml", "sentiment.jsonl"),
    ("shapes.yaml", lambda media: make_shape_images(media / "shapes")),
    ("chat_rating.yaml", "chat_rating.jsonl"),
    ("ner.yaml", "ner.jsonl"),
    ("detection.yaml", lambda media: make_scene_images(media / "scenes")),
    ("tracking.yaml", lambda media: make_tracking_video(media / "videos")),
    ("preference.yaml", "preference.jsonl"),
    ("rubric.yaml", "rubric.jsonl"),
]


def setup_demo(settings: Settings) -> dict:
    """Create the demo people and projects (idempotent: an existing demo is left as it is)."""
    from tutorloop.accounts.models import User
    from tutorloop.accounts.service import create_user, get_user_by_name
    from tutorloop.db import Database
    from tutorloop.items.service import import_items
    from tutorloop.migrations import upgrade
    from tutorloop.projects.models import Project
    from tutorloop.projects.service import create_project, set_member
    from tutorloop.schema.spec import load_spec_text

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    db = Database(settings.resolved_database_url, pool_size=2)
    try:
        with db.session() as session:
            if session.scalar(select(User.id).where(User.username == "admin")) is not None:
                return {"created": False}
            for username, role, password, display, _ in PEOPLE:
                create_user(session, actor=None, username=username, password=password, role=role,
                            display_name=display)
            for spec_name, source in DEMO_PROJECTS:
                project = create_project(session, actor=None,
                                         raw_spec=load_spec_text(_demo_file(spec_name).decode()))
                media = settings.resolved_media_dir / str(project.id)
                items = _demo_file(source) if isinstance(source, str) else _jsonl(source(media))
                import_items(session, actor=None, project_id=project.id, data=items, fmt="jsonl",
                             media_root=settings.resolved_media_dir)
                for username, _, _, _, project_role in PEOPLE:
                    if project_role:
                        user = get_user_by_name(session, username=username)
                        set_member(session, actor=None, project_id=project.id, user_id=user.id,
                                   role=project_role)
            names = [p.name for p in session.scalars(select(Project).order_by(Project.id))]
        return {"created": True, "projects": names}
    finally:
        db.dispose()


def run_demo(settings: Settings, *, serve: bool, reset: bool, port: int | None) -> int:
    """Set up the demo and (unless told otherwise) serve it on 127.0.0.1."""
    if reset and not settings.database_url:
        import shutil

        db_file = settings.data_dir / "tutorloop.db"
        for path in (db_file, db_file.with_name(db_file.name + "-wal"), db_file.with_name(db_file.name + "-shm")):
            path.unlink(missing_ok=True)
        if settings.media_dir is None:
            shutil.rmtree(settings.resolved_media_dir, ignore_errors=True)
    result = setup_demo(settings)
    port = port or settings.port
    url = f"http://127.0.0.1:{port}/"
    print("tutorloop demo " + ("ready" if result["created"] else "(already set up)"))
    print(f"  data folder: {settings.data_dir.resolve()}")
    print(f"  open:        {url}")
    print("  sign in as (username / password):")
    for username, role, password, _, _ in PEOPLE:
        print(f"    {role:<10} {username:<11} / {password}")
    if not serve:
        return 0
    import uvicorn

    print(f"serving on {url} — press Ctrl+C to stop", flush=True)
    uvicorn.run("tutorloop.app:create_app", factory=True, host="127.0.0.1", port=port, log_level="warning")
    return 0
