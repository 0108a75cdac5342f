"""Pydantic I/O models for projects, items, queue, annotations, reviews and comments."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ProjectCreate(BaseModel):
    spec: dict | None = None
    spec_text: str | None = Field(default=None, max_length=1_000_000)


class ProjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    guidelines: str | None = Field(default=None, max_length=200_000)
    overlap: int | None = Field(default=None, ge=1, le=100)
    lease_seconds: int | None = Field(default=None, ge=30, le=7 * 24 * 3600)
    gold_rate: float | None = Field(default=None, ge=0, le=1)
    consensus_method: Literal["auto", "majority", "wawa", "dawid_skene", "one_coin", "glad", "mace"] | None = None


class ProjectRead(BaseModel):
    id: int
    name: str
    description: str
    spec: dict
    guidelines: str
    guidelines_html: str
    guideline_version: int
    overlap: int
    lease_seconds: int
    my_role: str
    gold_rate: float
    consensus_method: str
    item_count: int
    complete_count: int
    created_at: datetime


class MemberSet(BaseModel):
    role: Literal["annotator", "reviewer", "manager"]


class MemberAdd(MemberSet):
    username: str = Field(min_length=1, max_length=64)


class MemberRead(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: str
    is_active: bool


class ItemRead(BaseModel):
    id: int
    external_id: str
    data: dict
    metadata: dict
    rendered: dict
    needed: int
    annotation_count: int
    created_at: datetime
    gold: dict | None = Field(default=None, description="Known answers; only shown to reviewers and managers")
    predictions: dict | None = Field(default=None, description="A model's pre-annotations: question → {value, score}")
    media: dict = Field(default_factory=dict, description="Per media field, what the server read from the file")


class ItemPage(BaseModel):
    items: list[ItemRead]
    next_after: int | None


class ImportResult(BaseModel):
    created: int
    updated: int
    total: int
    gold: int = 0


class LeaseRead(BaseModel):
    item_id: int
    expires_at: datetime


class NextRead(BaseModel):
    item: ItemRead | None
    lease: LeaseRead | None


class AnnotationCreate(BaseModel):
    answers: dict[str, Any]
    client_key: str = Field(min_length=1, max_length=100)
    time_spent_ms: int = Field(default=0, ge=0)


class AnnotationUpdate(BaseModel):
    answers: dict[str, Any]
    time_spent_ms: int | None = Field(default=None, ge=0)


class ReviewInfo(BaseModel):
    decision: str
    reason: str | None
    reviewer_id: int | None
    reviewer: str | None
    corrected_answers: dict | None
    at: datetime | None


class AnnotationRead(BaseModel):
    id: int
    item_id: int
    project_id: int
    user_id: int
    username: str
    answers: dict
    client_key: str
    time_spent_ms: int
    guideline_version: int
    status: str
    review: ReviewInfo | None
    created_at: datetime
    updated_at: datetime


class AnnotationPage(BaseModel):
    annotations: list[AnnotationRead]
    next_after: int | None


class ReviewCreate(BaseModel):
    decision: Literal["accept", "reject", "correct"]
    reason: str = Field(default="", max_length=5000)
    answers: dict[str, Any] | None = None


class CommentCreate(BaseModel):
    body: str = Field(max_length=10_000)


class CommentRead(BaseModel):
    id: int
    item_id: int
    user_id: int
    username: str
    display_name: str
    body: str
    created_at: datetime


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    action: str
    project_id: int | None
    target_type: str
    target_id: str
    detail: dict


class AuditPage(BaseModel):
    entries: list[AuditRead]
    next_after: int | None
