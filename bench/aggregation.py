"""Label aggregation benchmark: tutorloop's methods vs crowd-kit's on real crowd datasets, plus a scale test.

    .venv/bin/python bench/aggregation.py                      # every dataset folder under data/crowd
    .venv/bin/python bench/aggregation.py --data DIR --skip-crowdkit --synthetic-items 100000

For every dataset folder under ``--data`` (one with ``labels.csv`` and ``gold.csv``) it runs each tutorloop
method and crowd-kit's corresponding class, and prints accuracy on the gold items and wall time side by side.
Then it aggregates a synthetic problem (default 1,000,000 items, 5,000,000 labels, 10 classes) with
Dawid-Skene and reports seconds and peak memory.

* Timing covers the aggregation call only, from the labels DataFrame to the inferred labels (tutorloop's
  ``aggregate``, crowd-kit's ``fit_predict``); reading the CSVs and imports are excluded.
* Every run is a subprocess with a timeout: tutorloop per dataset (``--ours-timeout``), crowd-kit per
  (dataset, method) (``--crowdkit-timeout``), the scale test (``--synthetic-timeout``). A run that times out
  or fails has null figures and its reason on stderr and in ``errors``.
* crowd-kit lives in its own virtualenv (``bench/.venv-crowdkit``, gitignored), created on first use with
  ``crowd-kit==1.4.2`` and ``scikit-learn<1.6`` (crowd-kit 1.4.2's Wawa calls scikit-learn's pre-1.6 tag API
  and fails with 1.6 and later). If it cannot be installed the reason is printed and crowd-kit's fields are
  null; tutorloop's figures are still reported.
* Peak memory of the scale test is the subprocess's maximum resident set size (``getrusage``), data
  generation included.
* The machine may be shared with other work: the load average before and after is printed, and figures can
  vary between runs; compare within one run.

The last line of stdout is one JSON object: ``{"results": [{"dataset", "method", "accuracy", "seconds",
"crowdkit_accuracy", "crowdkit_seconds", ...}], "synthetic_seconds", "synthetic_peak_mb", ...}``. For
``auto`` the crowd-kit columns hold crowd-kit's best method on that dataset (named in ``crowdkit_method``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("majority", "wawa", "dawid_skene", "one_coin", "glad", "mace", "auto")
CROWDKIT_METHODS = {"majority": "MajorityVote", "wawa": "Wawa", "dawid_skene": "DawidSkene",
                    "one_coin": "OneCoinDawidSkene", "glad": "GLAD", "mace": "MACE"}
CROWDKIT_REQUIREMENTS = ["crowd-kit==1.4.2", "scikit-learn<1.6"]


def log(message: str) -> None:
    """Progress goes to stderr so that stdout stays the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_json_lines(cmd: list[str], *, timeout: float) -> tuple[list[dict], str | None]:
    """Run a command; the JSON objects it printed one per line, and an error text (timeout, exit code) or None."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              check=False, cwd=ROOT)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return _parse_lines(out), f"timed out after {timeout:.0f} s"
    error = None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()
        error = f"exit code {proc.returncode}: {tail[-1] if tail else '(no output)'}"
    return _parse_lines(proc.stdout), error


def _parse_lines(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return rows


# ---------------------------------------------------------------------------------------------- subprocess modes
def ours_on_dataset(folder: Path, methods: list[str]) -> None:
    """(Subprocess) run tutorloop's methods on one dataset; one JSON line per method."""
    import pandas as pd

    from tutorloop.quality import aggregate

    labels = pd.read_csv(folder / "labels.csv")
    gold = pd.read_csv(folder / "gold.csv").set_index("item")["label"]
    aggregate(labels.head(50), method="majority")  # warm imports and caches outside the timed span
    for method in methods:
        start = time.perf_counter()
        res = aggregate(labels, method=method)
        seconds = time.perf_counter() - start
        accuracy = float((res.labels_["label"].reindex(gold.index) == gold).mean())
        print(json.dumps({"dataset": folder.name, "method": method, "accuracy": accuracy, "seconds": seconds,
                          "iterations": res.iterations_, "converged": res.converged_}), flush=True)


