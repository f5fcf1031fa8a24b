"""The policy file holds its old or its new text, never half of either: even when the
process is killed in the middle of the write."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from least_priv.app import write_atomic

OLD = '{"Version": "2012-10-17", "Statement": []}\n'


def test_a_process_killed_while_writing_leaves_the_old_file(tmp_path: Path) -> None:
    policy = tmp_path / "permission-policy.json"
    policy.write_text(OLD)
    child = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from least_priv.app import write_atomic
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
