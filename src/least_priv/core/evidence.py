"""What the principal's events amount to (``Analysis``): the grants with their resources,
events per action, denied calls, unmapped events and notes. Parts of the same evidence
(files read by different processes) merge into one."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from least_priv.core.action import Action
from least_priv.core.effects import Condition
from least_priv.core.findings import Finding


@dataclass(frozen=True, order=True)
class Grant:
    """One action under one condition; its resources accumulate in ``Analysis.grants``."""

    action: Action
    condition: Condition = ()


@dataclass(frozen=True)
class Denied:
    event_id: str
    event_time: str
    action: str
    error_code: str
    resource: str


@dataclass
class Analysis:
    grants: dict[Grant, set[tuple[str, str]]] = field(default_factory=dict)
    action_events: Counter[Action] = field(default_factory=Counter)
    denied: list[Denied] = field(default_factory=list)
    unmapped: Counter[tuple[str, str]] = field(default_factory=Counter)
    unmapped_reasons: dict[tuple[str, str], str] = field(default_factory=dict)
    notes: set[Finding] = field(default_factory=set)
    stats: Counter[str] = field(default_factory=Counter)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    service_level: set[str] = field(
        default_factory=set
    )  # services only Access Analyzer's template names
    event_ids: set[int] = field(default_factory=set)  # stable hashes of the events counted

    def merge(self, other: Analysis) -> None:
        """Add ``other`` (another part of the same evidence) to this analysis."""
        for grant, pairs in other.grants.items():
            self.grants.setdefault(grant, set()).update(pairs)
        self.action_events.update(other.action_events)
        self.denied.extend(other.denied)
        self.unmapped.update(other.unmapped)
        self.unmapped_reasons.update(other.unmapped_reasons)
        self.notes |= other.notes
        self.stats.update(other.stats)
        for moment in (other.first_seen, other.last_seen):
            if moment is not None:
                self.first_seen = min(self.first_seen or moment, moment)
                self.last_seen = max(self.last_seen or moment, moment)
        self.service_level |= other.service_level
        self.event_ids |= other.event_ids


def event_key(event_id: str) -> int:
    """A stable 64-bit key of an event id (the same in every process, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(event_id.encode(), digest_size=8).digest(), "big")
