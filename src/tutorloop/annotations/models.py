"""Annotations: one person's answers to one item."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tutorloop.db import Base, JSONType, UTCDateTime, utcnow

STATUSES = ("submitted", "accepted", "rejected", "corrected")
COUNTED = ("submitted", "accepted", "corrected")  # statuses that count towards an item's overlap and consensus


class Annotation(Base):
    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answers: Mapped[dict] = mapped_column(JSONType)
    client_key: Mapped[str] = mapped_column(String(100))
    time_spent_ms: Mapped[int] = mapped_column(Integer, default=0)
    guideline_version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The latest review, denormalised for exports; the full history is in `reviews`.
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    corrected_answers: Mapped[dict | None] = mapped_column(JSONType, nullable=True)

    __table_args__ = (
        UniqueConstraint("user_id", "client_key"),
        UniqueConstraint("item_id", "user_id"),
        Index(None, "project_id", "id"),
        Index(None, "project_id", "user_id", "id"),
        Index(None, "project_id", "status", "id"),
    )
