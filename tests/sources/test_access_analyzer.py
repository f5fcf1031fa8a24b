"""Access Analyzer policy generation against botocore's Stubber (requests and responses are
validated against the real ``accessanalyzer`` service model), and end to end through
``app.run`` with the trail looked up on the moto server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from least_priv.app import run
from least_priv.config import Settings
from least_priv.core.select import Window, parse_principal
from least_priv.errors import SourceError, UsageError
from least_priv.sources.access_analyzer import (
    AccessAnalyzerSource,
    GenerationRequest,
    check_window,
)
from tests.sources.fakes import FakeTime

MOTO_ACCOUNT = "123456789012"  # the account moto's server answers as
ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/ci/deploy"
ACCESS_ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{MOTO_ACCOUNT}:trail/management-events"
START = datetime(2026, 11, 20, tzinfo=UTC)
END = datetime(2026, 11, 21, tzinfo=UTC)
JOB = "c557dc4a-0338-4489-95dd-739014860ff9"

GENERATED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "SupportedServiceSid0",
            "Effect": "Allow",
            "Action": ["ec2:DescribeVpcs", "sts:GetCallerIdentity", "ec2:NoSuchThing"],
            "Resource": "*",
        },
        {
            "Sid": "SupportedServiceSid1",
            "Effect": "Allow",
            "Action": ["ec2:CreateVpc", "ec2:DeleteVpc"],
            "Resource": "arn:aws:ec2:${Region}:${Account}:vpc/${VpcId}",
        },
        {
            "Sid": "SupportedServiceSid2",
            "Effect": "Allow",
            "Action": ["s3:CreateBucket", "s3:DeleteBucket"],
            "Resource": "arn:${Partition}:s3:::${BucketName}",
        },
        {
            "Sid": "SupportedServiceSid3",
            "Effect": "Allow",
            "Action": "logs:CreateLogGroup",
            "Resource": "arn:aws:logs:${Region}:${Account}:log-group:${LogGroupName}",
        },
        {"Sid": "ServiceLevel0", "Effect": "Allow", "Action": "route53:*", "Resource": "*"},
    ],
}


def _client() -> Any:
    return boto3.client(
        "accessanalyzer",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _start_params(regions: tuple[str, ...] = ()) -> dict[str, Any]:
    trail: dict[str, Any] = {"cloudTrailArn": TRAIL}
    if regions:
        trail["regions"] = list(regions)
    else:
        trail["allRegions"] = True
    return {
        "policyGenerationDetails": {"principalArn": ROLE},
        "cloudTrailDetails": {
            "trails": [trail],
            "accessRole": ACCESS_ROLE,
            "startTime": START,
            "endTime": END,
        },
        "clientToken": ANY,
    }


def _poll_params() -> dict[str, Any]:
    return {"jobId": JOB, "includeResourcePlaceholders": True, "includeServiceLevelTemplate": True}


def _job(status: str, error: dict[str, str] | None = None, complete: bool = True) -> dict[str, Any]:
    details: dict[str, Any] = {"jobId": JOB, "status": status, "startedOn": START}
    if error:
        details["jobError"] = error
    policies = [{"policy": json.dumps(GENERATED)}] if status == "SUCCEEDED" else []
    return {
        "jobDetails": details,
        "generatedPolicyResult": {
            "properties": {
                "isComplete": complete,
                "principalArn": ROLE,
                "cloudTrailProperties": {
                    "trailProperties": [{"cloudTrailArn": TRAIL, "allRegions": True}],
                    "startTime": START,
                    "endTime": END,
                },
            },
            "generatedPolicies": policies,
        },
    }


def _source(client: Any, time: FakeTime, timeout: float = 600) -> AccessAnalyzerSource:
    request = GenerationRequest(ROLE, TRAIL, ACCESS_ROLE, START, END)
    return AccessAnalyzerSource(
        client, request, timeout_seconds=timeout, sleep=time.sleep, clock=time.clock
    )


def test_job_is_polled_with_backoff_until_it_succeeds() -> None:
    client, time, progress = _client(), FakeTime(), []
    with Stubber(client) as stub:
        stub.add_response("start_policy_generation", {"jobId": JOB}, _start_params())
        for _ in range(3):
            stub.add_response("get_generated_policy", _job("IN_PROGRESS"), _poll_params())
        stub.add_response("get_generated_policy", _job("SUCCEEDED"), _poll_params())
        result = _source(client, time).generate(pytest.fail, progress.append)
        stub.assert_no_pending_responses()
    assert result.job_id == JOB
    assert result.is_complete
    actions = {a for s in result.statements for a in s.actions}
    assert {"ec2:CreateVpc", "s3:DeleteBucket", "route53:*"} <= actions
    assert time.sleeps == [2, 3, 4.5]  # backoff between polls, none after the last
    assert any(JOB in line for line in progress)


def test_failed_job_reports_the_code_and_message_verbatim_with_a_hint() -> None:
    client, time = _client(), FakeTime()
    error = {"code": "AUTHORIZATION_ERROR", "message": "Unable to access the trail bucket."}
    with Stubber(client) as stub:
        stub.add_response("start_policy_generation", {"jobId": JOB}, _start_params())
        stub.add_response("get_generated_policy", _job("FAILED", error), _poll_params())
        with pytest.raises(SourceError) as caught:
            _source(client, time).generate(lambda _: None)
        stub.assert_no_pending_responses()  # a finished job is not cancelled
    text = str(caught.value)
    assert "AUTHORIZATION_ERROR: Unable to access the trail bucket." in text
    assert "access-analyzer.amazonaws.com" in text


def test_cancelled_job_is_explained() -> None:
    client, time = _client(), FakeTime()
    with Stubber(client) as stub:
        stub.add_response("start_policy_generation", {"jobId": JOB}, _start_params())
        stub.add_response("get_generated_policy", _job("CANCELED"), _poll_params())
        with pytest.raises(SourceError, match="was cancelled before it finished"):
            _source(client, time).generate(lambda _: None)


def test_job_running_past_the_timeout_is_cancelled() -> None:
    client, time = _client(), FakeTime()
    with Stubber(client) as stub:
        stub.add_response("start_policy_generation", {"jobId": JOB}, _start_params())
        for _ in range(6):  # polls at 0, 2, 5, 9.5, 16.25, 26.4 s; the next would pass 30 s
            stub.add_response("get_generated_policy", _job("IN_PROGRESS"), _poll_params())
        stub.add_response("cancel_policy_generation", {}, {"jobId": JOB})
        source = _source(client, time, timeout=30)
        with pytest.raises(
            SourceError, match=r"did not finish within 0\.5 minutes and was cancelled"
        ):
            source.generate(lambda _: None)
        stub.assert_no_pending_responses()
    assert source.stats.status == "CANCELED"
    assert sum(time.sleeps) <= 30


def test_a_running_generation_makes_the_start_wait_and_retry() -> None:
    client, time, progress = _client(), FakeTime(), []
    with Stubber(client) as stub:
        stub.add_client_error(
            "start_policy_generation", "ConflictException", "A job is already running", 409
        )
        stub.add_response("start_policy_generation", {"jobId": JOB}, _start_params())
        stub.add_response("get_generated_policy", _job("SUCCEEDED"), _poll_params())
        result = _source(client, time).generate(pytest.fail, progress.append)
    assert result.job_id == JOB
    assert time.sleeps == [15.0]
    assert any("busy" in line and "ConflictException" in line for line in progress)


@pytest.mark.parametrize(
    ("code", "explains"),
    [
        ("ConflictException", "one policy generation per account at a time"),
        ("ServiceQuotaExceededException", "about 50 a day"),
    ],
)
def test_busy_until_the_timeout_explains_why(code: str, explains: str) -> None:
    client, time = _client(), FakeTime()
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_client_error("start_policy_generation", code, "busy", 409)
        with pytest.raises(SourceError, match=explains):
            _source(client, time, timeout=60).generate(lambda _: None)
    assert time.sleeps == [15.0, 30.0]


def test_access_denied_names_the_missing_permission() -> None:
    client, time = _client(), FakeTime()
    with Stubber(client) as stub:
        stub.add_client_error(
            "start_policy_generation", "AccessDeniedException", "not authorized", 403
        )
        with pytest.raises(SourceError, match="access-analyzer:StartPolicyGeneration"):
            _source(client, time).generate(lambda _: None)


def test_windows_over_ninety_days_are_refused_up_front() -> None:
    with pytest.raises(UsageError, match="at most 90 days"):
        check_window(START - timedelta(days=91), START)
    with pytest.raises(UsageError, match="needs a window"):
        check_window(None, None)
    assert check_window(START - timedelta(days=90), START) == (START - timedelta(days=90), START)


class _Clients:
    """Real boto3 clients: Access Analyzer stubbed, everything else on the moto server."""

    def __init__(self, analyzer: Any) -> None:
        self.analyzer = analyzer

    def client(self, service: str, region: str | None = None, *, attempts: int = 0) -> Any:
        if service == "accessanalyzer":
            return self.analyzer
        return boto3.client(service, region_name=region or "us-east-1")

    def default_region(self) -> str | None:
        return "us-east-1"


def _settings(sources: tuple[str, ...], mode: str = "wildcard", **extra: Any) -> Settings:
    return Settings(
        principal=parse_principal(ROLE),
        sources=sources,
        window=Window(START, END),
        mode=mode,
        output="-",
        trail_arn=TRAIL,
        access_role_arn=ACCESS_ROLE,
        **extra,
    )


def _generate(
    aws_client: Any, settings: Settings, reference: Any, multi_region: bool, **job: Any
) -> Any:
    aws_client("s3").create_bucket(Bucket="trail-logs-bucket")
    aws_client("cloudtrail").create_trail(
        Name="management-events", S3BucketName="trail-logs-bucket", IsMultiRegionTrail=multi_region
    )
    analyzer = _client()
    regions = () if multi_region else ("us-east-1",)
    with Stubber(analyzer) as stub:
        stub.add_response("start_policy_generation", {"jobId": JOB}, _start_params(regions))
        stub.add_response("get_generated_policy", _job("SUCCEEDED", **job), _poll_params())
        outcome = run(settings, lambda _: None, reference, lambda: _Clients(analyzer))
        stub.assert_no_pending_responses()
    return outcome


def test_placeholders_become_account_and_region_patterns(aws_client: Any, reference: Any) -> None:
    outcome = _generate(aws_client, _settings(("access-analyzer",)), reference, multi_region=False)
    text = "".join(outcome.texts)
    assert "${" not in text
    policy = json.loads(text)
    by_action = {a: s for s in policy["Statement"] for a in s["Action"]}
    assert by_action["ec2:CreateVpc"]["Resource"] == [f"arn:aws:ec2:us-east-1:{MOTO_ACCOUNT}:vpc/*"]
    assert by_action["s3:CreateBucket"]["Resource"] == ["arn:aws:s3:::*"]
    assert by_action["s3:CreateBucket"]["Condition"] == {
        "StringEquals": {"s3:ResourceAccount": MOTO_ACCOUNT}
    }
    assert (
        f"arn:aws:logs:us-east-1:{MOTO_ACCOUNT}:log-group:*"
        in by_action["logs:CreateLogGroup"]["Resource"]
    )
    assert "ec2:NoSuchThing" not in by_action
    assert not any(a.endswith(":*") or a == "*" for a in by_action)
    codes = {f["code"] for f in outcome.report["findings"]}
    assert {
        "ACCESS_ANALYZER_SERVICE_LEVEL",
        "ACCESS_ANALYZER_BLIND_SPOT",
        "UNKNOWN_ACTION",
    } <= codes
    assert outcome.report["sources"][0]["job_id"] == JOB


def test_a_multi_region_trail_wildcards_the_region_and_incomplete_results_are_flagged(
    aws_client: Any, reference: Any
) -> None:
    outcome = _generate(
        aws_client, _settings(("access-analyzer",)), reference, multi_region=True, complete=False
    )
    policy = json.loads("".join(outcome.texts))
    resources = {r for s in policy["Statement"] for r in s["Resource"]}
    assert f"arn:aws:ec2:*:{MOTO_ACCOUNT}:vpc/*" in resources
    assert "ACCESS_ANALYZER_INCOMPLETE" in {f["code"] for f in outcome.report["findings"]}


def test_strict_mode_takes_exact_arns_from_cloudtrail_events(
    aws_client: Any, reference: Any, tmp_path: Path
) -> None:
    vpc = "vpc-0a1b2c3d4e5f60718"
    event = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/deploy/GitHubActions",
            "accountId": MOTO_ACCOUNT,
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": ROLE}},
        },
        "eventTime": "2026-11-20T10:00:00Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": "DeleteVpc",
        "awsRegion": "us-east-1",
        "requestParameters": {"vpcId": vpc},
        "eventID": "e1",
        "recipientAccountId": MOTO_ACCOUNT,
    }
    (tmp_path / "events.json").write_text(json.dumps({"Records": [event]}))
    settings = _settings(("access-analyzer", str(tmp_path)), mode="strict")
    outcome = _generate(aws_client, settings, reference, multi_region=False)
    policy = json.loads("".join(outcome.texts))
    by_action = {a: s for s in policy["Statement"] for a in s["Action"]}
    assert by_action["ec2:DeleteVpc"]["Resource"] == [
        f"arn:aws:ec2:us-east-1:{MOTO_ACCOUNT}:vpc/{vpc}"
    ]
    # seen only by Access Analyzer: a pattern, flagged
    assert by_action["ec2:CreateVpc"]["Resource"] == [f"arn:aws:ec2:us-east-1:{MOTO_ACCOUNT}:vpc/*"]
    messages = [
        f["message"] for f in outcome.report["findings"] if f["code"] == "RESOURCE_FALLBACK"
    ]
    assert any("ec2:CreateVpc" in m for m in messages)
    assert "ACCESS_ANALYZER_BLIND_SPOT" not in {f["code"] for f in outcome.report["findings"]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"trail_arn": ""}, "needs --trail-arn"),
        ({"access_role_arn": ""}, "needs --access-role-arn"),
        ({"principal": parse_principal("*")}, "generates for a role or a user"),
        ({"window": Window(None, None)}, "needs a window"),
        ({"trail_arn": "arn:aws:s3:::bucket"}, "is not a trail ARN"),
        ({"region": "mars-1"}, "is not an AWS region name"),
    ],
)
def test_bad_access_analyzer_settings_are_usage_errors(
    changes: dict[str, Any], message: str, reference: Any
) -> None:
    settings = _settings(("access-analyzer",))
    settings = Settings(**{**settings.__dict__, **changes})
    with pytest.raises(UsageError, match=message):
        run(settings, lambda _: None, reference, lambda: _Clients(_client()))
