"""One large file is read in pieces, so memory follows the piece, not the file; the result is
the one of a whole read. JSON lines (an export of events, one a line) are cut at line ends, a
``{"Records": [...]}`` log between two records."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from least_priv.app import run
from least_priv.config import Settings
from least_priv.core.select import Window, parse_principal
from least_priv.sources import local
from least_priv.sources.local import LocalSource
from least_priv.sources.scan import needle_of
from tests.conftest import ROLE_ARN, record

OTHER = {
    "type": "AssumedRole",
    "arn": "arn:aws:sts::111122223333:assumed-role/Admin/alice",
    "accountId": "111122223333",
}


def _lines(events: int) -> list[str]:
    found = []
    for n in range(events):
        if n % 3:
            rec = record("ec2", "DescribeVpcs", identity=OTHER, eventID=f"o-{n}")
        else:
            rec = record(
                "s3", "GetObject", request={"bucketName": "b", "key": f"k{n % 7}"}, eventID=f"p-{n}"
            )
            # As S3 writes a data event: objects in a list inside the record ("},{" within it).
            rec["resources"] = [
                {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::b/k{n % 7}"},
                {"accountId": "111122223333", "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"},
            ]
        if n % 4 == 1:  # some records with a field others lack: sorted, they start with it
            rec["additionalEventData"] = {"bytesTransferredIn": 0}
        found.append(json.dumps(rec))
    return found


# A log as CloudTrail writes it, as ``json.dumps`` writes it by default, and indented; and
# exports with sorted keys (``jq -S``), whose records start with different keys.
LAYOUTS = {
    "compact": {"separators": (",", ":")},
    "spaced": {},
    "indented": {"indent": 2},
    "sorted": {"separators": (",", ":"), "sort_keys": True},
    "sorted-spaced": {"sort_keys": True},
}


def _log(lines: list[str], layout: str) -> str:
    return json.dumps({"Records": [json.loads(line) for line in lines]}, **LAYOUTS[layout])


def _lookup_events(lines: list[str], indent: int | None, sort_keys: bool = False) -> str:
    """Saved LookupEvents responses as the AWS CLI writes them (``aws cloudtrail
    lookup-events > events.json``: every page's events in one document, indented by 4).
    Sorted (``jq -S``), the events with an access key start with it, the others not."""
    events = []
    for n, line in enumerate(lines):
        rec = json.loads(line)
        events.append({
            "EventId": rec["eventID"], "EventName": rec["eventName"], "ReadOnly": "true",
            "EventTime": rec["eventTime"], "EventSource": rec["eventSource"],
            "Username": rec["userIdentity"]["arn"].rsplit("/", 1)[-1],
            "Resources": [{"ResourceType": "AWS::S3::Bucket", "ResourceName": "b"}] * (n % 3),
            "CloudTrailEvent": line,
        })  # fmt: skip
        if n % 4 == 2:
            events[-1]["AccessKeyId"] = "ASIAEXAMPLE"
    document = {"Events": events, "NextToken": "eyJ0b2tlbiI6IDF9"}
    return json.dumps(document, indent=indent, sort_keys=sort_keys)


def _write(path: Path, lines: list[str], zipped: bool, layout: str = "lines") -> Path:
    if layout == "lines":
        text = "\n".join(lines) + "\n"
    elif layout.startswith("lookup-events"):
        indent = None if layout.endswith(("compact", "sorted")) else 4
        text = _lookup_events(lines, indent, layout.endswith("sorted"))
    elif layout.startswith("array"):  # the events as one JSON array (``jq .Records``)
        events = [json.loads(line) for line in lines]
        indent = 2 if layout.endswith("indented") else None
        text = json.dumps(events, indent=indent, sort_keys=layout.endswith("sorted"))
    else:
        text = _log(lines, layout)
    data = text.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if zipped else data)
    return path


def _report(folder: Path, reference: Any, plain: bool = False) -> Any:
    settings = Settings(
        principal=parse_principal(ROLE_ARN), sources=(str(folder),), window=Window(None, None),
        output="-", plain=plain,
    )  # fmt: skip
    warnings: list[str] = []
    outcome = run(settings, warnings.append, reference)
    return outcome, warnings


ALL = ["lines", *LAYOUTS, "lookup-events", "lookup-events-compact", "array", "array-indented"]
ALL += ["array-sorted", "lookup-events-sorted"]


@pytest.mark.parametrize("layout", ALL)
@pytest.mark.parametrize("zipped", [False, True])
@pytest.mark.parametrize("plain", [False, True])
def test_pieces_give_the_whole_reads_result(
    tmp_path: Path,
    reference: Any,
    monkeypatch: pytest.MonkeyPatch,
    zipped: bool,
    plain: bool,
    layout: str,
) -> None:
    name = "export.jsonl" if layout == "lines" else "111122223333_CloudTrail_big.json"
    _write(tmp_path / "logs" / (name + ".gz" if zipped else name), _lines(600), zipped, layout)
    whole, whole_warnings = _report(tmp_path / "logs", reference, plain)
    monkeypatch.setattr(local, "PIECE", 8 * 1024)  # about 15 pieces
    pieces, piece_warnings = _report(tmp_path / "logs", reference, plain)
    assert pieces.texts == whole.texts
    for key in ("actions", "events", "sources"):
        assert pieces.report[key] == whole.report[key], key
    assert pieces.report["events"]["events_read"] == 600
    assert pieces.report["sources"][0]["files_read"] == 1
    assert piece_warnings == whole_warnings == []


@pytest.mark.parametrize(
    "layout",
    ["lines", "compact", "lookup-events", "array", "sorted", "sorted-spaced", "array-sorted"],
)
def test_memory_follows_the_piece_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    path = _write(tmp_path / "export.json", _lines(3000), zipped=False, layout=layout)
    size = path.stat().st_size
    monkeypatch.setattr(local, "PIECE", 64 * 1024)
    source = LocalSource(str(path), needle_of(parse_principal(ROLE_ARN)))
    tracemalloc.start()
    calls = sum(1 for _ in source.calls(pytest.fail))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert calls == 1000
    assert source.stats.records_unread == 2000
    assert peak < size / 3  # whole, the file's bytes alone are ``size``


@pytest.mark.parametrize("layout", ["lines", "compact"])
def test_a_record_longer_than_a_piece_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    lines = _lines(30)
    long = record("s3", "PutObject", request={"bucketName": "b", "key": "k" * 5000}, eventID="long")
    lines.insert(10, json.dumps(long))
    path = _write(tmp_path / "export.json", lines, zipped=False, layout=layout)
    monkeypatch.setattr(local, "PIECE", 1024)
    source = LocalSource(str(path), needle_of(parse_principal(ROLE_ARN)))
    names = [c.name for c in source.calls(pytest.fail)]
    assert names.count("PutObject") == 1
    assert len(names) == 11
    assert source.stats.records + source.stats.records_unread == 31


def _read_in_small_pieces(
    path: Path, monkeypatch: pytest.MonkeyPatch, unit: str
) -> tuple[list[Any], list[str], int]:
    """The calls of a file read in 8 KB pieces that ends early with one warning, the
    warning, and the line or record it says the rest is left out from."""
    monkeypatch.setattr(local, "PIECE", 8 * 1024)
    source = LocalSource(str(path), needle_of(parse_principal(ROLE_ARN)))
    warnings: list[str] = []
    calls = list(source.calls(warnings.append))
    assert source.stats.files_read == 1
    assert len(warnings) == 1
    start = int(warnings[0].split(f"its {unit} from ")[1].split(" on")[0].replace(",", ""))
    return calls, warnings, start


def test_a_broken_line_past_the_first_piece_keeps_what_came_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _lines(300)
    lines[250] = lines[250][:40]  # cut short: not JSON
    path = _write(tmp_path / "export.jsonl", lines, zipped=False)
    calls, warnings, start = _read_in_small_pieces(path, monkeypatch, "lines")
    assert 0 < len(calls) < 100
    assert 1 < start <= 251  # the piece holding line 251 (the broken one) is left out
    broken = int(warnings[0].split("broken at line ")[1].split(" ")[0])
    assert start + broken - 1 == 251  # counted from the piece's first line
    assert warnings[0].endswith("counting from that line)")


def test_a_broken_record_past_the_first_piece_keeps_what_came_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _log(_lines(300), "compact")
    at = text.index('"eventID":"p-252"')  # in the 253rd record, far past the first piece
    path = tmp_path / "big.json"
    path.write_text(text[:at] + text[at + 5 :])  # not JSON there
    calls, _, start = _read_in_small_pieces(path, monkeypatch, "records")
    assert 1 < start <= 253  # the piece holding record 253 is left out
    assert {c.event_id for c in calls} == {f"p-{n}" for n in range(0, start - 1, 3)}


def test_a_log_cut_short_after_the_first_piece_keeps_what_came_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _log(_lines(300), "compact")
    path = tmp_path / "big.json"
    path.write_text(text[: len(text) * 2 // 3])  # a copy that stopped short
    calls, warnings, start = _read_in_small_pieces(path, monkeypatch, "records")
    assert 100 < start <= 200  # the file stops in its 200th record
    assert {c.event_id for c in calls} == {f"p-{n}" for n in range(0, start - 1, 3)}
    assert warnings[0].endswith("(one of the next is not JSON: was the file cut short?)")


def test_a_log_cut_short_is_reported_not_read_as_whole(tmp_path: Path) -> None:
    text = _log(_lines(30), "compact")
    cut = text.rindex('"eventID":"o-')  # in a record without the principal's name
    path = tmp_path / "cut.json"
    path.write_text(text[:cut])
    source = LocalSource(str(path), needle_of(parse_principal(ROLE_ARN)))
    warnings: list[str] = []
    assert list(source.calls(warnings.append)) == []
    assert source.stats.files_skipped[0]["file"] == str(path)
    assert len(warnings) == 1  # as the plain path says it


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(lambda rs: [{"note": "x"}, *rs], id="an array not all events"),
        pytest.param(lambda rs: {"Records": [{"note": "x"}, *rs]}, id="no key in common"),
    ],
)  # fmt: skip
def test_a_large_file_of_another_layout_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: Any
) -> None:
    records = [json.loads(line) for line in _lines(200)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(document(records)))
    monkeypatch.setattr(local, "PIECE", 4 * 1024)
    source = LocalSource(str(path), needle_of(parse_principal(ROLE_ARN)))
    ids = [c.event_id for c in source.calls(lambda m: None)]
    assert len(ids) == 200  # parsed whole: every record
    assert source.stats.records_unread == 0


def test_a_piece_whose_records_start_with_other_keys_is_split_and_the_read_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log whose first records start with eventVersion and later ones with other keys (a
    merged export): a piece no separator parts is split by the parser (``scan._split``),
    which must let go of the piece before it is refilled in place."""
    records = [json.loads(line) for line in _lines(300)]
    later = [dict(sorted(dict(r, additionalEventData={"x": 1}).items())) for r in records[150:]]
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"Records": records[:150] + later}, separators=(",", ":")))
    monkeypatch.setattr(local, "PIECE", 4 * 1024)
    source = LocalSource(str(path), needle_of(parse_principal(ROLE_ARN)))
    warnings: list[str] = []
    ids = [c.event_id for c in source.calls(warnings.append)]
    assert warnings == []
    assert ids == [f"p-{n}" for n in range(0, 300, 3)]
    assert source.stats.records_unread == 200


