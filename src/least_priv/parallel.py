"""A large folder of log files, or a large read of a trail's bucket, analysed on every core:
the files (objects) are split into parts, each part is read and analysed by a worker process
(for S3, with a client of its own), and the parts' analyses are merged. A local file too
large to balance (a big export) is read by every worker, each analysing its share of the
file's pieces.

The result equals the one-process run: merging is order-free (sets, sums, min/max; the report
sorts what is listed). An event id counted by two parts (a log file copied twice) makes the
folder be read again in one process, where duplicates are counted once; so does a share of
a file that meets what only a whole read says right (``local.ReadAlone``).
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import gc
import io
import itertools
import math
import operator
import os
import tempfile
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from least_priv.core.analysis import Collector, Options
from least_priv.core.evidence import Analysis, EventIds
from least_priv.core.select import Principal, Window
from least_priv.sources.base import SourceStats, Warn
from least_priv.sources.local import ReadAlone, Share, path_order
from least_priv.sources.scan import dump

if TYPE_CHECKING:
    from concurrent.futures import Future

MIN_BYTES = 4 * 1024 * 1024  # gzipped logs: below this a folder is read faster in one process
PARTS_PER_WORKER = 4  # small parts even out files of different sizes
PART_BYTES = 4 * 1024 * 1024  # at most this much work (``_work``) per part: flat memory


class Splittable(Protocol):
    """A source a parallel read can split: a local folder, or a trail's bucket."""

    @property
    def stats(self) -> SourceStats: ...

    @property
    def can_split(self) -> bool:
        """Whether it can be split now (an S3 source needs forked workers and a client
        maker for them)."""
        ...

    def sized(self) -> list[tuple[int, str]]:
        """Its files (or objects), each with its size in bytes."""
        ...

    def part(self, names: list[str]) -> Callable[[], Any]:
        """What makes, in a worker, the source of these files only (picklable). A source
        with ``can_share`` also takes a ``share`` of one file (``local.Share``)."""
        ...

    def finished(self, warn: Warn) -> None:
        """What the whole read still has to say once every part is merged."""
        ...


@dataclass(frozen=True)
class Job:
    """What one worker needs: its part's source, and the analysis settings (all picklable)."""

    part: Callable[[], Any]
    principal: Principal
    window: Window
    options: Options
    index: int = 0  # its slots in the progress the workers publish (``_publish``)


@dataclass
class PartResult:
    analysis: Analysis  # without its event ids: they travel packed, 8 bytes each
    stats: SourceStats
    warnings: list[str]
    event_ids: bytes
    alone: bool = False  # a share met what only a whole read says right (``ReadAlone``)


_REFERENCE: Any = None  # one IAM reference per worker process, loaded lazily
_PREVIOUS: Collector | None = None  # the worker's collector of its last part
# Shared with the workers (``_share_progress``): per job, the events and files it has read
# so far, which the parent sums while it waits (a share of one large file is a long job).
_PROGRESS: Any = None
PROGRESS_POLL = 1.0  # seconds between two looks at the workers' progress


def _share_progress(slots: Any) -> None:
    """A worker's initializer: where to publish its progress."""
    global _PROGRESS  # noqa: PLW0603 - the worker's own
    _PROGRESS = slots


def _publish(index: int, stats: SourceStats) -> None:
    """A worker's ``on_file``: what its job has read so far, for the parent to sum."""
    _PROGRESS[2 * index] = stats.records + stats.records_unread  # as ``app._reading`` counts
    _PROGRESS[2 * index + 1] = stats.files_read


def _run(job: Job) -> PartResult:
    global _REFERENCE, _PREVIOUS  # noqa: PLW0603 - the worker's own caches
    if _REFERENCE is None:  # a spawned worker (a forked one has its parent's)
        from least_priv.iam.reference import IamReference

        _REFERENCE = IamReference()
    gc.set_threshold(50_000, 20, 100)  # a worker process is an entry point of its own
    warnings: list[str] = []
    source = job.part()
    if _PROGRESS is not None:
        source.stats.on_file = partial(_publish, job.index)
    collector = Collector(job.principal, job.window, _REFERENCE, job.options, dump=dump)
    if _PREVIOUS is not None:  # the parts of one read are merged together: share the memo
        collector.remember_from(_PREVIOUS)
    _PREVIOUS = collector
    try:
        for call in source.calls(warnings.append):
            collector.add(call)
    except ReadAlone:
        return PartResult(Analysis(), type(source.stats)(source.stats.source), [], b"", True)
    packed = array("Q", sorted(collector.analysis.event_ids)).tobytes()
    collector.analysis.event_ids = EventIds()
    return PartResult(collector.analysis, source.stats, warnings, packed)


