"""The command line against an Access Analyzer stand-in: a loopback HTTP server speaking the
service's REST protocol (``AWS_ENDPOINT_URL_ACCESSANALYZER``), with the trail on the moto
server. botocore serialises and parses for real: start, poll, result with placeholders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

ROLE = "arn:aws:iam::123456789012:role/ci/deploy"
TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events"
ACCESS_ROLE = "arn:aws:iam::123456789012:role/service-role/AccessAnalyzerMonitorServiceRole"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["ec2:CreateVpc", "ec2:DeleteVpc"],
            "Resource": "arn:aws:ec2:${Region}:${Account}:vpc/${VpcId}",
        },
        {"Effect": "Allow", "Action": ["ec2:DescribeVpcs"], "Resource": "*"},
    ],
}


class _AccessAnalyzer(BaseHTTPRequestHandler):
    """StartPolicyGeneration, GetGeneratedPolicy (IN_PROGRESS once, then ``final``),
    CancelPolicyGeneration; every request recorded."""

    final: ClassVar[dict[str, Any]] = {}
    requests: ClassVar[list[tuple[str, str, dict[str, Any]]]] = []
    polls: ClassVar[int] = 0

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        type(self).requests.append((self.command, self.path, body))

    def do_PUT(self) -> None:
        self._record()
        self._answer({"jobId": "job-1"} if self.path == "/policy/generation" else {})

    def do_GET(self) -> None:
        self._record()
        type(self).polls += 1
        status = "IN_PROGRESS" if type(self).polls == 1 else type(self).final["status"]
        details = {"jobId": "job-1", "status": status, "startedOn": "2026-11-21T00:00:00Z"}
        if status == "FAILED":
            details["jobError"] = type(self).final["jobError"]
        self._answer(
            {
                "jobDetails": details,
                "generatedPolicyResult": {
                    "properties": {"isComplete": True, "principalArn": ROLE},
                    "generatedPolicies": [{"policy": json.dumps(POLICY)}]
                    if status == "SUCCEEDED"
                    else [],
                },
            }
        )


@pytest.fixture
def analyzer() -> Iterator[tuple[str, type[_AccessAnalyzer]]]:
    handler = type("Handler", (_AccessAnalyzer,), {"requests": [], "polls": 0, "final": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def _run(endpoint: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL_ACCESSANALYZER": endpoint}
    return subprocess.run(
        [sys.executable, "-m", "least_priv", "generate", "--principal-arn", ROLE,
         "--source", "access-analyzer", "--trail-arn", TRAIL, "--access-role-arn", ACCESS_ROLE,
         "--start-time", "2026-11-20T00:00:00Z", "--end-time", "2026-11-21T00:00:00Z",
         "--output", "-", "--report", str(tmp_path / "report.json")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _trail(aws_client: Any, multi_region: bool = False) -> None:
    aws_client("s3").create_bucket(Bucket="trail-logs-bucket")
    aws_client("cloudtrail").create_trail(
        Name="management-events", S3BucketName="trail-logs-bucket", IsMultiRegionTrail=multi_region
    )


def test_generated_policy_through_the_cli(
    aws_client: Any, analyzer: tuple[str, type[_AccessAnalyzer]], tmp_path: Path
) -> None:
    _trail(aws_client)
    endpoint, handler = analyzer
    handler.final = {"status": "SUCCEEDED"}
    result = _run(endpoint, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "${" not in result.stdout
    policy = json.loads(result.stdout)
    resources = {r for s in policy["Statement"] for r in s["Resource"]}
    assert resources == {"arn:aws:ec2:us-east-1:123456789012:vpc/*", "*"}
    method, path, start = handler.requests[0]
    assert (method, path) == ("PUT", "/policy/generation")
    assert start["policyGenerationDetails"] == {"principalArn": ROLE}
    details = start["cloudTrailDetails"]
    assert details["trails"] == [{"cloudTrailArn": TRAIL, "regions": ["us-east-1"]}]
    assert details["accessRole"] == ACCESS_ROLE
    assert details["startTime"].startswith("2026-11-20T00:00:00")
    assert handler.polls == 2
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["sources"][0]["job_id"] == "job-1"
    assert "ACCESS_ANALYZER_BLIND_SPOT" in {f["code"] for f in report["findings"]}


def test_a_failed_job_is_explained_and_nothing_is_written(
    aws_client: Any, analyzer: tuple[str, type[_AccessAnalyzer]], tmp_path: Path
) -> None:
    _trail(aws_client, multi_region=True)
    endpoint, handler = analyzer
    handler.final = {
        "status": "FAILED",
        "jobError": {"code": "RESOURCE_NOT_FOUND_ERROR", "message": "Trail bucket not found."},
    }
    result = _run(endpoint, tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(
        "error: Access Analyzer job job-1 failed: RESOURCE_NOT_FOUND_ERROR: Trail bucket not found."
    )
    assert "check that the trail and its bucket exist" in error
    assert handler.requests[0][2]["cloudTrailDetails"]["trails"] == [
        {"cloudTrailArn": TRAIL, "allRegions": True}
    ]
    assert not (tmp_path / "report.json").exists()
