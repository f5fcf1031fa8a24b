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
