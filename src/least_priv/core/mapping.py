"""From a CloudTrail event (eventSource, eventName) to the IAM actions it needed.

The derivation is data-driven: the event source names candidate IAM services (botocore's
service metadata plus ``tables.SOURCE_ALIASES``), the event name is the API operation, and
the IAM reference says whether such an action exists. ``tables.EVENT_ACTIONS`` lists the
reviewed differences. Nothing is guessed: an event that does not resolve is unmapped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from least_priv.core.event import ApiCall
from least_priv.core.reference import ActionInfo, Reference
from least_priv.core.tables import EVENT_ACTIONS, NON_API_EVENT_TYPES, SOURCE_ALIASES

# Lambda (CreateFunction20150331, GetFunction20150331v2) and CloudFront
# (UpdateDistribution2017_03_25) log the API version dated operation names.
_DATED_SUFFIX = re.compile(r"^(?P<base>[A-Za-z]+?)(?:\d{8}|\d{4}_\d{2}_\d{2})(?:v\d+)?$")


@dataclass(frozen=True)
class Mapped:
    """The actions an event needed."""

    actions: tuple[ActionInfo, ...]


@dataclass(frozen=True)
class NoPermission:
    """A record that needs no IAM permission: a service event, a console sign-in, a token call."""


@dataclass(frozen=True)
class Unmapped:
    """An event no IAM action could be found for, and why."""

    reason: str


MappingResult = Mapped | NoPermission | Unmapped


def _candidates(source: str, reference: Reference) -> tuple[str, ...]:
    prefix = source.removesuffix(".amazonaws.com")
    seen: list[str] = []
    for name in (*SOURCE_ALIASES.get(prefix, ()), *reference.service_candidates(source)):
        if name not in seen:
            seen.append(name)
    return tuple(seen)


def _lookup(services: tuple[str, ...], name: str, reference: Reference) -> ActionInfo | None:
    for service in services:
        info = reference.action_info(service, name)
        if info is not None:
            return info
    return None


def _explicit(call: ApiCall, reference: Reference) -> MappingResult | None:
    names = EVENT_ACTIONS.get((call.source_prefix, call.name))
    if names is None:
        return None
    if not names:
        return NoPermission()
    infos = []
    for text in names:
        service, _, action = text.partition(":")
        info = reference.action_info(service, action)
        if info is None:
            return Unmapped(f"the reviewed table names {text}, which the IAM reference lacks")
        infos.append(info)
    return Mapped(tuple(infos))


def map_call(call: ApiCall, reference: Reference) -> MappingResult:
    """The IAM actions ``call`` needed, or why there are none."""
    if call.event_type in NON_API_EVENT_TYPES:
        return NoPermission()
    explicit = _explicit(call, reference)
    if explicit is not None:
        return explicit
    services = _candidates(call.source, reference)
    if not services:
        return Unmapped(f"no IAM service is known for event source {call.source}")
    if "apigateway" in services:
        method = reference.http_method(call.name)
        info = reference.action_info("apigateway", method) if method else None
        if info is not None:
            return Mapped((info,))
    info = _lookup(services, call.name, reference)
    if info is None and (dated := _DATED_SUFFIX.match(call.name)):
        info = _lookup(services, dated.group("base"), reference)
    if info is None:
        return Unmapped(f"IAM has no action {call.name} in {'/'.join(services)}")
    return Mapped((info,))
