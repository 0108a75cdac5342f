"""The on-disk cache of fetched media and thumbnails, and per-key locks so each is made once per process.

Layout under the cache root (`TUTORLOOP_MEDIA_CACHE_DIR`, default `<data_dir>/media-cache`):

    urls/<ab>/<sha256 of the URL>          the fetched bytes
    urls/<ab>/<sha256 of the URL>.json     {"url", "final_url", "content_type", "size", "kind", "facts", ...}
    thumbs/<ab>/<sha256 of source+size>.jpg or .webp

Every file is written under a temporary name and renamed into place, so readers never see half a file and
several server processes can share the folder (at worst two of them fetch the same URL once each).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_guard = threading.Lock()
_locks: dict[str, list] = {}  # key → [lock, number of threads using or waiting for it]


@contextmanager
def exclusive(key: str) -> Iterator[None]:
    """Hold the process-wide lock for `key`: one thread fetches a URL or makes a thumbnail, others wait."""
    with _guard:
        entry = _locks.setdefault(key, [threading.Lock(), 0])
        entry[1] += 1
    try:
        with entry[0]:
            yield
    finally:
        with _guard:
            entry[1] -= 1
            if entry[1] == 0:
                del _locks[key]


def digest(text: str) -> str:
    """The SHA-256 hex digest of a text (cache file names)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedUrl:
    """A fetched URL on disk: its bytes, what the remote server said it is, and the facts read from it."""

    path: Path
    content_type: str
    kind: str
    facts: dict


class MediaCache:
    """Fetched URLs (content-addressed by the URL's hash) and thumbnails under one root folder."""

    def __init__(self, root: Path):
        self.root = root

    def _shard(self, area: str, key: str) -> Path:
        folder = self.root / area / key[:2]
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def temp_path(self, area: str) -> Path:
        """A fresh temporary file name inside `area` (same file system as its final place)."""
        folder = self.root / area
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f".part-{os.getpid()}-{secrets.token_hex(8)}"

    def url_paths(self, url: str) -> tuple[Path, Path]:
        """Where a URL's bytes and its description are kept."""
        key = digest(url)
        folder = self.root / "urls" / key[:2]
        return folder / key, folder / f"{key}.json"

    def lookup_url(self, url: str) -> CachedUrl | None:
        """The cached copy of a URL, or None when it was never fetched (or its files are gone)."""
        body, meta_path = self.url_paths(url)
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            return None
        if meta.get("url") != url or not body.is_file():
            return None
        return CachedUrl(body, meta["content_type"], meta["kind"], meta.get("facts") or {})

    def store_url(self, url: str, temp: Path, *, final_url: str, content_type: str, kind: str,
                  facts: dict) -> CachedUrl:
        """Move a finished download into place and describe it; the description is written last."""
        key = digest(url)
        folder = self._shard("urls", key)
        body = folder / key
        os.replace(temp, body)
        meta = {"url": url, "final_url": final_url, "content_type": content_type, "kind": kind, "facts": facts,
                "size": body.stat().st_size, "fetched_at": datetime.now(UTC).isoformat()}
        meta_temp = self.temp_path("urls")
        meta_temp.write_text(json.dumps(meta, ensure_ascii=False))
        os.replace(meta_temp, folder / f"{key}.json")
        return CachedUrl(body, content_type, kind, facts)

    def thumb_path(self, key: str, suffix: str) -> Path:
        """Where the thumbnail with this key is kept."""
        return self.root / "thumbs" / key[:2] / f"{key}{suffix}"
