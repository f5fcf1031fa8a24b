"""CloudTrail (eventSource, eventName) -> IAM actions, against the real IAM reference."""

from __future__ import annotations

import pytest

from least_priv.core.mapping import Mapped, NoPermission, Unmapped, map_call
from least_priv.core.tables import EVENT_ACTIONS, SOURCE_ALIASES
from least_priv.iam.reference import IamReference
from tests.conftest import call

CASES = [
    ("ec2", "CreateVpc", ["ec2:CreateVpc"]),
    ("s3", "ListObjects", ["s3:ListBucket"]),
    ("s3", "ListObjectsV2", ["s3:ListBucket"]),
    ("s3", "HeadObject", ["s3:GetObject"]),
    ("s3", "HeadBucket", ["s3:ListBucket"]),
    ("s3", "CreateMultipartUpload", ["s3:PutObject"]),
    ("s3", "CompleteMultipartUpload", ["s3:PutObject"]),
    ("s3", "DeleteObjects", ["s3:DeleteObject"]),
    ("s3", "CopyObject", ["s3:GetObject", "s3:PutObject"]),
    ("s3", "GetBucketEncryption", ["s3:GetEncryptionConfiguration"]),
    ("s3", "DeleteBucketPublicAccessBlock", ["s3:PutBucketPublicAccessBlock"]),
    ("s3", "PutBucketOwnershipControls", ["s3:PutBucketOwnershipControls"]),
    ("s3", "DeleteBucketOwnershipControls", ["s3:PutBucketOwnershipControls"]),
    ("s3", "GetBucketCors", ["s3:GetBucketCORS"]),
    ("s3", "ListBuckets", ["s3:ListAllMyBuckets"]),
    ("lambda", "CreateFunction20150331", ["lambda:CreateFunction"]),
    ("lambda", "GetFunction20150331v2", ["lambda:GetFunction"]),
    ("lambda", "Invoke", ["lambda:InvokeFunction"]),
    ("cloudfront", "UpdateDistribution2017_03_25", ["cloudfront:UpdateDistribution"]),
    ("monitoring", "DescribeAlarms", ["cloudwatch:DescribeAlarms"]),
    ("amazonmq", "ListConfigurations", ["mq:ListConfigurations"]),
    ("apigateway", "CreateStage", ["apigateway:POST"]),
    ("apigateway", "GetRestApis", ["apigateway:GET"]),
    ("route53", "CreateHostedZone", ["route53:CreateHostedZone"]),
    ("iam", "createrole", ["iam:CreateRole"]),
    ("logs", "CreateLogGroup", ["logs:CreateLogGroup"]),
]


@pytest.mark.parametrize(
    ("source", "name", "expected"), CASES, ids=[f"{s}:{n}" for s, n, _ in CASES]
)
def test_events_map_to_the_actions_iam_checks(
    reference: IamReference, source: str, name: str, expected: list[str]
) -> None:
    result = map_call(call(source, name), reference)
    assert isinstance(result, Mapped)
    assert [str(i.action) for i in result.actions] == expected


@pytest.mark.parametrize("name", ["NotCreateUser", "DescribePolicy"])
def test_names_iam_does_not_know_are_unmapped_not_guessed(
    reference: IamReference, name: str
) -> None:
    result = map_call(call("iam", name), reference)
    assert isinstance(result, Unmapped)
    assert name in result.reason


def test_unknown_event_source_is_unmapped(reference: IamReference) -> None:
    assert isinstance(map_call(call("no-such-service", "DoThing"), reference), Unmapped)


@pytest.mark.parametrize("event_type", ["AwsServiceEvent", "AwsConsoleSignIn"])
def test_non_api_events_need_no_permission(reference: IamReference, event_type: str) -> None:
    assert isinstance(
        map_call(call("signin", "ConsoleLogin", eventType=event_type), reference), NoPermission
    )


def test_every_action_in_the_reviewed_table_exists(reference: IamReference) -> None:
    missing = [
        text
        for names in EVENT_ACTIONS.values()
        for text in names
        if reference.action_info(*text.split(":", 1)) is None
    ]
    assert missing == []


def test_every_source_alias_names_a_real_iam_service(reference: IamReference) -> None:
    assert [
        s for names in SOURCE_ALIASES.values() for s in names if not reference.has_service(s)
    ] == []