def synthetic(n_items: int, n_labels: int, n_classes: int, n_workers: int) -> None:
    """(Subprocess) aggregate a generated problem with Dawid-Skene; print seconds, accuracy and peak memory."""
    import numpy as np

    from tutorloop.quality import aggregate

    rng = np.random.default_rng(0)
    truth = rng.integers(0, n_classes, n_items)
    # n_labels spread evenly over the items (the first n_labels % n_items items get one more); an item's
    # workers are spaced n_workers / per_item apart from a random start, so no (item, worker) pair repeats.
    item = np.arange(n_labels) % n_items
    slot = np.arange(n_labels) // n_items
    per_item = int(slot.max()) + 1
    worker = (rng.integers(0, n_workers, n_items)[item] + slot * max(n_workers // per_item, 1)) % n_workers
    accuracy = rng.uniform(0.3, 0.95, n_workers)  # from near-spammers to careful workers
    right = rng.random(n_labels) < accuracy[worker]
    wrong = (truth[item] + rng.integers(1, n_classes, n_labels)) % n_classes
    label = np.where(right, truth[item], wrong)
    generated_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    res = aggregate((item, worker, label), method="dawid_skene")
    seconds = time.perf_counter() - start
    inferred = res.labels_["label"].to_numpy()
    index = res.labels_.index.to_numpy()
    print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "peak_mb_after_generation": generated_mb, "items": len(index),
                      "labels": int(n_labels), "classes": n_classes, "workers": n_workers,
                      "iterations": res.iterations_, "converged": res.converged_,
                      "accuracy": float((inferred == truth[index]).mean())}), flush=True)


# ------------------------------------------------------------------------------------------------- crowd-kit venv
def ensure_crowdkit(python: Path, *, install_timeout: float) -> str | None:
    """Create crowd-kit's virtualenv if needed; None when ready, else why it is not."""
    check = [str(python), "-c", "import crowdkit, sklearn; print(sklearn.__version__)"]
    if python.exists():
        ok = subprocess.run(check, capture_output=True, text=True, timeout=120, check=False)
        if ok.returncode == 0 and _version(ok.stdout) < (1, 6):
            return None
    venv = python.parent.parent
    log(f"installing {' '.join(CROWDKIT_REQUIREMENTS)} into {venv} (bounded by {install_timeout:.0f} s)")
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True,
                           timeout=300)
        proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *CROWDKIT_REQUIREMENTS],
                              capture_output=True, text=True, timeout=install_timeout, check=False)
    except (subprocess.SubprocessError, OSError) as exc:
        return f"could not create {venv}: {exc}"
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()
        return f"pip install failed: {tail[-1] if tail else proc.returncode}"
    ok = subprocess.run(check, capture_output=True, text=True, timeout=120, check=False)
    return None if ok.returncode == 0 else f"crowd-kit does not import: {ok.stderr.strip()[-300:]}"


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.strip().split(".")[:2])
    except ValueError:
        return (999,)


# ----------------------------------------------------------------------------------------------------- the bench
def dataset_folders(data: Path) -> list[Path]:
    """Every folder under ``data`` that holds labels.csv and gold.csv, by name."""
    return sorted(p for p in data.iterdir() if (p / "labels.csv").exists() and (p / "gold.csv").exists())


def run_ours(folders: list[Path], methods: list[str], *, timeout: float, errors: list[str]) -> dict:
    """tutorloop's figures: {(dataset, method): row}."""
    found = {}
    for folder in folders:
        log(f"tutorloop on {folder.name}")
        rows, error = run_json_lines([sys.executable, __file__, "--_ours", str(folder), "--methods",
                                      ",".join(methods)], timeout=timeout)
        if error:
            errors.append(f"tutorloop {folder.name}: {error}")
            log(f"  tutorloop {folder.name}: {error}")
        for row in rows:
            found[(row["dataset"], row["method"])] = row
    return found


def run_crowdkit(python: Path, folders: list[Path], methods: list[str], *, timeout: float,
                 errors: list[str]) -> dict:
    """crowd-kit's figures: {(dataset, method): row}, one bounded subprocess per pair."""
    found = {}
    script = str(Path(__file__).with_name("_crowdkit.py"))
    for folder in folders:
        for method in methods:
            if method not in CROWDKIT_METHODS:
                continue
            rows, error = run_json_lines([str(python), script, "--dataset", str(folder), "--method", method],
                                         timeout=timeout)
            row = rows[0] if rows else {"accuracy": None, "seconds": None}
            error = error or row.get("error")
            if error:
                errors.append(f"crowd-kit {CROWDKIT_METHODS[method]} on {folder.name}: {error}")
            found[(folder.name, method)] = row
            shown = "-" if row.get("accuracy") is None else f"{row['accuracy']:.4f} in {row['seconds']:.2f} s"
            log(f"crowd-kit {CROWDKIT_METHODS[method]:>17} on {folder.name:<10} {shown}{'  ' + error if error else ''}")
    return found


