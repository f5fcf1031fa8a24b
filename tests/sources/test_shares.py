"""A file too large to balance across the workers (a big export, a long log) is read by
every worker, each taking its share of the file's pieces: the policy, counts, report and
warnings are the one-process read's. A share that meets anything only a whole read can say
right (a file cut short, records that are no events, an event twice) makes the source be
read again in one process."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from least_priv import parallel
from least_priv.app import run
from least_priv.config import Settings
from least_priv.core.select import Window, parse_principal
from least_priv.sources import local
from least_priv.sources.local import LocalSource
from least_priv.sources.scan import needle_of
from tests.conftest import ROLE_ARN
from tests.sources.test_large_file import _lines, _log, _write


def _settings(source: Path, workers: int, plain: bool = False) -> Settings:
    return Settings(
        principal=parse_principal(ROLE_ARN), sources=(str(source),), window=Window(None, None),
        output="-", plain=plain, workers=workers,
    )  # fmt: skip


def _read(source: Path, reference: Any, workers: int, plain: bool = False) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    return run(_settings(source, workers, plain), warnings.append, reference), warnings


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files of a few hundred KB are large: read in 8 KB pieces, on two workers."""
    monkeypatch.setattr(local, "PIECE", 8 * 1024)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr("least_priv.app.worker_count", lambda limit=0, *_: limit or 2)


def _same(shared: tuple[Any, list[str]], alone: tuple[Any, list[str]], plain: bool = False) -> None:
    """Equal results; the plain path parses every record (its ``sources`` count none unread)."""
    assert shared[0].texts == alone[0].texts
    for key in (
        "actions",
        "denied",
        "unmapped",
        "findings",
        "events",
        *(() if plain else ("sources",)),
    ):
        assert shared[0].report[key] == alone[0].report[key], key
    assert shared[1] == alone[1]


def test_a_file_larger_than_a_workers_fair_part_is_shared() -> None:
    files = [(900, "big.json.gz"), (50, "a.json.gz"), (50, "b.json.gz")]
    parts = parallel.plan_parts(files, workers=2, parts=8, shares=True)
    assert parts[:2] == [(["big.json.gz"], (0, 2)), (["big.json.gz"], (1, 2))]  # first: longest
    assert sorted(n for names, share in parts[2:] for n in names if share is None) == [
        "a.json.gz", "b.json.gz",
    ]  # fmt: skip
    # Files that balance across the workers are read whole, each by one of them.
    even = [(500, "one.json.gz"), (500, "two.json.gz")]
    assert all(share is None for _, share in parallel.plan_parts(even, 2, 8, shares=True))
    # On many workers, a large file is shared by as many as it holds fair parts.
    three = [(300, "one.json.gz"), (300, "two.json.gz"), (300, "six.json.gz")]
    planned = parallel.plan_parts(three, 8, 32, shares=True)
    assert [share for _, share in planned] == [(w, 3) for w in range(3)] * 3
    # A source whose files cannot be shared (a trail's bucket) is split by files only.
    assert all(share is None for _, share in parallel.plan_parts(files, 2, 8, shares=False))


@pytest.mark.parametrize(
    "layout", ["lines", "compact", "spaced", "indented", "lookup-events", "array"]
)
@pytest.mark.parametrize("zipped", [False, True])
@pytest.mark.usefixtures("small_pieces")
def test_a_shared_file_gives_the_one_process_result(
    tmp_path: Path, reference: Any, layout: str, zipped: bool
) -> None:
    name = "export.jsonl" if layout == "lines" else "111122223333_CloudTrail_big.json"
    _write(tmp_path / "logs" / (name + ".gz" if zipped else name), _lines(900), zipped, layout)
    shared = _read(tmp_path / "logs", reference, workers=2)
    _same(shared, _read(tmp_path / "logs", reference, workers=1))
    _same(shared, _read(tmp_path / "logs", reference, workers=1, plain=True), plain=True)
    assert shared[0].report["events"]["events_read"] == 900
    assert shared[0].report["sources"][0]["files_read"] == 1


