#!/usr/bin/env python3
"""UI benchmark: heavy items in headless Chromium — an image with 1,000 boxes, a text of 50,000 characters
with 2,000 spans — time to interactive and time to switch to the next item, tutorloop vs Label Studio.

    .venv/bin/python bench/ui.py                          # 1,000 boxes, 50,000 chars / 2,000 spans, 7 switches
    .venv/bin/python bench/ui.py --skip-label-studio      # tutorloop only
    .venv/bin/python bench/ui.py --boxes 300 --switches 3 # a lighter run

Each system gets a fresh temporary data folder, one project per kind, and items whose model pre-annotations
hold the shapes (tutorloop: `predictions`; Label Studio: `predictions` with prelabelling on), so the
annotator's screen opens with every shape drawn. The browser is Debian's Chromium driven by Playwright.

- time to interactive (TTI): from the start of navigation to the annotation page until the item is shown
  with all its shapes in the page and two animation frames have been painted after that;
- switch: from the key press that skips to the next item until the next item is shown with all its shapes
  and two frames painted (the median over --switches switches).

Progress goes to stderr; stdout is the report, and its last line is one JSON object with the keys
image_tti_ms, image_switch_ms, text_tti_ms, text_switch_ms (tutorloop), the same with a label_studio_
prefix, and the ratios (Label Studio ÷ tutorloop: above 1 means tutorloop is faster).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
from _common import HOST, BenchError, Server, check, clean_env, dumps, free_port, log, run

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "bench-Passw0rd!"
CHROMIUM = "/usr/bin/chromium"
IMAGE_SIZE = (1920, 1080)
WORDS = ("the council met on Monday in Cairo and Amman to discuss water prices with engineers from "
         "Nile Robotics while Sara Cohen and Omar Farouk reported on the new pipeline في القاهرة "
         "والإسكندرية مع شركة الريادة للطاقة").split()


# ------------------------------------------------------------------------------------------------
# Data: the same shapes for both systems


def make_boxes(n: int, seed: int) -> list[dict]:
    """n boxes spread over the image (pixels), labels cycling over three classes."""
    rng = random.Random(seed)
    w_img, h_img = IMAGE_SIZE
    boxes = []
    for i in range(n):
        w, h = rng.uniform(12, 90), rng.uniform(12, 90)
        x, y = rng.uniform(0, w_img - w), rng.uniform(0, h_img - h)
        boxes.append({"id": f"b{i + 1}", "label": ("car", "person", "sign")[i % 3], "x": round(x, 1),
                      "y": round(y, 1), "w": round(w, 1), "h": round(h, 1), "rotation": 0, "attributes": {}})
    return boxes


def make_text(chars: int, spans: int, seed: int) -> tuple[str, list[dict]]:
    """A text of `chars` code points in paragraphs (a line break every ~70 words) with `spans`
    non-overlapping word spans."""
    rng = random.Random(seed)
    parts, words, pos = [], [], 0
    while pos < chars:
        word = rng.choice(WORDS)
        words.append((pos, pos + len(word)))
        parts.append(word)
        sep = "\n" if rng.random() < 1 / 70 else " "
        parts.append(sep)
        pos += len(word) + 1
    text = "".join(parts)[:chars]
    starts = [w for w in words if w[1] <= len(text)]
    chosen = sorted(rng.sample(range(len(starts)), min(spans, len(starts))))
    out = [{"id": f"s{k + 1}", "start": starts[i][0], "end": starts[i][1], "label": ("PER", "ORG", "LOC")[k % 3],
            "attributes": {}} for k, i in enumerate(chosen)]
    return text, out


def make_image_png() -> bytes:
    """A 1920×1080 picture with some texture (so decoding it is not free)."""
    from PIL import Image, ImageDraw

    rng = random.Random(3)
    image = Image.new("RGB", IMAGE_SIZE, (180, 200, 220))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randrange(IMAGE_SIZE[0]), rng.randrange(IMAGE_SIZE[1])
        r = rng.randrange(5, 60)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------
# Browser measurement (shared)

READY_JS = """
async ([probeSource, previous, minimum]) => {
  const seen = new Function(probeSource)();
  if (!(seen && seen.ref && seen.ref !== previous && seen.count >= minimum)) return null;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return { at: performance.now(), ref: seen.ref, count: seen.count };
}
"""
WAIT_JS = """
([probeSource, previous, minimum]) => {
  try {
    const seen = new Function(probeSource)();
    return Boolean(seen && seen.ref && seen.ref !== previous && seen.count >= minimum);
  } catch (e) { return false; }
}
"""


def wait_ready(page, probe: str, previous: str, minimum: int, timeout_s: float) -> dict:
    """Wait (Playwright keeps the time, so a page whose main thread is stuck still times out) until the
    page shows a new item with all its shapes; then two painted frames; {at, ref, count}."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(WAIT_JS, arg=[probe, previous, minimum], polling=10, timeout=timeout_s * 1000)
    except PlaywrightTimeout as exc:
        raise BenchError(f"the item was not shown with its {minimum} shapes within {timeout_s:.0f} s") from exc
    ready = page.evaluate(READY_JS, [probe, previous, minimum])
    if ready is None:
        raise BenchError("the page changed again while being measured")
    return ready


