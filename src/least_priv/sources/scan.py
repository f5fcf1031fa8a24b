"""Reading log files at the speed of decompression: records that cannot be the principal's
are skipped before they are parsed.

A record can only be the principal's if the principal's name appears in it (its role or user
ARN, case aside). A file without the name is skipped whole after one byte search; in a file
with it, only the records holding the name are parsed. CloudTrail writes a log file as
``{"Records":[{"eventVersion":...},{"eventVersion":...}]}``: a quote inside a JSON string is
always escaped, so ``,{"eventVersion"`` can only separate records (or objects nested in a
record, which then fail to parse alone and make the file be parsed whole). The same holds
with whitespace around the separators (``json.dumps`` with its defaults): the bytes between
the first two records are taken as the file's separator. Indented, only the list's records
start a line at its indent, so the comma, line break, indent and brace part them, whatever
their keys. JSON lines (an export, one event a line) are split at the line breaks, which JSON
escapes inside strings.
A whole document whose records no separator parts (an export with sorted keys: its records
start with different keys) is split into its records by msgspec, which skips over each at
about 1.6 GB/s (``_split``); a large one is cut into such documents where one reads whole
(``DocumentCut``). Every other layout is parsed whole, and so is a log cut short
(so that it is reported). Saved LookupEvents responses are read the same
way, each item a record (its CloudTrailEvent), and so is a JSON array of events (``jq
.Records``) when every item holds one ``"eventSource"``. The skip is exact: the analysis would drop
those records anyway; so a broken record without the name is not reported (the plain path,
``LEAST_PRIV_PLAIN=1``, parses and reports every record).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import msgspec

from least_priv.core.effects import dump_repr
from least_priv.core.select import Principal
from least_priv.sources.record import decode_call

try:  # a JSON parser about twice as fast as the standard one, when installed
    import orjson

    _FAST_LOADS: Callable[[bytes | bytearray], Any] | None = orjson.loads
    _FAST_DUMPS: Callable[[object], bytes] | None = orjson.dumps
    _FAST_ERROR: type[Exception] = orjson.JSONDecodeError
except (
    ImportError
):  # pragma: no cover - orjson is a dependency; this keeps a source checkout working
    _FAST_LOADS, _FAST_DUMPS, _FAST_ERROR = None, None, ValueError

# A log file's head, up to its first record's first key (CloudTrail's: eventVersion);
# whitespace allowed between tokens. Saved LookupEvents responses list their events the same
# way, under "Events" (each item holding its record, as a JSON string, in CloudTrailEvent).
# A JSON array of events (``jq .Records``, an export) is the list alone (name ``b""``).
_LIST = rb'\[\s*(\{)\s*("(?:[^"\\]|\\.)*")\s*:'
_HEADS = {
    name: re.compile(rb"\s*" + (rb'\{\s*"' + name + rb'"\s*:\s*' if name else b"") + _LIST)
    for name in (b"Records", b"Events", b"")
}
_HEAD = _HEADS[b"Records"]
_SOURCE_KEY = b'"eventSource"'  # once in every event of an array (checked: nothing marks it)
_ITEM_KEY = b'"CloudTrailEvent"'  # once in every LookupEvents item
# The key each item of a document (by its ``_HEADS`` name) holds once: no item is no event.
_HELD = {b"Records": _SOURCE_KEY, b"Events": _ITEM_KEY, b"": _SOURCE_KEY}
_KEY = b'"eventversion"'  # once per record: counts the records of a file of another layout
_FIRST_KEY = b'"eventVersion"'  # every record's first, as CloudTrail writes them


def loads(data: bytes | bytearray) -> Any:
    """JSON from UTF-8 bytes: the fast parser, else (big numbers, odd input) the standard one."""
    if _FAST_LOADS is not None:
        try:
            return _FAST_LOADS(data)
        except _FAST_ERROR:
            pass
    return json.loads(data.decode("utf-8-sig"))


def dump(value: object) -> bytes:
    """A faithful text of JSON values, for call shapes (``core.effects.Dump``): orjson's,
    several times as fast as ``repr``; ``repr`` for what orjson refuses (lone surrogates,
    integers past 64 bits)."""
    if _FAST_DUMPS is not None:
        try:
            return b"j" + _FAST_DUMPS(value)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
    return dump_repr(value)


def needle_of(principal: Principal) -> bytes | None:
    """Bytes every record of the principal holds (its name as given; found whatever the
    case), or ``None`` for everyone."""
    if principal.kind == "any" or not principal.name:
        return None
    found = principal.text.rsplit("/", 2 if principal.kind == "session" else 1)[1]
    return found.encode() if found.lower() == principal.name else principal.name.encode()


def _first(
    data: bytes | bytearray, needle: bytes, native: bool = False
) -> tuple[bytes | bytearray, bytes, int]:
    """Where ``needle`` first is in ``data``, in any case: the buffer and needle to go on
    searching with (``data`` or its lower-case copy, same length) and the position, -1 if
    nowhere. A log file CloudTrail wrote (``native``) is searched in ``needle``'s case
    first, and in any case only without it there: it holds about five minutes of one region,
    and the name in a second case in one such file would take a role deleted and made again
    in those minutes, still calling. Any other file (an export may span years) is searched
    in any case throughout, so that a file holding the name in two cases keeps both."""
    if native:
        at = data.find(needle)
        if at >= 0:
            return data, needle, at
    lowered, needle = data.lower(), needle.lower()
    return lowered, needle, lowered.find(needle)


def candidate_records(
    data: bytes | bytearray, needle: bytes, native: bool = False
) -> tuple[list[Any], int] | None:
    """The records of a file that hold ``needle`` (in any case: ``_first``), as calls or
    parsed records (for ``parse_event`` to accept or name what is wrong), and how many
    records were skipped unparsed; ``None`` when the file must be parsed whole (no layout
    ``_layout`` can read, or a record that does not parse alone). ``native``: a log file
    CloudTrail wrote, by its name (``_records_layout``)."""
    haystack, needle, at = _first(data, needle, native)
    layout = _layout(data, native)
    if layout is None:
        return _without_layout(data, haystack, needle.lower(), at)
    if at < 0:
        return [], layout.count(data)
    first, stop, separator = layout.first, layout.stop, layout.separator
    records: list[Any] = []
    while 0 <= at < stop:
        start = data.rfind(separator, first, at)
        start = first if start < 0 else start + 1  # after the comma or the line's end
        end = data.find(separator, at, stop)
        last = end < 0
        raw = data[start : stop if last else end]
        record = _record(raw, last and not layout.lines, layout.saved, layout.array)
        if record is None:
            return None
        records.append(record)
        if last:
            break
        at = haystack.find(needle, end)  # the next record holding the name
    return records, layout.count(data) - len(records)


def _without_layout(
    data: bytes | bytearray, haystack: bytes | bytearray, needle: bytes, at: int
) -> tuple[list[Any], int] | None:
    """``candidate_records`` of a file no separator parts (``_first`` gave ``haystack`` and
    ``at``; ``needle`` in lower case): a whole document split by a parser (``_split``),
    else ``None`` (parsed whole), but for a file without the name, whose records are
    counted."""
    split = _split(data)
    if split is not None:
        return _held(split[0], split[1], needle if at >= 0 else None)
    if at >= 0 or any(head.match(data) for head in _HEADS.values()):
        return None  # a log cut short (or oddly spaced): parsed, so that it is reported
    skipped = haystack.count(_KEY)  # ``haystack`` is the lower-case copy here
    return ([], skipped) if skipped else None  # no record at all: let the parser say why


class _Log(msgspec.Struct):
    Records: list[msgspec.Raw]  # CloudTrail's name


class _Saved(msgspec.Struct):
    Events: list[msgspec.Raw]  # LookupEvents' name


_Decode = Callable[[bytes | bytearray], Any]
# A document's head, how to split it, the key each of its items holds once (``_HELD``, as
# ``_array_layout`` asks), and whether the items are LookupEvents'.
_SPLITS: tuple[tuple[re.Pattern[bytes], _Decode, bytes, bool], ...] = tuple(
    (_HEADS[name], decoder.decode, _HELD[name], name == b"Events")
    for name, decoder in (
        (b"Records", msgspec.json.Decoder(_Log)),
        (b"Events", msgspec.json.Decoder(_Saved)),
        (b"", msgspec.json.Decoder(list[msgspec.Raw])),
    )
)


def _split(data: bytes | bytearray) -> tuple[list[msgspec.Raw], bool] | None:
    """The records of a whole document no separator parts (an export with sorted keys,
    whose records start with different keys), as the texts a JSON parser finds when it
    skips over them (at about 1.6 GB/s), and whether they are LookupEvents items; ``None``
    unless ``data`` is a whole ``{"Records":[...]}``, ``{"Events":[...]}`` or JSON array,
    each item holding its key once (``"eventSource"``; ``"CloudTrailEvent"``)."""
    for head, decode, key, saved in _SPLITS:
        if head.match(data):
            # A piece (a bytearray refilled in place) is copied: a ``Raw`` holds its buffer.
            text = bytes(data) if isinstance(data, bytearray) else data
            try:
                document = decode(text)
            except (msgspec.MsgspecError, RecursionError):
                return None
            if not isinstance(document, list):
                document = document.Events if saved else document.Records
            return (document, saved) if text.count(key) == len(document) else None
    return None


def _held(
    raws: list[msgspec.Raw], saved: bool, needle: bytes | None
) -> tuple[list[Any], int] | None:
    """Of ``_split``'s records, those holding ``needle`` (in lower case: found in any case)
    as ``_record`` gives them, and how many were skipped; ``None`` when one of them is no
    record alone (the file is then parsed whole). ``needle``: ``None`` when no record holds
    it."""
    if needle is None:
        return [], len(raws)
    records = []
    for raw in raws:
        text = bytes(raw)
        if needle in text.lower():
            record = _record(text, False, saved)
            if record is None:
                return None
            records.append(record)
    return records, len(raws) - len(records)


@dataclass(frozen=True)
class _Layout:
    """How a file's records lie: from ``first`` to ``stop``, each but the last followed by
    ``separator``; ``lines``: one a line (JSON lines, that many), else (0) a
    ``{"Records":[...]}`` log or (``saved``) LookupEvents responses."""

    first: int
    stop: int
    separator: bytes
    lines: int = 0  # JSON lines: how many (counted to find the layout); 0: a log's records
    counted: int = 0  # a log's records, when checking the layout counted them; 0: not yet
    saved: bool = False  # LookupEvents responses: each record is an item's CloudTrailEvent
    array: bool = False  # a JSON array of events: the last one is followed by ``]`` alone

    def count(self, data: bytes | bytearray) -> int:
        """How many records the file holds."""
        return self.lines or self.counted or data.count(self.separator, self.first, self.stop) + 1


def _layout(data: bytes | bytearray, native: bool = False) -> _Layout | None:
    """A log file's layout: ``{"Records":[...]}`` (``_records_layout``) or saved
    LookupEvents responses (``_saved_layout``), closed, not cut short; or JSON lines
    (``_lines_layout``); ``None`` for any other."""
    layout = _records_layout(data, native) or _saved_layout(data)
    if layout is None:
        return _array_layout(data) or _lines_layout(data)
    return layout if data[_stop(data, layout.first) - 1] == ord("}") else None


def _array_layout(data: bytes | bytearray) -> _Layout | None:
    """A JSON array of events, closed (``}`` then ``]``), each item holding one
    ``"eventSource"`` key: no ``Records`` says the file is CloudTrail's, so an array of
    anything else (other JSON, LookupEvents items) is parsed whole, and reported."""
    layout = _records_layout(data, pattern=_HEADS[b""])
    if layout is None:
        return None
    stop = _stop(data, layout.first)
    last = _stop(data, layout.first, stop - 1)  # before the closing bracket
    if data[stop - 1] != ord("]") or data[last - 1] != ord("}"):
        return None
    if data.count(_SOURCE_KEY, layout.first, stop) != layout.count(data):
        return None
    return replace(layout, array=True)


def _saved_layout(data: bytes | bytearray) -> _Layout | None:
    """Saved LookupEvents responses (``{"Events":[...]}``) as a log whose records are the
    items (each record a JSON string in its item's CloudTrailEvent, where the name shows)."""
    layout = _records_layout(data, pattern=_HEADS[b"Events"])
    return None if layout is None else replace(layout, saved=True)


def _stop(data: bytes | bytearray, first: int, stop: int | None = None) -> int:
    """Where ``data`` (up to ``stop``) ends, trailing whitespace aside (not before
    ``first``)."""
    stop = len(data) if stop is None else stop
    while stop > first and data[stop - 1] in _SPACE:
        stop -= 1
    return stop


def _records_layout(
    data: bytes | bytearray, native: bool = False, pattern: re.Pattern[bytes] = _HEAD
) -> _Layout | None:
    """Where a log file's first record starts, and the bytes that separate its records
    (``,{"eventVersion"`` as CloudTrail writes them: a comma, the brace and the first key
    of the next record, with the whitespace between the first two records; indented, the
    comma, line break, indent and brace). ``native``: a
    file CloudTrail wrote (by its name), which starts every record with eventVersion.
    ``pattern``: the head of the document (``_HEADS``)."""
    head = pattern.match(data)
    if head is None:
        return None
    first, key = head.start(1), head.group(2)
    gap = bytes(data[data.rfind(b"[", 0, first) + 1 : first])
    _, newline, indent = gap.rpartition(b"\n")
    if newline and indent:  # a line break, then an indent (none: nested objects too)
        # Indented, only the list's items start a line at its indent: the comma, line break,
        # indent and brace part them, whatever their first key (an export's sorted keys).
        layout = _Layout(first, len(data), b"," + gap + b"{")
        end = data.find(layout.separator, first)
        end = len(data) if end < 0 else end
    else:
        second = data.find(key, head.end())
        if second < 0:
            layout, end = _Layout(first, len(data), b",{" + key), len(data)  # one record
        else:
            brace = data.rfind(b"{", first, second)
            end = data.rfind(b",", first, brace) if brace >= 0 else -1
            if end < 0 or data[end + 1 : brace].strip() or data[brace + 1 : second].strip():
                return None
            layout = _Layout(first, len(data), bytes(data[end : second + len(key)]))
    # In a file CloudTrail did not write (an export, a test corpus), records need not all
    # start with the same key (keys sorted, some records with fields others lack): then
    # the separators would miscount them. Each record holds one eventVersion (or, from a
    # generator that leaves it out, one eventSource), each LookupEvents item one
    # CloudTrailEvent: count that instead.
    if not (native and key == _FIRST_KEY):
        if pattern is _HEADS[b"Events"]:
            once = _ITEM_KEY
        else:
            once = _FIRST_KEY if data.find(_FIRST_KEY, first, end) >= 0 else _SOURCE_KEY
        records = layout.count(data)
        if data.count(once, first) != records:
            return None
        layout = replace(layout, counted=records)
    return layout


def log_separator(head: bytes) -> tuple[bytes, bytes, bytes] | None:
    """How the records of a ``{"Records":[...]}`` log (or the events of saved LookupEvents
    responses, ``{"Events":[...]}``, or of a JSON array) lie, from the first two in ``head``
    (a file's first bytes): the document's opening up to its list, the bytes between two
    of them, and the document's closing after its list; ``None`` for another layout, or
    one record."""
    for name, pattern in _HEADS.items():
        layout = _records_layout(head, pattern=pattern)
        if layout is not None and head.find(layout.separator, layout.first) >= 0:
            opening, closing = _ends(name)
            return opening, layout.separator, closing
    return None


def _ends(name: bytes) -> tuple[bytes, bytes]:
    """A document's opening up to its list and closing after it, as each piece a large file
    is cut into but the first starts and but the last ends (``name``: its ``_HEADS`` key)."""
    return (b'{"' + name + b'":[', b"]}") if name else (b"[", b"]")


# The fields a CloudTrail record may have (and a LookupEvents item's), which a record
# starts with when its keys are sorted: objects nested in a record rarely start with one.
# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
_RECORD_FIELDS = frozenset(
    b'"' + name + b'"'
    for name in (
        b"addendum",
        b"additionalEventData",
        b"apiVersion",
        b"awsRegion",
        b"edgeDeviceDetails",
        b"errorCode",
        b"errorMessage",
        b"eventCategory",
        b"eventID",
        b"eventName",
        b"eventSource",
        b"eventTime",
        b"eventType",
        b"eventVersion",
        b"insightDetails",
        b"managementEvent",
        b"readOnly",
        b"recipientAccountId",
        b"requestID",
        b"requestParameters",
        b"resources",
        b"responseElements",
        b"serviceEventDetails",
        b"sessionCredentialFromConsole",
        b"sharedEventID",
        b"sourceIPAddress",
        b"tlsDetails",
        b"userAgent",
        b"userIdentity",
        b"vpcEndpointAccountId",
        b"vpcEndpointId",
        b"AccessKeyId",
        b"CloudTrailEvent",
        b"EventId",
        b"EventName",
        b"EventSource",
        b"EventTime",
        b"ReadOnly",
        b"Resources",
        b"Username",
    )
)
_NAME = re.compile(rb'\s*("(?:[^"\\]|\\.)*")\s*:')
_GAP = re.compile(rb"\s*,\s*\{")


@dataclass(frozen=True)
class DocumentCut:
    """Where a whole document no separator parts (an export with sorted keys: its records
    start with different keys) may be cut: between two records, ``}`` then the bytes
    between the first two (``separator``, ending with ``{``). Those bytes also part objects
    nested in a record, so a cut is taken only where a record field's name follows
    (``starts``) and the piece before it reads as the whole document (``whole``)."""

    opening: bytes  # the document up to its list, as each piece but the first starts
    separator: bytes
    closing: bytes  # after its list, as each piece but the last ends
    starts: frozenset[bytes]  # the quoted names a record may start with

    def starts_record(self, data: bytes | bytearray, at: int) -> bool:
        """Whether a record field's name follows the separator found at ``at``."""
        name = _NAME.match(data, at + len(self.separator))
        return name is not None and name.group(1) in self.starts

    def whole(self, piece: bytes) -> bool:
        """Whether ``piece`` (closed) reads as the document, each record whole."""
        return _split(piece) is not None


def document_cut(head: bytes) -> DocumentCut | None:
    """How to cut a ``{"Records":[...]}``, ``{"Events":[...]}`` or JSON array that starts
    with ``head`` when no separator parts its records (``log_separator`` found none):
    ``None`` for another document, or one record."""
    for name, pattern in _HEADS.items():
        match = pattern.match(head)
        if match is None:
            continue
        first = match.start(1)
        text = head[first:].decode("utf-8", "surrogateescape")
        try:
            record, end = json.JSONDecoder().raw_decode(text)
        except (ValueError, RecursionError):
            return None
        end = first + len(text[:end].encode("utf-8", "surrogateescape"))
        gap = _GAP.match(head, end)
        held = _HELD[name].strip(b'"').decode()
        if not isinstance(record, dict) or held not in record or gap is None:
            return None  # no event first: read whole, and reported
        own = frozenset(json.dumps(field).encode() for field in record)
        opening, closing = _ends(name)
        return DocumentCut(opening, b"}" + gap.group(), closing, own | _RECORD_FIELDS)
    return None


def is_json_lines(head: bytes) -> bool:
    """Whether ``head`` (a file's first lines, whole ones) is JSON lines of events."""
    return _lines_layout(head) is not None


_START = re.compile(rb"\s*\{")
_SPACE = b" \t\r\n"


def _lines_layout(data: bytes | bytearray) -> _Layout | None:
    """JSON lines (an export of events, one a line): every line from the first to the last
    starts with ``{`` and ends with ``}`` (no blank, indented, continued or cut line) and the
    first line is a whole event (an object with ``eventSource``, as ``local`` takes one). A
    line can hold no raw line break (JSON escapes it in strings), so the lines are the
    records. A ``{"Records":[...]}`` or ``{"Events":[...]}`` document is none (not parsed
    to see: its first line may be all of it)."""
    head = _START.match(data)
    if head is None or _HEAD.match(data) or _HEADS[b"Events"].match(data):
        return None
    first = head.end() - 1
    stop = _stop(data, first)
    end = data.find(b"\n", first, stop)
    lines = data.count(b"\n", first, stop) + 1
    if data.count(b"\n{", first, stop) != lines - 1:
        return None
    # Every line also ends with "}": a line cut short (a truncated export) is parsed, so
    # that it is reported as before, not counted as a record unread.
    closed = data.count(b"}\n", first, stop) + data.count(b"}\r\n", first, stop)
    if closed != lines - 1 or data[stop - 1] != ord("}"):
        return None
    try:
        head_record = loads(data[first : stop if end < 0 else end])
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    event = isinstance(head_record, dict) and "eventSource" in head_record
    return _Layout(first, stop, b"\n", lines=lines) if event else None


def _saved_record(raw: bytes | bytearray) -> bytes | None:
    """The record of a saved LookupEvents item (its CloudTrailEvent, a JSON string or an
    object), as JSON bytes; ``None`` for anything else."""
    try:
        item = loads(raw)
    except ValueError:
        return None
    event = item.get("CloudTrailEvent") if isinstance(item, dict) else None
    if isinstance(event, str):
        return event.encode("utf-8", "surrogatepass")
    return _FAST_DUMPS(event) if isinstance(event, dict) and _FAST_DUMPS else None


def _record(raw: bytes | bytearray, last: bool, saved: bool = False, array: bool = False) -> Any:
    """One record from its bytes, as a call (``record.decode_call``) or else parsed
    (``last``: ``_last_record``). ``saved``: a LookupEvents item."""
    if last:
        return _last_record(raw.rstrip(), saved, array)
    text = _saved_record(raw) if saved else raw
    if text is None:
        return None
    call = decode_call(text)
    if call is not None:
        return call
    try:
        parsed = loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) and "eventSource" in parsed else None