def worker_count(limit: int = 0, cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """The cores this process may use: its CPU affinity (``taskset``), its container's CPU
    quota (``docker --cpus``, a Kubernetes CPU limit: cgroup v2 or v1, as mounted in the
    container at ``cgroup``) and ``limit`` (``LEAST_PRIV_WORKERS``; 0: none)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    quota = _cpu_quota(cgroup)
    return max(1, min(cores, quota or cores, limit or cores))


def _cpu_quota(cgroup: Path) -> int | None:
    """The CPUs a CFS quota allows, rounded up; ``None`` without one (or unreadable)."""
    try:
        v2 = cgroup / "cpu.max"
        if v2.exists():
            quota, period = v2.read_text().split()[:2]
        else:
            quota = (cgroup / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (cgroup / "cpu" / "cpu.cfs_period_us").read_text().strip()
        if quota in ("max", "-1"):
            return None
        return max(1, -(-int(quota) // int(period)))
    except (OSError, ValueError, ZeroDivisionError):
        return None


def workers_for(workers: int, work: int) -> int:
    """The workers worth starting for ``work`` (``_work`` bytes): one per half of
    ``MIN_BYTES``, so that a small folder on a large machine does not fork a process (each
    about 20 MB, each warming its own memo) per core."""
    return max(1, min(workers, work // max(1, MIN_BYTES // 2)))


Sized = list[tuple[int, str]]  # (work in gzipped bytes, file)


Part = tuple[list[str], Share | None]  # files, or one file's share of pieces


def plan_parts(files: Sized, workers: int, parts: int, shares: bool) -> list[Part]:
    """What the workers read: with ``shares``, a file larger than a worker's fair part (the
    work over the workers) in as many shares as it holds fair parts (every share reads the
    whole file through, so no more), first, as they take longest; the other files in
    ``parts`` lists of about equal size (``split_files``)."""
    fair = sum(size for size, _ in files) / max(1, workers)
    shared: list[Part] = []
    rest: Sized = []
    for size, name in files:
        if shares and workers > 1 and size > fair:
            count = min(workers, math.ceil(size / fair))
            shared += [([name], (which, count)) for which in range(count)]
        else:
            rest.append((size, name))
    return shared + [(names, None) for names in split_files(rest, parts)] if rest else shared


def split_files(files: Sized, parts: int) -> list[list[str]]:
    """``parts`` lists of about equal total size, each in path order."""
    sized = sorted(files, key=lambda sf: (-sf[0], path_order(sf[1])))
    buckets: list[tuple[int, list[str]]] = [(0, []) for _ in range(max(1, parts))]
    for size, path in sized:
        total, chosen = min(buckets, key=lambda b: b[0])
        buckets.remove((total, chosen))
        chosen.append(path)
        buckets.append((total + size, chosen))
    return [sorted(b[1], key=path_order) for b in buckets if b[1]]


class IdRuns:
    """The parts' sorted event ids (8 bytes each, a run per part), kept in a temporary file
    until ``unique`` merges them, and read back ``piece_keys`` at a time per run (fewer with
    many runs): the parent's memory does not grow with the events (5.3 MB at 2,000,000
    events, a third of them the principal's). In memory when no temporary file can be
    written."""

    _MERGE_KEYS = 1 << 15  # read at once across all runs, at most (as ints, about 1.3 MB)

    def __init__(self, piece_keys: int = 4096) -> None:
        self._piece_keys = piece_keys
        self._runs: list[tuple[int, int]] = []  # (offset, bytes)
        self._end = 0
        try:
            self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        except OSError:
            self._file = io.BytesIO()

    def __enter__(self) -> IdRuns:
        return self

    def __exit__(self, *_: object) -> None:
        self._file.close()

    @property
    def on_disk(self) -> int:
        """The bytes kept in the temporary file (0: in memory)."""
        return 0 if isinstance(self._file, io.BytesIO) else self._end

    def add(self, packed: bytes) -> None:
        """One part's ids, sorted, as ``array("Q").tobytes()``."""
        try:
            self._file.seek(self._end)
            self._file.write(packed)
            self._file.flush()
        except OSError:  # the disk is full: go on in memory, as before the file
            kept = self._written()
            with contextlib.suppress(OSError):  # what it could not write stays unwritten
                self._file.close()
            self._file = io.BytesIO(kept)
            self._file.seek(self._end)
            self._file.write(packed)
        self._runs.append((self._end, len(packed)))
        self._end += len(packed)

    def _written(self) -> bytes:
        """The runs written so far, read past the file's buffer (which a failed write may
        leave full, so that a seek would try to write it again)."""
        try:
            return os.pread(self._file.fileno(), self._end, 0)
        except (OSError, ValueError):  # no file descriptor (io.UnsupportedOperation)
            self._file.seek(0)
            return self._file.read(self._end)

    def merged(self) -> Iterator[int]:
        """Every id, in order (an id in two runs comes twice)."""
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[int]]:
        """Every id, in order, in sorted lists: each round reads on in every run whose
        keys ran out, then takes from each run its keys up to the least of the last keys
        read in the runs not yet read to their end, and sorts them (in C, which a merge one
        key at a time is not): no key of a later round is smaller, and equal keys meet in
        one round."""
        piece = max(1, min(self._piece_keys, self._MERGE_KEYS // max(1, len(self._runs))))
        reads = [self._chunks(offset, size, 8 * piece) for offset, size in self._runs]
        pending: list[list[int]] = [[] for _ in reads]  # each run's keys read, from ``taken``
        taken = [0] * len(reads)
        unread = set(range(len(reads)))  # runs not yet read to their end
        while True:
            for run in list(unread):
                if taken[run] == len(pending[run]):
                    chunk = next(reads[run], None)
                    if chunk is None:
                        unread.discard(run)
                    else:
                        pending[run], taken[run] = chunk, 0
            bound = min((pending[run][-1] for run in unread), default=None)
            batch: list[int] = []
            for run, keys in enumerate(pending):
                start = taken[run]
                cut = len(keys) if bound is None else bisect.bisect_right(keys, bound, start)
                batch += keys[start:cut]
                taken[run] = cut
            if not batch:
                return
            batch.sort()
            yield batch

    def _chunks(self, offset: int, size: int, piece: int) -> Iterator[list[int]]:
        while size > 0:
            self._file.seek(offset)  # the runs are read in turns from one file
            chunk = self._file.read(min(size, piece))
            if not chunk:
                raise OSError(f"{getattr(self._file, 'name', 'memory')}: event ids cut short")
            offset, size = offset + len(chunk), size - len(chunk)
            yield memoryview(chunk).cast("Q").tolist()


def unique(runs: IdRuns, counted: EventIds) -> bool:
    """Whether the parts' event ids are all distinct and none is counted already: a merge
    of the sorted runs, so no set of every id is ever built."""
    for batch in runs.batches():  # equal ids meet in one batch, side by side
        if any(map(operator.eq, batch, itertools.islice(batch, 1, None))):
            return False
        if len(counted) and any(key in counted for key in batch):
            return False
    return True


def sized_files(source: Splittable) -> Sized:
    """The source's files, each with the work it is (``_work``)."""
    return [(_work(size, name), name) for size, name in source.sized()]


def worth_it(source: Splittable, workers: int) -> Sized | None:
    """The source's files with the work each is (``_work``) when a parallel read pays, else
    ``None``."""
    if workers < 2 or not source.can_split:
        return None
    files = sized_files(source)
    total = sum(size for size, _ in files)
    if total < MIN_BYTES or workers_for(_useful(_shares(source), workers, files), total) < 2:
        return None
    return files


def _shares(source: Splittable) -> bool:
    """Whether the source's large files may be shared by the workers (local files)."""
    return bool(getattr(source, "can_share", False))


def _useful(shares: bool, workers: int, files: Sized) -> int:
    """The workers that can have work: one per file, or all when a file can be shared."""
    return workers if shares else min(workers, len(files))


def _work(size: int, path: str) -> int:
    """A file's bytes as gzipped log bytes: CloudTrail's logs compress about nine to one, so
    a plain JSON file is about a ninth of the work of a gzipped one of its size."""
    return size if path.endswith(".gz") else size // 9


def can_fork() -> bool:
    """Whether workers can be forked (they then inherit the reference and, for S3, the source
    they make their clients from); else they are spawned."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def collect(
    source: Splittable,
    files: Sized,
    collector: Collector,
    workers: int,
    warn: Warn,
    keep_ids: bool = True,
) -> bool:
    """Analyse ``source`` on ``workers`` processes into ``collector``; ``False`` (nothing
    added) when parts share an event id, or a share of a file met what only a whole read
    says right, and the caller must read it in one process.
    ``keep_ids``: remember the event ids for the sources still to come."""
    size = sum(size for size, _ in files)
    shares = _shares(source)
    workers = workers_for(_useful(shares, workers, files), size)
    parts = max(workers * PARTS_PER_WORKER, -(-size // PART_BYTES))
    jobs = [
        Job(
            source.part(names, share) if share else source.part(names),  # type: ignore[call-arg]
            collector.principal,
            collector.window,
            collector.options,
            index,
        )
        for index, (names, share) in enumerate(plan_parts(files, workers, parts, shares))
    ]
    import multiprocessing  # here: a run on one core never starts a pool
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if can_fork() else "spawn"
    global _REFERENCE  # noqa: PLW0603 - forked workers inherit the loaded reference
    _REFERENCE = _REFERENCE or collector.reference
    # Each part is folded in as it arrives (the parent's memory follows the merged result,
    # not the number of parts); nothing reaches ``collector`` before the ids are known unique.
    merged, warnings, alone = Analysis(), [], False
    stats = type(source.stats)(source.stats.source)  # the parts' sum (S3Stats for a bucket)
    context = multiprocessing.get_context(method)
    slots = context.Array("q", 2 * len(jobs), lock=False)
    gc.freeze()  # what the workers inherit: no collection of theirs copies its pages
    with (
        IdRuns() as runs,
        ProcessPoolExecutor(
            workers, mp_context=context, initializer=_share_progress, initargs=(slots,)
        ) as pool,
    ):
        # Each future is let go once read: it holds its part's result (as ``pool.map`` does).
        pending = deque(pool.submit(_run, job) for job in jobs)
        for index in range(len(jobs)):
            future = pending.popleft()
            result = _waited(future, partial(_tell_live, source.stats, stats, slots, index))
            merged.merge(result.analysis)
            _add_stats(stats, result.stats)
            _tell_live(source.stats, stats, slots, index + 1)  # with this part's final count
            warnings += result.warnings
            runs.add(result.event_ids)
            alone = alone or result.alone
        pool.shutdown()
        if alone or not unique(runs, collector.analysis.event_ids):
            return False
        if keep_ids:
            collector.analysis.event_ids.update(runs.merged())
    collector.analysis.merge(merged)
    _add_stats(source.stats, stats)
    for message in warnings:
        warn(message)
    source.stats.files_skipped.sort(key=lambda f: f["file"])
    source.finished(warn)
    return True


def _waited(future: Future[PartResult], waiting: Callable[[], None]) -> PartResult:
    """The part's result, calling ``waiting`` every ``PROGRESS_POLL`` seconds until then."""
    while True:
        try:
            return future.result(timeout=PROGRESS_POLL)
        except TimeoutError:
            waiting()


def _tell_live(whole: SourceStats, merged: SourceStats, slots: Any, first: int) -> None:
    """Hand ``whole.on_file`` the parts merged so far plus what the workers have published
    for the parts from ``first`` on."""
    if whole.on_file is None:
        return
    live = copy.copy(merged)
    live.records += sum(slots[2 * job] for job in range(first, len(slots) // 2))
    live.files_read += sum(slots[2 * job + 1] for job in range(first, len(slots) // 2))
    whole.on_file(live)


def _add_stats(total: SourceStats, part: SourceStats) -> None:
    """Add ``part``'s counts (every int field, ``S3Stats``' too) and skipped files."""
    for name in (f.name for f in fields(part) if f.type in ("int", int)):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.files_skipped.extend(part.files_skipped)
