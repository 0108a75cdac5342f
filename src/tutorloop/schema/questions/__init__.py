"""Question types; importing this package fills the registry."""

from tutorloop.schema.questions import choices, free_text, rating, shapes, spans, video  # noqa: F401
from tutorloop.schema.questions.base import (
    NO_CONTEXT,
    REGISTRY,
    AnswerContext,
    QuestionConfig,
    QuestionType,
    get_type,
)

__all__ = ["NO_CONTEXT", "REGISTRY", "AnswerContext", "QuestionConfig", "QuestionType", "get_type"]
