"""MOTChallenge ground truth for video tracks: a zip with `<sequence>/gt/gt.txt` and `<sequence>/seqinfo.ini`.

`gt.txt` has one CSV row per track and shown frame, sorted by frame then track id::

    frame,id,bb_left,bb_top,bb_width,bb_height,conf,class,visibility

- `frame` is 1-based (stored frames are 0-based: frame 1 is frame 0);
- `id` is the track id when every track of the item has a whole-number id, else tracks are numbered 1…n;
- the box is in video pixels (top-left corner and size), on every frame the track is shown, as
  `tutorloop.quality.tracks.expand_track` gives it (interpolated between keyframes, running on to the last
  frame after the last keyframe unless that one is outside);
- `conf` is 1, or the record's score for predictions; `class` is the label's position in the question's
  label list plus 1 (`labels.txt` lists them); `visibility` is 0 on occluded frames and 1 otherwise.

`seqinfo.ini` holds the sequence's `name`, `frameRate`, `seqLength` (frames), `imWidth`, `imHeight` as the
server read them from the video, plus `video` (the item's media value) and `externalId`. A sequence is
named after its video file (`-2`, `-3`… when names repeat).

On import each `<sequence>/gt/gt.txt` becomes one item: its video is `video` from `seqinfo.ini`, else the
file `<name>.mp4` (`.webm`, …) at the top of the project's media folder, else the one video of the project's
items whose file is called `<name>.*`. Rows may
have 6 to 10 columns; a missing or negative class is allowed when the question has one label; visibility
below 0.5 means occluded. Per track the per-frame boxes become keyframes with
`tutorloop.quality.tracks.simplify_track` at a tolerance of 1e-6 pixels (so an export gives every box back),
with an `outside` keyframe after the track's last frame when the video goes on. The record's score is the
mean `conf` when every `conf` lies in [0, 1].
"""

from __future__ import annotations

import configparser
import csv
import io
import re
import zipfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO

from tutorloop.errors import Invalid
from tutorloop.formats.annotations import (
    VIDEO_SUFFIXES,
    MediaLookup,
    encode_with,
    item_name,
    label_names,
    member_path,
    member_text,
    number_text,
    open_zip,
    parse_number,
)

if TYPE_CHECKING:
    from tutorloop.schema.questions import QuestionConfig

TYPES = ("video_tracks",)
SUFFIX = ".zip"
MEDIA_TYPE = "application/zip"
ANNOTATORS = False
TOLERANCE = 1e-6


def sequence_name(media_value: str) -> str:
    """A folder name for a video: its file name without suffix, safe characters only."""
    name = media_value.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    name = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "sequence"


def _mot_ids(tracks: list[dict]) -> list[int]:
    ids = [t.get("id") for t in tracks]
    if all(isinstance(i, str) and i.isdigit() and int(i) > 0 for i in ids) and len({int(i) for i in ids}) == len(ids):
        return [int(i) for i in ids]
    return list(range(1, len(tracks) + 1))


def rows_of(record: dict, question: QuestionConfig) -> list[list]:
    """gt.txt rows of one item."""
    from tutorloop.quality.tracks import expand_track

    classes = {name: i for i, name in enumerate(label_names(question), start=1)}
    facts = (record.get("media") or {}).get(question.field) or {}
    frames = facts.get("frames") or None
    conf = record.get("score") if record.get("score") is not None else 1
    tracks = record.get("value") or []
    rows = []
    for mot_id, track in zip(_mot_ids(tracks), tracks, strict=True):
        for box in expand_track(track, frames):
            rows.append([box["frame"] + 1, mot_id, box["x"], box["y"], box["w"], box["h"], conf,
                         classes[track["label"]], 0 if box["occluded"] else 1])
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def seqinfo(name: str, record: dict, question: QuestionConfig) -> str:
    """The sequence's seqinfo.ini."""
    facts = (record.get("media") or {}).get(question.field) or {}
    lines = ["[Sequence]", f"name={name}", "imDir=img1"]
    for key, fact in (("frameRate", "fps"), ("seqLength", "frames"), ("imWidth", "width"), ("imHeight", "height")):
        if facts.get(fact) is not None:
            lines.append(f"{key}={number_text(facts[fact])}")
    lines += ["imExt=.jpg", f"video={record['data'].get(question.field) or ''}"]
    if record.get("external_id") is not None:
        lines.append(f"externalId={record['external_id']}")
    return "\n".join(lines) + "\n"


def write(records: Iterable[dict], out: BinaryIO, *, spec: dict, question: QuestionConfig) -> None:
    """Write the zip archive, one sequence folder per item."""
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            base = sequence_name(record["data"].get(question.field) or item_name(record))
            name, n = base, 1
            while name in used:
                n += 1
                name = f"{base}-{n}"
            used.add(name)
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            for row in rows_of(record, question):
                writer.writerow([number_text(v) for v in row])
            archive.writestr(f"{name}/gt/gt.txt", buffer.getvalue())
            archive.writestr(f"{name}/seqinfo.ini", seqinfo(name, record, question))
        archive.writestr("labels.txt", "".join(f"{i} {n}\n" for i, n in enumerate(label_names(question), start=1)))


def encode(records: Iterable[dict], *, spec: dict, question: QuestionConfig) -> bytes:
    """The zip archive as bytes."""
    return encode_with(write, records, spec=spec, question=question)


# ---- import -------------------------------------------------------------------------------------------

