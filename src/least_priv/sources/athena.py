"""An Athena table over a trail's bucket (``athena://WORKGROUP/DATABASE.TABLE``): the
aggregation runs in Athena, so only one row per distinct call comes back.

The table is the one in docs/athena.md: the standard CloudTrail columns, partitioned by
``account``, ``region`` and ``date`` (``yyyy/MM/dd``) through partition projection. The query
filters the principal the way ``Principal.matches`` does (account, case-insensitive role or
user name whatever the path, exact session name), the window on ``eventtime`` and on the
``date`` partition (only those days are scanned), optional accounts and regions on their
partitions, and groups by everything the core reads from an event. Each row becomes one
CloudTrail-shaped record, parsed by ``parse_event``, whose ``count`` is the group's size.

The SQL and the row-to-record mapping are in ``athena_sql.py``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from least_priv.core.event import ApiCall, EventFormatError, parse_event
from least_priv.core.select import Principal, Window
from least_priv.errors import SourceError, UsageError
from least_priv.sources.athena_sql import DOCS, build_query, hint, record_of_row
from least_priv.sources.aws import backoff, error_code, error_message, is_throttled, translate
from least_priv.sources.base import SourceStats, Warn

PAGE_SIZE = 1000  # the most GetQueryResults returns per page
_POLL_FIRST, _POLL_CAP = 0.5, 10.0
_ATTEMPTS = 6  # tries of a throttled request (after botocore's own), backing off 0.5 s to 8 s
_URL = re.compile(r"athena://([A-Za-z0-9._-]{1,128})/(\w{1,255})\.(\w{1,255})", re.ASCII)


@dataclass
class AthenaStats(SourceStats):
    """``SourceStats`` plus the query: its id, the rows it returned and the bytes it scanned."""

    query_execution_id: str = ""
    rows: int = 0
    bytes_scanned: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            **super().as_dict(),
            "query_execution_id": self.query_execution_id,
            "rows": self.rows,
            "bytes_scanned": self.bytes_scanned,
        }


def parse_athena_url(text: str) -> tuple[str, str, str]:
    """``athena://primary/db.cloudtrail_logs`` -> ``("primary", "db", "cloudtrail_logs")``."""
    match = _URL.fullmatch(text.strip())
    if match is None:
        raise UsageError(
            f"--source {text}: write athena://WORKGROUP/DATABASE.TABLE, for example "
            "athena://primary/default.cloudtrail_logs (database and table: letters, digits "
            f"and underscores; {DOCS} shows how to create the table)"
        )
    workgroup, database, table = match.groups()
    return workgroup, database.lower(), table.lower()


