"""The `tutorloop` command (also `python -m tutorloop`)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from tutorloop.config import Settings, get_settings
from tutorloop.errors import TutorloopError


def _db(settings: Settings):
    from tutorloop.db import Database
    from tutorloop.errors import Conflict
    from tutorloop.migrations import current, head

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if current(settings.resolved_database_url) != head():
        raise Conflict("the database is not up to date: run `tutorloop db upgrade` first")
    return Database(settings.resolved_database_url, pool_size=2)


def _progress(total: int | None, description: str):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        transient=False, disable=not sys.stderr.isatty())
    return progress, progress.add_task(description, total=total)


def cmd_db_upgrade(args, settings: Settings) -> int:
    from tutorloop.migrations import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    print(f"database is up to date ({_safe_url(settings.resolved_database_url)})")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from tutorloop.migrations import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    host, port = args.host or settings.host, args.port or settings.port
    print(f"tutorloop is serving on http://{host}:{port}/", flush=True)
    uvicorn.run("tutorloop.app:create_app", factory=True, host=host, port=port, workers=args.workers,
                log_level=args.log_level, access_log=args.access_log)
    return 0


def cmd_users_add(args, settings: Settings) -> int:
    from tutorloop.accounts.service import create_user

    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    with _db(settings).session() as session:
        user = create_user(session, actor=None, username=args.username, password=password, role=args.role,
                           display_name=args.display_name or "")
        print(f"created {user.role} {user.username} (id {user.id})")
    return 0


def cmd_users_list(args, settings: Settings) -> int:
    from sqlalchemy import select

    from tutorloop.accounts.models import User

    with _db(settings).session(write=False) as session:
        for user in session.scalars(select(User).order_by(User.id)):
            state = "active" if user.is_active else "deactivated"
            print(f"{user.id}\t{user.username}\t{user.role}\t{state}\t{user.display_name}")
    return 0


def cmd_users_set_active(args, settings: Settings) -> int:
    from tutorloop.accounts.service import get_user_by_name, set_active

    with _db(settings).session() as session:
        for name in args.usernames:
            user = get_user_by_name(session, username=name)
            set_active(session, actor=None, user=user, active=args.active)
            print(f"{'reactivated' if args.active else 'deactivated'} {name}")
    return 0


def cmd_users_token(args, settings: Settings) -> int:
    from tutorloop.accounts.service import issue_token_for

    with _db(settings).session() as session:
        print(issue_token_for(session, username=args.username, name=args.name))
    return 0


def cmd_projects_create(args, settings: Settings) -> int:
    from tutorloop.projects.service import create_project
    from tutorloop.schema.spec import load_spec_text

    raw = load_spec_text(Path(args.schema).read_text(encoding="utf-8"))
    with _db(settings).session() as session:
        project = create_project(session, actor=None, raw_spec=raw)
        if args.manager:
            from tutorloop.accounts.service import get_user_by_name
            from tutorloop.projects.service import set_member

            user = get_user_by_name(session, username=args.manager)
            set_member(session, actor=None, project_id=project.id, user_id=user.id, role="manager")
        print(project.id)
    return 0


def cmd_projects_list(args, settings: Settings) -> int:
    from sqlalchemy import select

    from tutorloop.projects.models import Project

    with _db(settings).session(write=False) as session:
        for p in session.scalars(select(Project).order_by(Project.id)):
            print(f"{p.id}\t{p.name}\t{p.complete_count}/{p.item_count} complete\toverlap {p.overlap}")
    return 0


def cmd_import(args, settings: Settings) -> int:
    from tutorloop.formats.items import guess_format
    from tutorloop.items.service import import_items

    data = Path(args.file).read_bytes()
    fmt = args.format or guess_format(args.file, data[:64])
    progress, task = _progress(None, f"importing {Path(args.file).name}")
    with progress, _db(settings).session() as session:
        summary = import_items(session, actor=None, project_id=args.project, data=data, fmt=fmt,
                               progress=lambda n: progress.update(task, completed=n),
                               media_root=settings.resolved_media_dir, question=args.question, target=args.target)
    print(json.dumps(summary))
    return 0


def cmd_export(args, settings: Settings) -> int:
    from tutorloop.errors import NotFound
    from tutorloop.exports.service import iter_export
    from tutorloop.projects.models import Project

    db = _db(settings)
    with db.session(write=False) as session:
        project = session.get(Project, args.project)
        if project is None:
            raise NotFound(f"Project {args.project} not found.", where="project")
        progress, task = _progress(project.item_count, f"exporting project {project.id}")
        binary = args.format in ("yolo", "voc", "mot")  # zip archives
        if args.output == "-":
            out = sys.stdout.buffer if binary else sys.stdout
        else:
            out = open(args.output, "wb") if binary else open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115
        try:
            with progress:
                for chunk in iter_export(session, project=project, fmt=args.format, question=args.question,
                                         source=args.source):
                    out.write(chunk)
                    progress.update(task, advance=chunk.count("\n") if args.format == "jsonl" else 0)
        finally:
            if args.output != "-":
                out.close()
    if args.output != "-":
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_quality_aggregate(args, settings: Settings) -> int:
    import pandas as pd

    from tutorloop.quality import aggregate

    labels = _read_label_csv(args.file, ("item", "worker", "label"))
    gold = None
    if args.gold:
        gold_frame = _read_label_csv(args.gold, ("item", "label"))
        gold = dict(zip(gold_frame["item"], gold_frame["label"], strict=True))
    result = aggregate(labels, method=args.method, gold=gold, seed=args.seed)
    out = result.labels_.reset_index()
    out.columns = ["item", "label", "confidence"]
    if args.output and args.output != "-":
        out.to_csv(args.output, index=False)
        print(f"wrote {len(out)} items to {args.output} (method {result.method})", file=sys.stderr)
    else:
        out.to_csv(sys.stdout, index=False)
    if args.skills:
        skills = result.skills_.reset_index().rename(columns={"index": "worker"})
        skills.to_csv(args.skills, index=False)
    if gold:
        truth = pd.Series(gold)
        common = out.set_index("item")["label"].reindex(truth.index).dropna()
        accuracy = float((common == truth.loc[common.index]).mean()) if len(common) else float("nan")
        print(f"accuracy on {len(common)} gold items: {accuracy:.4f}", file=sys.stderr)
    return 0


def _read_label_csv(path: str, columns: tuple[str, ...]):
    import pandas as pd

    from tutorloop.errors import Invalid

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise Invalid(f"{path}: not a readable CSV file ({exc})", where=path) from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise Invalid(f"{path}: missing column(s) {', '.join(missing)}; expected {','.join(columns)}", where=path)
    return frame[list(columns)]


def cmd_quality_refit(args, settings: Settings) -> int:
    from tutorloop.consensus.refit import refit_project
    from tutorloop.errors import NotFound
    from tutorloop.projects.models import Project

    db = _db(settings)
    with db.session(write=False) as session:
        if session.get(Project, args.project) is None:
            raise NotFound(f"Project {args.project} not found.", where="project")
    print(json.dumps(refit_project(db, project_id=args.project)))
    return 0


def cmd_demo(args, settings: Settings) -> int:
    from tutorloop.demo import run_demo

    return run_demo(settings, serve=not args.no_serve, reset=args.reset, port=args.port)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="tutorloop", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="set up demo people and projects, then serve")
    demo.add_argument("--no-serve", action="store_true", help="only set up; do not start the server")
    demo.add_argument("--reset", action="store_true", help="delete the demo database first")
    demo.add_argument("--port", type=int, default=None)
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="run the web app and API")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database management").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    users = sub.add_parser("users", help="manage people").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="create a person")
    add.add_argument("username")
    add.add_argument("--role", choices=["admin", "manager", "reviewer", "annotator"], default="annotator")
    add.add_argument("--password", help="asked for when omitted")
    add.add_argument("--display-name")
    add.set_defaults(func=cmd_users_add)
    users.add_parser("list", help="list people").set_defaults(func=cmd_users_list)
    deact = users.add_parser("deactivate", help="revoke all access at once; work is kept")
    deact.add_argument("usernames", nargs="+")
    deact.set_defaults(func=cmd_users_set_active, active=False)
    react = users.add_parser("reactivate", help="restore access (old sessions stay revoked)")
    react.add_argument("usernames", nargs="+")
    react.set_defaults(func=cmd_users_set_active, active=True)
    token = users.add_parser("token", help="print a new API token for a person")
    token.add_argument("username")
    token.add_argument("--name", default="cli")
    token.set_defaults(func=cmd_users_token)

    projects = sub.add_parser("projects", help="manage projects").add_subparsers(dest="projects_command",
                                                                               required=True)
    create = projects.add_parser("create", help="create a project from a schema file (YAML or JSON)")
    create.add_argument("--schema", required=True)
    create.add_argument("--manager", help="username to add as the project's manager")
    create.set_defaults(func=cmd_projects_create)
    projects.add_parser("list", help="list projects").set_defaults(func=cmd_projects_list)

    imp = sub.add_parser("import", help="import items into a project (all or nothing)")
    imp.add_argument("project", type=int)
    imp.add_argument("file")
    imp.add_argument("--format", choices=["jsonl", "json", "csv", "coco", "yolo", "voc", "conll", "spacy", "mot",
                                          "openai_chat", "trl_preference", "prompts", "candidates"],
                     help="jsonl, json or csv items; or pre-annotations (stored as predictions of the project's "
                          "one question of a type the format carries): coco, yolo, voc, conll, spacy, mot; or chats: "
                          "openai_chat, trl_preference, prompts, candidates")
    imp.add_argument("--question", help="the question an annotation file answers (when several would fit)")
    imp.add_argument("--as", dest="target", choices=["predictions", "gold"], default="predictions",
                     help="store an annotation file's answers as predictions (default) or gold answers")
    imp.set_defaults(func=cmd_import)

    quality = sub.add_parser("quality", help="the quality engine").add_subparsers(dest="quality_command",
                                                                              required=True)
    agg = quality.add_parser("aggregate", help="infer true labels from any item,worker,label CSV")
    agg.add_argument("file", help="CSV with columns item,worker,label")
    agg.add_argument("--method", default="auto",
                     choices=["auto", "majority", "wawa", "dawid_skene", "one_coin", "glad", "mace"])
    agg.add_argument("--gold", help="CSV with columns item,label: known answers (clamped, and scored)")
    agg.add_argument("--seed", type=int, default=0)
    agg.add_argument("-o", "--output", default="-", help="where to write item,label,confidence (default stdout)")
    agg.add_argument("--skills", help="also write each worker's estimated accuracy to this CSV")
    agg.set_defaults(func=cmd_quality_aggregate)
    refit = quality.add_parser("refit", help="refit a project's consensus and skills now")
    refit.add_argument("project", type=int)
    refit.set_defaults(func=cmd_quality_refit)

    exp = sub.add_parser("export", help="export a project's items, annotations and consensus")
    exp.add_argument("project", type=int)
    exp.add_argument("--format", choices=["jsonl", "csv", "coco", "yolo", "voc", "conll", "spacy", "mot", "sft",
                                          "prompt_completion", "dpo", "kto", "reward_pairs", "helpsteer",
                                          "helpsteer_csv", "oasst"],
                     default="jsonl", help="jsonl or csv (everything), or one question's answers: coco, yolo, voc "
                                           "(image shapes), conll, spacy (text spans), mot (video tracks); or chat "
                                           "training data: sft, prompt_completion, dpo, kto, reward_pairs, "
                                           "helpsteer, helpsteer_csv, oasst")
    exp.add_argument("--question", help="the question an annotation format holds (when several would fit)")
    exp.add_argument("--source", choices=["consensus", "predictions", "gold", "annotations"], default="consensus",
                     help="whose answers an annotation format holds (default consensus)")
    exp.add_argument("-o", "--output", default="-")
    exp.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; project errors print as `error: ...` with exit code 1."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, get_settings())
    except TutorloopError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: no such file: {exc.filename}", file=sys.stderr)
        return 1
