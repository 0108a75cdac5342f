"""UI strings: one JSON catalog per language, `translate()` for Python and `t()` inside templates.

Every string a person reads in the web UI comes from a catalog (`en.json`, `ar.json`). Keys are dotted
(`nav.projects`); values may hold `{name}` placeholders filled from keyword arguments. A key missing
from a catalog falls back to English, then to the key itself, so a gap is visible but never fatal.
The page embeds its language's catalog for the JavaScript side (`static/js/i18n.js`).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import pass_context

HERE = Path(__file__).parent
DEFAULT_LOCALE = "en"
LOCALES: dict[str, dict[str, str]] = {
    # code: {name shown in the switcher, text direction}
    "en": {"name": "English", "dir": "ltr"},
    "ar": {"name": "العربية", "dir": "rtl"},
}
COOKIE = "tl_lang"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@lru_cache
def catalog(locale: str) -> dict[str, str]:
    """The catalog of one language (English for an unknown one)."""
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    return load_catalog(locale)


def load_catalog(locale: str) -> dict[str, str]:
    """`<locale>.json` merged with the per-area parts in `<locale>/*.json` (a key may be defined once)."""
    with open(HERE / f"{locale}.json", encoding="utf-8") as f:
        merged = json.load(f)
    for part in sorted((HERE / locale).glob("*.json")):
        with open(part, encoding="utf-8") as f:
            extra = json.load(f)
        clash = sorted(set(extra) & set(merged))
        if clash:
            raise ValueError(f"{locale}/{part.name} redefines {clash[0]!r}")
        merged.update(extra)
    return merged


def translate(locale: str, key: str, **params: Any) -> str:
    """The text of `key` in `locale`, with `{name}` placeholders replaced by `params`."""
    text = catalog(locale).get(key)
    if text is None:
        text = catalog(DEFAULT_LOCALE).get(key, key)
    if not params:
        return text
    return _PLACEHOLDER.sub(lambda m: str(params[m[1]]) if m[1] in params else m[0], text)


def direction(locale: str) -> str:
    """`rtl` or `ltr`."""
    return LOCALES.get(locale, LOCALES[DEFAULT_LOCALE])["dir"]


def normalise(tag: str | None) -> str | None:
    """`ar-EG` → `ar`; None for a language we do not have."""
    if not tag:
        return None
    base = tag.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LOCALES else None


def from_accept_language(header: str | None) -> str | None:
    """The best supported language of an `Accept-Language` header, or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                quality = 0.0
        code = normalise(tag)
        if code and quality > 0:
            ranked.append((-quality, index, code))
    return min(ranked)[2] if ranked else None


def resolve_locale(request: Any, user: Any = None) -> str:
    """The signed-in person's language, else the `tl_lang` cookie, else `Accept-Language`, else English."""
    return (
        normalise(getattr(user, "locale", None))
        or normalise(request.cookies.get(COOKIE))
        or from_accept_language(request.headers.get("accept-language"))
        or DEFAULT_LOCALE
    )


@pass_context
def _template_t(context: Any, key: str, **params: Any) -> str:
    return translate(context.get("locale") or DEFAULT_LOCALE, key, **params)


def install(env: Any) -> None:
    """Make `t(key, **params)` (using the template's `locale` variable) and `LOCALES` global in Jinja."""
    env.globals["t"] = _template_t
    env.globals["LOCALES"] = LOCALES
