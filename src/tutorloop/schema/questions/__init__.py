"""Question types; importing this package fills the registry."""

from tutorloop.schema.questions import choices, free_text, rating  # noqa: F401
from tutorloop.schema.questions.base import (
    REGISTRY,
    QuestionConfig,
    QuestionType,
    get_type,
)

__all__ = ["REGISTRY", "QuestionConfig", "QuestionType", "get_type"]
