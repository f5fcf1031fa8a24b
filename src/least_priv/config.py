"""Settings: everything a run needs, validated once, from the CLI or the Action inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from least_priv.core.event import parse_time
from least_priv.core.select import Principal, Window, parse_principal
from least_priv.errors import UsageError

MODES = ("wildcard", "strict")
MERGES = ("replace", "union")


@dataclass(frozen=True)
class Settings:
    principal: Principal
    sources: tuple[str, ...]
    window: Window
    mode: str = "wildcard"
    merge: str = "replace"
    policy_path: Path | None = None
    preserve_sids: tuple[str, ...] = ()
    keep_star_resources: bool = True
    ignore_actions: tuple[str, ...] = ()
    output: str | None = None
    report: Path | None = None
    summary: Path | None = None
    trail_arn: str = ""
    access_role_arn: str = ""
    region: str = ""
    timeout_minutes: float = 30.0
    # LEAST_PRIV_PLAIN=1: parse every record, one process, no memo (a reference run).
    plain: bool = False
    workers: int = 0  # LEAST_PRIV_WORKERS: at most this many processes (0: one per core)
    extra: dict[str, str] = field(default_factory=dict)


def workers_from_env(text: str) -> int:
    """``LEAST_PRIV_WORKERS``: at most this many processes read a folder; "" for one per core."""
    if not text.strip():
        return 0
    if not text.strip().isdigit() or int(text) < 1:
        raise UsageError(
            f"LEAST_PRIV_WORKERS {text!r} is not a number of processes; give a whole number "
            "from 1 (one process) up, or unset it to use every core"
        )
    return int(text)


def _time(flag: str, text: str) -> datetime:
    try:
        moment = parse_time(text)
    except ValueError:
        raise UsageError(
            f"{flag} {text!r} is not an ISO 8601 time; write e.g. 2026-11-20T10:00:00Z"
        ) from None
    try:
        moment.astimezone(UTC)  # in range in UTC too (year 1 at +01:00 is not)
    except OverflowError:
        raise UsageError(
            f"{flag} {text!r} is out of range; write e.g. 2026-11-20T10:00:00Z"
        ) from None
    return moment


def resolve_window(
    lookback_hours: str | float | None, start: str | None, end: str | None, now: datetime
) -> Window:
    """The window from --lookback-hours or --start-time/--end-time; no window means every event."""
    if lookback_hours not in (None, "") and (start or end):
        raise UsageError("give either --lookback-hours or --start-time/--end-time, not both")
    if lookback_hours not in (None, ""):
        try:
            hours = float(lookback_hours)
        except ValueError:
            raise UsageError(
                f"--lookback-hours {lookback_hours!r} is not a number of hours"
            ) from None
        if not 0 < hours <= 24 * 366:
            raise UsageError(
                f"--lookback-hours {lookback_hours} must be more than 0 and at most 8784 (a year)"
            )
        since = now - timedelta(hours=hours)
        if since >= now:
            raise UsageError(
                f"--lookback-hours {lookback_hours} is shorter than a microsecond; give e.g. 24"
            )
        return Window(since, now)
    if end and not start:
        raise UsageError("--end-time needs --start-time")
    start_at = _time("--start-time", start) if start else None
    end_at = _time("--end-time", end) if end else (now if start else None)
    try:
        return Window(start_at, end_at)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def split_list(text: str | None) -> tuple[str, ...]:
    """Comma- or newline-separated values, trimmed, empty ones dropped."""
    if not text:
        return ()
    return tuple(p.strip() for p in text.replace("\n", ",").split(",") if p.strip())


def principal_of(text: str) -> Principal:
    try:
        text.encode("utf-8")
        principal = parse_principal(text)
    except UnicodeEncodeError:
        shown = text.encode("utf-8", "backslashreplace").decode()
        raise UsageError(
            f"--principal-arn '{shown}' is not UTF-8 text; give the ARN as IAM shows it"
        ) from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    named = principal.name and (principal.kind != "session" or principal.session)
    if principal.kind != "any" and not named:
        raise UsageError(
            f"--principal-arn {text!r} names no role, user or session (it ends with '/'); "
            "give the full ARN, e.g. arn:aws:iam::123456789012:role/NAME"
        )
    return principal


def choice(flag: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise UsageError(f"{flag} {value!r} is not one of {', '.join(allowed)}")
    return value


def timeout_minutes(text: str | float | None) -> float:
    """``--timeout-minutes``: how long to wait for Access Analyzer and Athena (default 30)."""
    if text in (None, ""):
        return 30.0
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--timeout-minutes {text!r} is not a number of minutes") from None
    if not 0 < value <= 720:
        raise UsageError(f"--timeout-minutes {text} must be more than 0 and at most 720")
    return value
