"""Run one crowd-kit aggregation method on one dataset folder; print one JSON line with accuracy and seconds.

Run with the Python of the virtualenv that has crowd-kit (``bench/.venv-crowdkit``), never tutorloop's:
``bench/aggregation.py`` starts it in a subprocess, one per (dataset, method), so each run is bounded by a
timeout and a crash or hang in one method costs only that figure.

    bench/.venv-crowdkit/bin/python bench/_crowdkit.py --dataset data/crowd/product --method dawid_skene

Timing covers ``fit_predict`` only (the same span as tutorloop's ``aggregate`` call: from the labels
DataFrame to the inferred labels); imports and CSV reading are excluded. Every method runs with crowd-kit's
default settings, with ``random_state`` fixed where the class takes one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

# crowd-kit class per tutorloop method name
CLASSES = {
    "majority": "MajorityVote",
    "wawa": "Wawa",
    "dawid_skene": "DawidSkene",
    "one_coin": "OneCoinDawidSkene",
    "glad": "GLAD",
    "mace": "MACE",
}


def main() -> None:
    """Parse arguments, run the method, print the JSON line (with ``error`` set when it failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, type=Path, help="folder with labels.csv and gold.csv")
    parser.add_argument("--method", required=True, choices=sorted(CLASSES))
    args = parser.parse_args()
    out = {"dataset": args.dataset.name, "method": args.method, "accuracy": None, "seconds": None,
           "error": None, "crowdkit_class": CLASSES[args.method]}
    try:
        import crowdkit
        import pandas as pd
        import sklearn
        from crowdkit import aggregation

        out["crowdkit_version"] = getattr(crowdkit, "__version__", None)
        out["sklearn_version"] = sklearn.__version__
        labels = pd.read_csv(args.dataset / "labels.csv").rename(columns={"item": "task"})
        gold = pd.read_csv(args.dataset / "gold.csv").set_index("item")["label"]
        cls = getattr(aggregation, CLASSES[args.method])
        try:
            model = cls(random_state=0)
        except TypeError:
            model = cls()
        start = time.perf_counter()
        predicted = model.fit_predict(labels)
        out["seconds"] = time.perf_counter() - start
        out["accuracy"] = float((predicted.reindex(gold.index) == gold).mean())
    except Exception as exc:  # noqa: BLE001 - any failure is reported next to the missing figure
        out["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    print(json.dumps(out), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
