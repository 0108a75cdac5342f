"""HTTP routes for sign-in, tokens and people."""

from fastapi import APIRouter, Request, Response

from tutorloop.accounts import service
from tutorloop.accounts.deps import SESSION_COOKIE, Actor, DbSession
from tutorloop.accounts.schemas import (
    LoginRequest,
    SessionRead,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdateMe,
)
from tutorloop.errors import Unauthorized

router = APIRouter(tags=["accounts"])


@router.post("/auth/login", response_model=SessionRead)
def login(body: LoginRequest, request: Request, response: Response, session: DbSession):
    """Sign in with username and password; sets the session cookie."""
    settings = request.app.state.settings
    result = service.login(session, username=body.username, password=body.password,
                           days=settings.session_days)
    if result is None:
        session.commit()  # keep the failed attempt in the audit log although the answer is an error
        raise Unauthorized("Wrong username or password, or the account is deactivated.")
    user, secret, csrf = result
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=settings.session_days * 86400, path="/")
    return SessionRead(user=UserRead.model_validate(user), csrf_token=csrf)


@router.post("/auth/logout")
def logout(actor: Actor, response: Response, session: DbSession):
    """Sign out: the session is revoked on the server."""
    service.logout(session, actor=actor)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"ok": True}


@router.get("/auth/me", response_model=SessionRead)
def me(actor: Actor):
    """The signed-in person and the CSRF token of the session."""
    return SessionRead(user=UserRead.model_validate(actor.user), csrf_token=actor.csrf_token)


@router.get("/auth/tokens", response_model=list[TokenRead])
def list_tokens(actor: Actor, session: DbSession):
    """Your live API tokens (without their secrets)."""
    return service.list_tokens(session, actor=actor)


@router.post("/auth/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, actor: Actor, session: DbSession):
    """Create an API token; the secret is in this answer only."""
    token, secret = service.create_token(session, actor=actor, name=body.name)
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/auth/tokens/{token_id}")
def revoke_token(token_id: int, actor: Actor, session: DbSession):
    """Revoke one of your API tokens."""
    service.revoke_token(session, actor=actor, token_id=token_id)
    return {"ok": True}


@router.get("/users", response_model=list[UserRead])
def list_users(actor: Actor, session: DbSession):
    """Every person (admins and managers)."""
    return service.list_users(session, actor=actor)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(body: UserCreate, actor: Actor, session: DbSession):
    """Create a person (admins)."""
    return service.create_user(session, actor=actor, username=body.username, password=body.password,
                               role=body.role, display_name=body.display_name)


@router.patch("/users/me", response_model=UserRead)
def update_me(body: UserUpdateMe, actor: Actor, session: DbSession):
    """Change your language or display name."""
    return service.update_me(session, actor=actor, locale=body.locale, display_name=body.display_name)


@router.post("/users/{user_id}/deactivate", response_model=UserRead)
def deactivate(user_id: int, actor: Actor, session: DbSession):
    """Deactivate a person: sessions and tokens revoked, leases returned, work kept (admins)."""
    service.require_admin(actor)
    user = service.get_user(session, user_id=user_id)
    return service.set_active(session, actor=actor, user=user, active=False)


@router.post("/users/{user_id}/reactivate", response_model=UserRead)
def reactivate(user_id: int, actor: Actor, session: DbSession):
    """Give a deactivated person access again (old sessions stay revoked; admins)."""
    service.require_admin(actor)
    user = service.get_user(session, user_id=user_id)
    return service.set_active(session, actor=actor, user=user, active=True)
