"""Annotation formats from the command line: CoNLL in, CoNLL and spaCy out (in process, on SQLite)."""

import json

import pytest
import yaml

from tests.formats.support import TEXT_SPEC
from tutorloop.cli import main
from tutorloop.config import get_settings

CONLL = "-DOCSTART- O\n\nAnna B-PER\njoined O\nAcme B-ORG\n. O\n\n"


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TUTORLOOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TUTORLOOP_DATABASE_URL", raising=False)
    get_settings.cache_clear()

    def command(*args, ok=True):
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        assert (code == 0) == ok, out.err
        return out

    yield command
    get_settings.cache_clear()


def test_conll_in_and_out(run, tmp_path):
    run("db", "upgrade")
    schema = tmp_path / "schema.yaml"
    schema.write_text(yaml.safe_dump(TEXT_SPEC), encoding="utf-8")
    pid = run("projects", "create", "--schema", schema).out.strip()
    source = tmp_path / "news.conll"
    source.write_text(CONLL, encoding="utf-8")
    assert json.loads(run("import", pid, source).out)["created"] == 1
    source.write_text(CONLL.replace("B-ORG", "B-ORGANISATION"), encoding="utf-8")
    assert "line 5: 'ORGANISATION' is not a label" in run("import", pid, source, ok=False).err
    assert run("export", pid, "--format", "conll").out == ""  # nobody has answered: no consensus yet
    gold = {"id": "g1", "text": "Anna joined Acme .", "gold": {"entities": {"spans": [
        {"start": 0, "end": 4, "label": "PER"}, {"start": 12, "end": 16, "label": "ORG"}]}}}
    known = tmp_path / "gold.jsonl"
    known.write_text(json.dumps(gold) + "\n", encoding="utf-8")
    assert json.loads(run("import", pid, known).out)["gold"] == 1
    assert run("export", pid, "--format", "conll").out == CONLL
    [row] = [json.loads(r) for r in run("export", pid, "--format", "spacy").out.splitlines()]
    assert row["id"] == "g1" and row["ents"] == [[0, 4, "PER"], [12, 16, "ORG"]]
