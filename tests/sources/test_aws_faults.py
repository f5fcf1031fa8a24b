"""AWS faults injected into real clients: throttling, credentials expiring mid-run, objects
vanishing or unreadable, KMS refusing a key, jobs running out of time or disappearing,
endpoints that refuse connections, never answer or cut a body short.

Stand-ins. S3: the moto server behind ``FaultProxy``, a loopback HTTP proxy that passes every
request to moto unless a fault takes it; a fault answers with the HTTP error AWS itself sends
(status and XML body), stalls, cuts a body short, or changes moto's state (deletes objects)
before passing the request on. botocore parses and retries all of it as it would from AWS.
LookupEvents, Access Analyzer and Athena: botocore's ``Stubber``, which checks every request
and response against the service model. Waiting is ``FakeTime``; the only real waits are
read timeouts of a fraction of a second.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

from least_priv.core.analysis import Collector, Options
from least_priv.core.build import build_statements
from least_priv.core.event import ApiCall, parse_time
from least_priv.core.merge import merge_policy
from least_priv.core.policy import render_policy
from least_priv.core.select import Window, parse_principal
from least_priv.core.tables import DEFAULT_IGNORED_ACTIONS
from least_priv.errors import SourceError
from least_priv.iam.reference import IamReference
from least_priv.sources.access_analyzer import AccessAnalyzerSource, GenerationRequest
from least_priv.sources.athena import AthenaSource
from least_priv.sources.aws import client_config
from least_priv.sources.lookup import LookupEventsSource, backoff
from least_priv.sources.s3 import S3Source
from tests.conftest import ACCOUNT, ROLE_ARN, record
from tests.sources.fakes import FakeTime

BUCKET = "acme-cloudtrail-logs"
DAY = f"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/11/20/"
NEXT_DAY = f"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/11/21/"
START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
END = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
WINDOW = Window(START, END)
CLI_WINDOW = ("--start-time", "2026-11-20T10:00:00Z", "--end-time", "2026-11-20T11:00:00Z")
EXPIRED_HINT = "raise role-duration-seconds of configure-aws-credentials"


# --- the fault proxy in front of moto -----------------------------------------------------


@dataclass
class Answer:
    """What ``FaultProxy`` makes of a request: ``None`` passes it on to moto."""

    status: int = 0
    body: bytes = b""
    stall: bool = False  # accept the request, never answer
    cut_after: int = -1  # pass on, but send only this many bytes of moto's body
    before: Callable[[], None] | None = None  # run, then pass on


def s3_error(status: int, code: str, message: str) -> Answer:
    """The error S3 sends: REST-XML, as botocore parses it from AWS."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>"
    )
    return Answer(status, body.encode())


Rule = tuple[Callable[[str, str], bool], Answer, list[int]]


class FaultProxy:
    """A loopback HTTP server in front of the moto server. Every request is recorded as
    ``(method, path?query)`` and passed on to moto, unless a fault added by ``on`` matches it
    (each fault ``times`` times, or always)."""

    def __init__(self, upstream: str) -> None:
        self._upstream = urlsplit(upstream)
        self.requests: list[tuple[str, str]] = []
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # S3 reads: ListObjectsV2 and GetObject
                proxy._serve(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def on(self, matches: Callable[[str, str], bool], answer: Answer, times: int = -1) -> None:
        self._rules.append((matches, answer, [times]))

    def count(self, matches: Callable[[str, str], bool]) -> int:
        return sum(1 for method, path in self.requests if matches(method, path))

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def _answer_for(self, method: str, path: str) -> Answer | None:
        with self._lock:
            self.requests.append((method, path))
            for matches, answer, left in self._rules:
                if left[0] != 0 and matches(method, path):
                    left[0] -= 1
                    return answer
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        answer = self._answer_for(handler.command, handler.path) or Answer()
        if answer.stall:
            self._release.wait(10)
            handler.close_connection = True
            return
        if answer.status:
            self._send(handler, answer.status, [("Content-Type", "application/xml")], answer.body)
            return
        if answer.before:
            answer.before()
        status, headers, data = self._forward(handler, body)
        if answer.cut_after >= 0:
            self._send(handler, status, headers, data[: answer.cut_after], len(data))
            handler.close_connection = True
            return
        self._send(handler, status, headers, data)

    def _forward(
        self, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = HTTPConnection(
            self._upstream.hostname or "127.0.0.1", self._upstream.port, timeout=10
        )
        try:
            connection.request(handler.command, handler.path, body, dict(handler.headers.items()))
            response = connection.getresponse()
            data = response.read()
            skip = {"content-length", "transfer-encoding", "connection", "keep-alive"}
            headers = [(k, v) for k, v in response.getheaders() if k.lower() not in skip]
            return response.status, headers, data
        finally:
            connection.close()

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        headers: list[tuple[str, str]],
        data: bytes,
        length: int | None = None,
    ) -> None:
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data) if length is None else length))
        handler.end_headers()
        handler.wfile.write(data)


