"""One CloudTrail record as a typed value, parsed once at the edge of the core.

Field reference: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class EventFormatError(ValueError):
    """A record that is not a CloudTrail event."""


@dataclass(frozen=True)
class Identity:
    """``userIdentity``: who made the call."""

    type: str
    arn: str
    account_id: str
    issuer_arn: str  # sessionContext.sessionIssuer.arn: the role behind an assumed-role session
    invoked_by: str  # set when an AWS service made the call on the principal's behalf


@dataclass(frozen=True)
class EventResource:
    """One entry of the record's ``resources`` array."""

    type: str
    arn: str


@dataclass(frozen=True)
class ApiCall:
    """One CloudTrail event: an API call and its outcome."""

    event_id: str
    event_time: datetime | None
    source: str
    name: str
    region: str
    account: str
    identity: Identity
    error_code: str
    event_type: str
    resources: tuple[EventResource, ...] = ()
    request: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    response: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    count: int = 1  # events this call stands for (aggregating sources give one call per group)

    @property
    def source_prefix(self) -> str:
        """``ec2`` for ``ec2.amazonaws.com``."""
        return self.source.split(".", 1)[0]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time; a time without zone is UTC. Raise ``ValueError`` otherwise."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _identity(raw: Mapping[str, Any]) -> Identity:
    issuer = _mapping(_mapping(raw.get("sessionContext")).get("sessionIssuer"))
    return Identity(
        type=_text(raw.get("type")),
        arn=_text(raw.get("arn")),
        account_id=_text(raw.get("accountId")),
        issuer_arn=_text(issuer.get("arn")),
        invoked_by=_text(raw.get("invokedBy")),
    )


def _resources(raw: object) -> tuple[EventResource, ...]:
    if not isinstance(raw, list):
        return ()
    found = []
    for item in raw:
        item_map = _mapping(item)
        arn = _text(item_map.get("ARN") or item_map.get("arn"))
        if arn:
            found.append(EventResource(_text(item_map.get("type")), arn))
    return tuple(found)


def _event_time(record: Mapping[str, Any]) -> datetime | None:
    # Logstash-shipped copies carry @timestamp instead of eventTime.
    text = _text(record.get("eventTime")) or _text(record.get("@timestamp"))
    if not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None


def parse_event(record: object) -> ApiCall:
    """Turn one raw CloudTrail record into an ``ApiCall``; raise ``EventFormatError`` if it is none."""
    if not isinstance(record, Mapping):
        raise EventFormatError("a record is not a JSON object")
    source, name = record.get("eventSource"), record.get("eventName")
    if not isinstance(source, str) or not isinstance(name, str) or not source or not name:
        raise EventFormatError("a record has no eventSource/eventName")
    identity = _identity(_mapping(record.get("userIdentity")))
    return ApiCall(
        event_id=_text(record.get("eventID")),
        event_time=_event_time(record),
        source=source,
        name=name,
        region=_text(record.get("awsRegion")),
        account=_text(record.get("recipientAccountId")) or identity.account_id,
        identity=identity,
        error_code=_text(record.get("errorCode")),
        event_type=_text(record.get("eventType")),
        resources=_resources(record.get("resources")),
        request=_mapping(record.get("requestParameters")),
        response=_mapping(record.get("responseElements")),
    )


def iter_strings(value: object, key: str = "") -> list[tuple[str, str]]:
    """Every (lower-cased key, string value) pair in nested request or response data, in
    document order; nesting deeper than 12 levels is not followed."""
    found: list[tuple[str, str]] = []
    _walk(value, key, 0, found.append)
    return found


def _walk(current: object, name: str, depth: int, add: Callable[[tuple[str, str]], None]) -> None:
    if isinstance(current, str):
        if depth <= 12:
            add((name, current))
    elif depth >= 12:
        return  # what is inside would be deeper than 12 levels
    elif type(current) is dict or isinstance(current, Mapping):
        for k, v in current.items():
            lowered = k.lower() if type(k) is str else str(k).lower()
            if type(v) is str:  # most values: no call
                add((lowered, v))
            elif v is not None:
                _walk(v, lowered, depth + 1, add)
    elif isinstance(current, list):
        for item in current:
            _walk(item, name, depth + 1, add)
