"""Question types; importing this package fills the registry."""

from tutorloop.schema.questions import (  # noqa: F401
    choices,
    edits,
    free_text,
    preference,
    rating,
    rubric,
    shapes,
    spans,
    video,
)
from tutorloop.schema.questions.base import (
    NO_CONTEXT,
    REGISTRY,
    AnswerContext,
    QuestionConfig,
    QuestionType,
    get_type,
)

__all__ = ["NO_CONTEXT", "REGISTRY", "AnswerContext", "QuestionConfig", "QuestionType", "get_type"]
