"""How many processes a folder is read on: the cores this process may use (its CPU
affinity and its container's CPU quota), at most one per half of ``parallel.MIN_BYTES`` of
work, and at most ``LEAST_PRIV_WORKERS``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from least_priv import parallel
from least_priv.cli import main
from least_priv.config import workers_from_env

CORES = len(os.sched_getaffinity(0))
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cloudtrail"


def _cgroup(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        ({"cpu.max": "150000 100000\n"}, 2),  # cgroup v2: 1.5 CPUs, rounded up
        ({"cpu.max": "50000 100000\n"}, 1),
        ({"cpu.max": "max 100000\n"}, None),  # no quota
        ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),  # v1
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu.max": "garbage\n"}, None),
        ({}, None),  # no cgroup files at all (not Linux, or not mounted)
    ],
)
def test_a_containers_cpu_quota_bounds_the_workers(
    tmp_path: Path, files: dict[str, str], quota: int | None
) -> None:
    root = _cgroup(tmp_path, files)
    expected = CORES if quota is None else min(CORES, quota)
    assert parallel.worker_count(cgroup=root) == expected
    assert parallel.worker_count(limit=1, cgroup=root) == 1


def test_a_quota_of_many_cpus_does_not_add_cores(tmp_path: Path) -> None:
    root = _cgroup(tmp_path, {"cpu.max": f"{100000 * (CORES + 8)} 100000\n"})
    assert parallel.worker_count(cgroup=root) == CORES
    assert parallel.worker_count(limit=CORES + 8, cgroup=root) == CORES


def test_a_small_folder_gets_few_workers_however_many_cores() -> None:
    per = parallel.MIN_BYTES // 2
    assert parallel.workers_for(64, 0) == 1
    assert parallel.workers_for(64, per - 1) == 1
    assert parallel.workers_for(64, 3 * per) == 3
    assert parallel.workers_for(64, 1000 * per) == 64
    assert parallel.workers_for(2, 1000 * per) == 2


@pytest.mark.parametrize(("text", "workers"), [("", 0), ("1", 1), ("4", 4), (" 2 ", 2)])
def test_least_priv_workers_reads_a_whole_number(text: str, workers: int) -> None:
    assert workers_from_env(text) == workers


@pytest.mark.parametrize("text", ["0", "-1", "two", "1.5"])
def test_a_bad_least_priv_workers_is_a_one_line_usage_error(
    text: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAST_PRIV_WORKERS", text)
    code = main(["generate", "--principal-arn", "arn:aws:iam::123456789012:role/x",
                 "--source", str(EXAMPLE)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "LEAST_PRIV_WORKERS" in err
    assert repr(text) in err
