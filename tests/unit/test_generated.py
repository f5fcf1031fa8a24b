"""Access Analyzer's generated policies -> grants, with the real IAM reference."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from least_priv.core.analysis import Collector, Options
from least_priv.core.generated import (
    GeneratedPolicyError,
    GeneratedStatement,
    Placement,
    is_service_level,
    parse_generated_policy,
    scope_generated,
)
from least_priv.core.select import Window, parse_principal
from tests.conftest import ACCOUNT, ROLE_ARN, call

PLACE = Placement("aws", ACCOUNT, ("eu-west-1",))


def _info(reference, text: str):  # type: ignore[no-untyped-def]
    service, name = text.split(":")
    return reference.action_info(service, name)


def test_generated_policy_statements_are_read_scalar_or_list() -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": "arn:aws:s3:::${BucketName}",
                },
                {"Effect": "Allow", "Action": ["ec2:DescribeVpcs"], "Resource": ["*"]},
                {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
            ],
        }
    )
    assert parse_generated_policy(text) == (
        GeneratedStatement(("s3:ListBucket",), ("arn:aws:s3:::${BucketName}",)),
        GeneratedStatement(("ec2:DescribeVpcs",), ("*",)),
    )


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", '{"Statement": 3}', '{"Statement": [{"Effect": "Allow", "Action": 5}]}'],
)
def test_unreadable_generated_policies_are_errors(text: str) -> None:
    with pytest.raises(GeneratedPolicyError):
        parse_generated_policy(text)


def test_service_level_entries_are_recognised() -> None:
    assert is_service_level("route53:*")
    assert is_service_level("*")
    assert not is_service_level("route53:ListHostedZones")


@pytest.mark.parametrize(
    ("action", "template", "expected"),
    [
        (
            "ec2:CreateVpc",
            "arn:aws:ec2:${Region}:${Account}:vpc/${VpcId}",
            f"arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/*",
        ),
        (
            "iam:CreateRole",
            "arn:aws:iam::${Account}:role/${RoleNameWithPath}",
            f"arn:aws:iam::{ACCOUNT}:role/*",
        ),
        ("s3:PutBucketTagging", "arn:${Partition}:s3:::${BucketName}", "arn:aws:s3:::*"),
        (
            "lambda:CreateFunction",
            "arn:aws:lambda:${Region}:${Account}:function:${FunctionName}",
            f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:*",
        ),
    ],
)
def test_placeholders_are_filled_with_account_and_region_and_names_wildcarded(
    reference, action: str, template: str, expected: str
) -> None:
    scope = scope_generated(_info(reference, action), (template,), PLACE, strict=False)
    assert [arn for _, arn in scope.resources] == [expected]
    assert not scope.fallbacks


def test_bucket_patterns_are_pinned_to_the_account(reference) -> None:
    scope = scope_generated(
        _info(reference, "s3:CreateBucket"), ("arn:aws:s3:::${BucketName}",), PLACE, strict=False
    )
    assert scope.account_pin == ("s3:ResourceAccount", ACCOUNT)


def test_no_region_means_every_region_not_a_placeholder(reference) -> None:
    scope = scope_generated(
        _info(reference, "ec2:DeleteVpc"),
        ("arn:aws:ec2:${Region}:${Account}:vpc/${VpcId}",),
        Placement("aws", ACCOUNT),
        strict=False,
    )
    assert [arn for _, arn in scope.resources] == [f"arn:aws:ec2:*:{ACCOUNT}:vpc/*"]


def test_templates_the_reference_does_not_know_are_still_filled(reference) -> None:
    scope = scope_generated(
        _info(reference, "ec2:DeleteVpc"),
        ("arn:aws:ec2:${Region}:${Account}:odd/${Thing}",),
        PLACE,
        strict=False,
    )
    assert [arn for _, arn in scope.resources] == [f"arn:aws:ec2:eu-west-1:{ACCOUNT}:odd/*"]


def test_strict_mode_marks_every_generated_pattern_as_a_fallback(reference) -> None:
    scope = scope_generated(
        _info(reference, "ec2:CreateVpc"),
        ("arn:aws:ec2:${Region}:${Account}:vpc/${VpcId}",),
        PLACE,
        strict=True,
    )
    assert scope.fallbacks == ("vpc",)


def test_events_win_over_generated_statements_for_the_same_action(reference) -> None:
    collector = Collector(
        parse_principal(ROLE_ARN),
        Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)),
        reference,
        Options(strict=True),
    )
    collector.add(call("ec2", "DeleteVpc", request={"vpcId": "vpc-0a1b2c3d4e5f60718"}))
    collector.add_generated(
        GeneratedStatement(
            ("ec2:DeleteVpc", "ec2:CreateVpc", "route53:*", "ec2:Bogus"),
            ("arn:aws:ec2:${Region}:${Account}:vpc/${VpcId}",),
        ),
        Placement("aws", ACCOUNT, ("us-east-1",)),
    )
    grants = {
        str(g.action): {arn for _, arn in pairs} for g, pairs in collector.analysis.grants.items()
    }
    assert grants["ec2:DeleteVpc"] == {f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/vpc-0a1b2c3d4e5f60718"}
    assert grants["ec2:CreateVpc"] == {f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/*"}
    assert set(grants) == {"ec2:DeleteVpc", "ec2:CreateVpc"}
    assert collector.analysis.service_level == {"route53"}
    assert not any("${" in arn for arns in grants.values() for arn in arns)
