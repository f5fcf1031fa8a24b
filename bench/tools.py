"""Measuring child processes for the reading benchmark: wall time and peak memory.

Each measured command runs as its own child (a pipeline as several), spawned directly and
reaped with ``os.wait4``, whose rusage is that one child's (and its reaped descendants'):
nothing accumulates across runs. Peak memory is the larger of

- ``ru_maxrss``: the kernel's high-water mark of the largest single process, exact; and
- the process tree's summed PSS, sampled every 20 ms from ``/proc/<pid>/smaps_rollup``
  (RSS from ``statm`` where that is missing), so worker processes count together, their
  shared pages once. Only in a run measured with ``sample``: reading ``smaps_rollup`` walks
  each process's pages in the kernel, CPU taken from the cores the run uses (by hand, a
  two-core least-priv run took 1.25-1.39 s sampled against 1.18-1.19 s unsampled), so timed
  runs are not sampled.

A pipeline (trailscraper's ``select | generate``) reports the largest of its processes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
TASKSET = shutil.which("taskset")


@dataclass(frozen=True)
class Measured:
    seconds: float
    max_rss_kb: int  # ru_maxrss of the largest process
    tree_kb: int  # sampled peak of the summed PSS of a process tree
    returncodes: tuple[int, ...]
    parent_kb: int = 0  # sampled peak PSS of the (first) command's own process
    worker_kb: int = 0  # sampled peak PSS of its largest child process (0: none)
    sampled: bool = False  # a run for memory: its PSS sampled, its time not counted

    @property
    def peak_mb(self) -> float:
        return max(self.max_rss_kb, self.tree_kb) / 1024

    @property
    def ok(self) -> bool:
        return all(code == 0 for code in self.returncodes)


def one_core(cmd: Sequence[str]) -> list[str]:
    """``cmd`` pinned to CPU 0 (``taskset``; the children inherit it)."""
    if TASKSET:
        return [TASKSET, "-c", "0", *cmd]
    return [*cmd]  # pinned in _spawn's preexec_fn instead


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            found += [int(child) for child in text.split()]
    except OSError:
        pass
    return found


def _memory_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def tree_kb(pid: int) -> int:
    """The summed PSS of ``pid`` and all its descendants now."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _memory_kb(current)
        todo += _children(current)
    return total


class _Sampler(threading.Thread):
    def __init__(self, pids: list[int], interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.peaks = [0] * len(pids)
        self.parent = self.worker = 0  # of the first process: itself, its largest child
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            # Each process's memory is read once a sample: the first command's tree is its
            # own PSS plus its children's trees, which are also its workers' figures.
            first = self.pids[0]
            own, children = _memory_kb(first), [tree_kb(c) for c in _children(first)]
            self.parent = max(self.parent, own)
            self.worker = max(self.worker, *children, 0)
            self.peaks[0] = max(self.peaks[0], own + sum(children))
            for i, pid in enumerate(self.pids[1:], 1):
                self.peaks[i] = max(self.peaks[i], tree_kb(pid))


def measure(
    commands: Sequence[Sequence[str]],
    *,
    env: dict[str, str] | None = None,
    stdout: Path | None = None,
    stderr: Path | None = None,
    pin: bool = False,
    cwd: Path | None = None,
    timeout: float | None = None,
    sample: bool = False,
) -> Measured:
    """Run ``commands`` as a pipeline (one command: just it), ``stdout`` of the last to a
    file; wall time from the first spawn to the last exit. ``pin``: every process on CPU 0.
    Past ``timeout`` seconds the processes are killed and the result has return code -9.
    ``sample``: also sample the process trees' PSS (a run for memory, not for time)."""
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    err = stderr.open("wb") if stderr else subprocess.DEVNULL
    pre = (lambda: os.sched_setaffinity(0, {0})) if pin and not TASKSET else None
    procs: list[subprocess.Popen[bytes]] = []
    began = time.perf_counter()
    try:
        previous = None
        for n, cmd in enumerate(commands):
            last = n == len(commands) - 1
            argv = one_core(cmd) if pin else list(cmd)
            proc = subprocess.Popen(
                argv,
                stdin=previous.stdout if previous else subprocess.DEVNULL,
                stdout=out if last else subprocess.PIPE,
                stderr=err,
                env=env,
                cwd=cwd,
                preexec_fn=pre,  # noqa: PLW1509 (no threads of ours touch the child)
            )
            if previous and previous.stdout:
                previous.stdout.close()  # the reader owns it now: SIGPIPE reaches the writer
            procs.append(proc)
            previous = proc
        sampler = _Sampler([p.pid for p in procs])
        if sample:
            sampler.start()
        killer = threading.Timer(timeout, lambda: [p.kill() for p in procs]) if timeout else None
        if killer:
            killer.start()
        codes, rss = [], 0
        for proc in procs:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            codes.append(proc.returncode)
            rss = max(rss, usage.ru_maxrss)
        seconds = time.perf_counter() - began
        if killer:
            killer.cancel()
        sampler.done.set()
        if sample:
            sampler.join()
    finally:
        for handle in (out, err):
            if hasattr(handle, "close"):
                handle.close()  # type: ignore[union-attr]
    return Measured(
        seconds, rss, max(sampler.peaks), tuple(codes), sampler.parent, sampler.worker, sample
    )


class FirstConnection:
    """A loopback TCP server that notes when its first connection is accepted (on
    ``time.perf_counter``'s clock) and closes every connection at once."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.first: float | None = None
        self.accepted = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.first is None:
                self.first = time.perf_counter()
                self.accepted.set()
            conn.close()

    def close(self) -> None:
        self.sock.close()
