"""What changed between the existing and the new policy, in actions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from least_priv.core.policy import PolicyDocument


@dataclass(frozen=True)
class ActionDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]


def allowed_actions(docs: Iterable[PolicyDocument]) -> dict[str, str]:
    """Lower-cased action -> its spelling, over every Allow statement."""
    out: dict[str, str] = {}
    for doc in docs:
        for stmt in doc.statements:
            if stmt.effect == "Allow":
                for action in stmt.actions:
                    out.setdefault(action.lower(), action)
    return out


def diff_actions(before: Iterable[PolicyDocument], after: Iterable[PolicyDocument]) -> ActionDiff:
    old, new = allowed_actions(before), allowed_actions(after)
    added = tuple(sorted((new[k] for k in new.keys() - old.keys()), key=str.lower))
    removed = tuple(sorted((old[k] for k in old.keys() - new.keys()), key=str.lower))
    return ActionDiff(added, removed)