def get_object(key: str) -> Callable[[str, str], bool]:
    return lambda method, path: method == "GET" and urlsplit(path).path == f"/{BUCKET}/{key}"


def any_get_object(method: str, path: str) -> bool:
    return method == "GET" and urlsplit(path).path.startswith(f"/{BUCKET}/")


def list_objects(prefix: str) -> Callable[[str, str], bool]:
    def matches(method: str, path: str) -> bool:
        url = urlsplit(path)
        query = parse_qs(url.query)
        return url.path.rstrip("/") == f"/{BUCKET}" and query.get("prefix") == [prefix]

    return matches


@pytest.fixture
def proxy(moto_endpoint: str) -> Iterator[FaultProxy]:
    faults = FaultProxy(moto_endpoint)
    try:
        yield faults
    finally:
        faults.close()


@pytest.fixture
def moto_s3(aws_env: str) -> Any:
    """A client straight to moto, for setting up and changing the bucket behind the proxy."""
    return boto3.client("s3", region_name="us-east-1", endpoint_url=aws_env)


def s3_client(endpoint: str, attempts: int = 1, read_timeout: float | None = None) -> Any:
    """A client as ``least_priv.app`` makes it (``client_config``), with ``attempts`` requests
    in all (botocore's ``max_attempts`` counts the retries only) and, for stalls, a short read
    timeout."""
    extra: dict[str, Any] = {"retries": {"mode": "standard", "total_max_attempts": attempts}}
    if read_timeout is not None:
        extra["read_timeout"] = read_timeout
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=client_config().merge(Config(**extra)),
    )


def key(minute: int, day: str = DAY) -> str:
    stamp = f"{day[-11:-7]}{day[-6:-4]}{day[-3:-1]}T10{minute:02d}Z"
    return f"{day}{ACCOUNT}_CloudTrail_us-east-1_{stamp}_AbCdEfGhIjKlMnOp.json.gz"


def log(*names: str) -> bytes:
    """A gzipped CloudTrail log file: one EC2 event of the deploy role per name."""
    records = [record("ec2", name, time="2026-11-20T10:05:00Z") for name in names]
    return gzip.compress(json.dumps({"Records": records}).encode())


TRAIL = {key(5): log("DescribeVpcs"), key(6): log("CreateVpc"), key(7): log("DeleteVpc")}


def fill(client: Any, objects: dict[str, bytes]) -> None:
    client.create_bucket(Bucket=BUCKET)
    for name, body in objects.items():
        client.put_object(Bucket=BUCKET, Key=name, Body=body)


def read(source: Any) -> tuple[list[ApiCall], list[str]]:
    warnings: list[str] = []
    return list(source.calls(warnings.append)), warnings


def s3_source(client: Any, workers: int = 1) -> S3Source:
    return S3Source(client, BUCKET, "", WINDOW, (ACCOUNT,), ("us-east-1",), workers=workers)


def policy(calls: list[ApiCall], reference: IamReference) -> str:
    """The policy text ``least_priv.app`` builds from ``calls`` (no existing policy)."""
    collector = Collector(
        parse_principal(ROLE_ARN), WINDOW, reference, Options(ignore=DEFAULT_IGNORED_ACTIONS)
    )
    for one in calls:
        collector.add(one)
    statements, _ = build_statements(collector.analysis.grants, keep_star_resources=True)
    return render_policy(merge_policy(None, statements, ()).document)


def one_line(exc: pytest.ExceptionInfo[SourceError]) -> str:
    text = str(exc.value)
    assert "\n" not in text
    assert "Traceback" not in text
    return text


