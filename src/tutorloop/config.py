"""Settings, read from `TUTORLOOP_*` environment variables (and a `.env` file if present)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of the platform; `docs/deployment.md` lists them all."""

    model_config = SettingsConfigDict(env_prefix="TUTORLOOP_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="Folder for the SQLite file and media.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in data_dir.")
    media_dir: Path | None = Field(default=None, description="Local media root; default data_dir/media.")
    host: str = Field(default="127.0.0.1", description="Address `tutorloop serve` binds to.")
    port: int = Field(default=8420, description="Port `tutorloop serve` listens on.")
    session_days: int = Field(default=14, description="Lifetime of a browser session, in days.")
    max_upload_mb: int = Field(default=100, description="Largest accepted upload, in megabytes.")
    secure_cookies: bool = Field(default=False, description="Mark cookies Secure (set behind HTTPS).")
    db_pool_size: int = Field(default=20, description="Connection pool size for PostgreSQL.")
    media_cache_dir: Path | None = Field(
        default=None, description="Fetched media URLs and thumbnails; default data_dir/media-cache.")
    media_fetch_allow: str = Field(
        default="", description="Hosts and CIDRs the media fetcher may reach although they are internal.")
    media_fetch_max_mb: int = Field(default=200, ge=1, description="Largest media file fetched from a URL, in MB.")
    media_fetch_timeout: float = Field(default=30.0, gt=0, description="Seconds a whole media fetch may take.")
    generation_base_url: str = Field(
        default="", description="OpenAI-compatible API root for candidate generation; empty turns it off.")
    generation_api_key: str = Field(default="", repr=False, description="Bearer key sent to the generation endpoint.")
    generation_rate_per_minute: int = Field(
        default=60, ge=0, description="Most requests per minute to the generation endpoint; 0 = no limit.")
    generation_timeout: float = Field(default=120.0, gt=0, description="Seconds one generation request may take.")
    generation_max_retries: int = Field(
        default=4, ge=0, le=10, description="Retries of a request that met 429, a 5xx or a timeout.")
    generation_retry_backoff: float = Field(
        default=2.0, ge=0, description="Seconds before the first retry; doubles each time, at most 60.")

    @field_validator("media_fetch_allow")
    @classmethod
    def _allow_list_parses(cls, value: str) -> str:
        from tutorloop.media.fetch import AllowList

        AllowList.parse(value)  # a mistyped entry stops the server at start, not a fetch later
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tutorloop.db').resolve()}"

    @property
    def resolved_media_dir(self) -> Path:
        """The local media root."""
        return (self.media_dir or self.data_dir / "media").resolve()

    @property
    def resolved_media_cache_dir(self) -> Path:
        """Where fetched media and thumbnails are kept."""
        return (self.media_cache_dir or self.data_dir / "media-cache").resolve()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
