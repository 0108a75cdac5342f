"""`tutorloop demo` builds every demo project, with media it draws itself, on a fresh data folder."""

from sqlalchemy import func, select

from tutorloop.config import Settings
from tutorloop.db import Database
from tutorloop.demo import DEMO_PROJECTS, setup_demo
from tutorloop.items.models import Item
from tutorloop.projects.models import Project


def test_the_demo_sets_up_every_project_with_items_media_and_suggestions(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    result = setup_demo(settings)
    assert result["created"] and len(result["projects"]) == len(DEMO_PROJECTS)
    db = Database(settings.resolved_database_url)
    try:
        with db.session(write=False) as s:
            projects = {p.name: p for p in s.scalars(select(Project))}
            for project in projects.values():
                assert s.scalar(select(func.count()).select_from(Item).where(Item.project_id == project.id)) > 0
            by_type = {q["type"]: p for p in projects.values() for q in p.spec["questions"]}
            for qtype in ("spans", "boxes", "video_tracks", "video_segments", "pairwise", "rubric", "rewrite",
                          "error_spans", "flags"):
                assert qtype in by_type, qtype
            video = s.scalars(select(Item).where(Item.project_id == by_type["video_tracks"].id)).first()
            assert video.media["video"]["frames"] == 72 and video.media["video"]["fps"] == 24
            assert video.predictions["tracks"]["value"], "the clip comes with suggested tracks"
            scene = s.scalars(select(Item).where(Item.project_id == by_type["boxes"].id)).first()
            assert scene.media["image"] == {"width": 640, "height": 400}
            ner = s.scalars(select(Item).where(Item.project_id == by_type["spans"].id)).first()
            spans = ner.predictions["entities"]["value"]["spans"]
            assert all(ner.data["text"][sp["start"]:sp["end"]] == sp["text"] for sp in spans)
    finally:
        db.dispose()
    assert setup_demo(settings) == {"created": False}