def combine(folders: list[Path], methods: list[str], ours: dict, theirs: dict) -> list[dict]:
    """One row per (dataset, method) with both sides; auto is set against crowd-kit's best on the dataset."""
    results = []
    for folder in folders:
        name = folder.name
        best = max((r for (d, m), r in theirs.items() if d == name and r.get("accuracy") is not None),
                   key=lambda r: r["accuracy"], default=None)
        for method in methods:
            mine = ours.get((name, method), {})
            other = best if method == "auto" else theirs.get((name, method))
            row = {"dataset": name, "method": method, "accuracy": mine.get("accuracy"),
                   "seconds": mine.get("seconds"), "crowdkit_accuracy": (other or {}).get("accuracy"),
                   "crowdkit_seconds": (other or {}).get("seconds"),
                   "crowdkit_method": (other or {}).get("crowdkit_class") if other else None}
            if method == "auto" and other:
                row["crowdkit_method"] = f"best: {other.get('crowdkit_class')}"
            results.append(row)
    return results


def _count_labels(folder: Path) -> int:
    with open(folder / "labels.csv") as rows:
        return sum(1 for _ in rows) - 1  # minus the header


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(results: list[dict]) -> None:
    """The side-by-side table on stdout."""
    print(f"{'dataset':<10} {'method':<12} {'ours acc':>8} {'ours s':>8} | {'crowd-kit':>9} {'ck s':>8} "
          f"{'speed-up':>8}  crowd-kit class")
    for r in results:
        speed = (r["crowdkit_seconds"] / r["seconds"]) if r["seconds"] and r["crowdkit_seconds"] else None
        print(f"{r['dataset']:<10} {r['method']:<12} {_fmt(r['accuracy'], '.4f'):>8} "
              f"{_fmt(r['seconds'], '.3f'):>8} | {_fmt(r['crowdkit_accuracy'], '.4f'):>9} "
              f"{_fmt(r['crowdkit_seconds'], '.2f'):>8} {_fmt(speed, '.0f') + 'x' if speed else '-':>8}  "
              f"{r['crowdkit_method'] or ''}")


def check_goals(results: list[dict], synthetic_row: dict | None, folders: list[Path]) -> list[str]:
    """One line per goal of the benchmark, each saying met / NOT met and the figures behind it."""
    lines = []
    by = {(r["dataset"], r["method"]): r for r in results}
    for folder in folders:
        ds, auto = by.get((folder.name, "dawid_skene")), by.get((folder.name, "auto"))
        if ds and ds["accuracy"] is not None and ds["crowdkit_accuracy"] is not None:
            ok = ds["accuracy"] >= ds["crowdkit_accuracy"] - 0.002
            lines.append(f"{'met' if ok else 'NOT met'}: Dawid-Skene on {folder.name} {ds['accuracy']:.4f} vs "
                         f"crowd-kit {ds['crowdkit_accuracy']:.4f} (goal: >= crowd-kit - 0.002)")
        if auto and auto["accuracy"] is not None and auto["crowdkit_accuracy"] is not None:
            ok = auto["accuracy"] >= auto["crowdkit_accuracy"] - 0.005
            lines.append(f"{'met' if ok else 'NOT met'}: auto on {folder.name} {auto['accuracy']:.4f} vs crowd-kit "
                         f"{auto['crowdkit_method']} {auto['crowdkit_accuracy']:.4f} (goal: >= it - 0.005)")
    sizes = {f.name: _count_labels(f) for f in folders}
    if sizes:
        largest = max(sizes, key=sizes.get)
        ds = by.get((largest, "dawid_skene"))
        if ds and ds["seconds"] and ds["crowdkit_seconds"]:
            speed = ds["crowdkit_seconds"] / ds["seconds"]
            lines.append(f"{'met' if speed >= 20 else 'NOT met'}: Dawid-Skene on the largest dataset ({largest}, "
                         f"{sizes[largest]:,} labels) is {speed:.0f}x faster than crowd-kit's (goal: >= 20x)")
    if synthetic_row:
        ok = synthetic_row["seconds"] < 60 and synthetic_row["peak_mb"] < 4096
        lines.append(f"{'met' if ok else 'NOT met'}: synthetic {synthetic_row['items']:,} items / "
                     f"{synthetic_row['labels']:,} labels / {synthetic_row['classes']} classes in "
                     f"{synthetic_row['seconds']:.1f} s, peak {synthetic_row['peak_mb']:.0f} MB "
                     f"(goal: < 60 s, < 4096 MB)")
    return lines


