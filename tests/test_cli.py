"""The command line, run as a person would: `python -m tutorloop ...` in a subprocess."""

import csv
import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.conftest import SENTIMENT_SPEC


@pytest.fixture
def cli(tmp_path, database_url):
    env = {**os.environ, "TUTORLOOP_DATA_DIR": str(tmp_path / "data"), "TUTORLOOP_DATABASE_URL": database_url}

    def run(*args, ok=True):
        proc = subprocess.run([sys.executable, "-m", "tutorloop", *args], env=env, capture_output=True,
                              text=True, timeout=120)
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    return run


def test_project_lifecycle_from_the_command_line(cli, tmp_path):
    cli("db", "upgrade")
    cli("users", "add", "boss", "--role", "manager", "--password", "long-password")
    cli("users", "add", "ann", "--password", "long-password")
    schema = tmp_path / "schema.yaml"
    schema.write_text(yaml.safe_dump(SENTIMENT_SPEC), encoding="utf-8")
    pid = cli("projects", "create", "--schema", str(schema), "--manager", "boss").stdout.strip()
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"id": f"x{n}", "text": f"نص {n}"}) + "\n" for n in range(25)),
                     encoding="utf-8")
    assert json.loads(cli("import", pid, str(items)).stdout)["created"] == 25
    assert json.loads(cli("import", pid, str(items)).stdout) == {"created": 0, "updated": 25, "total": 25, "gold": 0}
    out = tmp_path / "out.csv"
    cli("export", pid, "--format", "csv", "-o", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 25 and rows[0]["external_id"] == "x0"
    jsonl = cli("export", pid, "--format", "jsonl").stdout.splitlines()
    assert json.loads(jsonl[3])["data"]["text"] == "نص 3"
    listing = cli("users", "list").stdout
    assert "boss\tmanager\tactive" in listing
    token = cli("users", "token", "ann").stdout.strip()
    assert token.startswith("tl_")
    cli("users", "deactivate", "ann")
    assert "ann\tannotator\tdeactivated" in cli("users", "list").stdout
    assert "ann" not in cli("users", "token", "ann", ok=False).stdout


def test_bad_input_gives_a_clear_error_and_exit_code(cli, tmp_path):
    cli("db", "upgrade")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nfields: []\nquestions: []\n", encoding="utf-8")
    proc = cli("projects", "create", "--schema", str(bad), ok=False)
    assert proc.returncode == 1 and proc.stderr.startswith("error: spec.fields")
    proc = cli("import", "99", str(bad), ok=False)
    assert proc.returncode == 1 and "Project 99 not found" in proc.stderr
    proc = cli("import", "1", str(tmp_path / "missing.jsonl"), ok=False)
    assert proc.returncode == 1 and "no such file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_python_dash_m_and_console_script_are_the_same_command():
    from tutorloop.cli import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    assert {"demo", "serve", "db", "users", "projects", "import", "export"} <= commands


def test_quality_aggregate_on_a_real_crowd_dataset(tmp_path):
    root = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "crowd" / "temp"
    out = tmp_path / "consensus.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "tutorloop", "quality", "aggregate", str(root / "labels.csv"), "--method",
         "dawid_skene", "--gold", str(root / "gold.csv"), "-o", str(out)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 462 and set(rows[0]) == {"item", "label", "confidence"}
    accuracy = float(proc.stderr.split("gold items: ")[1].split()[0])
    assert accuracy > 0.9  # majority vote reaches about 0.94 on this dataset; a broken engine would not


def test_quality_aggregate_names_missing_columns(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("item,who,label\n1,a,x\n")
    proc = subprocess.run([sys.executable, "-m", "tutorloop", "quality", "aggregate", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "missing column(s) worker" in proc.stderr
