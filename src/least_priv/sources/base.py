"""The one interface every source implements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from least_priv.core.event import ApiCall

Warn = Callable[[str], None]


@dataclass
class SourceStats:
    """What a source read, for the report."""

    source: str
    files_read: int = 0
    files_skipped: list[dict[str, str]] = field(default_factory=list)
    records: int = 0
    records_invalid: int = 0
    records_unread: int = 0  # skipped unparsed: they cannot be the principal's
    files_outside_window: int = 0  # log files not read: delivered outside the window
    # Called with these stats after each file, object or page is read, and while a query
    # runs (``tell``): the progress of a long read.
    on_file: Callable[[SourceStats], None] | None = field(default=None, repr=False, compare=False)
    doing: str = field(default="", repr=False, compare=False)  # e.g. "37 requests"

    def tell(self, doing: str | None = None) -> None:
        """Hand these stats to ``on_file`` (``doing``: what the source is at now)."""
        if doing is not None:
            self.doing = doing
        if self.on_file is not None:
            self.on_file(self)

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "files_read": self.files_read,
            "files_skipped": self.files_skipped,
            "records": self.records,
            "records_invalid": self.records_invalid,
            "records_unread": self.records_unread,
            "files_outside_window": self.files_outside_window,
        }


class Source(Protocol):
    @property
    def stats(self) -> SourceStats:
        """What the source read so far (a subclass may add fields)."""
        ...

    def calls(self, warn: Warn) -> Iterator[ApiCall]:
        """Every CloudTrail event of the source, streamed."""
        ...
