"""One CloudTrail record's bytes straight into a call: msgspec decodes only the fields the
analysis reads, checks their types in C and skips the rest (``tlsDetails``, ``userAgent``
...), at about half the cost of parsing the whole record and then reading it.

Anything unusual (a field of another type, a time without zone, text no UTF-8 can hold)
gives ``None``: the caller then parses the record as a whole and ``core.event.parse_event``
says what is wrong, so both paths accept the same records and build the same calls.
"""

from __future__ import annotations

from typing import Any

import msgspec

from least_priv.core.event import ApiCall, EventResource, Identity, plain_call, shared_identity

_NULL = msgspec.Raw(b"null")


class _Issuer(msgspec.Struct):
    arn: str | None = None


class _Context(msgspec.Struct):
    sessionIssuer: _Issuer | None = None  # noqa: N815 - CloudTrail's names


class _Identity(msgspec.Struct):
    type: str | None = None
    arn: str | None = None
    accountId: str | None = None  # noqa: N815
    invokedBy: str | None = None  # noqa: N815
    sessionContext: _Context | None = None  # noqa: N815


class _Resource(msgspec.Struct):
    ARN: str | None = None
    arn: str | None = None
    type: str | None = None


class _Record(msgspec.Struct):
    eventSource: str  # noqa: N815
    eventName: str  # noqa: N815
    eventID: str | None = None  # noqa: N815
    awsRegion: str | None = None  # noqa: N815
    recipientAccountId: str | None = None  # noqa: N815
    errorCode: str | None = None  # noqa: N815
    eventType: str | None = None  # noqa: N815
    eventTime: str | None = None  # noqa: N815
    timestamp: str | None = msgspec.field(default=None, name="@timestamp")
    userIdentity: msgspec.Raw = _NULL  # noqa: N815 - decoded once per session (``_identity``)
    resources: list[_Resource] | None = None
    requestParameters: dict[str, Any] | None = None  # noqa: N815
    responseElements: dict[str, Any] | None = None  # noqa: N815


_DECODE = msgspec.json.Decoder(_Record).decode
_DECODE_IDENTITY = msgspec.json.Decoder(_Identity | None).decode
_ERRORS = (msgspec.MsgspecError, ValueError, RecursionError)  # ValueError: not UTF-8
_identities: dict[bytes, Identity | None] = {}  # by its text; None: not of the usual types


def _identity(text: bytes) -> Identity | None:
    """The ``Identity`` of a ``userIdentity`` text: a session's calls repeat it byte for byte."""
    if text in _identities:
        return _identities[text]
    try:
        ident = _DECODE_IDENTITY(text) or _Identity()
    except _ERRORS:
        found = None
    else:
        context = ident.sessionContext
        issuer = context.sessionIssuer if context is not None else None
        found = shared_identity(
            ident.type, ident.arn, ident.accountId, issuer.arn if issuer else None, ident.invokedBy
        )
    if len(_identities) >= 1024:
        _identities.clear()
    _identities[text] = found
    return found


def decode_call(raw: bytes | bytearray) -> ApiCall | None:
    """The call of one record's JSON bytes, or ``None`` (parse it whole instead)."""
    try:
        record = _DECODE(raw)
    except _ERRORS:
        return None
    identity = _identity(bytes(record.userIdentity))
    if identity is None:
        return None
    resources: tuple[EventResource, ...] = ()
    if record.resources:
        resources = tuple(
            EventResource(item.type or "", arn)
            for item in record.resources
            if (arn := item.ARN or item.arn)
        )
    time = record.eventTime if record.eventTime else record.timestamp
    return plain_call(
        record.eventSource,
        record.eventName,
        identity,
        resources,
        record.requestParameters,
        record.responseElements,
        record.eventID,
        record.awsRegion,
        record.recipientAccountId,
        record.errorCode,
        record.eventType,
        time,
    )
