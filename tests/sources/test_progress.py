"""A long read says how far it has got, at most every ``app.PROGRESS_SECONDS``; a short one
says nothing."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from least_priv import app
from least_priv.app import run
from least_priv.config import Settings
from least_priv.core.select import Window, parse_principal
from least_priv.parallel import _publish
from tests.sources.fakes import FakeTime
from tests.sources.test_fast_path import ROLE_ARN, _records

WINDOW = Window(None, None)


def _folder(tmp_path: Path, files: int) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    for n in range(files):
        records = [dict(r, eventID=f"{n}-{i}") for i, r in enumerate(_records())]
        (folder / f"{n:03d}.json").write_text(json.dumps({"Records": records}))
    return folder


def _count(line: str) -> int:
    """The events a progress line says were read."""
    return int(re.findall(r"([\d,]+) events read", line)[0].replace(",", ""))


def _read(
    folder: Path,
    reference: Any,
    time: FakeTime,
    step: float,
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Run on ``folder`` with a clock that moves ``step`` seconds whenever it is read; the
    progress lines (also handed to ``progress``)."""

    def clock() -> float:
        time.now += step
        return time.now

    lines: list[str] = []
    settings = Settings(
        principal=parse_principal(ROLE_ARN), sources=(str(folder),), window=WINDOW, output="-"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app, "_clock", clock)
        run(settings, pytest.fail, reference, progress=progress or lines.append)
    return lines


def test_a_long_read_reports_files_and_events_as_it_goes(tmp_path: Path, reference: Any) -> None:
    folder = _folder(tmp_path, 6)
    lines = _read(folder, reference, FakeTime(), app.PROGRESS_SECONDS / 2)
    assert lines, "a read of 6 files at half the interval each must report"
    assert len(lines) <= 3  # at most one line per interval
    assert all(
        str(folder) in line and " files, " in line and " events read" in line for line in lines
    )
    counts = [int(line.split(": ")[1].split(" files")[0]) for line in lines]
    assert counts == sorted(counts)
    assert 0 < counts[-1] <= 6


def test_a_quick_read_says_nothing(tmp_path: Path, reference: Any) -> None:
    assert _read(_folder(tmp_path, 6), reference, FakeTime(), 0.0) == []


@pytest.mark.usefixtures("two_workers")
def test_a_read_on_several_cores_reports_as_its_parts_arrive(
    tmp_path: Path, reference: Any
) -> None:
    folder = _folder(tmp_path, 8)
    lines = _read(folder, reference, FakeTime(), app.PROGRESS_SECONDS)
    assert lines
    assert int(lines[-1].split(": ")[1].split(" files")[0]) == 8  # the last part: every file


def test_a_source_without_files_says_events_and_what_it_is_doing() -> None:
    """LookupEvents and Athena read no files: their line gives events, and requests made or
    the query's state."""
    from least_priv.sources.base import SourceStats

    now = [100.0]
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app, "_clock", lambda: now[0])
        on_file = app._reading(lines.append)
        now[0] += app.PROGRESS_SECONDS + 1
        on_file(SourceStats("lookup-events", records=1234, doing="37 requests"))
        now[0] += app.PROGRESS_SECONDS + 1
        on_file(SourceStats("logs/", files_read=3, records=10, records_unread=5))
    assert lines == [
        "lookup-events: 1,234 events read (37 requests) in 16 s",
        "logs/: 3 files, 15 events read in 32 s",
    ]


def test_one_large_file_reports_its_events_piece_by_piece(
    tmp_path: Path, reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from least_priv.sources import local

    folder = tmp_path / "logs"
    folder.mkdir()
    records = [dict(r, eventID=f"{n}-{i}") for n in range(60) for i, r in enumerate(_records())]
    (folder / "export.json").write_text(json.dumps({"Records": records}))
    monkeypatch.setattr(local, "PIECE", 8 * 1024)  # about 20 pieces
    lines = _read(folder, reference, FakeTime(), app.PROGRESS_SECONDS / 2)
    assert len(lines) >= 3, "one file read in pieces must report while it is read"
    counts = [int(re.findall(r"([\d,]+) events read", line)[0].replace(",", "")) for line in lines]
    assert counts == sorted(counts)
    assert 0 < counts[0] < len(records)
    assert " files, " not in lines[0]  # no file finished yet


_SAID: Any = None  # set by the test below, before the workers fork


def _publish_then_wait(index: int, stats: Any) -> None:
    """In a worker: publish as ``parallel._publish`` does, then, the first time something
    was read, wait until the parent has said a count on the way (``_SAID``)."""
    global _SAID  # noqa: PLW0603 - the worker's own copy
    _publish(index, stats)
    if stats.records and _SAID is not None:
        _SAID.wait(10)
        _SAID = None


@pytest.mark.usefixtures("two_workers")
def test_one_large_file_on_several_cores_reports_while_its_shares_are_read(
    tmp_path: Path, reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker publishes what its share has read piece by piece; the parent, waiting
    for the shares, says the sum (it would otherwise be silent until a share ends). Each
    worker, once it has published a count, waits (10 s at most) until the parent has said
    one between none and all: the test does not hang on how fast either side is."""
    import multiprocessing

    from least_priv import parallel
    from least_priv.sources import local

    if not parallel.can_fork():
        pytest.skip("the workers must inherit the test's hook (fork)")
    folder = tmp_path / "logs"
    folder.mkdir()
    records = [dict(r, eventID=f"{n}-{i}") for n in range(600) for i, r in enumerate(_records())]
    (folder / "export.json").write_text(json.dumps({"Records": records}))
    monkeypatch.setattr(local, "PIECE", 8 * 1024)  # about 200 pieces
    monkeypatch.setattr(parallel, "PROGRESS_POLL", 0.01)
    said = multiprocessing.get_context("fork").Event()  # the parent said a count on the way
    monkeypatch.setattr(sys.modules[__name__], "_SAID", said)  # the forked workers' too
    monkeypatch.setattr(parallel, "_publish", _publish_then_wait)
    lines: list[str] = []

    def progress(line: str) -> None:
        lines.append(line)
        if 0 < _count(line) < len(records):
            said.set()

    _read(folder, reference, FakeTime(), app.PROGRESS_SECONDS, progress)  # every call prints
    assert said.is_set()
    counts = [_count(line) for line in lines]
    assert counts == sorted(counts)
    assert any(0 < n < len(records) for n in counts), counts
    assert counts[-1] == len(records)