def cli(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    return subprocess.run(
        [sys.executable, "-m", "least_priv", "generate", "--principal-arn", ROLE_ARN,
         "--source", f"s3://{BUCKET}", *CLI_WINDOW, *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


# --- S3: credentials expiring after the listing ------------------------------------------


EXPIRED_S3 = s3_error(400, "ExpiredToken", "The provided token has expired.")


def test_credentials_expiring_mid_run_fail_the_cli_and_leave_the_policy_file(
    moto_s3: Any, proxy: FaultProxy, tmp_path: Path
) -> None:
    fill(moto_s3, TRAIL)
    proxy.on(get_object(key(6)), EXPIRED_S3)
    existing = '{"Version": "2012-10-17", "Statement": [{"Sid": "Keep", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}\n'
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(existing)
    report = tmp_path / "report.json"

    result = cli(proxy.url, "--policy-path", str(policy_file), "--report", str(report))

    line = error_line(result)
    assert line.startswith(
        f"error: reading s3://{BUCKET}/{key(6)}: the AWS credentials have expired"
    )
    assert "(ExpiredToken)" in line
    assert EXPIRED_HINT in line
    assert policy_file.read_text() == existing
    assert not report.exists()
    assert result.stdout == ""
    assert proxy.count(get_object(key(5))) == 1  # the first object was read: mid-run


@pytest.mark.parametrize("where", ["listing the next day", "reading the next object"])
def test_credentials_expiring_mid_run_name_the_fix(
    moto_s3: Any, proxy: FaultProxy, where: str
) -> None:
    fill(moto_s3, {**TRAIL, key(1, NEXT_DAY): log("DescribeSubnets")})
    fault = list_objects(NEXT_DAY) if where.startswith("listing") else get_object(key(7))
    proxy.on(fault, EXPIRED_S3)
    source = S3Source(
        s3_client(proxy.url), BUCKET, "", Window(START, datetime(2026, 11, 20, 23, 55, tzinfo=UTC)),
        (ACCOUNT,), ("us-east-1",), workers=1,
    )  # fmt: skip

    with pytest.raises(SourceError) as caught:
        read(source)

    text = one_line(caught)
    assert "the AWS credentials have expired (ExpiredToken)" in text
    assert EXPIRED_HINT in text
    assert proxy.count(get_object(key(5))) == 1


# --- S3: objects that vanish or cannot be read ---------------------------------------------


def test_an_object_deleted_after_listing_is_skipped_and_shown_in_the_summary(
    moto_s3: Any, proxy: FaultProxy, tmp_path: Path
) -> None:
    fill(moto_s3, TRAIL)
    gone = key(6)
    proxy.on(
        get_object(gone), Answer(before=lambda: moto_s3.delete_object(Bucket=BUCKET, Key=gone))
    )
    out, report, summary = (tmp_path / n for n in ("policy.json", "report.json", "summary.md"))

    result = cli(
        proxy.url, "--output", str(out), "--report", str(report), "--summary", str(summary)
    )

    assert result.returncode == 0, result.stderr
    assert f"warning: skipped s3://{BUCKET}/{gone}: deleted between listing and reading" in (
        result.stderr
    )
    skipped = json.loads(report.read_text())["sources"][0]["files_skipped"]
    assert skipped == [
        {
            "file": f"s3://{BUCKET}/{gone}",
            "reason": "deleted between listing and reading (NoSuchKey)",
        }
    ]
    assert "### Files skipped: 1" in summary.read_text()
    actions = {a for s in json.loads(out.read_text())["Statement"] for a in s["Action"]}
    assert {"ec2:DescribeVpcs", "ec2:DeleteVpc"} <= actions
    assert "ec2:CreateVpc" not in actions


def test_a_prefix_emptied_during_the_run_fails_rather_than_proposing_an_empty_policy(
    moto_s3: Any, proxy: FaultProxy, tmp_path: Path
) -> None:
    fill(moto_s3, TRAIL)

    emptied, lock = [], threading.Lock()

    def empty_the_prefix() -> None:  # before the first GetObject; the others wait for it
        with lock:
            if not emptied:
                for name in TRAIL:
                    moto_s3.delete_object(Bucket=BUCKET, Key=name)
                emptied.append(True)

    proxy.on(any_get_object, Answer(before=empty_the_prefix))
    policy_file = tmp_path / "policy.json"
    existing = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}]}\n'
    policy_file.write_text(existing)

    result = cli(proxy.url, "--policy-path", str(policy_file))

    line = error_line(result)
    assert line.startswith(f"error: s3://{BUCKET}: all 3 log objects listed for the window")
    assert "deleted before they could be read" in line
    assert "check the bucket's lifecycle rules" in line
    assert policy_file.read_text() == existing
    assert result.stderr.count("warning: skipped") == 3


def test_objects_that_are_not_gzip_are_read_or_skipped_by_what_they_hold(
    moto_s3: Any, reference: IamReference
) -> None:
    plain = json.dumps({"Records": [record("ec2", "CreateSubnet")]}).encode()
    fill(
        moto_s3,
        {
            key(1): plain,  # named .json.gz, stored uncompressed: read by its bytes
            key(2): b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\xff\xfe",
            key(3): b"<html><body>503 Service Unavailable</body></html>",
            key(4): log("DescribeVpcs"),
        },
    )
    source = s3_source(moto_s3)

    calls, warnings = read(source)

    assert [c.name for c in calls] == ["CreateSubnet", "DescribeVpcs"]
    assert [w.split(": ", 1)[0] for w in warnings] == [
        f"skipped s3://{BUCKET}/{key(2)}",
        f"skipped s3://{BUCKET}/{key(3)}",
    ]
    assert "not UTF-8" in warnings[0]
    assert "not JSON" in warnings[1]
    assert [f["file"] for f in source.stats.files_skipped] == [
        f"s3://{BUCKET}/{key(2)}",
        f"s3://{BUCKET}/{key(3)}",
    ]
    assert '"ec2:CreateSubnet"' in policy(calls, reference)


