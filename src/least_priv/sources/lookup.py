"""CloudTrail ``LookupEvents``: the management events of the last 90 days, one region at a time.

LookupEvents keeps only management events, only for 90 days, and allows two requests per
second per account and region (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html).
Requests are paced per region with the injected clock and sleep; a throttled request is
retried with exponential backoff here, because botocore's own retries do not run in tests
(``Stubber``) and a stubbed or real throttle must behave the same.

Narrowing: LookupEvents accepts one lookup attribute, and its ``Username`` holds the IAM
user name for a user and the *role session name* for an assumed role (the AWS CLI's own
``lookup-events`` example shows ``"Username": "my-session-name"`` for an ``AssumedRole``
event). So a user principal is narrowed with ``Username`` = user name, an assumed-role
session principal with ``Username`` = session name, and a role principal (all sessions, whose
names vary per run) is not narrowed at all: every management event of the region is read and
the core keeps the role's. For busy accounts prefer an ``s3://`` or ``athena://`` source.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from least_priv.core.arn import parse_arn
from least_priv.core.event import ApiCall, EventFormatError, parse_event
from least_priv.core.select import Principal, Window
from least_priv.errors import UsageError
from least_priv.sources.aws import backoff, is_throttled, translate
from least_priv.sources.base import SourceStats, Warn

RETENTION = timedelta(days=90)
PAGE_SIZE = 50  # the most LookupEvents returns per page


@dataclass
class LookupStats(SourceStats):
    """``SourceStats`` plus the requests made and how they were narrowed."""

    requests: int = 0
    throttled: int = 0
    lookup_attribute: str = ""  # "Username=NAME", or "" when nothing narrowed the query

    def as_dict(self) -> dict[str, object]:
        return {
            **super().as_dict(),
            "requests": self.requests,
            "throttled": self.throttled,
            "lookup_attribute": self.lookup_attribute,
        }


class Pacer:
    """At most one request per ``interval`` seconds: waits with ``sleep`` as needed."""

    def __init__(
        self, interval: float, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self._interval, self._clock, self._sleep = interval, clock, sleep
        self._next: float | None = None

    def wait(self) -> None:
        now = self._clock()
        if self._next is not None and now < self._next:
            self._sleep(self._next - now)
            now = max(self._clock(), self._next)
        self._next = now + self._interval


def lookup_attribute(principal: Principal) -> dict[str, str] | None:
    """The ``Username`` lookup attribute that narrows the query to ``principal``, if any."""
    if principal.kind == "session":
        name = principal.session
    elif principal.kind == "user":
        # Principal.name is lower-cased; LookupEvents wants the name as written in the ARN.
        try:
            name = parse_arn(principal.text).resource.rsplit("/", 1)[-1]
        except ValueError:
            name = principal.name
    else:
        return None
    return {"AttributeKey": "Username", "AttributeValue": name}


def _now() -> datetime:
    return datetime.now(UTC)


class LookupEventsSource:
    """The principal's management events in the window, read with LookupEvents per region."""

    def __init__(
        self,
        clients: Mapping[str, Any],
        principal: Principal,
        window: Window,
        *,
        rate_per_second: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_attempts: int = 8,
        now: Callable[[], datetime] = _now,
    ) -> None:
        if window.start is None:
            raise UsageError("lookup-events needs a window: give --lookback-hours or --start-time")
        if not clients:
            raise UsageError("lookup-events needs a region to query: give --region")
        if rate_per_second <= 0 or max_attempts < 1:
            raise ValueError("rate_per_second must be positive and max_attempts at least 1")
        self._clients = dict(sorted(clients.items()))
        self._window, self._sleep, self._now = window, sleep, now
        self._max_attempts = max_attempts
        self._pacers = {r: Pacer(1 / rate_per_second, clock, sleep) for r in self._clients}
        self._attribute = lookup_attribute(principal)
        narrowed = f"Username={self._attribute['AttributeValue']}" if self._attribute else ""
        self._stats = LookupStats("lookup-events", lookup_attribute=narrowed)
        self.stats: SourceStats = self._stats  # the Source protocol's type

    def calls(self, warn: Warn) -> Iterator[ApiCall]:
        self._warn_retention(warn)
        for region, client in self._clients.items():
            for item in self._events(region, client):
                call = self._parse(item)
                if call is not None:
                    yield call

    def _warn_retention(self, warn: Warn) -> None:
        oldest = self._now() - RETENTION
        start = self._window.start
        if start is not None and start < oldest:
            warn(
                f"lookup-events: the window starts {start.isoformat()} but LookupEvents keeps "
                f"only 90 days (since {oldest.isoformat(timespec='seconds')}); older events are "
                "missing: use an s3:// or athena:// source for them"
            )

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"StartTime": self._window.start, "MaxResults": PAGE_SIZE}
        if self._window.end is not None:
            params["EndTime"] = self._window.end
        if self._attribute is not None:
            params["LookupAttributes"] = [self._attribute]
        return params

    def _events(self, region: str, client: Any) -> Iterator[Any]:
        params = self._params()
        while True:
            page = self._request(region, client, params)
            yield from page.get("Events") or []
            requests = self._stats.requests
            self._stats.tell(f"{requests} request" + ("s" if requests > 1 else ""))
            token = page.get("NextToken")
            if not token:
                return
            # The token must come with the same parameters as the first request.
            params = {**params, "NextToken": token}

    def _request(self, region: str, client: Any, params: dict[str, Any]) -> Any:
        attempt = 1
        while True:
            self._pacers[region].wait()
            self._stats.requests += 1
            try:
                return client.lookup_events(**params)
            except Exception as exc:
                if not is_throttled(exc) or attempt >= self._max_attempts:
                    doing = f"LookupEvents in {region}"
                    if attempt > 1:
                        doing += f" (after {attempt} attempts)"
                    raise translate(exc, doing, "cloudtrail:LookupEvents") from exc
            self._stats.throttled += 1
            self._sleep(backoff(attempt))
            attempt += 1

    def _parse(self, item: Any) -> ApiCall | None:
        text = item.get("CloudTrailEvent") if isinstance(item, Mapping) else None
        try:
            call = parse_event(json.loads(text) if isinstance(text, str) else None)
        except (json.JSONDecodeError, EventFormatError):
            self._stats.records_invalid += 1
            return None
        self._stats.records += 1
        return call
