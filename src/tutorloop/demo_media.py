"""Media the demo makes for itself: shape pictures, street-like scenes with objects, and a short video.

Everything is drawn with Pillow (and encoded with PyAV for the video) from a fixed seed, so the demo is the
same on every machine and needs no downloads. The generators also return what they drew, which the demo
imports as a model's pre-annotations (with some noise, as a real model would have).
"""

from __future__ import annotations

import random
from pathlib import Path

SHAPES = ("circle", "square", "triangle")
PALETTE = [(230, 57, 70), (29, 53, 87), (69, 123, 157), (42, 157, 143), (233, 196, 106), (244, 162, 97)]
OBJECT_COLOURS = {"car": (200, 40, 50), "person": (40, 90, 200), "sign": (240, 180, 20)}


def make_shape_images(folder: Path, count: int = 12, seed: int = 7) -> list[dict]:
    """Simple shape pictures for image classification; returns item records pointing at them."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for n in range(count):
        shape = SHAPES[n % 3]
        background = (rng.randint(225, 250),) * 3
        image = Image.new("RGB", (320, 240), background)
        draw = ImageDraw.Draw(image)
        color = PALETTE[rng.randrange(len(PALETTE))]
        cx, cy, r = rng.randint(110, 210), rng.randint(90, 150), rng.randint(40, 75)
        if shape == "circle":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=color)
        elif shape == "square":
            draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=color)
        else:
            draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=color)
        for _ in range(rng.randint(0, 300) * (n % 4 == 3)):  # some pictures get noise
            x, y = rng.randrange(320), rng.randrange(240)
            draw.point((x, y), fill=(rng.randrange(256),) * 3)
        name = f"shape-{n + 1:02d}.png"
        image.save(folder / name)
        records.append({"id": f"img-{n + 1:02d}", "image": f"shapes/{name}", "meta": {"drawn": shape}})
    return records


def _draw_object(draw, label: str, x: float, y: float, w: float, h: float) -> None:
    colour = OBJECT_COLOURS[label]
    if label == "car":
        draw.rounded_rectangle((x, y + h * 0.3, x + w, y + h), radius=int(h * 0.15), fill=colour)
        draw.rectangle((x + w * 0.2, y, x + w * 0.8, y + h * 0.4), fill=colour)
        for wx in (x + w * 0.22, x + w * 0.78):
            r = h * 0.16
            draw.ellipse((wx - r, y + h - r, wx + r, y + h + r * 0.4), fill=(30, 30, 30))
    elif label == "person":
        r = w * 0.35
        draw.ellipse((x + w / 2 - r, y, x + w / 2 + r, y + 2 * r), fill=colour)
        draw.rectangle((x + w * 0.2, y + 2 * r, x + w * 0.8, y + h), fill=colour)
    else:
        draw.rectangle((x + w * 0.42, y + h * 0.5, x + w * 0.58, y + h), fill=(90, 90, 90))
        draw.regular_polygon((x + w / 2, y + h * 0.28, w * 0.5), 8, fill=colour)


def make_scene_images(folder: Path, count: int = 10, seed: int = 11) -> list[dict]:
    """Street-like scenes with cars, people and signs; records carry noisy boxes as predictions."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    width, height = 640, 400
    sizes = {"car": (110, 60), "person": (34, 80), "sign": (40, 70)}
    for n in range(count):
        image = Image.new("RGB", (width, height), (170, 200, 230))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, height * 0.55, width, height), fill=(110, 110, 110))
        draw.rectangle((0, height * 0.55 - 6, width, height * 0.55), fill=(200, 200, 200))
        boxes = []
        for k in range(rng.randint(3, 7)):
            label = rng.choice(("car", "car", "person", "sign"))
            bw, bh = sizes[label]
            scale = rng.uniform(0.8, 1.4)
            bw, bh = bw * scale, bh * scale
            x = rng.uniform(5, width - bw - 5)
            y = rng.uniform(height * 0.55 - bh * 0.8, height - bh - 5)
            _draw_object(draw, label, x, y, bw, bh)
            jitter = lambda v: round(v + rng.uniform(-4, 4), 1)  # noqa: E731 — a model's imprecision
            px, py = min(max(0.0, jitter(x)), width - bw), min(max(0.0, jitter(y)), height - bh)
            boxes.append({"id": f"p{k + 1}", "label": label, "x": round(px, 1), "y": round(py, 1),
                          "w": round(bw, 1), "h": round(bh, 1), "rotation": 0, "attributes": {}})
        name = f"scene-{n + 1:02d}.png"
        image.save(folder / name)
        score = round(rng.uniform(0.55, 0.95), 2)
        records.append({"id": f"scene-{n + 1:02d}", "image": f"scenes/{name}",
                        "predictions": {"objects": {"value": boxes, "score": score}}})
    return records


def make_tracking_video(folder: Path, *, seed: int = 5, frames: int = 72, fps: int = 24) -> list[dict]:
    """A 3-second WebM (VP8) of two objects crossing a road; the record carries their tracks as predictions."""
    import av
    import numpy as np
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    width, height = 480, 270
    path = folder / "crossing.webm"
    movers = [("car", (-120.0, 150.0), (4.2 + rng.uniform(-0.3, 0.3), 0.1), (110.0, 60.0)),
              ("person", (400.0, 120.0), (-1.6, 0.35), (30.0, 70.0))]
    truth: dict[str, list[dict]] = {label: [] for label, *_ in movers}
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "10", "b:v": "1M"}
        for f in range(frames):
            image = Image.new("RGB", (width, height), (170, 200, 230))
            draw = ImageDraw.Draw(image)
            draw.rectangle((0, 140, width, height), fill=(110, 110, 110))
            for label, (x0, y0), (dx, dy), (w, h) in movers:
                x, y = x0 + dx * f, y0 + dy * f
                _draw_object(draw, label, x, y, w, h)
                visible = x + w > 0 and x < width
                truth[label].append({"frame": f, "x": x, "y": y, "w": w, "h": h, "visible": visible})
            draw.text((6, 4), f"frame {f}", fill=(0, 0, 0))
            frame = av.VideoFrame.from_ndarray(np.asarray(image), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    tracks = []
    for k, (label, boxes) in enumerate(truth.items()):
        shown = [b for b in boxes if b["visible"]]
        keyframes = []
        for b in shown[::12] + shown[-1:]:
            x, y = max(0.0, b["x"]), max(0.0, b["y"])
            w = min(b["w"] - (x - b["x"]), width - x)
            keyframes.append({"frame": b["frame"], "x": round(x, 1), "y": round(y, 1), "w": round(w, 1),
                              "h": round(min(b["h"], height - y), 1), "outside": False, "occluded": False})
        unique = {kf["frame"]: kf for kf in keyframes}
        tracks.append({"id": f"t{k + 1}", "label": label, "attributes": {},
                       "keyframes": [unique[f] for f in sorted(unique)]})
    return [{"id": "clip-01", "video": f"videos/{path.name}",
             "predictions": {"tracks": {"value": tracks, "score": 0.8}}}]
