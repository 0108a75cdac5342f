import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorloop.errors import Invalid
from tutorloop.formats.items import guess_format, read_records, split_record

FIELDS = {"text": "text", "chat": "chat"}


def test_jsonl_records_name_their_line():
    data = b'{"id": 1, "text": "a"}\n\n{"id": 2, "text": "b"}\n'
    records = list(read_records(data, "jsonl"))
    assert [r.where for r in records] == ["line 1", "line 3"]


def test_jsonl_bad_line_is_named():
    with pytest.raises(Invalid) as err:
        list(read_records(b'{"id": 1}\n{"id": \n', "jsonl"))
    assert err.value.where == "line 2"


def test_json_array_and_non_object_record():
    assert len(list(read_records(b'[{"text": "a"}, {"text": "b"}]', "json"))) == 2
    with pytest.raises(Invalid) as err:
        list(read_records(b'[{"text": "a"}, 3]', "json"))
    assert err.value.where == "record 2"


def test_csv_rows_with_chat_json_cell():
    data = 'id,text,chat,source\nx1,hello,"[{""role"": ""user"", ""content"": ""hi""}]",web\n'.encode()
    [record] = list(read_records(data, "csv"))
    ext, item, meta = split_record(record, FIELDS, csv_mode=True)
    assert ext == "x1" and item["chat"][0]["content"] == "hi" and meta == {"source": "web"}


def test_csv_with_too_many_cells_names_the_line():
    with pytest.raises(Invalid) as err:
        list(read_records(b"id,text\n1,a\n2,b,c\n", "csv"))
    assert err.value.where == "line 3"


def test_non_utf8_is_refused():
    with pytest.raises(Invalid, match="UTF-8"):
        list(read_records(b"\xff\xfe\x00bad", "jsonl"))


def test_nested_data_form_and_metadata():
    [record] = list(read_records(b'{"id": "a", "data": {"text": "t"}, "meta": {"lang": "ar"}, "x": 1}', "jsonl"))
    assert split_record(record, FIELDS, csv_mode=False) == ("a", {"text": "t"}, {"x": 1, "lang": "ar"})


def test_guess_format():
    assert guess_format("items.csv", b"a,b") == "csv"
    assert guess_format("upload", b"  [{") == "json"
    assert guess_format("upload", b'{"a"') == "jsonl"


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@given(st.lists(st.tuples(st.text(alphabet="abcdef0123456789", min_size=1, max_size=8), texts), max_size=20))
def test_round_trip_jsonl_and_csv_give_the_same_records(rows):
    jsonl = "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in rows).encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "text"])
    writer.writerows(rows)
    from_jsonl = [split_record(r, FIELDS, csv_mode=False) for r in read_records(jsonl, "jsonl")]
    from_csv = [split_record(r, FIELDS, csv_mode=True) for r in read_records(buffer.getvalue().encode(), "csv")]
    assert [(e, d["text"]) for e, d, _ in from_jsonl] == [(e, d["text"]) for e, d, _ in from_csv]


@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash_the_reader(data):
    for fmt in ("jsonl", "json", "csv"):
        try:
            for record in read_records(data, fmt):
                split_record(record, FIELDS, csv_mode=fmt == "csv")
        except Invalid:
            pass
