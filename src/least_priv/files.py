"""The files a run writes: the policy (in parts when split, each written atomically), the
report and the summary. A device such as ``/dev/null`` is written into, never replaced."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from least_priv.config import Settings
from least_priv.errors import InputError

if TYPE_CHECKING:
    from least_priv.app import Outcome


def part_paths(path: Path, count: int) -> list[Path]:
    """``policy.json`` and, when split, ``policy.2.json``, ``policy.3.json`` ..."""
    return [path] + [path.with_name(f"{path.stem}.{n}{path.suffix}") for n in range(2, count + 1)]


def stale_parts(path: Path, count: int) -> list[Path]:
    """Parts an earlier, larger split left beyond the ``count`` parts written now."""
    found = []
    for n in range(max(count, 1) + 1, 100):
        part = path.with_name(f"{path.stem}.{n}{path.suffix}")
        if not part.is_file():
            break
        found.append(part)
    return found


def target_of(settings: Settings) -> Path | None:
    if settings.output == "-":
        return None
    if settings.output:
        return Path(settings.output)
    return settings.policy_path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` holds either its old or its new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # Lone surrogates (a \udXXX escape in a broken event, a file name that is not
        # UTF-8) become \udXXX again: valid JSON.
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def publish(settings: Settings, outcome: Outcome, stdout: Callable[[str], object]) -> None:
    """Write the report, the summary and then the policy files: a failure leaves the policy
    unchanged."""
    target = target_of(settings)
    flag = "--output" if settings.output else "--policy-path"
    if settings.report:
        _check_writable(settings.report, "--report")
    if settings.summary:
        _check_writable(settings.summary, "--summary")
    if target is not None:
        _check_writable(target, flag)
    if settings.report:
        report = json.dumps(outcome.report, indent=2, ensure_ascii=False) + "\n"
        _write(settings.report, report, "--report")
    if settings.summary:
        _write(settings.summary, outcome.summary, "--summary")
    if target is None:
        stdout("".join(outcome.texts))
    elif _special(target):
        _write(target, "".join(outcome.texts), flag, special=True)
    else:
        for path, text in zip(part_paths(target, len(outcome.texts)), outcome.texts, strict=True):
            _write(path, text, flag)
        for path in stale_parts(target, len(outcome.texts)):
            path.unlink()


def _special(path: Path) -> bool:
    """A device, FIFO or socket (``/dev/null``, ``/dev/stdout``): written into, never
    replaced by a file."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _write(path: Path, text: str, flag: str, special: bool | None = None) -> None:
    """``text`` into ``path`` (``special``: whether it is a device, when already known)."""
    try:
        if _special(path) if special is None else special:
            with path.open("w", encoding="utf-8", errors="backslashreplace") as handle:
                handle.write(text)
        else:
            write_atomic(path, text)
    except OSError as exc:
        raise InputError(
            f"{flag} {path} cannot be written ({exc.strerror or exc}); check that its folder "
            "exists and is writable"
        ) from None


def _check_writable(path: Path, flag: str) -> None:
    if path.is_dir():
        raise InputError(f"{flag} {path} is a folder; give a file path")
    parent = path.parent if str(path.parent) else Path()
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{flag} {path}: {parent} is not a folder")
