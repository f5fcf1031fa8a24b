"""Resources per mode: exact ARNs from the event (strict) or per-type patterns (wildcard)."""

from __future__ import annotations

import pytest

from least_priv.core.resources import EventValues, literal, scope_of
from least_priv.iam.reference import IamReference
from tests.conftest import ACCOUNT, call


def _scope(reference: IamReference, service: str, action: str, strict: bool, **event: object):
    info = reference.action_info(service, action)
    assert info is not None
    return scope_of(info, EventValues(call(service, event.pop("name", action), **event)), strict)  # type: ignore[arg-type]


def test_wildcard_mode_keeps_region_and_account_and_wildcards_the_id(
    reference: IamReference,
) -> None:
    scope = _scope(
        reference,
        "ec2",
        "CreateSubnet",
        False,
        request={"vpcId": "vpc-0a1b2c3d4e5f60718"},
        response={"subnet": {"subnetId": "subnet-0123456789abcdef0"}},
    )
    assert {arn for _, arn in scope.resources} == {
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/*",
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/*",
    }


def test_strict_mode_uses_the_exact_arns_from_request_and_response(reference: IamReference) -> None:
    scope = _scope(
        reference,
        "ec2",
        "CreateSubnet",
        True,
        request={"vpcId": "vpc-0a1b2c3d4e5f60718"},
        response={"subnet": {"subnetId": "subnet-0123456789abcdef0"}},
    )
    assert {arn for _, arn in scope.resources} == {
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/subnet-0123456789abcdef0",
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/vpc-0a1b2c3d4e5f60718",
    }
    assert scope.fallbacks == ()


def test_ec2_ids_in_any_parameter_are_recognised_by_prefix(reference: IamReference) -> None:
    scope = _scope(
        reference,
        "ec2",
        "CreateTags",
        True,
        request={"resourcesSet": {"items": [{"resourceId": "igw-0123456789abcdef0"}]}},
    )
    assert [arn for _, arn in scope.resources] == [
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:internet-gateway/igw-0123456789abcdef0"
    ]


def test_actions_without_resource_types_get_star(reference: IamReference) -> None:
    assert _scope(reference, "ec2", "DescribeVpcs", False).resources == (("", "*"),)


def test_s3_buckets_are_pinned_to_the_account_in_wildcard_mode(reference: IamReference) -> None:
    scope = _scope(
        reference, "s3", "GetBucketAcl", False, request={"bucketName": "acme-demo", "acl": ""}
    )
    assert [arn for _, arn in scope.resources] == ["arn:aws:s3:::*"]
    assert scope.account_pin == ("s3:ResourceAccount", ACCOUNT)


def test_s3_object_arn_comes_from_bucket_and_key(reference: IamReference) -> None:
    scope = _scope(
        reference,
        "s3",
        "GetObject",
        True,
        request={"bucketName": "state", "key": "demo/terraform.tfstate"},
    )
    assert ("object", "arn:aws:s3:::state/demo/terraform.tfstate") in scope.resources


def test_log_groups_also_get_the_colon_star_form_cloudwatch_logs_checks(
    reference: IamReference,
) -> None:
    scope = _scope(
        reference, "logs", "CreateLogGroup", True, request={"logGroupName": "/aws/lambda/demo"}
    )
    arns = {arn for _, arn in scope.resources}
    assert f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/demo" in arns
    assert f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/demo:*" in arns


def test_route53_ids_lose_their_path_prefix(reference: IamReference) -> None:
    scope = _scope(
        reference,
        "route53",
        "GetHostedZone",
        True,
        request={"id": "/hostedzone/Z0123456789ABCDEFGHIJ"},
    )
    assert [arn for _, arn in scope.resources] == [
        "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"
    ]


def test_strict_falls_back_to_the_type_pattern_and_says_so(reference: IamReference) -> None:
    scope = _scope(reference, "iam", "GetRole", True, request={})
    assert [arn for _, arn in scope.resources] == [f"arn:aws:iam::{ACCOUNT}:role/*"]
    assert scope.fallbacks == ("role",)


def test_arns_named_in_the_event_are_used_when_they_fit_the_type(reference: IamReference) -> None:
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:demo-function"
    scope = _scope(
        reference,
        "lambda",
        "GetFunction",
        True,
        name="GetFunction20150331v2",
        request={"functionName": arn},
    )
    assert [a for _, a in scope.resources] == [arn]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("demo-bucket", "demo-bucket"),
        ("${aws:username}", "${$}{aws:username}"),
        ("reports/a*b?.csv", "reports/a${*}b${?}.csv"),
        ("$$", "${$}${$}"),
    ],
)
def test_event_text_is_written_as_iam_reads_it_literally(text: str, expected: str) -> None:
    assert literal(text) == expected
