"""CoNLL-2003 style IOB2 for text spans: one `token TAG` line per token, a blank line between sentences.

Each item is one document, opened by a `-DOCSTART- O` line and a blank line. Tags are `O`, `B-<label>` on
the first token of a span and `I-<label>` on the others. Relations and span attributes are not written.

Tokenisation (in code points, the offsets answers use):

1. the text is cut at whitespace;
2. a punctuation or symbol character (Unicode categories P* and S*, emoji included) is a token of its own,
   unless it stands between two letters or digits (`1,000`, `e-mail`, `don't` stay whole);
3. tokens are further cut at every span boundary, so every span is a whole number of tokens and the export
   never moves a span edge (a span over part of a word makes that part a token);
4. items imported from CoNLL keep their file's tokens: their metadata says `"tokenization": "whitespace"`
   and only rule 1 (with 3) applies.

A sentence ends at a line break of the text unless a span runs across it. An item whose text has no token
is left out. Spans that overlap cannot be
written as IOB2 and make the export fail naming the item and both spans.

On import `-DOCSTART-` lines start a new item; a file without them gives one item per sentence. An item's
text is its tokens joined by single spaces, one sentence per line. Each line's first column is the token
and its last column the tag (so CoNLL-2003's four columns work). IOB1 (an entity opened by `I-`) is read
too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from itertools import pairwise
from typing import TYPE_CHECKING, BinaryIO

from tutorloop.errors import Invalid
from tutorloop.formats.annotations import (
    MediaLookup,
    encode_with,
    item_name,
    label_names,
    text_of,
    write_all,
)

if TYPE_CHECKING:
    from tutorloop.schema.questions import QuestionConfig

TYPES = ("spans",)
SUFFIX = ".conll"
MEDIA_TYPE = "text/plain; charset=utf-8"
ANNOTATORS = False
DOCSTART = "-DOCSTART-"
WHITESPACE_META = {"tokenization": "whitespace"}
_WORDS = re.compile(r"\S+")


def _splits(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def tokenize(text: str, cuts: Iterable[int] = (), *, punctuation: bool = True) -> list[tuple[int, int]]:
    """Token (start, end) code-point offsets of a text, cut at every offset in `cuts` as well."""
    out: list[tuple[int, int]] = []
    for match in _WORDS.finditer(text):
        s, e = match.span()
        start = s
        if punctuation:
            for j in range(s, e):
                if _splits(text[j]) and not (s < j < e - 1 and text[j - 1].isalnum() and text[j + 1].isalnum()):
                    if start < j:
                        out.append((start, j))
                    out.append((j, j + 1))
                    start = j + 1
        if start < e:
            out.append((start, e))
    points = sorted(set(cuts))
    if not points:
        return out
    cut: list[tuple[int, int]] = []
    k = 0
    for s, e in out:
        while k < len(points) and points[k] <= s:
            k += 1
        j, start = k, s
        while j < len(points) and points[j] < e:
            cut.append((start, points[j]))
            start = points[j]
            j += 1
        cut.append((start, e))
    return cut


def _spans(record: dict) -> list[dict]:
    value = record.get("value") or {}
    spans = value.get("spans", []) if isinstance(value, dict) else value
    return sorted(spans, key=lambda s: (s["start"], s["end"]))


def document(record: dict, question: QuestionConfig) -> str:
    """One item as a CoNLL document (with its -DOCSTART- line)."""
    text = record["data"].get(question.field) or ""
    spans = _spans(record)
    for a, b in pairwise(spans):
        if b["start"] < a["end"]:
            name = item_name(record)
            raise Invalid(f"{name}: spans {a.get('id')} and {b.get('id')} overlap, and IOB2 gives each token one "
                          "tag (use spacy)", where=name)
    whitespace = (record.get("meta") or {}).get("tokenization") == "whitespace"
    cuts = [edge for s in spans for edge in (s["start"], s["end"])]
    tokens = tokenize(text, cuts, punctuation=not whitespace)
    if not tokens:
        return ""
    lines = [f"{DOCSTART} O", ""]
    k, previous_end = 0, None
    for start, end in tokens:
        while k < len(spans) and spans[k]["end"] <= start:
            k += 1
        inside = k < len(spans) and spans[k]["start"] <= start
        if previous_end is not None and "\n" in text[previous_end:start] and not (
                inside and spans[k]["start"] < start):
            lines.append("")
        if inside:
            tag = ("B-" if spans[k]["start"] == start else "I-") + spans[k]["label"]
        else:
            tag = "O"
        lines.append(f"{text[start:end]} {tag}")
        previous_end = end
    return "\n".join(lines) + "\n\n"


def write(records: Iterable[dict], out: BinaryIO, *, spec: dict, question: QuestionConfig) -> None:
    """Write one document per item."""
    for record in records:
        write_all(out, document(record, question))


def encode(records: Iterable[dict], *, spec: dict, question: QuestionConfig) -> bytes:
    """The CoNLL file as bytes."""
    return encode_with(write, records, spec=spec, question=question)


class _Document:
    def __init__(self, where: str):
        self.where = where
        self.sentences: list[list[tuple[str, str, int]]] = [[]]


def _documents(text: str) -> list[_Document]:
    documents: list[_Document] = []
    docstart = False
    current: _Document | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        cells = line.split()
        if not cells:
            if current is not None and current.sentences[-1]:
                current.sentences.append([])
                if not docstart:
                    current = None
            continue
        if cells[0] == DOCSTART:
            docstart = True
            current = _Document(f"line {number}")
            documents.append(current)
            continue
        if len(cells) < 2:
            raise Invalid(f"line {number}: expected a token and a tag, got {line.strip()!r}", where=f"line {number}")
        if current is None:
            current = _Document(f"line {number}")
            documents.append(current)
        current.sentences[-1].append((cells[0], cells[-1], number))
    return [d for d in documents if any(d.sentences)]


def _decode_document(doc: _Document, labels: set[str], question: QuestionConfig) -> dict:
    pieces: list[str] = []
    spans: list[dict] = []
    open_span: dict | None = None
    offset = 0
    for sentence in (s for s in doc.sentences if s):
        if pieces:
            pieces.append("\n")
            offset += 1
        for i, (token, tag, number) in enumerate(sentence):
            if i:
                pieces.append(" ")
                offset += 1
            where = f"line {number}"
            if tag == "O":
                kind, label = "O", None
            elif len(tag) > 2 and tag[1] == "-" and tag[0] in "BI":
                kind, label = tag[0], tag[2:]
                if label not in labels:
                    raise Invalid(f"{where}: {label!r} is not a label of question {question.name!r} "
                                  f"({', '.join(label_names(question))})", where=where)
            else:
                raise Invalid(f"{where}: unknown tag {tag!r} (use O, B-<label> or I-<label>)", where=where)
            continues = kind == "I" and open_span is not None and open_span["label"] == label and i > 0
            if open_span is not None and not continues:
                spans.append(open_span)
                open_span = None
            if kind == "O":
                pass
            elif continues:
                open_span["end"] = offset + len(token)
            else:
                open_span = {"start": offset, "end": offset + len(token), "label": label}
            pieces.append(token)
            offset += len(token)
        if open_span is not None:
            spans.append(open_span)
            open_span = None
    text = "".join(pieces)
    value = {"spans": [{"id": f"s{n}", **s, "text": text[s["start"]:s["end"]], "attributes": {}}
                       for n, s in enumerate(spans, start=1)], "relations": []}
    return {"external_id": None, "data": {question.field: text}, "meta": dict(WHITESPACE_META), "media": {},
            "value": value, "score": None, "where": doc.where}


def decode(data: bytes, *, spec: dict, question: QuestionConfig, media: MediaLookup | None = None) -> list[dict]:
    """Records (one per document, or per sentence when the file has no -DOCSTART- lines)."""
    labels = set(label_names(question))
    records = [_decode_document(doc, labels, question) for doc in _documents(text_of(data))]
    if not records:
        raise Invalid("the file holds no tokens", where="file")
    return records
