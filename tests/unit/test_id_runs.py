"""The parts' sorted event ids wait for the duplicate check in a temporary file, not in the
parent's memory, and read back merged in small pieces (``parallel.IdRuns``)."""

from __future__ import annotations

import errno
import io
import random
import resource
import signal
import tempfile
from array import array
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from least_priv import parallel
from least_priv.core.evidence import EventIds


def _packed(keys: list[int]) -> bytes:
    return array("Q", sorted(keys)).tobytes()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=40), max_size=6),
    st.integers(1, 5),
)
def test_the_runs_read_back_as_one_sorted_merge(parts: list[list[int]], piece: int) -> None:
    with parallel.IdRuns(piece_keys=piece) as runs:
        for keys in parts:
            runs.add(_packed(keys))
        assert list(runs.merged()) == sorted(k for keys in parts for k in keys)
        assert list(runs.merged()) == sorted(k for keys in parts for k in keys)  # again


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 60), max_size=30, unique=True), max_size=6),
    st.lists(st.integers(0, 60), max_size=5),
    st.integers(1, 4),
)
def test_unique_is_its_plain_definition(
    parts: list[list[int]], counted: list[int], piece: int
) -> None:
    """Equal ids in two runs meet in one batch whatever the pieces they are read in."""
    earlier = EventIds()
    earlier.update(counted)
    every = [k for keys in parts for k in keys]
    plain = len(set(every)) == len(every) and not set(every) & set(counted)
    with parallel.IdRuns(piece_keys=piece) as runs:
        for keys in parts:
            runs.add(_packed(keys))
        assert parallel.unique(runs, earlier) is plain
        assert [k for batch in runs.batches() for k in batch] == sorted(every)


def test_the_ids_lie_on_disk_not_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rng = random.Random(6)
    keys = [rng.getrandbits(64) for _ in range(200_000)]
    with parallel.IdRuns() as runs:
        for start in range(0, len(keys), 50_000):
            runs.add(_packed(keys[start : start + 50_000]))
        assert runs.on_disk == 8 * len(keys)
        assert list(runs.merged()) == sorted(keys)


def test_without_a_writable_temporary_folder_the_ids_stay_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with parallel.IdRuns() as runs:
        runs.add(_packed([5, 1]))
        runs.add(_packed([3, 1]))
        assert runs.on_disk == 0
        assert list(runs.merged()) == [1, 1, 3, 5]


@pytest.mark.parametrize(
    ("parts", "counted", "unique"),
    [
        ([[1, 4], [2, 3]], [], True),
        ([[1, 4], [4, 9]], [], False),  # a log file read by two parts
        ([[1, 4], [2, 3]], [3], False),  # already counted from an earlier source
        ([[7]], [8], True),
        ([], [1], True),
    ],
)
def test_ids_are_unique_only_when_no_part_or_earlier_source_shares_one(
    parts: list[list[int]], counted: list[int], unique: bool
) -> None:
    earlier = EventIds()
    earlier.update(counted)
    with parallel.IdRuns(piece_keys=1) as runs:
        for keys in parts:
            runs.add(_packed(keys))
        assert parallel.unique(runs, earlier) is unique


class _FillsUp:
    """A temporary file on a disk that fills up after ``room`` bytes."""

    def __init__(self, room: int) -> None:
        self.room, self.data = room, io.BytesIO()

    def write(self, data: Any) -> int:
        if self.data.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.data.write(data)

    def __getattr__(self, name: str) -> Any:  # seek, read, flush, close: the file's own
        return getattr(self.data, name)


def test_a_full_disk_keeps_the_ids_in_memory_and_loses_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda: _FillsUp(room=8 * 5))
    with parallel.IdRuns(piece_keys=2) as runs:
        runs.add(_packed([9, 2, 4]))
        assert runs.on_disk == 24
        runs.add(_packed([7, 3, 1]))  # does not fit: everything moves to memory
        runs.add(_packed([5]))
        assert runs.on_disk == 0
        assert list(runs.merged()) == [1, 2, 3, 4, 5, 7, 9]


def test_a_real_file_that_cannot_grow_keeps_the_ids_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real temporary file past the largest size this process may write (``ulimit -f``,
    as a full disk): the buffered bytes that failed are not written again, and no id is
    lost."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    ignored = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
    try:
        with parallel.IdRuns() as runs:
            resource.setrlimit(resource.RLIMIT_FSIZE, (40, limit[1]))
            try:
                runs.add(_packed([9, 2, 4]))
                assert runs.on_disk == 24
                runs.add(_packed([7, 3, 1]))  # 48 bytes: past the limit
            finally:
                resource.setrlimit(resource.RLIMIT_FSIZE, limit)
            assert runs.on_disk == 0
            assert list(runs.merged()) == [1, 2, 3, 4, 7, 9]
    finally:
        signal.signal(signal.SIGXFSZ, ignored)
