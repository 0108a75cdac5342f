"""Test pictures made with Pillow: plain PNGs of a known size, optionally with filled rectangles on them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def make_png(path: Path, width: int, height: int, *, background: tuple[int, int, int] = (235, 238, 242),
             rectangles: Sequence[tuple[int, int, int, int, tuple[int, int, int]]] = ()) -> Path:
    """Write a `width`×`height` PNG to `path` (folders created); `rectangles` are (x1, y1, x2, y2, colour)."""
    from PIL import Image, ImageDraw

    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    for x1, y1, x2, y2, colour in rectangles:
        draw.rectangle((x1, y1, x2, y2), fill=colour)
    image.save(path, format="PNG")
    return path
