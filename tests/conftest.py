"""Shared test data: the real IAM reference, CloudTrail record builders, the shared corpus."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import pytest

from least_priv.core.event import ApiCall, parse_event
from least_priv.iam.reference import IamReference

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = ROOT.parent / "shared" / "cloudtrail-corpus"
ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ci/github-actions-deploy"

_EVENT_NUMBERS = itertools.count(1)  # every record its own eventID, as CloudTrail gives
_SESSION_IDENTITY = {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLEDEPLOYROLE:GitHubActions",
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/GitHubActions",
    "accountId": ACCOUNT,
    "sessionContext": {
        "sessionIssuer": {
            "type": "Role",
            "arn": ROLE_ARN,
            "accountId": ACCOUNT,
            "userName": "github-actions-deploy",
        }
    },
}


def record(
    source: str,
    name: str,
    *,
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    error: str | None = None,
    time: str = "2026-11-20T10:05:00Z",
    identity: dict[str, Any] | None = None,
    region: str = "us-east-1",
    **extra: Any,
) -> dict[str, Any]:
    """A CloudTrail record shaped as CloudTrail writes it, made by the deploy role's session by default."""
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": copy.deepcopy(identity or _SESSION_IDENTITY),
        "eventTime": time,
        "eventSource": f"{source}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "requestParameters": request,
        "responseElements": response,
        "eventID": f"{source}-{name}-{time}-{next(_EVENT_NUMBERS)}",
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
    }
    if error:
        rec["errorCode"] = error
        rec["errorMessage"] = f"{error} message"
    rec.update(extra)
    return rec


def call(*args: Any, **kwargs: Any) -> ApiCall:
    return parse_event(record(*args, **kwargs))


@pytest.fixture(scope="session")
def reference() -> IamReference:
    return IamReference()


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(
            f"the shared CloudTrail corpus is not beside the project ({CORPUS}); it is present in CI"
        )
    return CORPUS
