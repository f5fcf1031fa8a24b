"""The command line against an S3 endpoint (moto's server through ``AWS_ENDPOINT_URL``):
the same log files give the same policy as the local folder, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROLE_ARN, ROOT

EXAMPLE = ROOT / "examples" / "cloudtrail"
BUCKET = "org-cloudtrail-logs"
TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events"
WINDOW = ("--start-time", "2026-11-20T00:00:00Z", "--end-time", "2026-11-21T00:00:00Z")


def _upload(aws_client: Any, prefix: str) -> list[str]:
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=BUCKET)
    keys = []
    for path in sorted(EXAMPLE.rglob("*.json.gz")):
        key = prefix + path.relative_to(EXAMPLE).as_posix()
        s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())
        keys.append(key)
    return keys


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "least_priv", "generate", "--principal-arn", ROLE_ARN, *WINDOW,
         "--output", "-", *args],
        env=dict(os.environ), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_s3_gives_the_local_policy_byte_for_byte(aws_client: Any, tmp_path: Path) -> None:
    keys = _upload(aws_client, "trails/")
    local = _cli("--source", str(EXAMPLE), "--report", str(tmp_path / "local.json"))
    remote = _cli("--source", f"s3://{BUCKET}/trails", "--report", str(tmp_path / "s3.json"))
    assert local.returncode == 0, local.stderr
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout
    assert '"Sid"' in remote.stdout
    # the 2026/11/19 folder is outside the window: never listed, never fetched
    in_window = [k for k in keys if "/2026/11/20/" in k]
    assert len(in_window) == len(keys) - 1
    stats = json.loads((tmp_path / "s3.json").read_text())["sources"][0]
    assert stats["objects_listed"] == len(in_window)
    assert stats["files_read"] == len(in_window)


def test_s3_found_from_the_trail(aws_client: Any) -> None:
    _upload(aws_client, "")
    aws_client("cloudtrail").create_trail(
        Name="management-events", S3BucketName=BUCKET, IsMultiRegionTrail=True
    )
    local = _cli("--source", str(EXAMPLE))
    remote = _cli("--source", "s3", "--trail-arn", TRAIL)
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout


def test_a_missing_bucket_is_one_line(aws_env: str) -> None:
    result = _cli("--source", "s3://no-such-trail-bucket")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "does not exist" in result.stderr