@pytest.mark.parametrize(
    "message",
    [
        "User: arn:aws:sts::111122223333:assumed-role/least-priv-generator/GitHubActions is not "
        "authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/"
        "1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the "
        "kms:Decrypt action",
        "The ciphertext refers to a customer master key that does not exist, does not exist in "
        "this region, or you are not allowed to access.",
    ],
)
def test_kms_refusing_one_object_names_kms_decrypt(
    moto_s3: Any, proxy: FaultProxy, message: str
) -> None:
    fill(moto_s3, TRAIL)
    proxy.on(get_object(key(6)), s3_error(403, "AccessDenied", message))

    with pytest.raises(SourceError) as caught:
        read(s3_source(s3_client(proxy.url)))

    text = one_line(caught)
    assert text.startswith(f"reading s3://{BUCKET}/{key(6)}: KMS refused to decrypt the object")
    assert "allow kms:Decrypt on the trail's KMS key" in text
    assert "key policy" in text


# --- S3 and the network: stalls, cut bodies, refused connections, SlowDown ------------------


@pytest.mark.parametrize("stalled", ["ListObjectsV2", "GetObject"])
def test_an_endpoint_that_never_answers_is_one_line_after_botocores_attempts(
    moto_s3: Any, proxy: FaultProxy, stalled: str
) -> None:
    fill(moto_s3, TRAIL)
    fault = list_objects(DAY) if stalled == "ListObjectsV2" else get_object(key(6))
    proxy.on(fault, Answer(stall=True))

    with pytest.raises(SourceError) as caught:
        read(s3_source(s3_client(proxy.url, attempts=1, read_timeout=0.3)))

    text = one_line(caught)
    assert "AWS did not answer within the read timeout" in text
    assert "check the network and proxy" in text
    assert proxy.count(fault) == 1  # botocore's attempts (1 here), not retried again around them


def test_a_body_cut_off_once_is_read_again_and_nothing_is_lost(
    moto_s3: Any, proxy: FaultProxy, reference: IamReference
) -> None:
    fill(moto_s3, TRAIL)
    proxy.on(get_object(key(6)), Answer(cut_after=20), times=1)

    calls, warnings = read(s3_source(s3_client(proxy.url)))

    assert warnings == []
    assert [c.name for c in calls] == ["DescribeVpcs", "CreateVpc", "DeleteVpc"]
    assert proxy.count(get_object(key(6))) == 2
    clean, _ = read(s3_source(moto_s3))
    assert policy(calls, reference) == policy(clean, reference)


def test_a_body_cut_off_every_time_is_one_line_after_three_reads(
    moto_s3: Any, proxy: FaultProxy
) -> None:
    fill(moto_s3, TRAIL)
    proxy.on(get_object(key(6)), Answer(cut_after=20))

    with pytest.raises(SourceError) as caught:
        read(s3_source(s3_client(proxy.url)))

    text = one_line(caught)
    assert text.startswith(f"reading s3://{BUCKET}/{key(6)}: ")
    assert "check the network and proxy" in text
    assert proxy.count(get_object(key(6))) == 3


def test_slow_down_that_never_ends_says_aws_kept_throttling(
    moto_s3: Any, proxy: FaultProxy
) -> None:
    fill(moto_s3, TRAIL)
    proxy.on(any_get_object, s3_error(503, "SlowDown", "Please reduce your request rate."))

    with pytest.raises(SourceError) as caught:
        read(s3_source(s3_client(proxy.url)))

    text = one_line(caught)
    assert "AWS kept throttling the requests (SlowDown: Please reduce your request rate.)" in text
    assert "retry later" in text


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends: nothing listens


def _refusing(service: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=client_config().merge(Config(retries={"mode": "standard", "total_max_attempts": 1})),
    )


def _refused_s3(time: FakeTime) -> Any:
    return s3_source(_refusing("s3"))


def _refused_lookup(time: FakeTime) -> Any:
    return LookupEventsSource(
        {"us-east-1": _refusing("cloudtrail")}, parse_principal(ROLE_ARN), WINDOW,
        sleep=time.sleep, clock=time.clock, now=lambda: END,
    )  # fmt: skip


def _refused_athena(time: FakeTime) -> Any:
    return AthenaSource(
        _refusing("athena"), "primary", "security", "cloudtrail_logs", parse_principal(ROLE_ARN),
        WINDOW, sleep=time.sleep, clock=time.clock,
    )  # fmt: skip


