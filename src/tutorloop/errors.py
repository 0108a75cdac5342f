"""Project errors: each carries its HTTP status; one handler renders them in one JSON shape."""


class TutorloopError(Exception):
    """Base error: `{"error": <class>, "detail": message, "where": path-or-null}`."""

    status = 400

    def __init__(self, message: str, *, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where

    def to_dict(self) -> dict:
        """The JSON body sent to the client."""
        return {"error": type(self).__name__, "detail": self.message, "where": self.where}


class Unauthorized(TutorloopError):
    status = 401


class Forbidden(TutorloopError):
    status = 403


class NotFound(TutorloopError):
    status = 404


class Conflict(TutorloopError):
    status = 409


class TooLarge(TutorloopError):
    status = 413


class Invalid(TutorloopError):
    status = 422