def main() -> None:
    """Parse options, run everything (each part bounded), print the table, the goals and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "crowd", help="folder of dataset folders")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated tutorloop methods")
    parser.add_argument("--crowdkit-python", type=Path, default=ROOT / "bench" / ".venv-crowdkit" / "bin" / "python")
    parser.add_argument("--skip-crowdkit", action="store_true", help="tutorloop's figures only")
    parser.add_argument("--install-timeout", type=float, default=900, help="seconds for installing crowd-kit")
    parser.add_argument("--ours-timeout", type=float, default=600, help="seconds per dataset, all methods")
    parser.add_argument("--crowdkit-timeout", type=float, default=600, help="seconds per crowd-kit method run")
    parser.add_argument("--synthetic-items", type=int, default=1_000_000)
    parser.add_argument("--synthetic-labels", type=int, default=5_000_000)
    parser.add_argument("--synthetic-classes", type=int, default=10)
    parser.add_argument("--synthetic-workers", type=int, default=5_000)
    parser.add_argument("--synthetic-timeout", type=float, default=600, help="0 skips the scale test")
    parser.add_argument("--_ours", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--_synthetic", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    if args._ours:
        ours_on_dataset(args._ours, methods)
        return
    if args._synthetic:
        synthetic(args.synthetic_items, args.synthetic_labels, args.synthetic_classes, args.synthetic_workers)
        return

    load_before = os.getloadavg()
    started = time.perf_counter()
    errors: list[str] = []
    folders = dataset_folders(args.data)
    log(f"{len(folders)} datasets under {args.data}: {', '.join(f.name for f in folders)}")
    ours = run_ours(folders, methods, timeout=args.ours_timeout, errors=errors)

    synthetic_row = None
    if args.synthetic_timeout > 0:
        log(f"synthetic: {args.synthetic_items:,} items, {args.synthetic_labels:,} labels, "
            f"{args.synthetic_classes} classes, Dawid-Skene")
        rows, error = run_json_lines([sys.executable, __file__, "--_synthetic",
                                      "--synthetic-items", str(args.synthetic_items),
                                      "--synthetic-labels", str(args.synthetic_labels),
                                      "--synthetic-classes", str(args.synthetic_classes),
                                      "--synthetic-workers", str(args.synthetic_workers)],
                                     timeout=args.synthetic_timeout)
        synthetic_row = rows[0] if rows else None
        if error:
            errors.append(f"synthetic: {error}")

    theirs: dict = {}
    crowdkit_error = "skipped (--skip-crowdkit)" if args.skip_crowdkit else None
    if not args.skip_crowdkit:
        crowdkit_error = ensure_crowdkit(args.crowdkit_python, install_timeout=args.install_timeout)
        if crowdkit_error:
            log(f"crowd-kit unavailable: {crowdkit_error}")
        else:
            theirs = run_crowdkit(args.crowdkit_python, folders, methods, timeout=args.crowdkit_timeout,
                                  errors=errors)

    results = combine(folders, methods, ours, theirs)
    load_after = os.getloadavg()
    print(f"Label aggregation: tutorloop vs crowd-kit 1.4.2 on {len(folders)} datasets under {args.data}")
    print("accuracy = share of gold items labelled correctly; seconds = the aggregation call only")
    print_table(results)
    if crowdkit_error:
        print(f"crowd-kit: {crowdkit_error}")
    if synthetic_row:
        print(f"synthetic (Dawid-Skene): {synthetic_row['items']:,} items, {synthetic_row['labels']:,} labels, "
              f"{synthetic_row['classes']} classes, {synthetic_row['workers']:,} workers: "
              f"{synthetic_row['seconds']:.1f} s, {synthetic_row['iterations']} iterations, accuracy "
              f"{synthetic_row['accuracy']:.4f}, peak RSS {synthetic_row['peak_mb']:.0f} MB "
              f"({synthetic_row['peak_mb_after_generation']:.0f} MB after generating the data)")
    for line in check_goals(results, synthetic_row, folders):
        print(line)
    for error in errors:
        print(f"error: {error}")
    print(f"note: this machine is shared with other work ({os.cpu_count()} CPUs; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after): timings vary between runs")
    print(json.dumps({
        "results": results,
        "synthetic_seconds": synthetic_row["seconds"] if synthetic_row else None,
        "synthetic_peak_mb": synthetic_row["peak_mb"] if synthetic_row else None,
        "synthetic": synthetic_row,
        "crowdkit_error": crowdkit_error,
        "errors": errors,
        "load_average_before": load_before[0],
        "load_average_after": load_after[0],
        "total_seconds": time.perf_counter() - started,
    }))


if __name__ == "__main__":
    main()
