"""Accounts: sign-in, sessions, API tokens, people, deactivation."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutorloop.accounts.models import ROLES, ApiToken, AuthSession, User
from tutorloop.accounts.security import (
    digest,
    hash_password,
    new_secret,
    verify_password,
)
from tutorloop.audit.service import record
from tutorloop.db import NO_SYNC, utcnow
from tutorloop.errors import Conflict, Forbidden, Invalid, NotFound

TOKEN_PREFIX = "tl_"
MIN_PASSWORD = 8
TOKEN_TOUCH_SECONDS = 300  # how stale last_used_at may get before a token use refreshes it


@dataclass(frozen=True)
class Principal:
    """Who is asking: the person, and through which credential."""

    user: User
    via: str  # "session" or "token"
    credential_id: int
    csrf_token: str | None = None
    token_stale: bool = False  # an API token whose last-used time should be refreshed

    @property
    def is_admin(self) -> bool:
        return self.user.role == "admin"


# Statements on the path of every request are built once: building one costs more than running it.
_SESSION_LOOKUP = (
    select(AuthSession, User).join(User, User.id == AuthSession.user_id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)
_TOKEN_LOOKUP = (
    select(ApiToken, User).join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def authenticate_session(session: Session, *, secret: str) -> Principal | None:
    """The principal behind a session cookie, or None if it is unknown, expired or revoked."""
    row = session.execute(_SESSION_LOOKUP, {"token_hash": digest(secret)}).first()
    if row is None:
        return None
    auth, user = row
    if auth.revoked_at is not None or auth.expires_at <= utcnow() or not user.is_active:
        return None
    return Principal(user=user, via="session", credential_id=auth.id, csrf_token=auth.csrf_token)


def authenticate_token(session: Session, *, secret: str) -> Principal | None:
    """The principal behind an API token, or None if it is unknown or revoked."""
    row = session.execute(_TOKEN_LOOKUP, {"token_hash": digest(secret)}).first()
    if row is None:
        return None
    token, user = row
    if token.revoked_at is not None or not user.is_active:
        return None
    stale = token.last_used_at is None or (utcnow() - token.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS
    return Principal(user=user, via="token", credential_id=token.id, token_stale=stale)


def touch_token(session: Session, *, token_id: int) -> None:
    """Record that a token was just used (called at most every TOKEN_TOUCH_SECONDS per token)."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()), execution_options=NO_SYNC)


def login(session: Session, *, username: str, password: str, days: int) -> tuple[User, str, str] | None:
    """Check the password and open a session; returns (user, cookie secret, CSRF token).

    A failed attempt returns None after adding its audit row, so the caller can commit that row
    before answering 401.
    """
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        record(session, actor_id=user.id if user else None, action="auth.login_failed",
               target_type="user", target_id=username[:64])
        return None
    secret, csrf = new_secret(), new_secret()
    session.add(
        AuthSession(
            token_hash=digest(secret), user_id=user.id, csrf_token=csrf,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    record(session, actor_id=user.id, action="auth.login", target_type="user", target_id=user.id)
    return user, secret, csrf


def logout(session: Session, *, actor: Principal) -> None:
    """Revoke the session the request came with."""
    if actor.via == "session":
        session.execute(
            update(AuthSession).where(AuthSession.id == actor.credential_id).values(revoked_at=utcnow())
        , execution_options=NO_SYNC)
    record(session, actor_id=actor.user.id, action="auth.logout", target_type="user",
           target_id=actor.user.id)


def create_token(session: Session, *, actor: Principal, name: str) -> tuple[ApiToken, str]:
    """Create an API token for the actor; the secret is returned once and stored only hashed."""
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(user_id=actor.user.id, name=name, prefix=secret[:8], token_hash=digest(secret))
    session.add(token)
    session.flush()
    record(session, actor_id=actor.user.id, action="token.create", target_type="token",
           target_id=token.id, detail={"name": name})
    return token, secret


def issue_token_for(session: Session, *, username: str, name: str) -> str:
    """Create an API token for a person by username (operator use: the CLI)."""
    user = get_user_by_name(session, username=username)
    if not user.is_active:
        raise Conflict(f"User {username!r} is deactivated.", where="username")
    principal = Principal(user=user, via="cli", credential_id=0)
    return create_token(session, actor=principal, name=name)[1]


def list_tokens(session: Session, *, actor: Principal) -> list[ApiToken]:
    """The actor's live API tokens."""
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ))


