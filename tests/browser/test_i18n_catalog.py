"""Every UI string key used by a template, a route or a JavaScript module exists in every catalog.

Runs without a browser. Keys are found as `t('key'…)` calls in templates and JavaScript, `title="key"` in
the page routes, and dotted string literals in JavaScript (the small maps from values to keys).
"""

import re
from pathlib import Path

import pytest

from tutorloop.accounts.models import ROLES
from tutorloop.i18n import LOCALES, from_accept_language, load_catalog, translate

ROOT = Path(__file__).resolve().parents[2] / "src" / "tutorloop"
WEB = ROOT / "web"
TEMPLATE_CALL = re.compile(r"""\bt\(\s*['"]([A-Za-z0-9_.]+)['"]\s*[,)]""")
TEMPLATE_DYNAMIC = re.compile(r"""\bt\(\s*['"]([A-Za-z0-9_.]+\.)['"]\s*~""")
JS_CALL = re.compile(r"""\bt\(\s*'([A-Za-z0-9_.]+)'""")
JS_DYNAMIC = re.compile(r"""\bt\(\s*`""")
JS_KEY_LITERAL = re.compile(r"""'([a-z][a-z_]*\.[A-Za-z][A-Za-z_.]*)'""")
# the values a dynamic template key (`t('role.' ~ user.role)`) can end with
DYNAMIC = {"role.": ROLES, "lang.": tuple(LOCALES)}


def catalogs() -> dict[str, dict[str, str]]:
    return {code: load_catalog(code) for code in LOCALES}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in (WEB / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        keys |= set(TEMPLATE_CALL.findall(text))
        for prefix in TEMPLATE_DYNAMIC.findall(text):
            assert prefix in DYNAMIC, f"{path.name}: dynamic key t('{prefix}' ~ …) has no known values"
            keys |= {prefix + value for value in DYNAMIC[prefix]}
    keys |= set(re.findall(r'title="([A-Za-z0-9_.]+)"', (WEB / "routes.py").read_text(encoding="utf-8")))
    for path in (WEB / "static" / "js").rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert not JS_DYNAMIC.search(text), f"{path.name}: build keys from a map, not a template string"
        keys |= set(JS_CALL.findall(text)) | set(JS_KEY_LITERAL.findall(text))
    return keys


def test_templates_and_scripts_use_catalog_keys():
    keys = used_keys()
    assert len(keys) > 150  # the scan finds the keys at all
    for code, catalog in catalogs().items():
        missing = sorted(keys - set(catalog))
        assert not missing, f"{code}.json lacks {missing}"


def test_catalogs_have_the_same_keys_and_placeholders():
    all_catalogs = catalogs()
    english = all_catalogs["en"]
    for code, catalog in all_catalogs.items():
        assert set(catalog) == set(english), f"{code}.json differs: {sorted(set(catalog) ^ set(english))}"
        for key, text in catalog.items():
            assert text.strip(), f"{code}.json: {key} is empty"
            placeholders = set(re.findall(r"\{(\w+)\}", text))
            assert placeholders == set(re.findall(r"\{(\w+)\}", english[key])), f"{code}.json: {key} placeholders"


def test_arabic_is_translated():
    arabic = catalogs()["ar"]
    same = [k for k, v in arabic.items() if v == catalogs()["en"][k] and re.search(r"[A-Za-z]{3}", v)]
    assert set(same) <= {"lang.en"}, same


def test_translate_fills_placeholders_and_falls_back():
    assert translate("en", "members.added", username="ann") == "ann added."
    assert translate("ar", "members.added", username="ann") == "تمت إضافة ann."
    assert translate("fr", "nav.projects") == "Projects"
    assert translate("en", "no.such.key") == "no.such.key"


@pytest.mark.parametrize(("header", "expected"), [
    ("ar-EG,ar;q=0.9,en;q=0.8", "ar"),
    ("en-GB,en;q=0.9,ar;q=0.8", "en"),
    ("fr-FR,ar;q=0.5", "ar"),
    ("de", None),
    ("ar;q=0, en;q=0.1", "en"),
    ("", None),
])
def test_accept_language(header, expected):
    assert from_accept_language(header) == expected
