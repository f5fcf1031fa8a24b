"""A trail's log objects in S3 (``--source s3://bucket[/prefix]``), read for one time window.

Only day folders inside the window are listed:
``<prefix>/AWSLogs/[o-org/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/``, from the window
start's date to the date of its end plus a 15-minute delivery margin (UTC). Accounts, org ids
and regions not given are found one folder level at a time (``Delimiter='/'``), so the bucket
is never listed whole and ``CloudTrail-Digest/`` is never entered. In a day folder the delivery
minute in the file name decides: "a log file delivered at a specific time can contain records
written at any point before that time" (https://docs.aws.amazon.com/awscloudtrail/latest/
userguide/cloudtrail-log-file-examples.html), so files named before the window start's minute
or after end + 15 minutes are not fetched. Keys without a CloudTrail timestamp are read anyway.

A bounded thread pool fetches the objects (at most ``2 * workers`` in flight: memory does not
grow with the object count); calls come out in key order, as the local source gives them.
A read of at least ``parallel.MIN_BYTES`` of objects is split across worker processes like a
large folder (``sized``, ``part``): botocore's work for each request and the parsing then use
every core, not one.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from least_priv.core.event import ApiCall
from least_priv.core.select import Window
from least_priv.errors import SourceError, UsageError
from least_priv.sources.aws import error_code, error_message, is_denied, translate
from least_priv.sources.base import SourceStats, Warn
from least_priv.sources.delivery import (
    DELIVERY_MARGIN,
    cloudtrail_named,
    may_hold_window,
    outside,
    utc,
)
from least_priv.sources.local import (
    FileFormatError,
    calls_of_records,
    decompress_log,
    parse_log_bytes,
)
from least_priv.sources.scan import candidate_records

_GZIP_MAGIC = b"\x1f\x8b"
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IPV4 = re.compile(r"\d+\.\d+\.\d+\.\d+")
_ACCOUNT = re.compile(r"\d{12}")
_URL_HINT = "write s3://BUCKET[/PREFIX], the trail's S3 bucket and key prefix"
_READ_ATTEMPTS = 3
_GONE = "deleted between listing and reading (NoSuchKey)"
_KMS = re.compile(r"kms:\w+|ciphertext|customer master key|KMS key", re.IGNORECASE)


_WHOLE: S3Source | None = None  # the source a parallel read splits (``S3Source.part``)


def _part_of_whole(keys: list[str]) -> S3Source:
    if _WHOLE is None:  # pragma: no cover - parts are only made after ``part`` set it
        raise RuntimeError("no S3 source to read a part of")
    return _WHOLE._part(keys)


def _in_order(
    pool: ThreadPoolExecutor, work: Callable[[Any], Any], items: Iterator[Any], ahead: int
) -> Iterator[Any]:
    """``work`` of each item, in the items' order, at most ``ahead`` of them in flight."""
    pending: deque[Future[Any]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(work, item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def parse_s3_url(text: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix/`` -> ``("bucket", "some/prefix")``; ``UsageError`` if bad."""
    raw = text.strip()
    if raw[:5].lower() != "s3://":
        raise UsageError(f"--source {text!r} is not an s3:// URL; {_URL_HINT}")
    bucket, _, prefix = raw[5:].partition("/")
    if not bucket:
        raise UsageError(f"--source {text!r} names no bucket; {_URL_HINT}")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket or _IPV4.fullmatch(bucket):
        raise UsageError(
            f"--source {text!r}: {bucket!r} is not an S3 bucket name (3-63 lowercase letters, "
            f"digits, dots and hyphens); {_URL_HINT}"
        )
    return bucket, prefix.strip("/")


@dataclass(frozen=True)
class TrailLayout:
    """Where ``AWSLogs/`` is, and what a prefix reaching into it already names."""

    base: str  # the key prefix up to AWSLogs/: "" or "some/prefix/"
    org: str = ""
    account: str = ""
    region: str = ""


def parse_trail_prefix(prefix: str) -> TrailLayout:
    """The trail prefix; a prefix reaching into ``AWSLogs/...`` narrows what is listed."""
    parts = [p for p in prefix.strip("/").split("/") if p]
    if "AWSLogs" not in parts:
        return TrailLayout("".join(p + "/" for p in parts))
    at = parts.index("AWSLogs")
    base, rest = "".join(p + "/" for p in parts[:at]), parts[at + 1 :]
    org = rest.pop(0) if rest and rest[0].startswith("o-") else ""
    account = rest[0] if rest and _ACCOUNT.fullmatch(rest[0]) else ""
    region = rest[2] if account and len(rest) > 2 and rest[1] == "CloudTrail" else ""
    return TrailLayout(base, org, account, region)


def day_folders(first: date, last: date) -> list[str]:
    """``yyyy/mm/dd/`` for every day from ``first`` to ``last``, both included."""
    return [f"{first + timedelta(days=n):%Y/%m/%d}/" for n in range((last - first).days + 1)]


def _narrow(given: Iterable[str], named: str) -> tuple[str, ...]:
    """What to list: the one the URL names (the user typed it), else those given."""
    return (named,) if named else tuple(sorted({g for g in given if g}))


def _aws_errors(streaming: bool = False) -> tuple[type[BaseException], ...]:
    """botocore's errors (imported only when AWS is used); or those of a body read halfway."""
    from botocore import exceptions as bx

    if streaming:
        return (bx.ResponseStreamingError, bx.ReadTimeoutError, bx.IncompleteReadError)
    return (bx.BotoCoreError, bx.ClientError)


@dataclass
class S3Stats(SourceStats):
    """``SourceStats`` plus what S3 cost: objects listed, bytes read, list requests."""

    objects_listed: int = 0
    bytes_read: int = 0
    list_requests: int = 0

    def as_dict(self) -> dict[str, object]:
        names = ("objects_listed", "bytes_read", "list_requests")
        return {**super().as_dict(), **{n: getattr(self, n) for n in names}}


@dataclass
class _Object:
    key: str
    size: int = 0
    records: list[Any] = field(default_factory=list)
    reason: str = ""  # why it was skipped; "" when read
    unread: int = 0  # records skipped unparsed: they cannot be the principal's


class S3Source:
    """CloudTrail log objects under ``s3://bucket/prefix`` for one window."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str,
        window: Window,
        accounts: tuple[str, ...] = (),
        regions: tuple[str, ...] = (),
        *,
        workers: int = 8,
        label: str = "",
        needle: bytes | None = None,
        new_client: Callable[[], Any] | None = None,
        keys: list[str] | None = None,
    ) -> None:
        if window.start is None:
            raise UsageError("the s3 source needs a window: give --lookback-hours or --start-time")
        self.client, self.bucket, self.window = client, bucket, window
        self.start = utc(window.start)
        self.prefix, self.layout = prefix, parse_trail_prefix(prefix)
        self.accounts = _narrow(accounts, self.layout.account)
        self.regions = _narrow(regions, self.layout.region)
        self.workers, self.needle = max(1, workers), needle
        self.s3_stats = S3Stats(label or f"s3://{bucket}/{prefix}")
        self.stats: SourceStats = self.s3_stats  # the same object, typed as ``Source`` wants
        # A client of its own for each worker process of a parallel read (``part``): ``None``,
        # the source is read in this process only.
        self.new_client = new_client
        self._given = keys  # one part's keys (``part``): read them, list nothing
        self._listing: list[tuple[int, str]] | None = None  # (size, key) once ``sized`` ran

    def calls(self, warn: Warn) -> Iterator[ApiCall]:
        """Every event of the objects that can hold the window, in key order. An object
        deleted after the listing is skipped like a corrupt one; when every one was, the
        evidence is gone and a policy made of nothing would drop every permission: an error."""
        for obj in self._fetched(self._keys()):
            self.s3_stats.bytes_read += obj.size
            self.stats.records_unread += obj.unread
            where = f"s3://{self.bucket}/{obj.key}"
            if obj.reason:
                self.stats.files_skipped.append({"file": where, "reason": obj.reason})
                warn(f"skipped {where}: {obj.reason}")
                continue
            yield from calls_of_records(where, obj.records, self.stats, warn, obj.unread)
        if self._given is None:  # a part leaves these to the whole read (``finished``)
            self.finished(warn)

    def finished(self, warn: Warn) -> None:
        """After every object was read: an error when each one had been deleted, a warning
        when none was listed."""
        gone = sum(skipped["reason"] == _GONE for skipped in self.stats.files_skipped)
        if gone and gone == self.stats.files_read + len(self.stats.files_skipped):
            raise SourceError(
                f"{self.stats.source}: all {gone} log objects listed for the window were deleted "
                "before they could be read; a lifecycle rule or another process is removing "
                "them: check the bucket's lifecycle rules and run again"
            )
        if not self.s3_stats.objects_listed:
            warn(
                f"{self.stats.source}: no CloudTrail log object for the window; check the "
                "bucket, the trail's key prefix and the window"
            )

    # A parallel read (``parallel.collect``): the parent lists, each worker reads a part.

    @property
    def can_split(self) -> bool:
        """A parallel read needs a client maker and forked workers (the parts reach them by
        the fork, with this source)."""
        from least_priv.parallel import can_fork

        return self.new_client is not None and can_fork()

    def sized(self) -> list[tuple[int, str]]:
        """Every object that can hold the window, with its size (the whole listing)."""
        if self._listing is None:
            self._listing = list(self._listed())
        return self._listing

    def part(self, keys: list[str]) -> Callable[[], S3Source]:
        """What makes the source of one part in a forked worker: these keys, read with a
        client of the worker's own (a forked process must not share its parent's sockets).
        Picklable: the source itself reaches the worker by the fork."""
        global _WHOLE  # noqa: PLW0603 - inherited by the forked workers
        _WHOLE = self
        return partial(_part_of_whole, keys)

    def _part(self, keys: list[str]) -> S3Source:
        client = self.new_client() if self.new_client else self.client
        return S3Source(
            client, self.bucket, self.prefix, self.window, self.accounts, self.regions,
            workers=self.workers, label=self.stats.source, needle=self.needle, keys=keys,
        )  # fmt: skip

    # Listing (lazily: a few folders ahead of the reading, by a pool of threads)

    def _keys(self) -> Iterator[str]:
        if self._given is not None:
            yield from self._given
        elif self._listing is not None:
            yield from (key for _, key in self._listing)
        else:
            yield from (key for _, key in self._listed())

    def _listed(self) -> Iterator[tuple[int, str]]:
        start = self.start
        last = utc(self.window.end or datetime.now(UTC)) + DELIVERY_MARGIN  # open end: now
        days = day_folders(start.date(), last.date())
        # Folders are listed several at once (an organization's trail has a region folder per
        # account and a day folder per account, region and day), and read in order.
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="least-priv-s3-list")
        try:
            roots = self._account_folders()
            if self.regions:
                regions = [self.regions] * len(roots)
            else:
                listed = list(pool.map(self._names, [f"{root}CloudTrail/" for root in roots]))
                self.s3_stats.list_requests += sum(pages for _, pages in listed)
                regions = [names for names, _ in listed]
            folders = sorted(
                f"{root}CloudTrail/{region}/{day}"
                for root, names in zip(roots, regions, strict=True)
                for region in names
                for day in days
            )
            first = start.replace(second=0, microsecond=0)
            listing = _in_order(pool, self._folder, iter(folders), 2 * self.workers)
            for done, (objects, pages) in enumerate(listing, 1):
                # A large organization's listing takes a while: the progress line says so.
                self.stats.tell(f"{done:,} of {len(folders):,} day folders listed")
                self.s3_stats.list_requests += pages
                self.s3_stats.objects_listed += len(objects)
                kept = []
                for size, key in objects:
                    if may_hold_window(key, start, last):
                        kept.append((size, key))
                    elif outside(key.rsplit("/", 1)[-1], first, last):
                        self.stats.files_outside_window += 1
                yield from sorted(kept, key=lambda sized: sized[1])
            self.stats.doing = ""
        finally:
            pool.shutdown(cancel_futures=True)

    def _folder(self, folder: str) -> tuple[list[tuple[int, str]], int]:
        """A day folder's objects (size, key) and the list requests that took."""
        objects, pages = [], 0
        for page in self._pages(folder):
            pages += 1
            objects += [(int(obj.get("Size", 0)), obj["Key"]) for obj in page.get("Contents", [])]
        return objects, pages

    def _account_folders(self) -> list[str]:
        logs = f"{self.layout.base}AWSLogs/"
        if self.layout.org:
            orgs, tops = [self.layout.org], []
        elif self.layout.account:
            orgs, tops = [], [self.layout.account]
        else:
            names = self._subfolders(logs)
            orgs = [n for n in names if n.startswith("o-")]
            tops = [n for n in names if _ACCOUNT.fullmatch(n)]
        folders = [f"{logs}{a}/" for a in tops if not self.accounts or a in self.accounts]
        for org in orgs:
            members = self.accounts or tuple(
                a for a in self._subfolders(f"{logs}{org}/") if _ACCOUNT.fullmatch(a)
            )
            folders += [f"{logs}{org}/{a}/" for a in members]
        return sorted(folders)

    def _subfolders(self, folder: str) -> tuple[str, ...]:
        """The names of the folders directly under ``folder``."""
        names, pages = self._names(folder)
        self.s3_stats.list_requests += pages
        return names

    def _names(self, folder: str) -> tuple[tuple[str, ...], int]:
        """The names of the folders directly under ``folder``, and the list requests that
        took (it runs in the listing threads: the caller counts them)."""
        names, pages = [], 0
        for page in self._pages(folder, "/"):
            pages += 1
            names += [
                entry["Prefix"][len(folder) :].rstrip("/")
                for entry in page.get("CommonPrefixes", [])
            ]
        return tuple(names), pages

    def _pages(self, prefix: str, delimiter: str = "") -> Iterator[dict[str, Any]]:
        params = {"Bucket": self.bucket, "Prefix": prefix}
        if delimiter:
            params["Delimiter"] = delimiter
        try:
            yield from self.client.get_paginator("list_objects_v2").paginate(**params)
        except _aws_errors() as exc:
            where = f"listing s3://{self.bucket}/{prefix}"
            raise self._error(exc, where, "s3:ListBucket") from exc

    # Reading (in the pool's threads)

    def _fetched(self, keys: Iterator[str]) -> Iterator[_Object]:
        """The objects of ``keys`` in order, at most ``2 * workers`` in flight."""
        with ThreadPoolExecutor(self.workers, thread_name_prefix="least-priv-s3") as pool:
            yield from _in_order(pool, self._fetch, keys, 2 * self.workers)

    def _fetch(self, key: str) -> _Object:
        data = self._download(key)
        if data is None:
            return _Object(key, reason=_GONE)
        try:
            text = decompress_log(data)
            native = cloudtrail_named(key)
            found = candidate_records(text, self.needle, native) if self.needle else None
            if found is not None:
                return _Object(key, len(data), found[0], unread=found[1])
            return _Object(key, len(data), parse_log_bytes(text))
        except FileFormatError as exc:
            return _Object(key, len(data), reason=str(exc))

    def _download(self, key: str) -> bytes | None:
        """The object's bytes, ``None`` when it is gone. botocore retries a failed request;
        a body that breaks off while read is not one to botocore, so it is fetched again here
        (and only it: a request botocore gave up on is not retried a second time around)."""
        doing, attempt = f"reading s3://{self.bucket}/{key}", 1
        while True:
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=key)
            except _aws_errors() as exc:
                if error_code(exc) == "NoSuchKey":
                    return None
                raise self._error(exc, doing, "s3:GetObject") from exc
            try:
                return bytes(response["Body"].read())
            except _aws_errors(streaming=True) as exc:
                if attempt == _READ_ATTEMPTS:
                    raise self._error(exc, doing, "s3:GetObject") from exc
                attempt += 1

    def _error(self, exc: BaseException, doing: str, iam_action: str) -> SourceError:
        if error_code(exc) == "NoSuchBucket":
            return SourceError(
                f"{doing}: bucket {self.bucket} does not exist; check --source / the trail's bucket"
            )
        if is_denied(exc) and _KMS.search(error_message(exc)):
            return SourceError(
                f"{doing}: KMS refused to decrypt the object ({error_message(exc)}); allow "
                "kms:Decrypt on the trail's KMS key to the identity that runs least-priv, in its "
                "IAM policy and in the key policy (README: AWS permissions)"
            )
        if is_denied(exc):
            where = "" if iam_action == "s3:ListBucket" else f"/{self.layout.base}AWSLogs/*"
            return SourceError(
                f"{doing}: access denied ({error_message(exc)}); allow {iam_action} on "
                f"arn:aws:s3:::{self.bucket}{where} to the identity that runs least-priv; a bucket in "
                "another account must also grant s3:ListBucket and s3:GetObject in its bucket "
                "policy (and kms:Decrypt on the key, for SSE-KMS logs)"
            )
        return translate(exc, doing, iam_action)
