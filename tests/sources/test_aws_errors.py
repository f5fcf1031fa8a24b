"""AWS failures become one clear line: what failed, why, and the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from least_priv.errors import SourceError, UsageError
from least_priv.sources.trail import describe_trail, trail_region

TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events"


def _stubbed_cloudtrail() -> Any:
    return boto3.client(
        "cloudtrail",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.mark.parametrize(
    ("code", "http", "expected"),
    [
        ("ExpiredTokenException", 400, "credentials have expired"),
        ("UnrecognizedClientException", 400, "credentials are not valid"),
        ("AccessDeniedException", 403, "allow cloudtrail:GetTrail"),
        ("ThrottlingException", 400, "throttling"),
        ("TrailNotFoundException", 404, "no such trail"),
        ("InternalFailure", 500, "InternalFailure: boom"),
    ],
)
def test_aws_errors_are_translated(code: str, http: int, expected: str) -> None:
    client = _stubbed_cloudtrail()
    with Stubber(client) as stub:
        stub.add_client_error("get_trail", code, "boom", http)
        with pytest.raises(SourceError, match=expected) as caught:
            describe_trail(client, TRAIL)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"looking up the trail {TRAIL}")


def test_a_trail_that_does_not_exist_on_the_endpoint(aws_client: Any) -> None:
    with pytest.raises(SourceError, match="no such trail"):
        describe_trail(aws_client("cloudtrail"), TRAIL)


def test_a_trail_is_found_with_its_bucket_and_regions(aws_client: Any) -> None:
    aws_client("s3").create_bucket(Bucket="trail-logs-bucket")
    aws_client("cloudtrail").create_trail(
        Name="management-events", S3BucketName="trail-logs-bucket", S3KeyPrefix="org/"
    )
    trail = describe_trail(aws_client("cloudtrail"), TRAIL)
    assert (trail.bucket, trail.prefix, trail.multi_region, trail.home_region) == (
        "trail-logs-bucket",
        "org",
        False,
        "us-east-1",
    )


@pytest.mark.parametrize(
    "text", ["trail/x", "arn:aws:s3:::bucket", "arn:aws:cloudtrail::1:trail/x"]
)
def test_malformed_trail_arns_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="is not a trail ARN"):
        trail_region(text)


def _bare_env(tmp_path: Path, endpoint: str) -> dict[str, str]:
    """A machine with no AWS credentials anywhere."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "least_priv", "generate", "--principal-arn",
         "arn:aws:iam::123456789012:role/deploy", "--lookback-hours", "24", "--output", "-", *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_no_credentials_is_one_line_with_the_fix(tmp_path: Path, moto_endpoint: str) -> None:
    result = _cli(_bare_env(tmp_path, moto_endpoint), "--source", "s3", "--trail-arn", TRAIL)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: looking up the trail")
    assert "no AWS credentials found" in lines[0]
    assert "configure-aws-credentials" in lines[0]


def test_no_region_is_a_usage_error(tmp_path: Path, moto_endpoint: str) -> None:
    env = _bare_env(tmp_path, moto_endpoint)
    del env["AWS_REGION"]
    result = _cli(env, "--source", "lookup-events")
    assert result.returncode == 2
    assert "needs a region" in result.stderr
    assert "Traceback" not in result.stderr


def test_lake_is_refused_with_the_alternatives(tmp_path: Path, moto_endpoint: str) -> None:
    result = _cli(_bare_env(tmp_path, moto_endpoint), "--source", "lake://eds-1234")
    assert result.returncode == 2
    assert "closed to new customers" in result.stderr
    assert "athena://" in result.stderr
