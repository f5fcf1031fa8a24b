"""CloudTrail evidence on disk: log files (``{"Records": [...]}``, ``.json`` or gzipped),
JSON lines of events, JSON arrays of events and saved LookupEvents responses; folders are
read recursively.

Files are read one at a time, so memory follows the largest file, not the number of files;
a large log, array of events, LookupEvents responses (their keys sorted too) or file of
JSON lines is read in pieces, so memory follows the piece.
Read for a window, a folder leaves out the log files delivered outside it (``delivery``);
digest and Insights files are never read (no API call is in them).
A file that cannot be read is skipped with one warning and counted; it never stops the run.
With a ``needle`` (``scan.needle_of``), records that cannot be the principal's are skipped
unparsed; ``files`` narrows a folder to some of its files (one part of a parallel run), and
``share`` a large file to some of its pieces (one worker's share of it).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

from least_priv.core.event import ApiCall, EventFormatError, parse_event
from least_priv.core.select import Window
from least_priv.errors import InputError
from least_priv.sources.base import SourceStats, Warn
from least_priv.sources.delivery import bounds, cloudtrail_named, outside, utc
from least_priv.sources.scan import (
    DocumentCut,
    candidate_records,
    document_cut,
    is_json_lines,
    loads,
    log_separator,
)

try:  # ISA-L's inflate: the same output, about three times as fast as zlib's
    from isal import igzip, isal_zlib

    _gunzip_all: Callable[[bytes], bytes] = igzip.decompress
    _inflater: Callable[..., Any] = isal_zlib.decompressobj
    _GzipStream: Any = igzip.IGzipFile
    # The stubs declare ``error`` an instance; it is the exception class IsalError.
    _ISAL_ERRORS: tuple[type[Exception], ...] = (cast("type[Exception]", isal_zlib.error),)
except ImportError:  # pragma: no cover - isal is a dependency; this keeps a source checkout working
    _gunzip_all, _inflater, _ISAL_ERRORS = gzip.decompress, zlib.decompressobj, ()
    _GzipStream = gzip.GzipFile

_GZIP_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, zlib.error, *_ISAL_ERRORS)
_GZIP_MAGIC = b"\x1f\x8b"
_TOO_DEEP = "JSON nested too deeply to be CloudTrail"


class FileFormatError(ValueError):
    """A file that holds no CloudTrail events."""


class ReadAlone(Exception):  # noqa: N818 - what to do, not a failure
    """One worker's share of a file met what only a read of the whole file says right (a
    file cut short, records that are no events): read the source in one process."""


Share = tuple[int, int]  # (which, of how many): a worker takes the pieces numbered which mod n


def _records_of_document(doc: object) -> list[Any]:
    if isinstance(doc, dict):
        if isinstance(doc.get("Records"), list):
            return list(doc["Records"])
        if isinstance(doc.get("Events"), list):  # a saved LookupEvents response
            return [_lookup_event(e) for e in doc["Events"]]
        if "eventSource" in doc:
            return [doc]
        for key in ("Records", "Events"):
            if key in doc:
                raise FileFormatError(f"{key} is not a list of events")
    if isinstance(doc, list):
        return doc
    raise FileFormatError("JSON but not CloudTrail (no Records, Events or eventSource)")


def _lookup_event(item: object) -> object:
    """The CloudTrail record of one LookupEvents item: its ``CloudTrailEvent`` (a JSON
    string, or already an object); an item without one is kept as it is."""
    event = item.get("CloudTrailEvent") if isinstance(item, dict) else None
    if isinstance(event, dict):
        return event
    if not isinstance(event, str):
        return item
    try:
        return json.loads(event)
    except (json.JSONDecodeError, RecursionError):
        return None


def parse_log_text(text: str) -> list[Any]:
    """The raw records of one file's text, whatever its CloudTrail layout."""
    if not text.strip():
        raise FileFormatError("empty")
    try:
        return _records_of_document(json.loads(text))
    except json.JSONDecodeError as exc:
        whole_error = exc
    records: list[Any] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                records.extend(_records_of_document(json.loads(line)))
            except json.JSONDecodeError:
                if number == 1:
                    raise FileFormatError(
                        f"not JSON ({whole_error.msg.removesuffix(' at')} at line {whole_error.lineno})"
                    ) from None
                raise FileFormatError(f"JSON lines broken at line {number} (truncated?)") from None
    return records


