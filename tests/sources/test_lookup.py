"""LookupEvents: narrowing, pagination, pacing, throttling and errors, against botocore's
Stubber (every request and response validated against the CloudTrail service model)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from least_priv.core.analysis import Collector, Options
from least_priv.core.event import ApiCall, parse_time
from least_priv.core.select import Window, parse_principal
from least_priv.errors import SourceError, UsageError
from least_priv.iam.reference import IamReference
from least_priv.sources.lookup import LookupEventsSource, backoff
from tests.conftest import ACCOUNT, ROLE_ARN, record
from tests.sources.fakes import FakeTime

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
END = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
WINDOW = Window(START, END)
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/GitHubActions"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/deploy/Alice"
USER_IDENTITY = {
    "type": "IAMUser",
    "principalId": "AIDAEXAMPLEALICE",
    "arn": USER_ARN,
    "accountId": ACCOUNT,
    "userName": "Alice",
}


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_client(region: str = "us-east-1") -> Any:
    return boto3.client(
        "cloudtrail",
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def client() -> Iterator[tuple[Any, Stubber]]:
    cloudtrail = make_client()
    with Stubber(cloudtrail) as stubber:
        yield cloudtrail, stubber
        stubber.assert_no_pending_responses()


def item(rec: dict[str, Any], username: str = "GitHubActions") -> dict[str, Any]:
    """One ``Events`` entry as LookupEvents returns it: the record as a JSON string."""
    return {
        "EventId": rec["eventID"],
        "EventName": rec["eventName"],
        "ReadOnly": "true",
        "EventTime": parse_time(rec["eventTime"]),
        "EventSource": rec["eventSource"],
        "Username": username,
        "Resources": [],
        "CloudTrailEvent": json.dumps(rec),
    }


def params(principal_attribute: str | None = "GitHubActions", **extra: Any) -> dict[str, Any]:
    expected: dict[str, Any] = {"StartTime": START, "EndTime": END, "MaxResults": 50}
    if principal_attribute is not None:
        expected["LookupAttributes"] = [
            {"AttributeKey": "Username", "AttributeValue": principal_attribute}
        ]
    return {**expected, **extra}


def source(
    clients: dict[str, Any], fake_time: FakeTime, principal: str = SESSION_ARN, **kwargs: Any
) -> LookupEventsSource:
    kwargs.setdefault("now", lambda: END)
    return LookupEventsSource(
        clients,
        parse_principal(principal),
        kwargs.pop("window", WINDOW),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        **kwargs,
    )


def collect(src: LookupEventsSource) -> tuple[list[ApiCall], list[str]]:
    warnings: list[str] = []
    return list(src.calls(warnings.append)), warnings


def describe(n: int) -> dict[str, Any]:
    return record("ec2", "DescribeVpcs", time=f"2026-11-20T10:{n:02d}:00Z")


def test_pages_are_followed_with_the_session_name_as_username(
    client: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    cloudtrail, stubber = client
    pages = [[describe(1), describe(2)], [describe(3)], [describe(4)]]
    for number, events in enumerate(pages):
        response: dict[str, Any] = {"Events": [item(e) for e in events]}
        if number < len(pages) - 1:
            response["NextToken"] = f"token-{number + 1}"
        extra = {"NextToken": f"token-{number}"} if number else {}
        stubber.add_response("lookup_events", response, params(**extra))

    src = source({"us-east-1": cloudtrail}, fake_time)
    told: list[tuple[int, str]] = []  # LookupEvents can take minutes: a line after each page
    src.stats.on_file = lambda stats: told.append((stats.records, stats.doing))
    calls, warnings = collect(src)

    assert told == [(2, "1 request"), (3, "2 requests"), (4, "3 requests")]
    assert [c.event_time for c in calls] == [
        parse_time(describe(n)["eventTime"]) for n in (1, 2, 3, 4)
    ]
    assert {(c.source, c.name) for c in calls} == {("ec2.amazonaws.com", "DescribeVpcs")}
    assert warnings == []
    stats = src.stats.as_dict()
    assert stats["source"] == "lookup-events"
    assert stats["records"] == 4
    assert stats["requests"] == 3
    assert stats["lookup_attribute"] == "Username=GitHubActions"


def test_a_user_is_narrowed_by_the_user_name_as_written(
    client: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    cloudtrail, stubber = client
    rec = record("s3", "ListBuckets", identity=USER_IDENTITY)
    stubber.add_response("lookup_events", {"Events": [item(rec, "Alice")]}, params("Alice"))

    calls, _ = collect(source({"us-east-1": cloudtrail}, fake_time, USER_ARN))

    assert [c.identity.arn for c in calls] == [USER_ARN]


def test_a_role_is_not_narrowed_because_username_holds_session_names(
    client: tuple[Any, Stubber], fake_time: FakeTime, reference: IamReference
) -> None:
    cloudtrail, stubber = client
    other = record(
        "ec2",
        "RunInstances",
        identity={**USER_IDENTITY, "arn": f"arn:aws:iam::{ACCOUNT}:user/someone-else"},
    )
    events = [item(describe(1)), item(other, "someone-else")]
    stubber.add_response("lookup_events", {"Events": events}, params(None))

    src = source({"us-east-1": cloudtrail}, fake_time, ROLE_ARN)
    calls, _ = collect(src)
    collector = Collector(parse_principal(ROLE_ARN), WINDOW, reference, Options())
    for one in calls:
        collector.add(one)

    assert src.stats.as_dict()["lookup_attribute"] == ""
    assert [str(a) for a in collector.analysis.action_events] == ["ec2:DescribeVpcs"]
    assert collector.analysis.stats["events_read"] == 2


def test_a_throttled_request_is_retried_after_a_backoff(
    client: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    cloudtrail, stubber = client
    for _ in range(2):
        stubber.add_client_error(
            "lookup_events", "ThrottlingException", "Rate exceeded", 400, expected_params=params()
        )
    stubber.add_response("lookup_events", {"Events": [item(describe(1))]}, params())

    src = source({"us-east-1": cloudtrail}, fake_time)
    calls, _ = collect(src)

    assert len(calls) == 1
    assert backoff(1) in fake_time.sleeps
    assert backoff(2) in fake_time.sleeps
    assert backoff(2) == 2 * backoff(1)
    assert src.stats.as_dict()["throttled"] == 2
    assert src.stats.as_dict()["requests"] == 3


def test_throttling_beyond_max_attempts_is_a_clear_error(
    client: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    cloudtrail, stubber = client
    for _ in range(3):
        stubber.add_client_error(
            "lookup_events", "ThrottlingException", "Rate exceeded", 400, expected_params=params()
        )

    src = source({"us-east-1": cloudtrail}, fake_time, max_attempts=3)
    with pytest.raises(SourceError) as caught:
        collect(src)

    message = str(caught.value)
    assert message.startswith("LookupEvents in us-east-1 (after 3 attempts): ")
    assert "ThrottlingException" in message
    assert "retry later" in message
    assert fake_time.sleeps.count(backoff(1)) >= 1


def test_access_denied_names_the_permission_to_grant(
    client: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    cloudtrail, stubber = client
    stubber.add_client_error(
        "lookup_events",
        "AccessDeniedException",
        f"User: {USER_ARN} is not authorized to perform: cloudtrail:LookupEvents",
        400,
        expected_params=params(),
    )

    with pytest.raises(SourceError) as caught:
        collect(source({"us-east-1": cloudtrail}, fake_time))

    assert str(caught.value).startswith("LookupEvents in us-east-1: access denied")
    assert "allow cloudtrail:LookupEvents" in str(caught.value)


def test_requests_are_paced_per_region_and_regions_read_in_order(fake_time: FakeTime) -> None:
    times: dict[str, list[float]] = {}
    clients: dict[str, Any] = {}
    stubbers = []
    for region in ("us-east-1", "eu-west-1"):
        cloudtrail = make_client(region)
        seen = times.setdefault(region, [])
        cloudtrail.meta.events.register(
            "before-parameter-build.cloudtrail.LookupEvents",
            lambda seen=seen, **_: seen.append(fake_time.now),
        )
        stubber = Stubber(cloudtrail)
        for number in range(3):
            response: dict[str, Any] = {"Events": [item(describe(number))]}
            if number < 2:
                response["NextToken"] = f"{region}-{number + 1}"
            extra = {"NextToken": f"{region}-{number}"} if number else {}
            stubber.add_response("lookup_events", response, params(**extra))
        stubber.activate()
        stubbers.append(stubber)
        clients[region] = cloudtrail

    calls, _ = collect(source(clients, fake_time))

    assert [c.event_time for c in calls][:3] == [
        parse_time(describe(n)["eventTime"]) for n in range(3)
    ]
    assert times["eu-west-1"][-1] <= times["us-east-1"][0]  # eu-west-1 first: sorted
    for region, moments in times.items():
        assert len(moments) == 3, region
        gaps = [b - a for a, b in pairwise(moments)]
        assert all(gap >= 0.5 for gap in gaps), (region, gaps)
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def test_a_window_without_start_is_refused(fake_time: FakeTime) -> None:
    with pytest.raises(UsageError) as caught:
        source({"us-east-1": make_client()}, fake_time, window=Window(None, None))

    assert str(caught.value) == (
        "lookup-events needs a window: give --lookback-hours or --start-time"
    )


def test_a_window_older_than_90_days_warns(
    client: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    cloudtrail, stubber = client
    stubber.add_response("lookup_events", {"Events": []}, params())

    src = source({"us-east-1": cloudtrail}, fake_time, now=lambda: datetime(2027, 3, 1, tzinfo=UTC))
    _, warnings = collect(src)

    assert len(warnings) == 1
    assert "LookupEvents keeps only 90 days" in warnings[0]
    assert "2026-12-01T00:00:00+00:00" in warnings[0]


def test_events_that_are_not_cloudtrail_records_are_counted_invalid(
    client: tuple[Any, Stubber], fake_time: FakeTime
) -> None:
    cloudtrail, stubber = client
    broken = {**item(describe(1)), "CloudTrailEvent": '{"eventVersion": "1.09"'}
    no_source = {**item(describe(2)), "CloudTrailEvent": json.dumps({"eventVersion": "1.09"})}
    stubber.add_response(
        "lookup_events", {"Events": [broken, no_source, item(describe(3))]}, params()
    )

    src = source({"us-east-1": cloudtrail}, fake_time)
    calls, _ = collect(src)

    assert len(calls) == 1
    assert (src.stats.records, src.stats.records_invalid) == (1, 2)