class AthenaSource:
    """The principal's calls in the window, aggregated by Athena over a CloudTrail table."""

    def __init__(
        self,
        client: Any,
        workgroup: str,
        database: str,
        table: str,
        principal: Principal,
        window: Window,
        *,
        strict: bool = False,
        accounts: tuple[str, ...] = (),
        regions: tuple[str, ...] = (),
        timeout_seconds: float = 1800,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client, self._workgroup, self._database = client, workgroup, database
        self._window, self._timeout, self._sleep, self._clock = (
            window,
            timeout_seconds,
            sleep,
            clock,
        )
        self.query = build_query(
            database, table, principal, window, strict=strict, accounts=accounts, regions=regions
        )
        self._stats = AthenaStats(f"athena://{workgroup}/{database}.{table}")
        self.stats: SourceStats = self._stats  # the Source protocol's type

    def calls(self, warn: Warn) -> Iterator[ApiCall]:
        if self._window.start is None:
            warn(f"{self.stats.source}: no window start, so Athena reads every day of the table")
        query_id = self._call(
            "StartQueryExecution",
            self._client.start_query_execution,
            QueryString=self.query,
            QueryExecutionContext={"Database": self._database},
            WorkGroup=self._workgroup,
        )["QueryExecutionId"]
        self._stats.query_execution_id = query_id
        self._wait(query_id)
        for row in self._rows(query_id):
            call = self._parse(row)
            if call is not None:
                yield call

    def _call(self, operation: str, method: Callable[..., Any], **params: Any) -> Any:
        """One Athena request; a throttled one (too many queries or calls at once in the
        account) is tried again after a backoff, as LookupEvents does."""
        attempt = 1
        while True:
            try:
                return method(**params)
            except Exception as exc:
                if is_throttled(exc) and attempt < _ATTEMPTS:
                    self._sleep(backoff(attempt))
                    attempt += 1
                    continue
                doing = f"Athena {operation} in workgroup {self._workgroup}"
                if attempt > 1:
                    doing += f" (after {attempt} attempts)"
                code = error_code(exc)
                fix = hint(error_message(exc)) if code == "InvalidRequestException" else ""
                if fix:
                    raise SourceError(f"{doing}: {error_message(exc)}; {fix}") from exc
                raise translate(exc, doing, f"athena:{operation}") from exc

    def _wait(self, query_id: str) -> None:
        started, delay = self._clock(), _POLL_FIRST
        while True:
            execution = self._call(
                "GetQueryExecution", self._client.get_query_execution, QueryExecutionId=query_id
            )["QueryExecution"]
            state = execution.get("Status", {}).get("State", "")
            if state not in ("QUEUED", "RUNNING"):
                self._finished(query_id, state, execution)
                return
            self._stats.tell(f"query {query_id} {state.lower()}")
            remaining = self._timeout - (self._clock() - started)
            if remaining <= 0:
                raise SourceError(
                    f"the Athena query {query_id} did not finish within {self._timeout:g} "
                    f"seconds; {self._stop(query_id)}. Narrow the window, accounts or regions, "
                    "or allow it more time"
                )
            self._sleep(min(delay, remaining))
            delay = min(delay * 2, _POLL_CAP)

    def _finished(self, query_id: str, state: str, execution: Mapping[str, Any]) -> None:
        scanned = execution.get("Statistics", {}).get("DataScannedInBytes")
        self._stats.bytes_scanned = int(scanned or 0)
        if state == "SUCCEEDED":
            return
        reason = execution.get("Status", {}).get("StateChangeReason") or "no reason given"
        fix = hint(reason) or (
            "run it again" if state == "CANCELLED" else f"check the table against {DOCS}"
        )
        verb = {"FAILED": "failed", "CANCELLED": "was cancelled"}.get(state, f"ended {state}")
        raise SourceError(f"the Athena query {query_id} {verb}: {reason}; {fix}")

    def _stop(self, query_id: str) -> str:
        try:
            self._client.stop_query_execution(QueryExecutionId=query_id)
        except Exception as exc:
            return f"stopping it failed too ({error_message(exc)}): stop it in the Athena console"
        return "stopped it (StopQueryExecution)"

    def _rows(self, query_id: str) -> Iterator[dict[str, str | None]]:
        params: dict[str, Any] = {"QueryExecutionId": query_id, "MaxResults": PAGE_SIZE}
        header: list[str] | None = None
        while True:
            page = self._call("GetQueryResults", self._client.get_query_results, **params)
            for row in page.get("ResultSet", {}).get("Rows") or []:
                values = [cell.get("VarCharValue") for cell in row.get("Data") or []]
                if header is None:  # the first row of the first page names the columns
                    header = [value or "" for value in values]
                else:
                    yield dict(zip(header, values, strict=False))
            self._stats.tell(f"query {query_id}: results")
            if not page.get("NextToken"):
                return
            params = {**params, "NextToken": page["NextToken"]}

    def _parse(self, row: Mapping[str, str | None]) -> ApiCall | None:
        try:
            call = parse_event(record_of_row(row))
            count = int(row.get("events") or 1)
        except (EventFormatError, ValueError):  # ValueError: bad JSON or count
            self._stats.records_invalid += 1
            return None
        self._stats.rows += 1
        self._stats.records += count
        return replace(call, count=count)