class _Generation:
    def __init__(self, time: FakeTime) -> None:
        self.source = analyzer_source(_refusing("accessanalyzer"), time)

    def calls(self, warn: Callable[[str], None]) -> Iterator[ApiCall]:
        self.source.generate(warn)
        return iter(())


@pytest.mark.parametrize(
    ("make", "doing"),
    [
        (_refused_s3, f"listing s3://{BUCKET}/AWSLogs/"),
        (_refused_lookup, "LookupEvents in us-east-1"),
        (_refused_athena, "Athena StartQueryExecution in workgroup primary"),
        (_Generation, "starting Access Analyzer policy generation"),
    ],
)
def test_a_refused_connection_is_one_line_naming_the_endpoint(
    make: Callable[[FakeTime], Any], doing: str
) -> None:
    with pytest.raises(SourceError) as caught:
        read(make(FakeTime()))

    text = one_line(caught)
    assert text.startswith(f"{doing}: cannot reach the AWS endpoint (")
    assert "http://127.0.0.1:" in text
    assert "check the network, proxy and AWS_ENDPOINT_URL" in text


# --- LookupEvents --------------------------------------------------------------------------


def cloudtrail() -> Any:
    return boto3.client(
        "cloudtrail",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


LOOKUP = {"StartTime": START, "EndTime": END, "MaxResults": 50}  # a role: not narrowed
PAGES = [["DescribeVpcs", "CreateVpc"], ["CreateSubnet"], ["DeleteSubnet", "DeleteVpc"]]


def lookup_page(number: int) -> dict[str, Any]:
    events = []
    for name in PAGES[number]:
        rec = record("ec2", name, time=f"2026-11-20T10:{number:02d}:00Z")
        events.append(
            {
                "EventId": rec["eventID"],
                "EventName": name,
                "EventTime": parse_time(rec["eventTime"]),
                "EventSource": rec["eventSource"],
                "CloudTrailEvent": json.dumps(rec),
            }
        )
    response: dict[str, Any] = {"Events": events}
    if number < len(PAGES) - 1:
        response["NextToken"] = f"page-{number + 1}"
    return response


def lookup_params(number: int) -> dict[str, Any]:
    return {**LOOKUP, "NextToken": f"page-{number}"} if number else dict(LOOKUP)


def lookup_source(client: Any, time: FakeTime, **kwargs: Any) -> LookupEventsSource:
    return LookupEventsSource(
        {"us-east-1": client}, parse_principal(ROLE_ARN), WINDOW,
        sleep=time.sleep, clock=time.clock, now=lambda: END, **kwargs,
    )  # fmt: skip


def throttle_lookup(stub: Stubber, number: int) -> None:
    stub.add_client_error(
        "lookup_events", "ThrottlingException", "Rate exceeded", 400,
        expected_params=lookup_params(number),
    )  # fmt: skip


def test_lookup_events_throttled_mid_pagination_gives_the_complete_policy_at_the_same_pace(
    reference: IamReference,
) -> None:
    client, time, sent = cloudtrail(), FakeTime(), []
    client.meta.events.register(
        "before-parameter-build.cloudtrail.LookupEvents", lambda **_: sent.append(time.now)
    )
    with Stubber(client) as stub:
        stub.add_response("lookup_events", lookup_page(0), lookup_params(0))
        for _ in range(2):
            throttle_lookup(stub, 1)
        stub.add_response("lookup_events", lookup_page(1), lookup_params(1))
        for _ in range(3):
            throttle_lookup(stub, 2)
        stub.add_response("lookup_events", lookup_page(2), lookup_params(2))
        source = lookup_source(client, time)
        calls, warnings = read(source)
        stub.assert_no_pending_responses()

    assert warnings == []
    assert [c.name for c in calls] == [name for page in PAGES for name in page]
    clean_client, clean_time = cloudtrail(), FakeTime()
    with Stubber(clean_client) as stub:
        for number in range(len(PAGES)):
            stub.add_response("lookup_events", lookup_page(number), lookup_params(number))
        clean, _ = read(lookup_source(clean_client, clean_time))
    assert policy(calls, reference) == policy(clean, reference)
    assert len(sent) == 8
    assert all(b - a >= 0.5 for a, b in pairwise(sent))  # 2 requests a second, retries included
    pace = 0.5
    assert time.sleeps == [
        *(pace, backoff(1), backoff(2)),  # page 2: paced, throttled twice
        *(pace, backoff(1), backoff(2), backoff(3)),  # page 3: paced, throttled three times
    ]
    assert (source.stats.as_dict()["throttled"], source.stats.as_dict()["requests"]) == (5, 8)


def test_lookup_events_throttled_for_good_stops_with_one_line_within_a_minute() -> None:
    client, time = cloudtrail(), FakeTime()
    with Stubber(client) as stub:
        stub.add_response("lookup_events", lookup_page(0), lookup_params(0))
        for _ in range(8):  # the default attempts
            throttle_lookup(stub, 1)
        with pytest.raises(SourceError) as caught:
            read(lookup_source(client, time))
        stub.assert_no_pending_responses()

    text = one_line(caught)
    assert text.startswith("LookupEvents in us-east-1 (after 8 attempts): AWS kept throttling")
    assert "ThrottlingException: Rate exceeded" in text
    assert "retry later" in text
    assert sum(time.sleeps) < 60


@pytest.mark.parametrize("code", ["ExpiredTokenException", "RequestExpired"])
def test_lookup_events_credentials_expiring_on_the_second_page(code: str) -> None:
    client, time = cloudtrail(), FakeTime()
    got: list[str] = []
    with Stubber(client) as stub:
        stub.add_response("lookup_events", lookup_page(0), lookup_params(0))
        stub.add_client_error(
            "lookup_events", code, "The security token included in the request is expired", 400,
            expected_params=lookup_params(1),
        )  # fmt: skip
        with pytest.raises(SourceError) as caught:
            got.extend(one.name for one in lookup_source(client, time).calls(pytest.fail))

    assert got == PAGES[0]  # the first page was read: the credentials expired mid-run
    text = one_line(caught)
    assert text == (
        f"LookupEvents in us-east-1: the AWS credentials have expired ({code}); get fresh ones, "
        f"or in GitHub Actions {EXPIRED_HINT}"
    )


# --- Access Analyzer -----------------------------------------------------------------------


JOB = "c557dc4a-0338-4489-95dd-739014860ff9"
MOTO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci/deploy"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management-events"
GENERATED = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeVpcs"], "Resource": "*"}],
}
POLL = {"jobId": JOB, "includeResourcePlaceholders": True, "includeServiceLevelTemplate": True}