@pytest.mark.usefixtures("small_pieces")
def test_each_share_reads_only_its_pieces(tmp_path: Path) -> None:
    path = _write(tmp_path / "big.json", _lines(900), zipped=False, layout="compact")
    needle = needle_of(parse_principal(ROLE_ARN))
    ids, counted = [], []
    for share in range(3):
        source = LocalSource(str(path), needle, [str(path)], share=(share, 3))
        ids.append({call.event_id for call in source.calls(pytest.fail)})
        counted.append(source.stats.records + source.stats.records_unread)
        assert source.stats.files_read == (1 if share == 0 else 0)
    assert all(ids)
    assert sum(map(len, ids)) == len(ids[0] | ids[1] | ids[2])  # no event in two shares
    assert len(ids[0] | ids[1] | ids[2]) == 300  # every third event is the principal's
    assert sum(counted) == 900
    assert all(100 < n < 500 for n in counted)  # each its share, none the whole file


def _cut_short(path: Path) -> Path:
    text = _log(_lines(900), "compact")
    path.write_text(text[: len(text) * 2 // 3])
    return path


def _invalid_records(path: Path) -> Path:
    records = [json.loads(line) for line in _lines(900)]
    records[699]["eventSource"] = 7  # the principal's, and not an event
    path.write_text(json.dumps({"Records": records}, separators=(",", ":")))
    return path


def _twice(path: Path) -> Path:
    lines = _lines(900)
    path.write_text("\n".join([*lines, *lines[:30]]) + "\n")  # an export that repeats events
    return path


def _gzip_cut_short(path: Path) -> Path:
    data = gzip.compress(_log(_lines(900), "compact").encode(), mtime=0)
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (_cut_short, "big.json"),
        (_invalid_records, "big.json"),
        (_twice, "export.jsonl"),
        (_gzip_cut_short, "big.json.gz"),
    ],
)
@pytest.mark.usefixtures("small_pieces")
def test_what_a_share_cannot_judge_is_read_again_in_one_process(
    tmp_path: Path, reference: Any, make: Any, name: str
) -> None:
    (tmp_path / "logs").mkdir()
    make(tmp_path / "logs" / name)
    shared = _read(tmp_path / "logs", reference, workers=2)
    _same(shared, _read(tmp_path / "logs", reference, workers=1))
    assert shared[1] or shared[0].report["events"].get("events_duplicate")  # it said what it met


@pytest.mark.usefixtures("small_pieces")
def test_a_large_file_read_whole_is_read_by_its_first_share_only(
    tmp_path: Path, reference: Any
) -> None:
    records = [json.loads(line) for line in _lines(900)]
    path = tmp_path / "logs" / "events.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"Records": [{"note": "x"}, *records]}))  # read whole
    needle = needle_of(parse_principal(ROLE_ARN))
    other = LocalSource(str(path), needle, [str(path)], share=(1, 2))
    tracemalloc.start()
    assert list(other.calls(pytest.fail)) == []
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < path.stat().st_size // 4  # never held: the first share parses it
    first = LocalSource(str(path), needle, [str(path)], share=(0, 2))
    with pytest.raises(local.ReadAlone):  # its record that is no event: said for the whole
        list(first.calls(pytest.fail))
    _same(_read(path.parent, reference, workers=2), _read(path.parent, reference, workers=1))


@pytest.mark.usefixtures("small_pieces")
def test_spawned_workers_read_folders_and_shares_alike(
    tmp_path: Path, reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where processes cannot be forked (macOS, Windows), workers are spawned: they load the
    reference themselves and get the progress slots from the pool's initializer."""
    for n in range(3):  # event ids of their own: no event is in two parts
        lines = [line.replace('"eventID": "', f'"eventID": "s{n}-') for line in _lines(30)]
        _write(tmp_path / "logs" / f"small-{n}.json", lines, zipped=False, layout="compact")
    _write(tmp_path / "logs" / "big.json.gz", _lines(900), zipped=True, layout="lines")
    alone = _read(tmp_path / "logs", reference, workers=1)
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    collected: list[bool] = []

    def collect(*args: Any, **kwargs: Any) -> bool:
        collected.append(parallel.collect(*args, **kwargs))
        return collected[-1]

    monkeypatch.setattr("least_priv.app.collect", collect)
    spawned = _read(tmp_path / "logs", reference, workers=2)
    assert collected == [True]  # read on the spawned workers, not again in one process
    _same(spawned, alone)
    assert spawned[0].report["events"]["events_read"] == 990
