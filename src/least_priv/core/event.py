"""One CloudTrail record as a typed value, parsed once at the edge of the core.

Field reference: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast


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
    if type(record) is dict:
        call = _parse_plain(record)
        if call is not None:
            return call
    return _parse_checked(record)


_new_object = object.__new__
_IDENTITIES: dict[tuple[str | None, ...], Identity] = {}  # a few sessions make most events


def _plain_identity(raw: object) -> Identity | None:
    """``userIdentity`` when every field has its usual type, else ``None``."""
    if raw is None:
        raw = {}
    elif type(raw) is not dict:
        return None
    get = raw.get
    context = get("sessionContext")
    issuer_arn: object = None
    if context is not None:
        if type(context) is not dict:
            return None
        issuer = context.get("sessionIssuer")
        if issuer is not None:
            if type(issuer) is not dict:
                return None
            issuer_arn = issuer.get("arn")
    fields = (get("type"), get("arn"), get("accountId"), issuer_arn, get("invokedBy"))
    if not all(type(v) is str or v is None for v in fields):
        return None
    return shared_identity(*cast("tuple[str | None, ...]", fields))


def shared_identity(*fields: str | None) -> Identity:
    """The ``Identity`` of (type, arn, accountId, sessionIssuer arn, invokedBy), ``None``
    read as ``""``: one object per session, shared by its calls."""
    found = _IDENTITIES.get(fields)
    if found is None:
        if len(_IDENTITIES) >= 1024:
            _IDENTITIES.clear()
        found = _IDENTITIES[fields] = Identity(*(v or "" for v in fields))
    return found


def _plain_resources(raw: object) -> tuple[EventResource, ...] | None:
    if raw is None:
        return ()
    if type(raw) is not list:
        return None
    found = []
    for item in raw:
        if type(item) is not dict:
            return None
        arn, kind = item.get("ARN") or item.get("arn"), item.get("type")
        if not (type(arn) is str or arn is None) or not (type(kind) is str or kind is None):
            return None
        if arn:
            found.append(EventResource(kind or "", arn))
    return tuple(found)


def _parse_plain(record: dict[str, Any]) -> ApiCall | None:
    """The usual record, every field of its usual type, in one pass; ``None`` for anything
    else, which ``_parse_checked`` then turns into a call or a named error."""
    get = record.get
    source, name = get("eventSource"), get("eventName")
    texts = (
        get("eventID"),
        get("awsRegion"),
        get("recipientAccountId"),
        get("errorCode"),
        get("eventType"),
        time if (time := get("eventTime")) not in (None, "") else get("@timestamp"),
    )
    request, response = get("requestParameters"), get("responseElements")
    if (
        type(source) is not str
        or type(name) is not str
        or not source
        or not name
        or not all(type(v) is str or v is None for v in texts)
        or not (request is None or type(request) is dict)
        or not (response is None or type(response) is dict)
    ):
        return None
    identity = _plain_identity(get("userIdentity"))
    resources = _plain_resources(get("resources"))
    if identity is None or resources is None:
        return None
    return plain_call(source, name, identity, resources, request, response, *texts)


def plain_call(
    source: str,
    name: str,
    identity: Identity,
    resources: tuple[EventResource, ...],
    request: dict[str, Any] | None,
    response: dict[str, Any] | None,
    *texts: str | None,
) -> ApiCall | None:
    """A call from fields of their usual types (``texts``: eventID, awsRegion,
    recipientAccountId, errorCode, eventType, eventTime); ``None`` when the time is not an
    ISO 8601 time with a zone, or no source or name (the careful path then says why)."""
    event_id, region, account, error, event_type, time = texts
    if not source or not name:
        return None
    moment: datetime | None = None
    if time:
        try:
            moment = datetime.fromisoformat(time)  # "2026-11-20T10:00:00Z" in Python 3.11
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
    # The fields set at once: a frozen dataclass's __init__ sets them one by one, at a
    # quarter of the cost of reading the whole record.
    call = _new_object(ApiCall)
    call.__dict__.update(
        event_id=event_id or "",
        event_time=moment,
        source=source,
        name=name,
        region=region or "",
        account=account or identity.account_id,
        identity=identity,
        error_code=error or "",
        event_type=event_type or "",
        resources=resources,
        request=request or {},
        response=response or {},
        count=1,
    )
    return call


def _parse_checked(record: object) -> ApiCall:
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