def _last_record(raw: bytes | bytearray, saved: bool, array: bool) -> Any:
    """The last record, which still carries the end of the document: ``]}``, or ``]`` and
    the keys after the list (LookupEvents' ``NextToken``; ``_unclosed``), or ``]``
    (``array``: a JSON array of events, whose end ``_array_layout`` checked)."""
    if array:
        return _record(raw[:-1], False, saved)
    if raw.endswith(b"}") and raw[:-1].rstrip().endswith(b"]"):  # as CloudTrail writes
        record = _record(raw[:-1].rstrip()[:-1], False, saved)
        if record is not None:
            return record
    unclosed = _unclosed(raw)
    return None if unclosed is None else _record(unclosed, False, saved)


def _unclosed(raw: bytes | bytearray) -> bytes | None:
    """The first JSON value of ``raw`` when what follows it closes a document's list and
    the document (``]``, then whole members, then ``}``); else ``None``."""
    try:
        text = raw.decode("utf-8")
        _, end = json.JSONDecoder().raw_decode(text, len(text) - len(text.lstrip()))
        after = text[end:].lstrip()
        if not after.startswith("]") or not isinstance(_members(after[1:]), dict):
            return None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return text[:end].encode()


def _members(text: str) -> Any:
    """``, "key": value ... }`` (what may follow a document's list) as an object."""
    return json.loads("{" + text.strip().removeprefix(","))
