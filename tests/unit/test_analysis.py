"""From events to grants: outcomes, implied permissions, noise, the window."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from least_priv.core.analysis import Collector, Options
from least_priv.core.event import parse_event
from least_priv.core.evidence import Analysis
from least_priv.core.select import Window, parse_principal
from least_priv.core.tables import DEFAULT_IGNORED_ACTIONS
from least_priv.iam.reference import IamReference
from tests.conftest import ACCOUNT, ROLE_ARN, record


def analyse(
    reference: IamReference,
    *records: dict[str, Any],
    strict: bool = False,
    window: Window | None = None,
    ignore: tuple[str, ...] = DEFAULT_IGNORED_ACTIONS,
) -> Analysis:
    collector = Collector(
        parse_principal(ROLE_ARN), window or Window(None, None), reference, Options(strict, ignore)
    )
    for rec in records:
        collector.add(parse_event(rec))
    return collector.analysis


def granted(analysis: Analysis) -> set[str]:
    return {str(g.action) for g in analysis.grants}


def test_denied_calls_are_reported_not_granted(reference: IamReference) -> None:
    result = analyse(
        reference,
        record("iam", "TagRole", request={"roleName": "demo"}, error="AccessDenied"),
        record("ec2", "DescribeAddressesAttribute", error="Client.UnauthorizedOperation"),
    )
    assert granted(result) == set()
    assert [(d.action, d.error_code) for d in result.denied] == [
        ("iam:TagRole", "AccessDenied"),
        ("ec2:DescribeAddressesAttribute", "Client.UnauthorizedOperation"),
    ]
    assert result.denied[0].resource == f"arn:aws:iam::{ACCOUNT}:role/demo"


def test_errors_after_the_permission_check_still_need_the_action(reference: IamReference) -> None:
    result = analyse(
        reference,
        record("ec2", "DescribeVpcs", error="ThrottlingException"),
        record("iam", "GetRole", request={"roleName": "gone"}, error="NoSuchEntity"),
        record(
            "ec2",
            "DeleteRouteTable",
            request={"routeTableId": "rtb-0123456789abcdef0"},
            error="Client.InvalidRouteTableID.NotFound",
        ),
    )
    assert granted(result) == {"ec2:DescribeVpcs", "iam:GetRole", "ec2:DeleteRouteTable"}


def test_passing_a_role_to_lambda_needs_pass_role_on_that_role_for_lambda(
    reference: IamReference,
) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/demo-function-role"
    result = analyse(
        reference,
        record(
            "lambda",
            "CreateFunction20150331",
            request={"functionName": "demo-function", "role": role},
        ),
    )
    passes = [(g, r) for g, r in result.grants.items() if str(g.action) == "iam:PassRole"]
    assert len(passes) == 1
    grant, resources = passes[0]
    assert {arn for _, arn in resources} == {role}
    assert grant.condition == (("StringEquals", "iam:PassedToService", ("lambda.amazonaws.com",)),)


def test_assuming_a_role_is_not_passing_it(reference: IamReference) -> None:
    result = analyse(
        reference,
        record("sts", "AssumeRole", request={"roleArn": f"arn:aws:iam::{ACCOUNT}:role/x"}),
    )
    assert granted(result) == {"sts:AssumeRole"}


def test_kms_calls_made_by_s3_for_the_role_are_limited_to_s3(reference: IamReference) -> None:
    rec = record(
        "kms",
        "GenerateDataKey",
        request={"keySpec": "AES_256"},
        resources=[
            {
                "type": "AWS::KMS::Key",
                "ARN": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            }
        ],
    )
    rec["userIdentity"]["invokedBy"] = "s3.amazonaws.com"
    (grant,) = analyse(reference, rec).grants
    assert str(grant.action) == "kms:GenerateDataKey"
    assert grant.condition == (("StringEquals", "kms:ViaService", ("s3.us-east-1.amazonaws.com",)),)


def test_default_and_given_ignore_patterns_drop_noise(reference: IamReference) -> None:
    result = analyse(
        reference,
        record("sts", "GetCallerIdentity"),
        record("ec2", "DescribeVpcs"),
        record("ec2", "DescribeSubnets"),
        ignore=(*DEFAULT_IGNORED_ACTIONS, "ec2:DescribeSub*"),
    )
    assert granted(result) == {"ec2:DescribeVpcs"}
    assert result.stats["events_ignored"] == 2


def test_events_outside_the_window_and_of_other_principals_grant_nothing(
    reference: IamReference,
) -> None:
    other = {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "accountId": ACCOUNT}
    window = Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
    result = analyse(
        reference,
        record("secretsmanager", "GetSecretValue", time="2026-11-19T08:00:00Z"),
        record("ec2", "TerminateInstances", identity=other),
        record("ec2", "DescribeVpcs"),
        window=window,
    )
    assert granted(result) == {"ec2:DescribeVpcs"}
    assert result.stats["events_outside_window"] == 1


def test_unmapped_events_are_counted_with_a_reason(reference: IamReference) -> None:
    result = analyse(reference, record("iam", "NotCreateUser"), record("iam", "NotCreateUser"))
    assert result.unmapped[("iam.amazonaws.com", "NotCreateUser")] == 2
    assert granted(result) == set()
