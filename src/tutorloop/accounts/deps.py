"""Request-scoped dependencies: the database session and who is asking.

The session commits when the path operation returns, before the response is sent (`scope="function"`),
so a client never sees success for a change that did not commit.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tutorloop.accounts.service import (
    Principal,
    authenticate_session,
    authenticate_token,
    touch_token,
)
from tutorloop.errors import Forbidden, Unauthorized

SESSION_COOKIE = "tl_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _db_session(request: Request) -> Iterator[Session]:
    write = request.method not in SAFE_METHODS
    with request.app.state.db.session(write=write) as session:
        yield session


DbSession = Annotated[Session, Depends(_db_session, scope="function")]


def _authenticate(request: Request, session: Session) -> Principal | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = authenticate_token(session, secret=header[7:].strip())
        if principal is None:
            raise Unauthorized("The API token is invalid or revoked.")
        if principal.token_stale:
            if session.info.get("write"):
                touch_token(session, token_id=principal.credential_id)
            else:  # a read-only session: record the use in a short write transaction of its own
                with request.app.state.db.session(write=True) as touch:
                    touch_token(touch, token_id=principal.credential_id)
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    principal = authenticate_session(session, secret=cookie)
    if principal is None:
        return None
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != principal.csrf_token:
        raise Forbidden("Missing or wrong CSRF token (send it in the X-CSRF-Token header).")
    return principal


def optional_principal(request: Request, session: DbSession) -> Principal | None:
    """The signed-in person, or None for an anonymous request."""
    return _authenticate(request, session)


def current_principal(request: Request, session: DbSession) -> Principal:
    """The signed-in person; 401 for anonymous requests."""
    principal = _authenticate(request, session)
    if principal is None:
        raise Unauthorized("Sign in first (session cookie or Bearer token).")
    return principal


Actor = Annotated[Principal, Depends(current_principal)]
