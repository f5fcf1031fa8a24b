"""The entry points' process tuning: freed buffers stay in the heap for the next file, so
that each is not mapped, faulted in and zeroed afresh (``app._keep_freed_buffers``)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

# The page faults a second buffer of 40 MB (past glibc's largest moving threshold, 32 MB)
# takes after a first was freed, before and after the tuning.
_SCRIPT = """
import resource
from least_priv.app import _keep_freed_buffers

def faults():
    first = b"x" * (40 << 20)
    del first
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    second = b"y" * (40 << 20)
    del second
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

untuned = faults()
_keep_freed_buffers()
print(untuned, faults())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc malloc setting")
def test_a_freed_buffer_is_reused_not_faulted_in_again() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True
    )
    untuned, tuned = map(int, done.stdout.split())
    assert untuned > 5000  # 10,240 pages of 4 KB, mapped afresh
    assert tuned < 500
