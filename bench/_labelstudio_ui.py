"""The Label Studio half of the UI benchmark: the same heavy items opened in its labelling stream.

Label Studio runs as in the queue benchmark (`_labelstudio.py`: its own venv, `label-studio start`, default
SQLite). Tasks carry the shapes as predictions of model version "bench" and the project prelabels from that
version, so its annotator screen opens with every region drawn, as tutorloop's does. The image goes in the
task as a data: URL (no file serving to set up); the text is the same string. Readiness is read from its
own store (`window.Htx`): the task shown and the number of regions of the selected annotation.
"""

from __future__ import annotations

import base64
from pathlib import Path

from _common import BenchError, check, log
from _labelstudio import LabelStudio, LabelStudioUnavailable, ensure_installed

PASSWORD = "bench-Passw0rd!"
IMAGE_CONFIG = ('<View><Image name="image" value="$image" zoom="true"/>'
                '<RectangleLabels name="objects" toName="image">'
                '<Label value="car"/><Label value="person"/><Label value="sign"/></RectangleLabels></View>')
TEXT_CONFIG = ('<View><Labels name="entities" toName="text">'
               '<Label value="PER"/><Label value="ORG"/><Label value="LOC"/></Labels>'
               '<Text name="text" value="$text"/></View>')
PROBE = ("const s = window.Htx; if (!s || !s.task) return null;"
         "const a = s.annotationStore && s.annotationStore.selected;"
         "return { ref: String(s.task.id), count: a && a.regionStore ? a.regionStore.regions.length : 0 };")


def _rectangles(boxes, size):
    w_img, h_img = size
    return [{"id": b["id"], "from_name": "objects", "to_name": "image", "type": "rectanglelabels",
             "original_width": w_img, "original_height": h_img,
             "value": {"x": b["x"] / w_img * 100, "y": b["y"] / h_img * 100, "width": b["w"] / w_img * 100,
                       "height": b["h"] / h_img * 100, "rotation": 0, "rectanglelabels": [b["label"]]}}
            for b in boxes]


def _text_labels(text, spans):
    return [{"id": s["id"], "from_name": "entities", "to_name": "text", "type": "labels",
             "value": {"start": s["start"], "end": s["end"], "text": text[s["start"]:s["end"]],
                       "labels": [s["label"]]}} for s in spans]


def run_label_studio_ui(args, work: Path, *, make_boxes, make_text, make_image_png, measure, browser,
                        image_size) -> dict:
    venv = Path(args.label_studio_venv)
    ensure_installed(venv, None, timeout=1800)
    work.mkdir(parents=True, exist_ok=True)
    ls = LabelStudio(venv, work, clients=0, overlap=1)
    try:
        ls.setup_users(timeout=600)
        ls.start(timeout=300)
        image_url = "data:image/png;base64," + base64.b64encode(make_image_png()).decode()
        n = args.switches + 2
        projects = {}
        with ls._admin(timeout=600) as c:
            for kind, config in (("image", IMAGE_CONFIG), ("text", TEXT_CONFIG)):
                pid = check(c.post("/api/projects", json={
                    "title": f"ui bench {kind}", "label_config": config, "show_collab_predictions": True,
                    "model_version": "bench", "show_skip_button": True}), "create project").json()["id"]
                tasks = []
                for i in range(n):
                    if kind == "image":
                        data = {"image": image_url}
                        result = _rectangles(make_boxes(args.boxes, seed=i), image_size)
                    else:
                        text, spans = make_text(args.chars, args.spans, seed=100 + i)
                        data, result = {"text": text}, _text_labels(text, spans)
                    tasks.append({"data": data, "predictions": [{"model_version": "bench", "score": 0.9,
                                                                 "result": result}]})
                check(c.post(f"/api/projects/{pid}/import", json=tasks), "import")
                check(c.patch(f"/api/projects/{pid}", json={"model_version": "bench",
                                                            "show_collab_predictions": True}), "prelabel setting")
                projects[kind] = pid
        log("Label Studio: projects ready; opening Chromium")
        pw, chromium = browser()
        try:
            out = {}
            for kind, minimum in (("image", args.boxes), ("text", args.spans)):
                context = chromium.new_context(viewport={"width": 1600, "height": 1000})
                page = context.new_page()
                page.goto(f"{ls.base_url}/user/login/")
                page.fill("input[name=email]", "admin@bench.local")
                page.fill("input[name=password]", PASSWORD)
                page.press("input[name=password]", "Enter")
                page.wait_for_url(lambda url: "/user/login" not in url, timeout=60_000)
                try:
                    result = measure(page, url=f"{ls.base_url}/projects/{projects[kind]}/data?labeling=1",
                                     probe=PROBE, minimum=minimum, switches=args.switches,
                                     switch_key="Control+Space", timeout_s=args.timeout)
                    log(f"Label Studio {kind}: TTI {result['tti_ms']:.0f} ms, switch {result['switch_ms']:.0f} ms "
                        f"({result['shapes_seen']} regions)")
                except BenchError as exc:  # reported with the figures: a stuck page is a result too
                    result = {"tti_ms": None, "switch_ms": None, "error": str(exc)}
                    log(f"Label Studio {kind}: {exc}")
                out[kind] = result
                context.close()
            return out
        finally:
            chromium.close()
            pw.stop()
    except LabelStudioUnavailable as exc:
        raise BenchError(f"Label Studio unavailable: {exc}") from exc
    finally:
        ls.stop()
