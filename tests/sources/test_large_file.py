"""One large JSON lines file (an export of events, one a line) is read in pieces cut at line
ends, so memory follows the piece, not the file; the result is the one of a whole read."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

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
        found.append(json.dumps(rec))
    return found


def _write(path: Path, lines: list[str], zipped: bool) -> Path:
    data = ("\n".join(lines) + "\n").encode()
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


@pytest.mark.parametrize("zipped", [False, True])
@pytest.mark.parametrize("plain", [False, True])
def test_pieces_give_the_whole_reads_result(
    tmp_path: Path, reference: Any, monkeypatch: pytest.MonkeyPatch, zipped: bool, plain: bool
) -> None:
    name = "export.jsonl.gz" if zipped else "export.jsonl"
    _write(tmp_path / "logs" / name, _lines(600), zipped)
    whole, whole_warnings = _report(tmp_path / "logs", reference, plain)
    monkeypatch.setattr(local, "PIECE", 8 * 1024)  # about 15 pieces
    pieces, piece_warnings = _report(tmp_path / "logs", reference, plain)
    assert pieces.texts == whole.texts
    for key in ("actions", "events", "sources"):
        assert pieces.report[key] == whole.report[key], key
    assert pieces.report["events"]["events_read"] == 600
    assert pieces.report["sources"][0]["files_read"] == 1
    assert piece_warnings == whole_warnings == []


def test_memory_follows_the_piece_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "export.jsonl", _lines(3000), zipped=False)
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


def test_a_line_longer_than_a_piece_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _lines(30)
    long = record("s3", "PutObject", request={"bucketName": "b", "key": "k" * 5000}, eventID="long")
    lines.insert(10, json.dumps(long))
    path = _write(tmp_path / "export.jsonl", lines, zipped=False)
    monkeypatch.setattr(local, "PIECE", 1024)
    source = LocalSource(str(path), needle_of(parse_principal(ROLE_ARN)))
    names = [c.name for c in source.calls(pytest.fail)]
    assert names.count("PutObject") == 1
    assert len(names) == 11
    assert source.stats.records + source.stats.records_unread == 31


def test_a_broken_line_past_the_first_piece_keeps_what_came_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _lines(300)
    lines[250] = lines[250][:40]  # cut short: not JSON
    path = _write(tmp_path / "export.jsonl", lines, zipped=False)
    monkeypatch.setattr(local, "PIECE", 8 * 1024)
    source = LocalSource(str(path), needle_of(parse_principal(ROLE_ARN)))
    warnings: list[str] = []
    calls = list(source.calls(warnings.append))
    assert 0 < len(calls) < 100
    assert source.stats.files_read == 1
    assert len(warnings) == 1
    start = int(warnings[0].split("its lines from ")[1].split(" on")[0].replace(",", ""))
    assert 1 < start <= 251  # the piece holding line 251 (the broken one) is left out
    broken = int(warnings[0].split("broken at line ")[1].split(" ")[0])
    assert start + broken - 1 == 251  # counted from the piece's first line
    assert warnings[0].endswith("counting from that line)")


def test_a_large_log_file_of_another_layout_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [json.loads(line) for line in _lines(200)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"Records": records}))
    monkeypatch.setattr(local, "PIECE", 4 * 1024)
    source = LocalSource(str(path), needle_of(parse_principal(ROLE_ARN)))
    assert sum(1 for _ in source.calls(pytest.fail)) == 67
    assert source.stats.records_unread == 133