def test_a_log_with_keys_after_its_records_is_read_in_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [json.loads(line) for line in _lines(200)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"Records": records, "exportedBy": "a tool"}, separators=(",", ":")))
    monkeypatch.setattr(local, "PIECE", 4 * 1024)
    source = LocalSource(str(path), needle_of(parse_principal(ROLE_ARN)))
    assert sum(1 for _ in source.calls(pytest.fail)) == 67
    assert source.stats.records_unread == 133


@settings(max_examples=40, deadline=None)
@given(
    layout=st.sampled_from(ALL),
    events=st.integers(1, 120),
    piece=st.integers(256, 16 * 1024),
    zipped=st.booleans(),
)
def test_any_piece_size_reads_what_a_whole_read_does(
    tmp_path_factory: pytest.TempPathFactory, layout: str, events: int, piece: int, zipped: bool
) -> None:
    folder = tmp_path_factory.mktemp("pieces")
    path = _write(
        folder / ("export.json.gz" if zipped else "export.json"), _lines(events), zipped, layout
    )
    needle = needle_of(parse_principal(ROLE_ARN))

    def read() -> tuple[list[str], Any, list[str]]:
        source = LocalSource(str(path), needle)
        warnings: list[str] = []
        ids = [call.event_id for call in source.calls(warnings.append)]
        return ids, source.stats, warnings

    whole = read()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(local, "PIECE", piece)
        assert read() == whole
    assert whole[1].records + whole[1].records_unread == events


