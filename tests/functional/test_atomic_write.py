"""The policy file holds its old or its new text, never half of either: even when the
process is killed in the middle of the write."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from least_priv.files import write_atomic

OLD = '{"Version": "2012-10-17", "Statement": []}\n'


def test_a_process_killed_while_writing_leaves_the_old_file(tmp_path: Path) -> None:
    policy = tmp_path / "permission-policy.json"
    policy.write_text(OLD)
    child = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from least_priv.files import write_atomic
        os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)  # dies mid-write
        write_atomic(Path({str(policy)!r}), "x" * 5_000_000)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == -signal.SIGKILL
    assert policy.read_text() == OLD


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "permission-policy.json"
    policy.write_text(OLD)

    def full_disk(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(policy, "new text")
    assert policy.read_text() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["permission-policy.json"]


def test_a_fifo_given_as_output_or_report_is_written_into_not_replaced(tmp_path: Path) -> None:
    """``--output /dev/stdout`` or a named pipe: the special file stays what it was (a
    rename would have put a regular file in its place, as root even for /dev/null)."""
    root = Path(__file__).resolve().parents[2]
    received: dict[str, bytes] = {}
    pipes = {name: tmp_path / name for name in ("policy.pipe", "report.pipe")}

    def drain(name: str) -> None:
        received[name] = pipes[name].read_bytes()

    readers = []
    for name, pipe in pipes.items():
        os.mkfifo(pipe)
        readers.append(threading.Thread(target=drain, args=(name,), daemon=True))
        readers[-1].start()
    done = subprocess.run(
        [
            sys.executable, "-m", "least_priv", "generate",
            "--principal-arn", "arn:aws:iam::111122223333:role/ci/github-actions-deploy",
            "--source", str(root / "tests/fixtures/bad/logs/good.json"),
            "--output", str(pipes["policy.pipe"]), "--report", str(pipes["report.pipe"]),
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    for reader in readers:
        reader.join(timeout=10)
    assert done.returncode == 0, done.stderr
    assert all(stat.S_ISFIFO(p.lstat().st_mode) for p in pipes.values())
    assert json.loads(received["policy.pipe"])["Version"] == "2012-10-17"
    assert json.loads(received["report.pipe"])["principal"].endswith("github-actions-deploy")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(pipes)  # no temporary left