def dom_probe(ref_selector: str, count_selector: str) -> str:
    """JS body returning {ref, count}: the shown item's reference and how many shapes the page holds."""
    return (f"const ref = document.querySelector({json.dumps(ref_selector)});"
            f"return {{ ref: ref ? ref.textContent.trim() : '',"
            f" count: document.querySelectorAll({json.dumps(count_selector)}).length }};")


def measure(page, *, url: str, probe: str, minimum: int, switches: int, switch_key: str,
            timeout_s: float = 180) -> dict:
    """TTI of `url` and the median time of `switches` switches to the next item (a key press each)."""
    page.goto(url, wait_until="commit")
    ready = wait_ready(page, probe, "", minimum, timeout_s)
    tti = ready["at"]  # performance.now() counts from the start of this navigation
    times = []
    previous = ready["ref"]
    for _ in range(switches):
        t0 = page.evaluate("() => performance.now()")
        page.keyboard.press(switch_key)
        ready = wait_ready(page, probe, previous, minimum, timeout_s)
        times.append(ready["at"] - t0)
        previous = ready["ref"]
    return {"tti_ms": round(tti, 1), "switch_ms": round(statistics.median(times), 1) if times else None,
            "switch_all_ms": [round(t, 1) for t in times], "shapes_seen": ready["count"]}


def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise BenchError(f"{CHROMIUM} not found (apt-get install chromium)")
    pw = sync_playwright().start()
    chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
    return pw, chromium


# ------------------------------------------------------------------------------------------------
# tutorloop

IMAGE_SCHEMA = {
    "name": "ui bench — boxes", "fields": [{"name": "image", "type": "image"}],
    "questions": [{"name": "objects", "type": "boxes", "field": "image", "labels": ["car", "person", "sign"]}],
}
TEXT_SCHEMA = {
    "name": "ui bench — spans", "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "entities", "type": "spans", "field": "text", "labels": ["PER", "ORG", "LOC"]}],
}


class Tutorloop:
    def __init__(self, work: Path, python: str):
        self.work, self.python = work, python
        work.mkdir(parents=True, exist_ok=True)
        self.data = work / "data"
        self.env = clean_env({"TUTORLOOP_DATA_DIR": str(self.data), "HOME": str(work),
                              "PYTHONPATH": str(REPO / "src")})
        self.server: Server | None = None
        self.base = ""

    def cli(self, *args: str) -> str:
        return run([self.python, "-m", "tutorloop", *args], env=self.env, cwd=self.work, timeout=300,
                   what=f"tutorloop {' '.join(args[:2])}")

    def start(self) -> None:
        self.cli("db", "upgrade")
        self.cli("users", "add", "bench-admin", "--role", "admin", "--password", PASSWORD)
        self.token = self.cli("users", "token", "bench-admin").strip().splitlines()[-1].strip()
        port = free_port()
        self.base = f"http://{HOST}:{port}"
        self.server = Server("tutorloop", [self.python, "-m", "tutorloop", "serve", "--host", HOST, "--port",
                                           str(port), "--no-access-log"],
                             env=self.env, cwd=self.work, log_path=self.work / "server.log")
        self.server.start()
        self.server.wait_ready(f"{self.base}/api/v1/auth/me", timeout=120)

    def project(self, schema: dict, records: list[dict], media: dict[str, bytes] | None = None) -> int:
        with httpx.Client(base_url=f"{self.base}/api/v1", trust_env=False, timeout=600,
                          headers={"Authorization": f"Bearer {self.token}"}) as c:
            pid = check(c.post("/projects", json={"spec": schema}), "create project").json()["id"]
            for name, body in (media or {}).items():
                path = self.data / "media" / str(pid) / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body)
            body = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
            check(c.post(f"/projects/{pid}/items/import", files={"file": ("items.jsonl", body)},
                         data={"format": "jsonl"}), "import")
            me = check(c.get("/auth/me"), "me").json()
            check(c.put(f"/projects/{pid}/members/{me['user']['id']}", json={"role": "manager"}), "membership")
        return pid

    def login(self, context) -> None:
        r = context.request.post(f"{self.base}/api/v1/auth/login",
                                 data={"username": "bench-admin", "password": PASSWORD})
        if not r.ok:
            raise BenchError(f"tutorloop login: {r.status} {r.text()[:200]}")

    def stop(self) -> None:
        if self.server:
            self.server.stop()


