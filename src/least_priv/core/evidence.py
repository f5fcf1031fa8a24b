"""What the principal's events amount to (``Analysis``): the grants with their resources,
events per action, denied calls, unmapped events and notes. Parts of the same evidence
(files read by different processes) merge into one."""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from least_priv.core.action import Action
from least_priv.core.effects import Condition
from least_priv.core.findings import Finding

_ORDER = sys.byteorder  # the arrays' own: a bucket reads back as 8-byte integers in place


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


class EventIds:
    """The keys (``event_key``) of the events counted, exactly as a set holds them, in little
    memory: a set while there are few; past ``small``, each key as 8 bytes in a bucket (a
    ``bytearray``, by the key's top bits) searched in C. About 10 bytes a key instead of
    about 80 in a set of ints (a 36-byte int and the set's slots): at a million events, a
    third of them the principal's, 3 MB instead of 27, for under a microsecond more a key."""

    _KEYS_PER_BUCKET = 64  # on average, at most: buckets double past it

    def __init__(self, small: int = 1 << 17) -> None:
        self._small = small
        self._set: set[int] | None = set()
        self._buckets: list[bytearray] = []
        self._shift, self._count, self._capacity = 64, 0, 0

    def __len__(self) -> int:
        return len(self._set) if self._set is not None else self._count

    def __iter__(self) -> Iterator[int]:
        if self._set is not None:
            return iter(self._set)
        return (key for bucket in self._buckets for key in memoryview(bucket).cast("Q"))

    def __contains__(self, key: object) -> bool:
        if self._set is not None:
            return key in self._set
        return type(key) is int and 0 <= key < 1 << 64 and self._at(key) >= 0

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, EventIds)
            and len(self) == len(other)
            and all(k in other for k in self)
        )

    __hash__ = None  # type: ignore[assignment]  # it changes

    def add(self, key: int) -> bool:
        """Add ``key`` (0 <= key < 2**64); whether it was new."""
        keys = self._set
        if keys is not None:
            if key in keys:
                return False
            keys.add(key)
            if len(keys) > self._small:
                self._rebuild(len(keys) * 2)
            return True
        if self._at(key) >= 0:
            return False
        self._buckets[key >> self._shift] += key.to_bytes(8, _ORDER)
        self._count += 1
        if self._count > self._capacity:
            self._rebuild(self._capacity * 2)
        return True

    def update(self, keys: Iterable[int]) -> None:
        for key in keys:
            self.add(key)

    def _at(self, key: int) -> int:
        """Where ``key`` is in its bucket, -1 if nowhere (a match must start a key)."""
        bucket, packed = self._buckets[key >> self._shift], key.to_bytes(8, _ORDER)
        at = bucket.find(packed)
        while at & 7 and at >= 0:
            at = bucket.find(packed, at + 1)
        return at

    def _rebuild(self, capacity: int) -> None:
        """Buckets for ``capacity`` keys, the keys dealt out to them afresh."""
        keys = list(self)
        bits = (max(1, capacity // self._KEYS_PER_BUCKET) - 1).bit_length()
        self._shift, self._set, self._count, self._capacity = 64 - bits, None, len(keys), capacity
        self._buckets = buckets = [bytearray() for _ in range(1 << bits)]
        for key in keys:
            buckets[key >> self._shift] += key.to_bytes(8, _ORDER)


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
    event_ids: EventIds = field(default_factory=EventIds)  # keys of the events counted

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
        self.event_ids.update(other.event_ids)


def event_key(event_id: str) -> int:
    """A stable 64-bit key of an event id (the same in every process, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(event_id.encode(), digest_size=8).digest(), "big")
