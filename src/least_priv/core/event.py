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


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


def _wrong_type(where: str, value: object, wanted: str) -> EventFormatError:
    kind = _JSON_TYPES.get(type(value), "a number")
    return EventFormatError(f"{where} is {kind}, not {wanted}")


def _text(raw: Mapping[str, Any], key: str, where: str = "") -> str:
    """The string at ``key``; ``""`` when absent or null; any other type makes the record
    invalid (a wrong value could change what is granted)."""
    value = raw.get(key)
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    raise _wrong_type(where + key, value, "a string")


def _mapping(raw: Mapping[str, Any], key: str, where: str = "") -> Mapping[str, Any]:
    """The object at ``key``; empty when absent or null; any other type makes the record
    invalid."""
    value = raw.get(key)
    if isinstance(value, Mapping):
        return value
    if value is None:
        return {}
    raise _wrong_type(where + key, value, "an object")


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time; a time without zone is UTC. Raise ``ValueError`` otherwise."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _identity(raw: Mapping[str, Any]) -> Identity:
    where = "userIdentity."
    context = _mapping(raw, "sessionContext", where)
    issuer = _mapping(context, "sessionIssuer", where + "sessionContext.")
    return Identity(
        type=_text(raw, "type", where),
        arn=_text(raw, "arn", where),
        account_id=_text(raw, "accountId", where),
        issuer_arn=_text(issuer, "arn", where + "sessionContext.sessionIssuer."),
        invoked_by=_text(raw, "invokedBy", where),
    )


def _resources(raw: object) -> tuple[EventResource, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _wrong_type("resources", raw, "an array")
    found = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise _wrong_type("resources[]", item, "an object")
        arn = _text(item, "ARN", "resources[].") or _text(item, "arn", "resources[].")
        if arn:
            found.append(EventResource(_text(item, "type", "resources[]."), arn))
    return tuple(found)


def _event_time(record: Mapping[str, Any]) -> datetime | None:
    # Logstash-shipped copies carry @timestamp instead of eventTime.
    text = _text(record, "eventTime") or _text(record, "@timestamp")
    if not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        raise EventFormatError(f"eventTime {text[:40]!r} is not an ISO 8601 time") from None


def parse_event(record: object) -> ApiCall:
    """Turn one raw CloudTrail record into an ``ApiCall``; raise ``EventFormatError`` if it is none."""
    if not isinstance(record, Mapping):
        raise EventFormatError("a record is not a JSON object")
    source, name = record.get("eventSource"), record.get("eventName")
    if not isinstance(source, str) or not isinstance(name, str) or not source or not name:
        for key, value in (("eventSource", source), ("eventName", name)):
            if value is not None and not isinstance(value, str):
                raise _wrong_type(key, value, "a string")
        raise EventFormatError("a record has no eventSource/eventName")
    identity = _identity(_mapping(record, "userIdentity"))
    return ApiCall(
        event_id=_text(record, "eventID"),
        event_time=_event_time(record),
        source=source,
        name=name,
        region=_text(record, "awsRegion"),
        account=_text(record, "recipientAccountId") or identity.account_id,
        identity=identity,
        error_code=_text(record, "errorCode"),
        event_type=_text(record, "eventType"),
        resources=_resources(record.get("resources")),
        request=_mapping(record, "requestParameters"),
        response=_mapping(record, "responseElements"),
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