def bench_tutorloop(args, work: Path) -> dict:
    system = Tutorloop(work, args.python)
    system.start()
    try:
        png = make_image_png()
        image_items = [{"id": f"img-{i}", "image": "big.png",
                        "predictions": {"objects": {"value": make_boxes(args.boxes, seed=i), "score": 0.9}}}
                       for i in range(args.switches + 2)]
        image_pid = system.project(IMAGE_SCHEMA, image_items, {"big.png": png})
        text_items = []
        for i in range(args.switches + 2):
            text, spans = make_text(args.chars, args.spans, seed=100 + i)
            text_items.append({"id": f"doc-{i}", "text": text,
                               "predictions": {"entities": {"value": {"spans": spans, "relations": []},
                                                            "score": 0.9}}})
        text_pid = system.project(TEXT_SCHEMA, text_items) if "text" in args.kinds else None
        log("tutorloop: projects ready; opening Chromium")
        pw, chromium = browser()
        try:
            out = {}
            for kind, pid, minimum, count in (
                ("image", image_pid, args.boxes, args.tutorloop_box_selector),
                ("text", text_pid, args.spans, args.tutorloop_span_selector),
            ):
                if kind not in args.kinds.split(","):
                    continue
                context = chromium.new_context(viewport={"width": 1600, "height": 1000})
                system.login(context)
                page = context.new_page()
                result = measure(page, url=f"{system.base}/projects/{pid}/annotate",
                                 probe=dom_probe("[data-testid='item-ref']", count),
                                 minimum=minimum, switches=args.switches, switch_key="s", timeout_s=args.timeout)
                log(f"tutorloop {kind}: TTI {result['tti_ms']:.0f} ms, switch {result['switch_ms']:.0f} ms "
                    f"({result['shapes_seen']} shapes in the page)")
                out[kind] = result
                context.close()
            return out
        finally:
            chromium.close()
            pw.stop()
    finally:
        system.stop()


# ------------------------------------------------------------------------------------------------
# Label Studio (the same data; its own venv, as bench/queue.py installs it)

def bench_label_studio(args, work: Path) -> dict:
    from _labelstudio_ui import run_label_studio_ui

    return run_label_studio_ui(args, work, make_boxes=make_boxes, make_text=make_text,
                               make_image_png=make_image_png, measure=measure, browser=browser,
                               image_size=IMAGE_SIZE)


# ------------------------------------------------------------------------------------------------

def _ratio(theirs, ours):
    return round(theirs / ours, 2) if theirs and ours else None


def report(ours: dict, theirs: dict | None, errors: dict) -> dict:
    final: dict[str, Any] = {
        "image_tti_ms": ours["image"]["tti_ms"], "image_switch_ms": ours["image"]["switch_ms"],
        "text_tti_ms": ours["text"]["tti_ms"], "text_switch_ms": ours["text"]["switch_ms"],
    }
    rows = [("image TTI", "image", "tti_ms"), ("image switch", "image", "switch_ms"),
            ("text TTI", "text", "tti_ms"), ("text switch", "text", "switch_ms")]
    print(f"{'':<14}{'tutorloop':>12}{'Label Studio':>15}{'ratio':>8}")
    for title, kind, key in rows:
        mine = ours[kind][key]
        other = theirs[kind][key] if theirs and kind in theirs else None
        if theirs is not None:
            final[f"label_studio_{kind}_{key}"] = other
            if theirs.get(kind, {}).get("error"):
                errors[f"label_studio_{kind}"] = theirs[kind]["error"]
            final[f"ratio_{kind}_{key.removesuffix('_ms')}"] = _ratio(other, mine)
        print(f"{title:<14}{mine:>10.0f}ms{(f'{other:.0f}ms' if other else '–'):>15}"
              f"{(_ratio(other, mine) or '–')!s:>8}")
    if errors:
        final["errors"] = errors
    return final


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--boxes", type=int, default=1000)
    p.add_argument("--chars", type=int, default=50_000)
    p.add_argument("--spans", type=int, default=2000)
    p.add_argument("--switches", type=int, default=7)
    p.add_argument("--timeout", type=float, default=180, help="seconds a page may take to show one item")
    p.add_argument("--python", default=sys.executable, help="the Python that has tutorloop installed")
    p.add_argument("--skip-label-studio", action="store_true")
    p.add_argument("--label-studio-venv", default=str(REPO / "bench" / ".venv-labelstudio"))
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, data)")
    p.add_argument("--kinds", default="image,text", help="which heavy items to open: image, text or both")
    p.add_argument("--tutorloop-box-selector", default="svg [data-kind][data-id]",
                   help="CSS selector matching one element per drawn box on tutorloop's page")
    p.add_argument("--tutorloop-span-selector", default=".sp-text .sp-marked",
                   help="CSS selector matching one element per span on tutorloop's page")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tutorloop-ui-bench-"))
    errors: dict[str, str] = {}
    try:
        ours = bench_tutorloop(args, work / "tutorloop")
        theirs = None
        if not args.skip_label_studio:
            try:
                theirs = bench_label_studio(args, work / "label-studio")
            except BenchError as exc:
                errors["label_studio"] = str(exc)
                log(f"Label Studio: {exc}")
        print(dumps(report(ours, theirs, errors)))
        return 0
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