def analyzer() -> Any:
    return boto3.client(
        "accessanalyzer",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def analyzer_source(client: Any, time: FakeTime, timeout: float = 600) -> AccessAnalyzerSource:
    request = GenerationRequest(MOTO_ROLE, TRAIL_ARN, ACCESS_ROLE, START, END)
    return AccessAnalyzerSource(
        client, request, timeout_seconds=timeout, sleep=time.sleep, clock=time.clock
    )


def job(status: str) -> dict[str, Any]:
    response: dict[str, Any] = {"jobDetails": {"jobId": JOB, "status": status, "startedOn": START}}
    policies = [{"policy": json.dumps(GENERATED)}] if status == "SUCCEEDED" else []
    response["generatedPolicyResult"] = {
        "properties": {"isComplete": True, "principalArn": MOTO_ROLE},
        "generatedPolicies": policies,
    }
    return response


def expect_start(stub: Stubber) -> None:
    stub.add_response("start_policy_generation", {"jobId": JOB}, {
        "policyGenerationDetails": ANY, "cloudTrailDetails": ANY, "clientToken": ANY,
    })  # fmt: skip


def throttled(stub: Stubber, operation: str, times: int) -> None:
    for _ in range(times):
        stub.add_client_error(
            operation, "ThrottlingException", "Rate exceeded", 429,
            modeled_fields={"message": "Rate exceeded", "retryAfterSeconds": 1},
        )  # fmt: skip


def test_start_policy_generation_throttled_then_started() -> None:
    client, time, progress = analyzer(), FakeTime(), []
    with Stubber(client) as stub:
        throttled(stub, "start_policy_generation", 2)
        expect_start(stub)
        stub.add_response("get_generated_policy", job("SUCCEEDED"), POLL)
        result = analyzer_source(client, time).generate(pytest.fail, progress.append)
        stub.assert_no_pending_responses()

    assert [a for s in result.statements for a in s.actions] == ["ec2:DescribeVpcs"]
    assert time.sleeps == [15.0, 30.0]
    assert sum("ThrottlingException" in line for line in progress) == 2


def test_get_generated_policy_throttled_between_polls_still_gives_the_result() -> None:
    client, time = analyzer(), FakeTime()
    with Stubber(client) as stub:
        expect_start(stub)
        stub.add_response("get_generated_policy", job("IN_PROGRESS"), POLL)
        throttled(stub, "get_generated_policy", 3)
        stub.add_response("get_generated_policy", job("SUCCEEDED"), POLL)
        source = analyzer_source(client, time)
        result = source.generate(pytest.fail)
        stub.assert_no_pending_responses()

    assert result.is_complete
    assert result.statements
    assert source.stats.polls == 5
    assert source.stats.status == "SUCCEEDED"
    assert time.sleeps == [2, 3, 4.5, 6.75]  # throttled polls back off like the others


def test_start_throttled_until_the_timeout_says_throttled_not_busy() -> None:
    client, time = analyzer(), FakeTime()
    with Stubber(client) as stub:
        throttled(stub, "start_policy_generation", 3)
        with pytest.raises(SourceError) as caught:
            analyzer_source(client, time, timeout=60).generate(pytest.fail)
        stub.assert_no_pending_responses()

    text = one_line(caught)
    assert text.startswith(
        "Access Analyzer kept throttling StartPolicyGeneration (ThrottlingException) for 1 minutes"
    )
    assert "another one was still running" not in text
    assert "run again later" in text
    assert sum(time.sleeps) <= 60


def test_polls_throttled_until_the_timeout_cancel_the_job_and_say_why() -> None:
    client, time = analyzer(), FakeTime()
    with Stubber(client) as stub:
        expect_start(stub)
        stub.add_response("get_generated_policy", job("IN_PROGRESS"), POLL)
        throttled(stub, "get_generated_policy", 5)  # polls at 2, 5, 9.5, 16.25 and 26.4 s
        stub.add_response("cancel_policy_generation", {}, {"jobId": JOB})
        source = analyzer_source(client, time, timeout=30)
        with pytest.raises(SourceError) as caught:
            source.generate(pytest.fail)
        stub.assert_no_pending_responses()

    assert one_line(caught) == (
        f"Access Analyzer kept throttling GetGeneratedPolicy (ThrottlingException) until job {JOB} "
        "ran out of its 0.5 minutes and was cancelled; run again later or raise --timeout-minutes"
    )
    assert source.stats.status == "CANCELED"


def test_credentials_expiring_while_polling_stop_with_the_fix() -> None:
    client, time, warnings = analyzer(), FakeTime(), []
    with Stubber(client) as stub:
        expect_start(stub)
        stub.add_response("get_generated_policy", job("IN_PROGRESS"), POLL)
        stub.add_client_error(
            "get_generated_policy", "ExpiredTokenException", "The security token is expired", 403
        )
        stub.add_client_error(
            "cancel_policy_generation",
            "ExpiredTokenException",
            "The security token is expired",
            403,
        )
        with pytest.raises(SourceError) as caught:
            analyzer_source(client, time).generate(warnings.append)
        stub.assert_no_pending_responses()

    assert one_line(caught) == (
        f"reading Access Analyzer job {JOB}: the AWS credentials have expired "
        f"(ExpiredTokenException); get fresh ones, or in GitHub Actions {EXPIRED_HINT}"
    )
    assert warnings == [f"could not cancel Access Analyzer job {JOB} (ExpiredTokenException)"]


def test_a_cancel_that_fails_after_the_timeout_is_not_reported_as_cancelled() -> None:
    client, time, warnings = analyzer(), FakeTime(), []
    with Stubber(client) as stub:
        expect_start(stub)
        for _ in range(6):
            stub.add_response("get_generated_policy", job("IN_PROGRESS"), POLL)
        stub.add_client_error(
            "cancel_policy_generation", "AccessDeniedException", "not authorized", 403
        )
        source = analyzer_source(client, time, timeout=30)
        with pytest.raises(SourceError) as caught:
            source.generate(warnings.append)
        stub.assert_no_pending_responses()

    text = one_line(caught)
    assert text.startswith(f"Access Analyzer job {JOB} did not finish within 0.5 minutes and ")
    assert "was cancelled" not in text
    assert "could not be cancelled (AccessDeniedException)" in text
    assert "access-analyzer:CancelPolicyGeneration" in text
    assert "raise --timeout-minutes" in text
    assert source.stats.status == "IN_PROGRESS"
    assert warnings == []  # said once, in the error


def test_a_job_that_disappears_while_polled_is_explained_and_not_cancelled() -> None:
    client, time, warnings = analyzer(), FakeTime(), []
    with Stubber(client) as stub:
        expect_start(stub)
        stub.add_response("get_generated_policy", job("IN_PROGRESS"), POLL)
        stub.add_client_error(
            "get_generated_policy", "ResourceNotFoundException", f"Job {JOB} not found", 404
        )
        with pytest.raises(SourceError) as caught:
            analyzer_source(client, time).generate(warnings.append)
        stub.assert_no_pending_responses()  # no CancelPolicyGeneration for a job that is gone

    assert one_line(caught) == (
        f"Access Analyzer job {JOB} no longer exists (ResourceNotFoundException: Job {JOB} not "
        "found); it was deleted or expired while it ran: run again"
    )
    assert warnings == []


# --- Athena --------------------------------------------------------------------------------


QID = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
COLUMNS = ["event_source", "event_name", "aws_region", "recipient_account", "identity_type",
           "issuer_arn", "events", "event_id", "event_time", "identity_arn", "identity_account"]  # fmt: skip


def athena() -> Any:
    return boto3.client(
        "athena",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def athena_source(client: Any, time: FakeTime, timeout: float = 600) -> AthenaSource:
    return AthenaSource(
        client, "primary", "security", "cloudtrail_logs", parse_principal(ROLE_ARN), WINDOW,
        sleep=time.sleep, clock=time.clock, timeout_seconds=timeout,
    )  # fmt: skip


def athena_row(name: str, count: int) -> list[str]:
    return ["ec2.amazonaws.com", name, "us-east-1", ACCOUNT, "AssumedRole", ROLE_ARN, str(count),
            f"id-{name}", "2026-11-20T10:05:00Z", f"arn:aws:sts::{ACCOUNT}:assumed-role/x/y", ACCOUNT]  # fmt: skip


def results(rows: list[list[str]], token: str | None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "ResultSet": {"Rows": [{"Data": [{"VarCharValue": v} for v in row]} for row in rows]}
    }
    if token:
        response["NextToken"] = token
    return response


def state(value: str) -> dict[str, Any]:
    return {"QueryExecution": {"QueryExecutionId": QID, "Status": {"State": value}}}


GET_STATE = {"QueryExecutionId": QID}
PAGE_1 = {"QueryExecutionId": QID, "MaxResults": 1000}
PAGE_2 = {**PAGE_1, "NextToken": "page-2"}


def expect_query(stub: Stubber, src: AthenaSource) -> None:
    stub.add_response("start_query_execution", {"QueryExecutionId": QID}, {
        "QueryString": src.query, "QueryExecutionContext": {"Database": "security"},
        "WorkGroup": "primary",
    })  # fmt: skip


def athena_throttle(stub: Stubber, operation: str, code: str = "ThrottlingException") -> None:
    fields = {"Message": "Rate exceeded", "Reason": "CONCURRENT_QUERY_LIMIT_EXCEEDED"}
    if code == "TooManyRequestsException":
        stub.add_client_error(operation, code, "Rate exceeded", 400, modeled_fields=fields)
    else:
        stub.add_client_error(operation, code, "Rate exceeded", 400)


def test_athena_throttled_at_every_step_still_returns_every_row() -> None:
    client, time = athena(), FakeTime()
    src = athena_source(client, time)
    with Stubber(client) as stub:
        athena_throttle(stub, "start_query_execution", "TooManyRequestsException")
        expect_query(stub, src)
        athena_throttle(stub, "get_query_execution")
        stub.add_response("get_query_execution", state("RUNNING"), GET_STATE)
        athena_throttle(stub, "get_query_execution")
        stub.add_response("get_query_execution", state("SUCCEEDED"), GET_STATE)
        stub.add_response(
            "get_query_results", results([COLUMNS, athena_row("DescribeVpcs", 3)], "page-2"), PAGE_1
        )
        athena_throttle(stub, "get_query_results", "TooManyRequestsException")
        stub.add_response("get_query_results", results([athena_row("CreateVpc", 1)], None), PAGE_2)
        calls, warnings = read(src)
        stub.assert_no_pending_responses()

    assert [(c.name, c.count) for c in calls] == [("DescribeVpcs", 3), ("CreateVpc", 1)]
    assert warnings == []
    assert src.stats.as_dict()["records"] == 4
    assert len(time.sleeps) == 5  # four backoffs after throttles and one poll interval


def test_athena_throttled_for_good_is_one_line_naming_athena() -> None:
    client, time = athena(), FakeTime()
    src = athena_source(client, time)
    with Stubber(client) as stub:
        for _ in range(6):
            athena_throttle(stub, "start_query_execution", "TooManyRequestsException")
        with pytest.raises(SourceError) as caught:
            read(src)
        stub.assert_no_pending_responses()

    text = one_line(caught)
    assert text.startswith(
        "Athena StartQueryExecution in workgroup primary (after 6 attempts): AWS kept throttling "
        "the requests (TooManyRequestsException: Rate exceeded)"
    )
    assert "retry later" in text
    assert sum(time.sleeps) < 60


def test_athena_credentials_expiring_on_the_second_result_page() -> None:
    client, time = athena(), FakeTime()
    src = athena_source(client, time)
    with Stubber(client) as stub:
        expect_query(stub, src)
        stub.add_response("get_query_execution", state("SUCCEEDED"), GET_STATE)
        stub.add_response(
            "get_query_results", results([COLUMNS, athena_row("DescribeVpcs", 1)], "page-2"), PAGE_1
        )
        stub.add_client_error(
            "get_query_results", "ExpiredTokenException", "The security token is expired", 400
        )
        with pytest.raises(SourceError) as caught:
            read(src)

    assert one_line(caught) == (
        "Athena GetQueryResults in workgroup primary: the AWS credentials have expired "
        f"(ExpiredTokenException); get fresh ones, or in GitHub Actions {EXPIRED_HINT}"
    )
