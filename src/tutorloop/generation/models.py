"""Generation jobs: one row per job, holding its parameters and its progress."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tutorloop.db import Base, JSONType, UTCDateTime, utcnow

STATUSES = ("queued", "running", "done", "failed", "cancelled")
ACTIVE = ("queued", "running")


class GenerationJob(Base):
    """A request to fill a project's items with candidate responses from one model."""

    __tablename__ = "generation_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    model: Mapped[str] = mapped_column(String(200))
    # n_per_item, temperature, max_tokens, only_missing, chat_field, responses_field
    params: Mapped[dict] = mapped_column(JSONType)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    generated: Mapped[int] = mapped_column(Integer, default=0)  # responses appended
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # items left alone (answered, leased, full)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list] = mapped_column(JSONType, default=list)  # the first MAX_ERRORS item errors
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)  # why a job failed or stopped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index(None, "project_id", "id"),)