def read_file_text(path: Path) -> str:
    """The text of a log file, gunzipped when it is gzip."""
    try:
        return decompress_log(path.read_bytes()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileFormatError("not UTF-8 text (binary file?)") from None


def _gunzip(data: bytes) -> bytes:
    """Gunzipped ``data``: one member (as CloudTrail writes a log) inflated in one call; the
    gzip reader, which joins what it reads in chunks, for anything else (more members,
    padding, a file cut short or corrupt: it says what is wrong)."""
    inflater = _inflater(wbits=31)  # 16 + 15: a gzip header and trailer
    try:
        out: bytes = inflater.decompress(data)
    except _GZIP_ERRORS:
        return _gunzip_all(data)
    return out if inflater.eof and not inflater.unused_data else _gunzip_all(data)


def decompress_log(data: bytes) -> bytes:
    """A log file's bytes, gunzipped when they are gzip (by magic, not by name)."""
    if data[:2] == _GZIP_MAGIC:
        try:
            return _gunzip(data)
        except _GZIP_ERRORS as exc:
            raise FileFormatError(f"corrupt or truncated gzip ({exc})") from None
    return data


def parse_log_bytes(data: bytes | bytearray) -> list[Any]:
    """The raw records of one (decompressed) file; the fast parser first."""
    try:
        document = loads(data)
    except (ValueError, UnicodeDecodeError):
        pass
    except RecursionError:
        raise FileFormatError(_TOO_DEEP) from None
    else:
        return _records_of_document(document)
    try:
        return parse_log_text(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FileFormatError("not UTF-8 text (binary file?)") from None
    except RecursionError:
        raise FileFormatError(_TOO_DEEP) from None


class LocalSource:
    """A file or a folder of CloudTrail evidence."""

    def __init__(
        self,
        path: str,
        needle: bytes | None = None,
        files: list[str] | None = None,
        window: Window | None = None,
        share: Share | None = None,
    ) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(
                f"--source {path}: no such file or folder; give a CloudTrail log file or folder"
            )
        self.stats = SourceStats(str(path))
        self.needle, self._files, self.window, self.share = needle, files, window, share
        self._unlisted: list[tuple[str, str]] = []  # folders not listed, not yet warned of
        self._told = False  # that every log file lies outside the window

    def files(self) -> list[str]:
        """The files to read, in path order (``sorted(Path.rglob)``'s): every file of a
        folder at any depth, except hidden files, what is behind a link to a folder and log
        files delivered outside the window (``delivery``). One walk of ``os.scandir``: a
        name's type comes with it, so listing costs no ``stat``."""
        if self._files is None:
            if self.path.is_dir():
                listed = _walk(str(self.path), self.stats, self._unlisted)
                first, last = bounds(self.window) if self.window else (None, None)
                if first or last:
                    kept = [f for f in listed if not outside(f.rsplit("/", 1)[-1], first, last)]
                    self.stats.files_outside_window, listed = len(listed) - len(kept), kept
                self._files = sorted(listed, key=path_order)
            else:
                self._files = [str(self.path)] if self.path.is_file() else []
        return self._files

    def calls(self, warn: Warn) -> Iterator[ApiCall]:
        files = self.files()
        self.warn_listing(warn)
        for path in files:
            yield from self._calls_of_file(path, warn)

    def _calls_of_file(self, path: str, warn: Warn) -> Iterator[ApiCall]:
        """A file's events: read whole, or piece by piece (``_pieces``). A file that cannot
        be read is skipped with a warning; a piece past the first that cannot, ends the file
        there with a warning (the events before it stay). With a ``share``, only its pieces
        are handled (the others are read past) and anything to warn of is ``ReadAlone``."""
        tally = _Tally()
        which, shares = self.share or (0, 1)
        pieces = _pieces(path, tally, whole=which == 0)  # a file read whole is the first share's
        native = cloudtrail_named(path)
        try:
            while True:
                try:
                    piece = next(pieces, None)
                    if piece is None:
                        break
                    mine = tally.pieces % shares == which
                    records = self._records_of_piece(piece, native, tally) if mine else []
                    del piece  # the records hold what is needed of it
                except (FileFormatError, OSError) as exc:
                    if self.share is not None:
                        raise ReadAlone(path) from None
                    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                    if not tally.pieces:
                        self.stats.files_skipped.append({"file": path, "reason": reason})
                        warn(f"skipped {path}: {reason}")
                        return
                    if tally.unit == "lines":
                        reason += ", counting from that line"
                    elif isinstance(exc, FileFormatError):  # its position is in the piece
                        reason = "one of the next is not JSON: was the file cut short?"
                    warn(
                        f"{path}: its {tally.unit} from {tally.done + 1:,} on are left out ({reason})"
                    )
                    break
                tally.pieces += 1
                yield from _calls(records, self.stats, tally)
                if tally.unit:  # read in pieces: a long read of one file says how far it is
                    self.stats.tell()
        finally:
            pieces.close()
        if self.share is None:
            _finish(path, tally, self.stats, warn)
        elif tally.first_error:  # records that are no events: said for the whole file
            raise ReadAlone(path)
        elif which == 0:  # the file counts once, for its first share
            self.stats.files_read += 1
            self.stats.tell()

    def _records_of_piece(self, piece: bytes | bytearray, native: bool, tally: _Tally) -> list[Any]:
        """A piece's records, with the lines or records it held counted in ``tally``."""
        unread = self.stats.records_unread
        records = self._records(piece, native)
        unread = self.stats.records_unread - unread
        tally.unread += unread
        if tally.unit == "lines":
            tally.done += piece.count(b"\n")
        elif tally.unit:  # a log: the records parsed and those skipped unread
            tally.done += len(records) + unread
        return records

    def warn_listing(self, warn: Warn) -> None:
        """What the listing has to say, once: a warning per folder it could not read, and
        one when every log file lay outside the window."""
        for folder, reason in self._unlisted:
            warn(f"skipped {folder}: {reason}")
        self._unlisted = []
        outside_window, files = self.stats.files_outside_window, self.files()
        if (
            outside_window
            and self.window
            and not self._told
            and not any(map(cloudtrail_named, files))
        ):
            what = "log file was" if outside_window == 1 else "log files were"
            warn(
                f"--source {self.path}: its {outside_window} {what} delivered outside the "
                f"window {_span(self.window)} (by the time in their names), so none was read; "
                "widen the window or give the folder holding that time's logs"
            )
            self._told = True

    finished = warn_listing  # what a parallel read (``parallel.collect``) says at its end
    can_split = True  # a parallel read may split it (``parallel.Splittable``)

    def sized(self) -> list[tuple[int, str]]:
        """The files to read, each with its size in bytes."""
        return [(os.stat(f).st_size, f) for f in self.files()]  # noqa: PTH116 - str paths

    can_share = True  # a large file may be read by every worker, each taking its share

    def part(self, files: list[str], share: Share | None = None) -> Callable[[], LocalSource]:
        """What makes, in a worker, the source of these files only, or of ``share`` of one
        file's pieces (picklable)."""
        return partial(LocalSource, str(self.path), self.needle, files, None, share)

    def require_evidence(self) -> None:
        """Raise when not one file could be read: a policy built from no evidence would
        take every permission away."""
        if self.stats.files_read or self.stats.files_outside_window:
            return  # log files seen, all outside the window: as a window without events
        skipped, folder = self.stats.files_skipped, self.path.is_dir()
        fix = "give the file or folder holding the CloudTrail logs (.json, .json.gz)"
        if not skipped:
            what = "holds no log file" if folder else "is neither a file nor a folder"
            raise InputError(f"--source {self.path} {what}; {fix}")
        first = skipped[0]
        if folder:
            what = f": none of its {len(skipped)} files holds CloudTrail events ({first['file']}: "
        else:
            what = " holds no CloudTrail events ("
        raise InputError(f"--source {self.path}{what}{first['reason']}); {fix}")

    def _records(self, data: bytes | bytearray, native: bool) -> list[Any]:
        try:
            if self.needle is not None:
                found = candidate_records(data, self.needle, native)
                if found is not None:
                    self.stats.records_unread += found[1]
                    return found[0]
            return parse_log_bytes(data)
        except RecursionError:
            raise FileFormatError(_TOO_DEEP) from None


def _span(window: Window) -> str:
    def text(moment: datetime | None) -> str:
        return utc(moment).isoformat().replace("+00:00", "Z") if moment else "(open)"

    return f"{text(window.start)} .. {text(window.end)}"


def path_order(path: str) -> str:
    """The sort key that orders paths as ``Path`` objects sort (by their parts): the path
    with its slashes as NUL, which sorts before any character a name can hold, so that the
    keys compare as the lists of parts do. One string a path, not a list of its parts:
    sorting the 7,700 files of a 2,000,000-event folder then leaves the process 5 MB
    smaller."""
    return path.replace("/", "\0")


# A trail's bucket also holds digest files (hashes of the log files) and Insights events,
# named so: no API call is in them.
_NOT_ACTIVITY = re.compile(r"_CloudTrail-(?:Digest|Insight)_")


def _is_log(name: str) -> bool:
    """Whether a file's name can be evidence: not hidden, not a digest or Insights file."""
    return not name.startswith(".") and _NOT_ACTIVITY.search(name) is None


def _walk(folder: str, stats: SourceStats, unlisted: list[tuple[str, str]]) -> list[str]:
    """The files under ``folder`` (not in order), spelt as ``Path`` spells them; a folder
    that cannot be read is counted as skipped in ``stats`` and added to ``unlisted``."""
    prefix = "" if folder == "." else folder if folder.endswith("/") else folder + "/"
    found: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    found += _walk(prefix + entry.name, stats, unlisted)
                elif _is_log(entry.name) and entry.is_file():
                    found.append(prefix + entry.name)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        stats.files_skipped.append({"file": folder, "reason": reason})
        unlisted.append((folder, reason))
    return found


@dataclass
class _Tally:
    """What one file's records came to: pieces read (and, read in pieces, what they were
    cut between and how many of those the pieces handled held), records, valid events, and
    the first error."""

    pieces: int = 0
    done: int = 0  # read in pieces: the lines or records handled (for a warning)
    unit: str = ""  # read in pieces: "lines" or "records"
    records: int = 0
    valid: int = 0
    first_error: str = ""
    unread: int = 0  # records skipped unparsed (``scan.candidate_records``)


def calls_of_records(
    where: str, records: list[Any], stats: SourceStats, warn: Warn, unread: int = 0
) -> Iterator[ApiCall]:
    """The CloudTrail events among one file's raw records (or calls already decoded from
    them: ``scan.candidate_records``, which skipped ``unread`` others); counts files and
    records in ``stats``; a file with records but no event is skipped with one warning,
    records that are no event are left out with one warning per file."""
    tally = _Tally(unread=unread)
    yield from _calls(records, stats, tally)
    _finish(where, tally, stats, warn)


def _calls(records: list[Any], stats: SourceStats, tally: _Tally) -> Iterator[ApiCall]:
    for record in records:
        tally.records += 1
        try:
            call = record if type(record) is ApiCall else parse_event(record)
        except EventFormatError as exc:
            stats.records_invalid += 1
            tally.first_error = tally.first_error or str(exc)
            continue
        tally.valid += 1
        stats.records += 1
        yield call


def _finish(where: str, tally: _Tally, stats: SourceStats, warn: Warn) -> None:
    if tally.records and not tally.valid:
        reason = f"no record is a CloudTrail event ({tally.first_error})"
        stats.files_skipped.append({"file": where, "reason": reason})
        warn(f"skipped {where}: {reason}")
        return
    stats.files_read += 1
    stats.tell()
    if tally.first_error:
        invalid, total = tally.records - tally.valid, tally.records + tally.unread
        warn(
            f"{where}: {invalid} of {total} records left out, not CloudTrail events "
            f"({tally.first_error})"
        )


PIECE = 2 * 1024 * 1024  # a log or JSON lines file larger than this is read in pieces of this size


@dataclass(frozen=True)
class _Cut:
    """How a large file is cut into pieces that each read as a file: after a line (JSON
    lines), or at the comma between two records of a log (or two events of saved
    LookupEvents responses, or two items of a JSON array of events), each piece then made a
    whole ``{"Records":[...]}`` (``{"Events":[...]}``, ``[...]``) again (``head`` before
    all but the first, ``tail`` after all but the last). A document no separator parts
    (keys sorted) is cut where ``document`` finds it may be."""

    separator: bytes
    keep: int  # bytes of the separator that stay with the piece before the cut
    head: bytes = b""
    tail: bytes = b""
    unit: str = "lines"
    skip: int = 1  # where the next piece starts, from the separator's start
    document: DocumentCut | None = None


# A document cut (``DocumentCut``): the cuts tried in a piece, from its end, before it is
# read on; and how large a piece may grow without one before the rest is read as one piece
# (each try reads the piece through).
_TRIES = 8
_MAX_TRIED = 8


def _cut_of(head: bytes) -> _Cut | None:
    """How to cut a file that starts with ``head``: a log, LookupEvents responses, a JSON
    array of events or JSON lines; ``None``: read whole."""
    found = log_separator(head)
    if found is not None:
        opening, separator, closing = found
        return _Cut(separator, 0, opening, closing, "records")
    if is_json_lines(head[: head.rfind(b"\n")]):
        return _Cut(b"\n", 1)
    document = document_cut(head)
    if document is None:
        return None
    sep = document.separator
    return _Cut(sep, 1, document.opening, document.closing, "records", len(sep) - 1, document)


def _cut_at(buffer: bytearray, cut: _Cut) -> int:
    """Where to cut ``buffer``: at its last separator, or (a document cut) at the last of
    its last ``_TRIES`` separators followed by a record's field before which the piece
    reads whole; -1: nowhere yet."""
    at = buffer.rfind(cut.separator)
    document = cut.document
    if document is None:
        return at
    tries = _TRIES
    while at > 0 and tries:
        if document.starts_record(buffer, at):
            tries -= 1
            if document.whole(b"".join((memoryview(buffer)[: at + cut.keep], cut.tail))):
                return at
        at = buffer.rfind(cut.separator, 0, at)
    return -1


def _pieces(
    path: str, tally: _Tally, whole: bool = True
) -> Generator[bytes | bytearray, None, None]:
    """A file's bytes, gunzipped: whole, as one piece; but a log or a file of JSON lines
    larger than ``PIECE`` in pieces of about ``PIECE`` bytes (``_cut``), so that memory
    follows the piece, not the file; ``tally.unit`` then says what the pieces are cut
    between. ``whole=False``: a file not cut into pieces is not read (one empty piece)."""
    # Unbuffered: a whole read is then one buffer of the file's size (a buffered reader
    # that has read the magic joins chunks, holding the file twice).
    with open(path, "rb", buffering=0) as file:  # noqa: PTH123 - paths stay str (small)
        size = os.fstat(file.fileno()).st_size
        if size * 9 > PIECE:  # large, or large once gunzipped
            zipped = file.read(2) == _GZIP_MAGIC
            file.seek(0)
            if size * (9 if zipped else 1) > PIECE:
                yield from _large(file, zipped, tally, whole)
                return
        yield decompress_log(file.read()) if whole else b""  # whole: any other file


def _large(
    file: Any, zipped: bool, tally: _Tally, whole: bool
) -> Generator[bytes | bytearray, None, None]:
    """A large file's bytes: in pieces (``_cut``) when it is a log or JSON lines, else whole
    (with ``whole``; else one empty piece)."""
    stream: Any = _GzipStream(fileobj=file) if zipped else file
    try:
        data = stream.read(PIECE)
        cut = _cut_of(data)
        if cut is not None:
            tally.unit = cut.unit
            buffer = bytearray(data)
            del data
            yield from _cut(stream, buffer, cut)
            return
    except _GZIP_ERRORS as exc:
        raise FileFormatError(f"corrupt or truncated gzip ({exc})") from None
    del data
    file.seek(0)
    yield decompress_log(file.read()) if whole else b""


def _cut(stream: Any, buffer: bytearray, cut: _Cut) -> Generator[bytearray, None, None]:
    """The pieces of a large file (``_Cut``) from its first ``PIECE`` bytes, ``buffer``, on.
    Every piece is ``buffer``, cut and then refilled in place (no fresh pages to fault in
    for each piece): a piece is read before the next is asked for, and not kept."""
    while True:
        at = _cut_at(buffer, cut)
        if at > 0:
            rest = buffer[at + cut.skip :]
            del buffer[at + cut.keep :]
            buffer += cut.tail
            yield buffer
            buffer[:] = cut.head
            buffer += rest
            del rest
        elif cut.document is not None and len(buffer) > _MAX_TRIED * PIECE:
            buffer += stream.read()  # no cut found: the rest as one piece
        block = stream.read(PIECE)
        if not block:
            break
        buffer += block
    if buffer.strip():
        yield buffer