def _seqinfo(text: str, where: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keep the keys' case (seqLength, imWidth)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise Invalid(f"{where}: not a valid ini file ({exc.message.splitlines()[0]})", where=where) from None
    if not parser.has_section("Sequence"):
        raise Invalid(f"{where}: no [Sequence] section", where=where)
    return dict(parser["Sequence"])


def _video_of(folder: str, info: dict[str, str], media: MediaLookup | None, where: str) -> str:
    if info.get("video"):
        return info["video"]
    name = info.get("name") or folder.rsplit("/", 1)[-1]
    candidates = [f"{base}{suffix}" for base in dict.fromkeys([name, folder])
                  for suffix in (*VIDEO_SUFFIXES, *(s.upper() for s in VIDEO_SUFFIXES))]
    found = media.find(candidates) if media else None
    if found is None and media is not None:
        named = media.named(name)
        found = named[0] if len(named) == 1 else None
    if found is None:
        raise Invalid(f"{where}: no video {name}.* among the project's items or media files (or set video= in "
                      "seqinfo.ini)", where=where)
    return found


def _rows(text: str, where: str, labels: list[str], question: QuestionConfig,
          frames: int | None) -> tuple[dict[int, dict], list[float]]:
    tracks: dict[int, dict] = {}
    confs: list[float] = []
    seen: set[tuple[int, int]] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        at = f"{where} line {number}"
        cells = [c.strip() for c in line.split(",")]
        if not 6 <= len(cells) <= 10:
            raise Invalid(f"{at}: expected 6 to 10 comma-separated columns (frame,id,bb_left,bb_top,bb_width,"
                          f"bb_height,conf,class,visibility), got {len(cells)}", where=at)
        values = [parse_number(c, at) for c in cells]
        frame, track_id = values[0], values[1]
        if not isinstance(frame, int) or frame < 1:
            raise Invalid(f"{at}: frame {cells[0]} is not a frame number (they start at 1)", where=at)
        if frames is not None and frame > frames:
            raise Invalid(f"{at}: frame {frame} is past the end of the {frames}-frame video", where=at)
        if not isinstance(track_id, int) or track_id < 0:
            raise Invalid(f"{at}: id {cells[1]} is not a whole number", where=at)
        if (frame, track_id) in seen:
            raise Invalid(f"{at}: track {track_id} has a second box on frame {frame}", where=at)
        seen.add((frame, track_id))
        x, y, w, h = values[2:6]
        if w <= 0 or h <= 0:
            raise Invalid(f"{at}: bb_width and bb_height must be positive", where=at)
        if len(values) > 6:
            confs.append(values[6])
        cls = values[7] if len(values) > 7 else -1
        if cls is None or cls < 0:
            if len(labels) != 1:
                raise Invalid(f"{at}: no class, and question {question.name!r} has several labels", where=at)
            label = labels[0]
        elif not isinstance(cls, int) or not 1 <= cls <= len(labels):
            raise Invalid(f"{at}: unknown class {cells[7]} (classes are 1–{len(labels)}: "
                          f"{', '.join(labels)})", where=at)
        else:
            label = labels[cls - 1]
        visibility = values[8] if len(values) > 8 else 1
        track = tracks.setdefault(track_id, {"label": label, "line": at, "boxes": []})
        if track["label"] != label:
            raise Invalid(f"{at}: track {track_id} changes class from {track['label']!r} to {label!r}", where=at)
        track["boxes"].append({"frame": frame - 1, "x": x, "y": y, "w": w, "h": h,
                               "occluded": 0 <= visibility < 0.5})
    return tracks, confs


def _check_frame_box(box: dict, size: tuple[int, int] | None, at: str) -> None:
    if box["x"] < 0 or box["y"] < 0 or (size and (box["x"] + box["w"] > size[0] or box["y"] + box["h"] > size[1])):
        shown = f" {size[0]}×{size[1]}" if size else ""
        raise Invalid(f"{at}: the box on frame {box['frame'] + 1} lies outside the{shown} frame", where=at)


def _whole(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() and int(text) > 0 else None


def decode(data: bytes, *, spec: dict, question: QuestionConfig, media: MediaLookup | None = None) -> list[dict]:
    """Records (one per sequence) from a MOT zip archive."""
    from tutorloop.quality.tracks import simplify_track

    archive = open_zip(data)
    files = {p: info.filename for info in archive.infolist() if (p := member_path(info.filename))}
    gts = sorted(p for p in files if p.endswith("gt/gt.txt"))
    if not gts:
        raise Invalid("the archive has no <sequence>/gt/gt.txt", where="file")
    labels, field = label_names(question), question.field
    records = []
    for gt in gts:
        folder = gt.removesuffix("gt/gt.txt").rstrip("/")
        ini = f"{folder}/seqinfo.ini" if folder else "seqinfo.ini"
        info = _seqinfo(member_text(archive, files[ini]), ini) if ini in files else {}
        video = _video_of(folder or "sequence", info, media, gt)
        facts = media.facts(video) if media else None
        frames = (facts or {}).get("frames") or None
        size = (facts["width"], facts["height"]) if facts and facts.get("width") else None
        length = frames or _whole(info.get("seqLength"))
        tracks, confs = _rows(member_text(archive, files[gt]), gt, labels, question, frames)
        value = []
        for track_id in sorted(tracks):
            track = tracks[track_id]
            for box in track["boxes"]:
                _check_frame_box(box, size, track["line"])
            keyframes = simplify_track(track["boxes"], tolerance=TOLERANCE)
            last = keyframes[-1]
            if length is not None and last["frame"] + 1 < length and not last["outside"]:
                keyframes.append({**last, "frame": last["frame"] + 1, "outside": True, "occluded": False})
            value.append({"id": str(track_id), "label": track["label"], "attributes": {}, "keyframes": keyframes})
        score = sum(confs) / len(confs) if confs and all(0 <= c <= 1 for c in confs) else None
        ext = info.get("externalId") or None
        records.append({"external_id": ext, "data": {field: video}, "media": {field: facts} if facts else {},
                        "value": value, "score": score, "where": gt})
    return records