def revoke_token(session: Session, *, actor: Principal, token_id: int) -> None:
    """Revoke one of the actor's API tokens."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.user.id or token.revoked_at is not None:
        raise NotFound(f"Token {token_id} not found.", where="token_id")
    token.revoked_at = utcnow()
    record(session, actor_id=actor.user.id, action="token.revoke", target_type="token",
           target_id=token_id)


def require_admin(actor: Principal) -> None:
    """Raise Forbidden unless the actor is an admin."""
    if not actor.is_admin:
        raise Forbidden("Only an admin can do this.")


def create_user(
    session: Session, *, actor: Principal | None, username: str, password: str,
    role: str = "annotator", display_name: str = "",
) -> User:
    """Create a person (admins only; actor None means the operator at the command line)."""
    if actor is not None:
        require_admin(actor)
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"a password needs at least {MIN_PASSWORD} characters", where="password")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", where="role")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"Username {username!r} is already taken.", where="username")
    user = User(username=username, password_hash=hash_password(password), role=role,
                display_name=display_name or username)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Username {username!r} is already taken.", where="username") from exc
    record(session, actor_id=actor.user.id if actor else None, action="user.create",
           target_type="user", target_id=user.id, detail={"username": username, "role": role})
    return user


def list_users(session: Session, *, actor: Principal) -> list[User]:
    """Every person (admins and managers)."""
    if actor.user.role not in ("admin", "manager"):
        raise Forbidden("Only admins and managers can list people.")
    return list(session.scalars(select(User).order_by(User.id)))


def get_user(session: Session, *, user_id: int) -> User:
    """One person by id."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.", where="user_id")
    return user


def get_user_by_name(session: Session, *, username: str) -> User:
    """One person by username."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"User {username!r} not found.", where="username")
    return user


def set_active(session: Session, *, actor: Principal | None, user: User, active: bool) -> User:
    """Deactivate (revoking every session and token, returning every lease) or reactivate a person.

    All of it happens in the caller's transaction: once it commits, the next request with any of the
    person's credentials answers 401. Submitted work is kept untouched.
    """
    from tutorloop.queue.service import release_all_for_user

    if actor is not None:
        require_admin(actor)
        if actor.user.id == user.id and not active:
            raise Conflict("You cannot deactivate yourself.", where="user_id")
    now = utcnow()
    released = 0
    if active:
        user.is_active, user.deactivated_at = True, None
    else:
        user.is_active, user.deactivated_at = False, now
        session.execute(update(AuthSession).where(
            AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None)).values(revoked_at=now), execution_options=NO_SYNC)
        session.execute(update(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now), execution_options=NO_SYNC)
        released = release_all_for_user(session, user_id=user.id)
    record(session, actor_id=actor.user.id if actor else None,
           action="user.reactivate" if active else "user.deactivate",
           target_type="user", target_id=user.id, detail={"leases_released": released})
    return user


def update_me(session: Session, *, actor: Principal, locale: str | None, display_name: str | None) -> User:
    """Change the actor's own language or display name."""
    user = session.get(User, actor.user.id)
    if locale is not None:
        user.locale = locale
    if display_name is not None:
        user.display_name = display_name
    record(session, actor_id=user.id, action="user.update_self", target_type="user", target_id=user.id,
           detail={"locale": locale, "display_name": display_name})
    return user