def _sorted_export(path: Path, records: list[dict[str, Any]], **dumps: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"Records": records}, sort_keys=True, **dumps))
    return path


@pytest.mark.parametrize("spaced", [False, True])
def test_objects_nested_in_a_record_that_start_like_one_are_not_cut_between(
    tmp_path: Path, reference: Any, monkeypatch: pytest.MonkeyPatch, spaced: bool
) -> None:
    """Keys sorted, the bytes between two records are also between two objects in a list
    inside a record; even when those objects start with a record's field, each cut is one
    the document reads whole at."""
    records = [json.loads(line) for line in _lines(300)]
    for n, rec in enumerate(records):
        rec["requestParameters"] = {
            "items": [{"eventName": f"a{n}"}, {"awsRegion": "x", "eventID": str(n)}] * (n % 5)
        }
    separators = None if spaced else (",", ":")
    _sorted_export(tmp_path / "logs" / "export.json", records, separators=separators)
    whole, whole_warnings = _report(tmp_path / "logs", reference)
    plain, _ = _report(tmp_path / "logs", reference, plain=True)
    monkeypatch.setattr(local, "PIECE", 2 * 1024)
    source = LocalSource(str(tmp_path / "logs"), needle_of(parse_principal(ROLE_ARN)))
    ids = [c.event_id for c in source.calls(pytest.fail)]
    assert ids == [f"p-{n}" for n in range(0, 300, 3)]
    assert source.stats.records_unread == 200
    pieces, piece_warnings = _report(tmp_path / "logs", reference)
    assert pieces.texts == whole.texts == plain.texts
    assert pieces.report["events"] == whole.report["events"]
    assert piece_warnings == whole_warnings == []


def test_a_document_that_cannot_be_cut_is_read_whole_from_there(
    tmp_path: Path, reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys sorted, a record that is no event makes every piece holding it read other than
    whole: past a few pieces without a cut, the rest is read as one, and the record is
    reported as a whole read reports it."""
    records = [json.loads(line) for line in _lines(600)]
    records[400] = {"note": "not an event"}
    _sorted_export(tmp_path / "logs" / "export.json", records, separators=(",", ":"))
    whole, whole_warnings = _report(tmp_path / "logs", reference)
    monkeypatch.setattr(local, "PIECE", 4 * 1024)
    monkeypatch.setattr(local, "_MAX_TRIED", 2)
    pieces, piece_warnings = _report(tmp_path / "logs", reference)
    assert pieces.texts == whole.texts
    assert pieces.report["events"] == whole.report["events"]
    assert piece_warnings == whole_warnings
    assert len(whole_warnings) == 1
