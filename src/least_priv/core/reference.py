"""What the core needs to know about IAM, as a small interface the adapter implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from least_priv.core.action import Action


@dataclass(frozen=True)
class ResourceType:
    """A resource type an action can be scoped to, with its ARN template from the IAM reference."""

    name: str
    arn_template: str
    required: bool


@dataclass(frozen=True)
class ActionInfo:
    """One IAM action as the IAM reference describes it."""

    action: Action
    resource_types: tuple[ResourceType, ...]
    condition_keys: frozenset[str]
    dependent_actions: tuple[str, ...] = ()


class Reference(Protocol):
    """The IAM reference (actions, resource types, ARN templates) and service naming."""

    def service_candidates(self, event_source: str) -> tuple[str, ...]:
        """IAM service prefixes that may hold the actions of a CloudTrail ``eventSource``."""
        ...

    def action_info(self, service: str, name: str) -> ActionInfo | None:
        """The action, canonically spelled, or ``None`` when IAM has no such action."""
        ...

    def http_method(self, operation: str) -> str | None:
        """The HTTP method of an API Gateway operation (API Gateway authorises by verb)."""
        ...
