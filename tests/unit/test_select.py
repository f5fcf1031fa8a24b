"""Principal matching and the time window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from least_priv.core.select import Window, parse_principal
from tests.conftest import ACCOUNT, call

WEB_IDENTITY = {
    "type": "WebIdentityUser",
    "principalId": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:repo:acme/infra:ref:refs/heads/main",
    "userName": "repo:acme/infra:ref:refs/heads/main",
    "identityProvider": "token.actions.githubusercontent.com",
}
USER = {
    "type": "IAMUser",
    "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
    "accountId": ACCOUNT,
    "userName": "alice",
}


@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:iam::{ACCOUNT}:role/ci/github-actions-deploy",
        f"arn:aws:iam::{ACCOUNT}:role/github-actions-deploy",
        f"arn:aws:iam::{ACCOUNT}:role/GitHub-Actions-Deploy",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/GitHubActions",
        "*",
    ],
)
def test_role_sessions_match_their_role_with_or_without_path(principal: str) -> None:
    assert parse_principal(principal).matches(call("ec2", "DescribeVpcs"))


@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:iam::{ACCOUNT}:role/github-actions-readonly",
        "arn:aws:iam::444455556666:role/ci/github-actions-deploy",
        f"arn:aws:iam::{ACCOUNT}:user/github-actions-deploy",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/github-actions-deploy/OtherSession",
    ],
)
def test_other_principals_do_not_match(principal: str) -> None:
    assert not parse_principal(principal).matches(call("ec2", "DescribeVpcs"))


def test_assume_role_with_web_identity_belongs_to_the_web_identity_not_the_role() -> None:
    event = call(
        "sts",
        "AssumeRoleWithWebIdentity",
        identity=WEB_IDENTITY,
        request={"roleArn": f"arn:aws:iam::{ACCOUNT}:role/ci/github-actions-deploy"},
    )
    assert not parse_principal(f"arn:aws:iam::{ACCOUNT}:role/ci/github-actions-deploy").matches(
        event
    )


def test_user_arn_matches_that_user_only() -> None:
    alice = parse_principal(f"arn:aws:iam::{ACCOUNT}:user/alice")
    assert alice.matches(call("s3", "ListBuckets", identity=USER))
    assert not alice.matches(call("s3", "ListBuckets"))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "role/x",
        "arn:aws:iam::123:role/x",
        "arn:aws:s3:::bucket",
        "arn:aws:iam::111122223333:policy/p",
    ],
)
def test_malformed_principal_is_refused_with_a_hint(bad: str) -> None:
    with pytest.raises(ValueError, match="principal-arn"):
        parse_principal(bad)


def test_window_is_half_open_and_refuses_reversed_ranges() -> None:
    start, end = datetime(2026, 11, 20, 10, tzinfo=UTC), datetime(2026, 11, 20, 11, tzinfo=UTC)
    window = Window(start, end)
    assert window.contains(start)
    assert not window.contains(end)
    assert not window.contains(None)
    assert Window(None, None).contains(None)
    with pytest.raises(ValueError, match="before"):
        Window(end, start)
