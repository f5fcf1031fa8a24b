"""The project's errors. ``str()`` is the one line the user sees; it says what and how to fix."""

from __future__ import annotations


class LeastPrivError(Exception):
    """Base of every error the CLI and the Action report as ``error: ...``."""

    exit_code = 1


class UsageError(LeastPrivError):
    """The command line or the Action inputs are wrong (exit status 2)."""

    exit_code = 2


class InputError(LeastPrivError):
    """A file or value the user gave cannot be used."""


class SourceError(LeastPrivError):
    """A source of CloudTrail evidence failed."""


def as_project_error(exc: Exception) -> LeastPrivError | None:
    """A failure a user can cause that escaped the adapters, as one of ours; ``None`` for a
    bug (which must show its traceback)."""
    if isinstance(exc, LeastPrivError):
        return exc
    if isinstance(exc, OSError):
        return InputError(f"{exc}; check the path and its permissions")
    if type(exc).__module__.startswith(("botocore", "boto3")):
        from least_priv.sources.aws import translate  # an AWS failure no adapter translated

        return translate(exc, "AWS request", "the permission AWS names")
    return None
