"""Reading log files at the speed of decompression: records that cannot be the principal's
are skipped before they are parsed.

A record can only be the principal's if the principal's name appears in it (its role or user
ARN, case aside). A file without the name is skipped whole after one byte search; in a file
with it, only the records holding the name are parsed. CloudTrail writes a log file as
``{"Records":[{"eventVersion":...},{"eventVersion":...}]}``: a quote inside a JSON string is
always escaped, so ``,{"eventVersion":`` can only separate records (or objects nested in a
record, which then fail to parse alone and make the file be parsed whole). Every other
layout is parsed whole. The skip is exact: the analysis would drop those records anyway.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from least_priv.core.select import Principal

try:  # a JSON parser about twice as fast as the standard one, when installed
    import orjson

    _FAST_LOADS: Callable[[bytes], Any] | None = orjson.loads
    _FAST_ERROR: type[Exception] = orjson.JSONDecodeError
except (
    ImportError
):  # pragma: no cover - orjson is a dependency; this keeps a source checkout working
    _FAST_LOADS, _FAST_ERROR = None, ValueError

_START = b'{"records":[{"eventversion":'
_MARKER = b',{"eventversion":'
_KEY = b'"eventversion"'  # once per record: counts the records of a skipped file
_RECORD_HEAD = b'{"eventVersion":'


def loads(data: bytes) -> Any:
    """JSON from UTF-8 bytes: the fast parser, else (big numbers, odd input) the standard one."""
    if _FAST_LOADS is not None:
        try:
            return _FAST_LOADS(data)
        except _FAST_ERROR:
            pass
    return json.loads(data.decode("utf-8-sig"))


def needle_of(principal: Principal) -> bytes | None:
    """Bytes every record of the principal holds (lower-cased), or ``None`` for everyone."""
    if principal.kind == "any" or not principal.name:
        return None
    return principal.name.lower().encode()


def candidate_records(data: bytes, needle: bytes) -> tuple[list[Any], int] | None:
    """The records of a file that hold ``needle``, parsed, and how many records were skipped
    unparsed; ``None`` when the file must be parsed whole (not CloudTrail's compact layout,
    or a piece that does not parse alone)."""
    lowered = data.lower()
    if needle not in lowered:
        skipped = lowered.count(_KEY)
        return ([], skipped) if skipped else None  # no record at all: let the parser say why
    offset = len(lowered) - len(lowered.lstrip())
    if not lowered.startswith(_START, offset):
        return None
    pieces = lowered[offset:].split(_MARKER)
    records: list[Any] = []
    position = offset
    for index, piece in enumerate(pieces):
        if needle in piece:
            record = _record(data[position : position + len(piece)], index, len(pieces))
            if record is None:
                return None
            records.append(record)
        position += len(piece) + len(_MARKER)
    return records, len(pieces) - len(records)


def _record(raw: bytes, index: int, count: int) -> Any:
    """One record's JSON from its piece: the first piece carries ``{"Records":[``, the last
    ``]}``, the others lost their ``{"eventVersion":`` to the split."""
    raw = raw[raw.find(b"[") + 1 :] if index == 0 else _RECORD_HEAD + raw
    if index == count - 1:
        raw = raw.rstrip()
        if not raw.endswith(b"]}"):
            return None
        raw = raw[:-2]
    try:
        record = loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) and "eventSource" in record else None
