"""The docs list every setting and every command, and the README gives the two commands."""

from pathlib import Path

from tutorloop.cli import build_parser
from tutorloop.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme


def test_every_setting_is_documented():
    text = (ROOT / "docs" / "deployment.md").read_text()
    for name in Settings.model_fields:
        assert f"TUTORLOOP_{name.upper()}" in text, name


def test_every_command_is_documented():
    text = (ROOT / "docs" / "user-guide.md").read_text() + (ROOT / "docs" / "deployment.md").read_text()
    parser = build_parser()
    for name, sub in parser._subparsers._group_actions[0].choices.items():
        nested = [a for a in sub._actions if a.__class__.__name__ == "_SubParsersAction"]
        if nested:
            for child in nested[0].choices:
                assert f"tutorloop {name} {child}" in text, f"{name} {child}"
        else:
            assert f"tutorloop {name}" in text, name


def test_every_api_route_is_documented():
    from tutorloop.app import create_app

    text = (ROOT / "docs" / "api.md").read_text()
    for path in create_app(Settings(database_url="sqlite://")).openapi()["paths"]:
        if path.startswith("/api/v1"):
            assert path.removeprefix("/api/v1").replace("{project_id}", "{pid}") in text, path
