"""Stored consensus per item and question, and per-person skill per question."""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tutorloop.db import Base, JSONType, UTCDateTime, utcnow


class Consensus(Base):
    """The agreed answer of an item's question, with how sure the engine is and how it got there."""

    __tablename__ = "consensus"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    question: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    value: Mapped[object] = mapped_column(JSONType, nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    posterior: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    method: Mapped[str] = mapped_column(String(32))
    n_labels: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index(None, "project_id", "question", "confidence"),)


class WorkerSkill(Base):
    """A person's measured skill on one question of a project: from gold items and from the model fit."""

    __tablename__ = "worker_skill"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    question: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    gold_correct: Mapped[int] = mapped_column(Integer, default=0)
    gold_total: Mapped[int] = mapped_column(Integer, default=0)
    accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)  # expected accuracy under the model
    n_labels: Mapped[int] = mapped_column(Integer, default=0)
    confusion: Mapped[list | None] = mapped_column(JSONType, nullable=True)  # K x K, rows = true class
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QualityFit(Base):
    """The last full fit of a question: class prior, classes, and how many labels it saw."""

    __tablename__ = "quality_fits"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    question: Mapped[str] = mapped_column(String(64), primary_key=True)
    method: Mapped[str] = mapped_column(String(32))
    classes: Mapped[list] = mapped_column(JSONType)
    prior: Mapped[list] = mapped_column(JSONType)
    labels_seen: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict] = mapped_column(JSONType, default=dict)
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
