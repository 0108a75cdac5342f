"""Items: the things people label."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tutorloop.db import Base, JSONType, UTCDateTime, utcnow


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSONType)
    meta: Mapped[dict] = mapped_column(JSONType, default=dict)
    # How many human labels the item needs, how many count now (rejected ones don't), how many leases
    # are out. `queued` is true while needed > annotation_count + lease_count: the queue reads only that.
    needed: Mapped[int] = mapped_column(Integer, default=1)
    annotation_count: Mapped[int] = mapped_column(Integer, default=0)
    lease_count: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[bool] = mapped_column(Boolean, default=True)
    # Known answers for gold items (None for ordinary items). Gold items are served by the gold path of
    # the queue, to every annotator, at the project's gold rate; they never count towards completion.
    gold: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False)
    # A model's pre-annotations per question ({"value", "score"}), shown to people as suggestions.
    predictions: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    # What the server read from the item's media files, per field: image size; video size, frames, rate.
    media: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("project_id", "external_id"),
        Index(None, "project_id", "queued", "id"),
        Index(None, "project_id", "is_gold", "id"),
    )

    def refresh_queued(self) -> None:
        """Recompute `queued` from the counters."""
        self.queued = self.needed > self.annotation_count + self.lease_count

    @property
    def complete(self) -> bool:
        """True once the item has all the labels it needs."""
        return self.annotation_count >= self.needed
