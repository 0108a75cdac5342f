"""The ASGI application: API routers, web pages, one error shape, security headers."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from tutorloop import __version__
from tutorloop.config import Settings, get_settings
from tutorloop.db import Database
from tutorloop.errors import TutorloopError

log = logging.getLogger("tutorloop")

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Pure ASGI middleware adding the Content-Security-Policy and friends to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RevalidatedStaticFiles(StaticFiles):
    """Static files that browsers revalidate (cheap 304s), so an upgrade never mixes old and new modules."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response


def _error(status: int, error: str, detail: str, where: str | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail, "where": where}, status_code=status)


def _validation_where(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as `{"error", "detail", "where"}`; nothing leaks a stack trace."""

    @app.exception_handler(TutorloopError)
    async def _project_error(request: Request, exc: TutorloopError):
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        first = exc.errors()[0]
        where = _validation_where(first.get("loc", ()))
        return _error(422, "Invalid", f"{where}: {first.get('msg', 'invalid value')}", where)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        names = {404: "NotFound", 405: "MethodNotAllowed", 401: "Unauthorized", 403: "Forbidden"}
        return _error(exc.status_code, names.get(exc.status_code, "HTTPError"), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(500, "InternalError", "Something went wrong on the server; it has been logged.")


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the application for the given settings (default: from the environment)."""
    from tutorloop import media
    from tutorloop.accounts.routes import router as accounts
    from tutorloop.annotations.routes import router as annotations
    from tutorloop.audit.routes import router as audit
    from tutorloop.consensus.refit import RefitScheduler
    from tutorloop.consensus.routes import router as quality
    from tutorloop.exports.routes import router as exports
    from tutorloop.generation.routes import router as generation
    from tutorloop.items.routes import router as items
    from tutorloop.projects.routes import router as projects
    from tutorloop.queue.routes import router as queue
    from tutorloop.web import routes as web_routes

    settings = settings or get_settings()
    app = FastAPI(
        title="tutorloop", version=__version__,
        description="Specialist AI tutors and models producing verified training data together.",
        openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database or Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
    app.state.refits = RefitScheduler(app.state.db)
    for router in (accounts, projects, items, queue, annotations, quality, exports, audit):
        app.include_router(router, prefix="/api/v1")
    app.include_router(generation, prefix="/api/v1")
    app.include_router(media.api_router, prefix="/api/v1")
    app.include_router(media.router)
    app.include_router(web_routes.router)
    app.mount("/static", RevalidatedStaticFiles(directory=Path(web_routes.__file__).parent / "static"),
              name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True, "version": __version__}

    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    return app
