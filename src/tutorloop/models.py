"""Imports every ORM class so the metadata (and Alembic) sees all tables."""

from tutorloop.accounts.models import ApiToken, AuthSession, User
from tutorloop.annotations.models import Annotation
from tutorloop.audit.models import AuditEntry
from tutorloop.comments.models import Comment
from tutorloop.consensus.models import Consensus, QualityFit, WorkerSkill
from tutorloop.db import Base
from tutorloop.generation.models import GenerationJob
from tutorloop.items.models import Item
from tutorloop.projects.models import Membership, Project
from tutorloop.queue.models import Lease, Skip
from tutorloop.reviews.models import Review

__all__ = [
    "Annotation", "ApiToken", "AuditEntry", "AuthSession", "Base", "Comment", "Consensus", "GenerationJob", "Item",
    "Lease", "Membership", "Project", "QualityFit", "Review", "Skip", "User", "WorkerSkill",
]
