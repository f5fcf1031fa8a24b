"""IAM actions as values: ``service:Name``, compared case-insensitively as IAM does."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Action:
    """An IAM action. Equality and order ignore case; ``str()`` keeps the canonical spelling."""

    key: str = field(init=False, repr=False)
    service: str = field(compare=False)
    name: str = field(compare=False)

    def __init__(self, service: str, name: str) -> None:
        object.__setattr__(self, "service", service.lower())
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "key", f"{service}:{name}".lower())

    def __str__(self) -> str:
        return f"{self.service}:{self.name}"

    def matches(self, pattern: str) -> bool:
        """Whether an IAM-style pattern (``*`` and ``?``; case-insensitive) covers this action."""
        return fnmatch.fnmatchcase(self.key, pattern.lower())


def parse_action(text: str) -> Action:
    """Parse ``service:Name``; raise ``ValueError`` when it has no single colon."""
    service, sep, name = text.partition(":")
    if not sep or not service or not name or ":" in name:
        raise ValueError(f"{text!r} is not an IAM action (expected service:ActionName)")
    return Action(service, name)
