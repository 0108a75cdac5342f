"""Small test videos whose frames say which frame they are.

Frame ``n`` shows ``n`` in binary as six vertical bars (most significant bit on the left, white for 1,
black for 0), wide enough to survive lossy compression, so a test can read back which frame a player shows.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

BITS = 6
CODECS = {"webm": "libvpx", "mp4": "libx264"}


def frame_pixels(n: int, width: int = 64, height: int = 48) -> np.ndarray:
    """The RGB image (height, width, 3) of frame ``n``."""
    if not 0 <= n < 2**BITS:
        raise ValueError(f"frame numbers go up to {2**BITS - 1}")
    image = np.zeros((height, width, 3), dtype=np.uint8)
    bar = width // BITS
    for k in range(BITS):
        if n >> (BITS - 1 - k) & 1:
            image[:, k * bar:(k + 1) * bar] = 255
    return image


def read_frame_number(row: list[int] | np.ndarray, width: int = 64) -> int:
    """The frame number shown by one row of grey (or red) values across the frame's width."""
    row = np.asarray(row, dtype=float)
    scale = len(row) / width
    bar = width // BITS
    n = 0
    for k in range(BITS):
        n = n * 2 + int(row[int((k * bar + bar / 2) * scale)] > 127)
    return n


def write_video(path: Path, *, frames: int = 48, fps: int = 24, width: int = 64, height: int = 48) -> Path:
    """Write a video of numbered frames (VP8 in WebM for .webm, H.264 in MP4 for .mp4); returns the path."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(CODECS[path.suffix.lstrip(".")], rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = 12
        stream.options = {"crf": "10", "b:v": "1M"} if path.suffix == ".webm" else {"crf": "10"}
        for n in range(frames):
            frame = av.VideoFrame.from_ndarray(frame_pixels(n, width, height), format="rgb24")
            frame.pts = n
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def decoded_frame_numbers(path: Path) -> list[int]:
    """Decode every frame of a written video and read its number (checks the video itself)."""
    import av

    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24")
            out.append(read_frame_number(rgb[rgb.shape[0] // 2, :, 0], width=rgb.shape[1]))
    return out
