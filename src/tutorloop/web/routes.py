"""The HTML pages: server-rendered shells whose data the browser fetches from the REST API.

Each page gets the signed-in person (or a redirect to the login page), their language and the
catalog of UI strings; the JavaScript module of the page does the rest over `/api/v1`. Nothing here
touches the database beyond finding the person, so a page can never show more than the API allows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from tutorloop import __version__
from tutorloop.accounts.deps import optional_principal
from tutorloop.i18n import LOCALES, catalog, direction, install, resolve_locale

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
install(templates.env)

router = APIRouter(include_in_schema=False)

MANAGER_SITE_ROLES = ("admin", "manager")


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything else (another host, a scheme) becomes `/`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 32 for ch in target):
        return "/"
    return target


def _login_redirect(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='/')}", status_code=303)


def _render(
    request: Request,
    principal: Any,
    template: str,
    *,
    title: str,
    script: str | None,
    page: dict[str, Any] | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    user = principal.user if principal is not None else None
    locale = resolve_locale(request, user)
    user_data = None
    if user is not None:
        user_data = {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name or "",
            "role": user.role,
            "locale": getattr(user, "locale", None) or locale,
        }
    page_data = {"user": user_data, "locale": locale, **(page or {})}
    response = templates.TemplateResponse(
        request,
        template,
        {
            "locale": locale,
            "dir": direction(locale),
            "locales": LOCALES,
            "catalog": catalog(locale),
            "user": user,
            "csrf_token": getattr(principal, "csrf_token", "") or "",
            "page": page_data,
            "title": title,
            "script": script,
            "version": __version__,
            **context,
        },
        status_code=status_code,
    )
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Vary", "Cookie, Accept-Language")
    return response


def _forbidden(request: Request, principal: Any) -> HTMLResponse:
    return _render(request, principal, "forbidden.html", title="error.Forbidden", script=None, status_code=403)


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    next_: str | None = Query(None, alias="next"),
    principal=Depends(optional_principal),
) -> Response:
    target = safe_next(next_)
    if principal is not None:
        return RedirectResponse(target, status_code=303)
    return _render(request, None, "login.html", title="login.title", script="pages/login", page={"next": target})


@router.get("/", response_class=HTMLResponse)
def projects_page(request: Request, principal=Depends(optional_principal)) -> Response:
    if principal is None:
        return _login_redirect(request)
    return _render(
        request,
        principal,
        "projects.html",
        title="projects.title",
        script="pages/projects",
        can_create=principal.user.role in MANAGER_SITE_ROLES,
    )


@router.get("/projects/new", response_class=HTMLResponse)
def new_project_page(request: Request, principal=Depends(optional_principal)) -> Response:
    if principal is None:
        return _login_redirect(request)
    if principal.user.role not in MANAGER_SITE_ROLES:
        return _forbidden(request, principal)
    return _render(request, principal, "project_new.html", title="newproject.title", script="pages/project-new")


@router.get("/projects/{pid}", response_class=HTMLResponse)
def project_page(pid: int, request: Request, principal=Depends(optional_principal)) -> Response:
    if principal is None:
        return _login_redirect(request)
    return _render(request, principal, "project.html", title="project.title", script="pages/project", page={"pid": pid})


@router.get("/projects/{pid}/annotate", response_class=HTMLResponse)
def annotate_page(pid: int, request: Request, principal=Depends(optional_principal)) -> Response:
    if principal is None:
        return _login_redirect(request)
    return _render(
        request, principal, "annotate.html", title="annotate.title", script="annotate", page={"pid": pid}
    )


@router.get("/projects/{pid}/review", response_class=HTMLResponse)
def review_page(pid: int, request: Request, principal=Depends(optional_principal)) -> Response:
    if principal is None:
        return _login_redirect(request)
    return _render(request, principal, "review.html", title="review.title", script="pages/review", page={"pid": pid})


@router.get("/projects/{pid}/quality", response_class=HTMLResponse)
def quality_page(pid: int, request: Request, principal=Depends(optional_principal)) -> Response:
    if principal is None:
        return _login_redirect(request)
    return _render(
        request, principal, "quality.html", title="quality.title", script="pages/quality", page={"pid": pid}
    )


@router.get("/projects/{pid}/items/{item_id}", response_class=HTMLResponse)
def item_page(pid: int, item_id: int, request: Request, principal=Depends(optional_principal)) -> Response:
    if principal is None:
        return _login_redirect(request)
    return _render(
        request,
        principal,
        "item.html",
        title="item.title",
        script="pages/item",
        page={"pid": pid, "item_id": item_id},
    )


@router.get("/admin/users", response_class=HTMLResponse)
def admin_users_page(request: Request, principal=Depends(optional_principal)) -> Response:
    if principal is None:
        return _login_redirect(request)
    if principal.user.role != "admin":
        return _forbidden(request, principal)
    return _render(request, principal, "admin_users.html", title="users.title", script="pages/admin-users")


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, principal=Depends(optional_principal)) -> Response:
    if principal is None:
        return _login_redirect(request)
    return _render(request, principal, "account.html", title="account.title", script="pages/account")
