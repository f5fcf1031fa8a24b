"""Athena: the URL, the SQL, the query's life cycle and its rows, against botocore's Stubber
(every request and response validated against the Athena service model).

``aggregate`` does in Python what the query does in Athena (filter the principal, group,
count, take the first id and time), so the rows it gives are the rows Athena would return
for the same events; the analysis of those rows must equal the analysis of the events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from least_priv.core.analysis import Collector, Options
from least_priv.core.event import ApiCall, parse_event
from least_priv.core.evidence import Analysis
from least_priv.core.select import Principal, Window, parse_principal
from least_priv.errors import SourceError, UsageError
from least_priv.iam.reference import IamReference
from least_priv.sources.athena import AthenaSource, parse_athena_url
from least_priv.sources.athena_sql import build_query
from least_priv.sources.local import parse_log_text, read_file_text
from tests.conftest import ACCOUNT, ROLE_ARN, ROOT, record
from tests.sources.fakes import FakeTime

QID = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
END = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
WINDOW = Window(START, END)
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/GitHubActions"
HEADER = [
    "event_source",
    "event_name",
    "aws_region",
    "recipient_account",
    "error_code",
    "event_type",
    "identity_type",
    "issuer_arn",
    "invoked_by",
    "request_parameters",
    "resources",
]
FIRSTS = ["events", "event_id", "event_time", "identity_arn", "identity_account"]


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def athena() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "athena",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _resources(rec: dict[str, Any]) -> str | None:
    # The table's resources struct keeps arn, accountid and type (ARNPrefix is lost).
    found = [
        {"ARN": r.get("ARN"), "accountId": r.get("accountId"), "type": r.get("type")}
        for r in rec.get("resources") or []
    ]
    return json.dumps(found) if "resources" in rec else None


def _key(rec: dict[str, Any], strict: bool) -> tuple[str | None, ...]:
    ident = rec.get("userIdentity") or {}
    issuer = (ident.get("sessionContext") or {}).get("sessionIssuer") or {}
    key = (
        rec.get("eventSource"),
        rec.get("eventName"),
        rec.get("awsRegion"),
        rec.get("recipientAccountId"),
        rec.get("errorCode"),
        rec.get("eventType"),
        ident.get("type"),
        issuer.get("arn"),
        ident.get("invokedBy"),
        _json(rec.get("requestParameters")),
        _resources(rec),
    )
    return (*key, _json(rec.get("responseElements"))) if strict else key


def aggregate(
    records: list[dict[str, Any]], principal: Principal, strict: bool = False
) -> list[list[str | None]]:
    """The result rows (without header) Athena gives for ``records``."""
    groups: dict[tuple[str | None, ...], list[dict[str, Any]]] = {}
    for rec in records:
        if principal.matches(parse_event(rec)):
            groups.setdefault(_key(rec, strict), []).append(rec)
    rows = []
    for key, members in groups.items():
        idents = [m["userIdentity"] for m in members]
        rows.append(
            [
                *key,
                str(len(members)),
                min(m["eventID"] for m in members),
                min(m["eventTime"] for m in members),
                min(i.get("arn", "") for i in idents),
                min(i.get("accountId", "") for i in idents),
            ]
        )
    return sorted(rows, key=lambda row: (row[-3] or "", row[-4] or ""))


def header(strict: bool = False) -> list[str]:
    return HEADER + (["response_elements"] if strict else []) + FIRSTS


def page(rows: list[list[str | None]], token: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "UpdateCount": 0,
        "ResultSet": {
            "Rows": [
                {"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in rows
            ],
        },
    }
    if token:
        response["NextToken"] = token
    return response


def execution(state: str, reason: str | None = None, scanned: int = 0) -> dict[str, Any]:
    status: dict[str, Any] = {"State": state}
    if reason:
        status["StateChangeReason"] = reason
    return {
        "QueryExecution": {
            "QueryExecutionId": QID,
            "StatementType": "DML",
            "Status": status,
            "Statistics": {"DataScannedInBytes": scanned},
            "WorkGroup": "primary",
        }
    }


def make_source(
    client: Any, fake_time: FakeTime, principal: str = ROLE_ARN, **kwargs: Any
) -> AthenaSource:
    return AthenaSource(
        client,
        "primary",
        "security",
        "cloudtrail_logs",
        parse_principal(principal),
        kwargs.pop("window", WINDOW),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        **kwargs,
    )


def expect_start(stubber: Stubber, src: AthenaSource) -> None:
    stubber.add_response(
        "start_query_execution",
        {"QueryExecutionId": QID},
        {
            "QueryString": src.query,
            "QueryExecutionContext": {"Database": "security"},
            "WorkGroup": "primary",
        },
    )


def expect_state(stubber: Stubber, state: str, reason: str | None = None, scanned: int = 0) -> None:
    stubber.add_response(
        "get_query_execution", execution(state, reason, scanned), {"QueryExecutionId": QID}
    )


def expect_results(
    stubber: Stubber, rows: list[list[str | None]], strict: bool = False, per_page: int = 1000
) -> None:
    everything = [header(strict), *rows]
    chunks = [everything[i : i + per_page] for i in range(0, len(everything), per_page)]
    for number, chunk in enumerate(chunks):
        token = f"page-{number + 1}" if number < len(chunks) - 1 else None
        params: dict[str, Any] = {"QueryExecutionId": QID, "MaxResults": 1000}
        if number:
            params["NextToken"] = f"page-{number}"
        stubber.add_response("get_query_results", page(chunk, token), params)


def run(src: AthenaSource) -> tuple[list[ApiCall], list[str]]:
    warnings: list[str] = []
    return list(src.calls(warnings.append)), warnings


def analyse(
    calls: list[ApiCall], reference: IamReference, principal: str = ROLE_ARN, strict: bool = False
) -> Analysis:
    collector = Collector(
        parse_principal(principal), Window(None, None), reference, Options(strict=strict)
    )
    for one in calls:
        collector.add(one)
    return collector.analysis


def _notes(analysis: Analysis) -> set[tuple[str, str]]:
    # A note names one event id; a row names the first of its group.
    return {(n.code, re.sub(r"in event \S+;", "in event ...;", n.message)) for n in analysis.notes}


# --- the URL and the SQL ----------------------------------------------------------------


def test_the_url_names_workgroup_database_and_table() -> None:
    assert parse_athena_url("athena://primary/Security.CloudTrail_Logs") == (
        "primary",
        "security",
        "cloudtrail_logs",
    )
    assert parse_athena_url("athena://team-a.queries/db.t")[0] == "team-a.queries"


@pytest.mark.parametrize(
    "text",
    [
        "athena://primary/cloudtrail_logs",
        "athena://primary/db.cloud-trail",
        "athena:///db.table",
        "athena://primary/db.t; DROP TABLE x",
        "athena://primary/db.t'--",
    ],
)
def test_a_malformed_url_says_how_to_write_it(text: str) -> None:
    with pytest.raises(UsageError, match=r"write athena://WORKGROUP/DATABASE\.TABLE"):
        parse_athena_url(text)


def test_the_query_reads_only_the_window_days_and_the_role_sessions() -> None:
    sql = build_query(
        "security",
        "cloudtrail_logs",
        parse_principal(ROLE_ARN),
        Window(START, datetime(2026, 11, 21, 23, 30, 0, 1, tzinfo=UTC)),
        accounts=(ACCOUNT,),
        regions=("us-east-1", "eu-west-1"),
    )

    assert 'FROM "security"."cloudtrail_logs"' in sql
    assert "\"date\" >= '2026/11/20'" in sql
    assert "\"date\" <= '2026/11/22'" in sql  # logs land up to ~15 minutes after the event
    assert "eventtime >= '2026-11-20T10:00:00Z'" in sql
    assert "eventtime < '2026-11-21T23:30:01Z'" in sql
    assert f"account IN ('{ACCOUNT}')" in sql
    assert "region IN ('eu-west-1', 'us-east-1')" in sql
    assert "useridentity.type = 'AssumedRole'" in sql
    assert (
        f"useridentity.sessioncontext.sessionissuer.arn LIKE 'arn:%:iam::{ACCOUNT}:role/%'" in sql
    )
    assert (
        "lower(element_at(split(useridentity.sessioncontext.sessionissuer.arn, '/'), -1))"
        " = 'github-actions-deploy'"
    ) in sql
    assert "count(*) AS events" in sql
    assert "responseelements" not in sql


def test_a_session_or_a_user_is_matched_on_its_own_arn() -> None:
    session_sql = build_query("db", "t", parse_principal(SESSION_ARN), WINDOW)
    user_sql = build_query("db", "t", parse_principal(f"arn:aws:iam::{ACCOUNT}:user/Alice"), WINDOW)

    assert "element_at(split(useridentity.arn, '/'), -1) = 'GitHubActions'" in session_sql
    assert "useridentity.type = 'IAMUser'" in user_sql
    assert f"useridentity.arn LIKE 'arn:%:iam::{ACCOUNT}:user/%'" in user_sql
    assert "lower(element_at(split(useridentity.arn, '/'), -1)) = 'alice'" in user_sql


def test_strict_mode_groups_by_the_response_too() -> None:
    sql = build_query("db", "t", parse_principal(ROLE_ARN), WINDOW, strict=True)

    assert "responseelements AS response_elements" in sql
    assert sql.count("response_elements") == 3  # selected, returned, grouped


@pytest.mark.parametrize(
    ("accounts", "regions"),
    [(("1111'22223333",), ()), (("12345",), ()), ((), ("us-east-1') OR (1=1",))],
)
def test_values_that_could_change_the_sql_are_refused(
    accounts: tuple[str, ...], regions: tuple[str, ...]
) -> None:
    with pytest.raises(UsageError, match="is not valid"):
        build_query(
            "db", "t", parse_principal(ROLE_ARN), WINDOW, accounts=accounts, regions=regions
        )


# --- the query's life cycle -------------------------------------------------------------


def test_a_query_is_polled_until_it_succeeds_and_its_pages_read(
    athena: tuple[Any, Stubber], fake_time: FakeTime, reference: IamReference
) -> None:
    client, stubber = athena
    records = [record("ec2", "DescribeVpcs", time=f"2026-11-20T10:0{n}:00Z") for n in range(3)] + [
        record("s3", "ListBuckets", time="2026-11-20T10:05:00Z"),
        record("ec2", "DescribeSubnets", time="2026-11-20T10:06:00Z"),
    ]
    src = make_source(client, fake_time)
    expect_start(stubber, src)
    expect_state(stubber, "QUEUED")
    expect_state(stubber, "RUNNING")
    expect_state(stubber, "SUCCEEDED", scanned=123_456_789)
    rows = aggregate(records, parse_principal(ROLE_ARN))
    expect_results(stubber, rows, per_page=2)  # header + 1 row, then 2 rows
    told: list[tuple[int, str]] = []
    src.stats.on_file = lambda stats: told.append((stats.records, stats.doing))

    calls, warnings = run(src)

    assert [(c.name, c.count) for c in calls] == [
        ("DescribeVpcs", 3),
        ("ListBuckets", 1),
        ("DescribeSubnets", 1),
    ]
    assert fake_time.sleeps == [0.5, 1.0]
    assert warnings == []
    # A long query says it is alive while it runs, then how many events each page brought.
    assert told == [
        (0, f"query {QID} queued"),
        (0, f"query {QID} running"),
        (3, f"query {QID}: results"),
        (5, f"query {QID}: results"),
    ]
    stats = src.stats.as_dict()
    assert stats["source"] == "athena://primary/security.cloudtrail_logs"
    assert (stats["rows"], stats["records"], stats["records_invalid"]) == (3, 5, 0)
    assert stats["bytes_scanned"] == 123_456_789
    assert stats["query_execution_id"] == QID


def test_a_failed_query_reports_athenas_reason_and_the_fix(
    athena: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    client, stubber = athena
    src = make_source(client, fake_time)
    reason = (
        "TABLE_NOT_FOUND: line 19:8: Table 'awsdatacatalog.security.cloudtrail_logs' does not exist"
    )
    expect_start(stubber, src)
    expect_state(stubber, "FAILED", reason)

    with pytest.raises(SourceError) as caught:
        run(src)

    assert str(caught.value) == (
        f"the Athena query {QID} failed: {reason}; create the table as in docs/athena.md"
    )


def test_a_cancelled_query_is_an_error(athena: tuple[Any, Stubber], fake_time: FakeTime) -> None:
    client, stubber = athena
    src = make_source(client, fake_time)
    expect_start(stubber, src)
    expect_state(stubber, "RUNNING")
    expect_state(stubber, "CANCELLED", "Query cancelled by user")

    with pytest.raises(SourceError, match=f"query {QID} was cancelled: Query cancelled by user"):
        run(src)


def test_a_query_past_its_timeout_is_stopped(
    athena: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    client, stubber = athena
    src = make_source(client, fake_time, timeout_seconds=3)
    expect_start(stubber, src)
    for _ in range(4):  # at 0, 0.5, 1.5 and 3 seconds
        expect_state(stubber, "RUNNING")
    stubber.add_response("stop_query_execution", {}, {"QueryExecutionId": QID})

    with pytest.raises(SourceError) as caught:
        run(src)

    assert fake_time.sleeps == [0.5, 1.0, 1.5]
    assert "did not finish within 3 seconds; stopped it (StopQueryExecution)" in str(caught.value)


def test_a_workgroup_without_result_location_says_where_to_set_it(
    athena: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    client, stubber = athena
    src = make_source(client, fake_time)
    message = (
        "No output location provided. An output location is required either through the "
        "Workgroup result configuration setting or as an API input."
    )
    stubber.add_client_error("start_query_execution", "InvalidRequestException", message, 400)

    with pytest.raises(SourceError) as caught:
        run(src)

    assert str(caught.value) == (
        f"Athena StartQueryExecution in workgroup primary: {message}; "
        "set the workgroup's query result location"
    )


def test_access_denied_names_the_athena_permission(
    athena: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    client, stubber = athena
    stubber.add_client_error(
        "start_query_execution", "AccessDeniedException", "not authorized", 400
    )

    with pytest.raises(SourceError, match="allow athena:StartQueryExecution"):
        run(make_source(client, fake_time))


def test_a_window_without_start_warns_that_every_day_is_read(
    athena: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    client, stubber = athena
    src = make_source(client, fake_time, window=Window(None, None))
    expect_start(stubber, src)
    expect_state(stubber, "SUCCEEDED")
    expect_results(stubber, [])

    calls, warnings = run(src)

    assert calls == []
    assert '"date"' not in src.query
    assert warnings == [
        "athena://primary/security.cloudtrail_logs: no window start, so Athena reads every "
        "day of the table"
    ]


# --- rows are events --------------------------------------------------------------------


def test_identical_calls_count_as_one_row_of_n_events(
    athena: tuple[Any, Stubber], fake_time: FakeTime, reference: IamReference
) -> None:
    client, stubber = athena
    singles = [
        record("ec2", "DescribeVpcs", time=f"2026-11-20T10:0{n}:00Z", eventID=f"e-{n}")
        for n in range(3)
    ]
    denied = [
        record(
            "iam",
            "TagRole",
            request={"roleName": "app", "tags": [{"key": "team", "value": "a"}]},
            error="AccessDenied",
            time=f"2026-11-20T10:1{n}:00Z",
        )
        for n in range(2)
    ]
    rows = aggregate(singles + denied, parse_principal(ROLE_ARN))
    src = make_source(client, fake_time)
    expect_start(stubber, src)
    expect_state(stubber, "SUCCEEDED")
    expect_results(stubber, rows)

    calls, _ = run(src)
    analysis = analyse(calls, reference)

    assert len(rows) == 2
    assert {str(a): n for a, n in analysis.action_events.items()} == {"ec2:DescribeVpcs": 3}
    assert analysis.stats["events_denied"] == 2
    assert [(d.action, d.error_code) for d in analysis.denied] == [("iam:TagRole", "AccessDenied")]
    assert analysis.denied[0].event_time == "2026-11-20T10:10:00Z"
    assert calls[0].event_id == "e-0"


@pytest.mark.parametrize("strict", [False, True])
def test_the_example_logs_give_the_same_analysis_as_single_events(
    athena: tuple[Any, Stubber], fake_time: FakeTime, reference: IamReference, strict: bool
) -> None:
    client, stubber = athena
    records = [
        rec
        for path in sorted((ROOT / "examples" / "cloudtrail").rglob("*.json.gz"))
        for rec in parse_log_text(read_file_text(Path(path)))
    ]
    rows = aggregate(records, parse_principal(ROLE_ARN), strict)
    src = make_source(client, fake_time, strict=strict, window=Window(None, None))
    expect_start(stubber, src)
    expect_state(stubber, "SUCCEEDED")
    expect_results(stubber, rows, strict)

    from_rows = analyse(run(src)[0], reference, strict=strict)
    from_events = analyse([parse_event(r) for r in records], reference, strict=strict)

    assert len(rows) < len(records)
    assert from_rows.grants == from_events.grants
    assert from_rows.action_events == from_events.action_events
    assert from_rows.unmapped == from_events.unmapped
    assert _notes(from_rows) == _notes(from_events)
    for key in ("events_matched", "events_granted", "events_denied"):
        assert from_rows.stats[key] == from_events.stats[key], key
    assert {(d.action, d.error_code, d.resource) for d in from_rows.denied} == {
        (d.action, d.error_code, d.resource) for d in from_events.denied
    }
