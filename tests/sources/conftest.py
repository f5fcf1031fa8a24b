"""AWS stand-ins for the source tests.

``moto_endpoint``: moto in server mode, a real HTTP endpoint on loopback, started once for
the session; ``aws_env`` points boto3 at it through ``AWS_ENDPOINT_URL`` with throw-away
credentials and resets its state for each test. Services moto lacks (Access Analyzer,
LookupEvents, Athena) are tested with botocore's ``Stubber``, which validates every request
and response against the real service model.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

moto_server = pytest.importorskip(
    "moto.server", reason="moto[server] is a dev dependency: pip install -e '.[dev]'"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Environment of a machine whose AWS is the moto server; yields its endpoint URL."""
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    return moto_endpoint


@pytest.fixture
def aws_client(aws_env: str) -> Any:
    """``aws_client("s3", region)``: a real boto3 client talking to the moto server."""

    def make(service: str, region: str = "us-east-1") -> Any:
        return boto3.client(service, region_name=region)

    return make


@pytest.fixture
def two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any folder is read on two worker processes, however small."""
    from least_priv import parallel

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr("least_priv.app.worker_count", lambda *_: 2)
