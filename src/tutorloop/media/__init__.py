"""Media: serving local files and fetched URLs to a project's members, and reading facts from the files."""

from tutorloop.media.routes import api_router, resolve_media_path, router

__all__ = ["api_router", "resolve_media_path", "router"]
