"""`tutorloop demo`: demo people and projects on the embedded default, then serve on 127.0.0.1."""

from __future__ import annotations

import random
from importlib import resources
from pathlib import Path

from sqlalchemy import select

from tutorloop.config import Settings

PEOPLE = [
    # username, role, password, display name, project role
    ("admin", "admin", "admin-demo-1", "Amira Haddad", None),
    ("manager", "manager", "manager-demo-1", "Marcus Lee", "manager"),
    ("reviewer", "reviewer", "reviewer-demo-1", "Rana Khalil", "reviewer"),
    ("annotator1", "annotator", "annotator-demo-1", "Ahmed Nasser", "annotator"),
    ("annotator2", "annotator", "annotator-demo-2", "Grace Okafor", "annotator"),
]
SHAPES = ("circle", "square", "triangle")
PALETTE = [(230, 57, 70), (29, 53, 87), (69, 123, 157), (42, 157, 143), (233, 196, 106), (244, 162, 97)]


def _demo_file(name: str) -> bytes:
    return resources.files("tutorloop.demo_data").joinpath(name).read_bytes()


def make_shape_images(folder: Path, count: int = 12, seed: int = 7) -> list[dict]:
    """Draw simple shape pictures with Pillow; returns item records pointing at them."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for n in range(count):
        shape = SHAPES[n % 3]
        background = (rng.randint(225, 250),) * 3
        image = Image.new("RGB", (320, 240), background)
        draw = ImageDraw.Draw(image)
        color = PALETTE[rng.randrange(len(PALETTE))]
        cx, cy, r = rng.randint(110, 210), rng.randint(90, 150), rng.randint(40, 75)
        if shape == "circle":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=color)
        elif shape == "square":
            draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=color)
        else:
            draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=color)
        for _ in range(rng.randint(0, 300) * (n % 4 == 3)):  # some pictures get noise
            x, y = rng.randrange(320), rng.randrange(240)
            draw.point((x, y), fill=(rng.randrange(256),) * 3)
        name = f"shape-{n + 1:02d}.png"
        image.save(folder / name)
        records.append({"id": f"img-{n + 1:02d}", "image": f"shapes/{name}", "meta": {"drawn": shape}})
    return records


def setup_demo(settings: Settings) -> dict:
    """Create the demo people and projects (idempotent: an existing demo is left as it is)."""
    import json

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
            for spec_name, items in (
                ("sentiment.yaml", _demo_file("sentiment.jsonl")),
                ("shapes.yaml", None),
                ("chat_rating.yaml", _demo_file("chat_rating.jsonl")),
            ):
                project = create_project(session, actor=None,
                                         raw_spec=load_spec_text(_demo_file(spec_name).decode()))
                if items is None:
                    media = settings.resolved_media_dir / str(project.id) / "shapes"
                    records = make_shape_images(media)
                    items = "\n".join(json.dumps(r) for r in records).encode()
                import_items(session, actor=None, project_id=project.id, data=items, fmt="jsonl")
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
