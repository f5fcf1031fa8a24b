"""The analysis remembers what each call shape needs; remembering must never change the
result. Property: for any mix of calls, a collector that remembers and one that works out
every call afresh give the same analysis, in both modes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from least_priv.core.analysis import Collector, Options
from least_priv.core.effects import Dump, dump_repr
from least_priv.core.event import parse_event
from least_priv.core.evidence import Analysis
from least_priv.core.select import Window, parse_principal
from least_priv.core.tables import DEFAULT_IGNORED_ACTIONS
from least_priv.iam.reference import IamReference
from least_priv.sources import scan
from tests.conftest import ROLE_ARN, record

ROLE = "arn:aws:iam::111122223333:role/app"
OTHER_ROLE = "arn:aws:iam::444455556666:role/other"
# Values that steer the result: ARNs, EC2 ids of several kinds, Route 53's "/hostedzone/"
# form, empty strings, role ARNs under PassRole keys and under other keys.
VALUES = [
    "demo-bucket", "other-bucket", "", "/", "/hostedzone/Z0123456789ABC", "hostedzone/",
    "vpc-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60718", "sg-0123456789abcdef0",
    "i-0123456789abcdef0", "key/with/slashes.txt", ROLE, OTHER_ROLE,
    "arn:aws:s3:::demo-bucket/a/b.txt", "arn:aws:s3:::demo-bucket",
    "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws-cn:ec2:cn-north-1:111122223333:vpc/vpc-0a1b2c3d4e5f60718",
    "arn::s3:::demo-bucket", "arn:aws:s3:::", "arn:aws:kms:eu-west-1",  # not whole ARNs
    "lone-\ud800-surrogate",  # orjson cannot write it: the shape falls back to repr
]  # fmt: skip
KEYS = [
    "bucketName", "key", "vpcId", "subnetId", "groupId", "instanceId", "role", "roleArn",
    "hostedZoneId", "id", "name", "logGroupName", "functionName", "keyId", "secretId", "filter",
]  # fmt: skip
OPERATIONS = [
    ("ec2", "DescribeVpcs"), ("ec2", "DescribeSubnets"), ("ec2", "CreateTags"),
    ("ec2", "RunInstances"), ("ec2", "DeleteVpc"), ("ec2", "AssociateEnclaveCertificateIamRole"),
    ("s3", "GetObject"), ("s3", "PutObject"), ("s3", "ListBuckets"), ("s3", "CreateBucket"),
    ("kms", "Decrypt"), ("kms", "GenerateDataKey"), ("kms", "GenerateRandom"), ("iam", "GetRole"), ("sts", "GetCallerIdentity"),
    ("route53", "GetHostedZone"), ("logs", "CreateLogGroup"), ("lambda", "CreateFunction20150331"),
    ("secretsmanager", "GetSecretValue"), ("ecs", "RegisterTaskDefinition"),
]  # fmt: skip

json_values = st.recursive(
    st.sampled_from(VALUES) | st.sampled_from([0, 1, 3, 1.0, True, 2**70]) | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
parameters = st.none() | st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4)
calls = st.tuples(
    st.sampled_from(OPERATIONS),
    parameters,
    parameters,
    st.sampled_from(["us-east-1", "eu-west-1", "cn-north-1"]),
    st.sampled_from(["", "", "s3.amazonaws.com", "AWS Internal"]),
    st.sampled_from(["", "", "NoSuchKey", "AccessDenied"]),
    st.lists(st.sampled_from([v for v in VALUES if v.startswith("arn:")]), max_size=2),
)


def _records(drawn: list[Any]) -> list[dict[str, Any]]:
    found = []
    for index, (op, request, response, region, invoked, error, arns) in enumerate(drawn):
        rec = record(*op, request=request, response=response, error=error or None)
        rec.update(awsRegion=region, eventID=f"event-{index}")
        if invoked:
            rec["userIdentity"]["invokedBy"] = invoked
        if arns:
            rec["resources"] = [{"ARN": a, "type": "AWS::Any"} for a in arns]
        found.append(rec)
    return found


def _analyse(
    reference: IamReference,
    records: list[Any],
    strict: bool,
    remember: bool,
    dump: Dump = dump_repr,
) -> Analysis:
    options = Options(strict, DEFAULT_IGNORED_ACTIONS)
    collector = Collector(
        parse_principal(ROLE_ARN), Window(None, None), reference, options, remember, dump
    )
    for rec in records:
        collector.add(parse_event(rec))
    return collector.analysis


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(calls, min_size=1, max_size=12), st.booleans(), st.data())
def test_remembering_never_changes_the_analysis(
    reference: IamReference, drawn: list[Any], strict: bool, data: st.DataObject
) -> None:
    # Repeat some calls (new event ids) so that remembered shapes are used, not only stored.
    repeats = data.draw(st.lists(st.integers(0, len(drawn) - 1), max_size=8))
    records = _records(drawn + [drawn[i] for i in repeats])
    # Shapes written by repr (the core's own) or by orjson (what the CLI injects).
    dump = data.draw(st.sampled_from([dump_repr, scan.dump]))
    remembered = _analyse(reference, records, strict, remember=True, dump=dump)
    afresh = _analyse(reference, records, strict, remember=False)
    assert remembered.grants == afresh.grants
    assert remembered.action_events == afresh.action_events
    assert remembered.notes == afresh.notes
    assert remembered.stats == afresh.stats
    assert remembered.denied == afresh.denied
    assert remembered.denied == afresh.denied
    assert remembered.unmapped == afresh.unmapped


def test_a_remembered_shape_is_used_for_a_repeated_call(reference: IamReference) -> None:
    """The memo is exercised: the second of two same-shaped calls finds it (else the property
    above would compare two fresh computations)."""
    rec = record("ec2", "DescribeVpcs", request={"filterSet": {"items": [{"name": "vpc-id"}]}})
    again = dict(rec, eventID="another-event")
    collector = Collector(
        parse_principal(ROLE_ARN), Window(None, None), reference, Options(), remember=True
    )
    collector.add(parse_event(rec))
    collector.add(parse_event(again))
    assert collector.remembered == 1
    assert collector.analysis.action_events == {next(iter(collector.analysis.grants)).action: 2}


def test_a_role_passed_by_a_call_without_resource_types_is_not_remembered_away(
    reference: IamReference,
) -> None:
    """Calls of an action without resource types share one shape, except that the one
    passing a role needs iam:PassRole for it."""
    plain = record("ec2", "DescribeVpcs", request={"filterSet": {}})
    passing = dict(record("ec2", "DescribeVpcs", request={"roleArn": ROLE}), eventID="second")
    for remember in (True, False):
        collector = Collector(
            parse_principal(ROLE_ARN), Window(None, None), reference, Options(), remember=remember
        )
        collector.add(parse_event(plain))
        collector.add(parse_event(passing))
        assert {str(g.action) for g in collector.analysis.grants} == {
            "ec2:DescribeVpcs",
            "iam:PassRole",
        }
        assert collector.remembered == 0


INSTANCE = "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"
VPC = "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0a1b2c3d4e5f60718"
KEY_EAST = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_WEST = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _call(op: tuple[str, str], request: dict[str, Any], arns: tuple[str, ...], n: int) -> Any:
    rec = record(*op, request=request)
    rec["eventID"] = f"event-{n}"
    if arns:
        rec["resources"] = [{"ARN": a, "type": "AWS::Any"} for a in arns]
    return parse_event(rec)


TAGS = ("ec2", "CreateTags")  # 106 optional resource types: values decide which are granted


@pytest.mark.parametrize(
    ("op", "first", "second"),
    [
        # ARNs count through which template they match ...
        (TAGS, ({}, (INSTANCE,)), ({}, (VPC,))),
        # ... and their region and account.
        (("kms", "Decrypt"), ({}, (KEY_EAST,)), ({}, (KEY_WEST,))),
        # Values count through being empty, starting with "/" (an id), or being a literal of
        # the template ("instance/" leaves no id).
        (TAGS, ({"instanceId": "x"}, ()), ({"instanceId": ""}, ())),
        (TAGS, ({"instanceId": "x"}, ()), ({"instanceId": "/x"}, ())),
        (TAGS, ({"instanceId": "instance/x"}, ()), ({"instanceId": "instance/"}, ())),
    ],
    ids=["arn-template", "arn-region", "empty-value", "slash-id", "literal-only"],
)
def test_calls_that_differ_where_it_counts_are_not_one_shape(
    reference: IamReference, op: tuple[str, str], first: Any, second: Any
) -> None:
    def analysed(remember: bool, *calls: Any) -> Analysis:
        collector = Collector(
            parse_principal(ROLE_ARN), Window(None, None), reference, Options(), remember=remember
        )
        for n, (request, arns) in enumerate(calls):
            collector.add(_call(op, request, arns, n))
        return collector.analysis

    assert analysed(False, first).grants != analysed(False, second).grants  # a case that counts
    both = analysed(True, first, second)
    assert both.grants == analysed(False, first, second).grants
    assert both.notes == analysed(False, first, second).notes


def test_calls_that_differ_only_in_names_and_ids_are_one_shape(reference: IamReference) -> None:
    collector = Collector(
        parse_principal(ROLE_ARN), Window(None, None), reference, Options(), remember=True
    )
    for n, key in enumerate(["a.txt", "b/c.txt", "d/e/f.json"]):
        bucket = f"bucket-{n}"
        arns = (f"arn:aws:s3:::{bucket}/{key}", f"arn:aws:s3:::{bucket}")
        collector.add(_call(("s3", "GetObject"), {"bucketName": bucket, "key": key}, arns, n))
    assert collector.remembered == 2
    (grant,) = collector.analysis.grants
    assert collector.analysis.grants[grant] == {("object", "arn:aws:s3:::*/*")}
    assert collector.analysis.action_events[grant.action] == 3


@pytest.mark.parametrize(
    ("first", "second"),
    [({"n": 1}, {"n": 1.0}), ({"n": 1}, {"n": True}), ({"a": "x"}, {"a": "\ud800"})],
    ids=["int-float", "int-bool", "surrogate"],
)
def test_the_injected_dump_tells_json_values_apart(first: Any, second: Any) -> None:
    assert scan.dump(first) != scan.dump(second)
    assert scan.dump(first) == scan.dump(dict(first))
    assert scan.dump({"big": 2**70}).startswith(b"r")  # past orjson's integers: repr


def test_values_no_template_reads_do_not_part_shapes(reference: IamReference) -> None:
    """In wildcard mode a value counts only under a key some ARN template's variable is read
    from, and an ARN only when one of the operation's resource types is of its service:
    the Host header and an encryption context naming another service's ARN are not read."""
    collector = Collector(
        parse_principal(ROLE_ARN), Window(None, None), reference, Options(), remember=True
    )
    regions = ("eu-west-1", "us-east-1", "cn-north-1")
    for n, (host, region) in enumerate(
        zip(("", "/", "bucket.s3.amazonaws.com"), regions, strict=True)
    ):
        request = {
            "bucketName": f"bucket-{n}",
            "Host": host,  # empty, or like an id: forms that count under a key a variable reads
            "key": f"state/{n}.tfstate",
            "encryptionContext": {"aws:s3:arn": f"arn:aws:kms:{region}:111122223333:key/k{n}"},
        }
        collector.add(_call(("s3", "GetObject"), request, (), n))
    assert collector.remembered == 2
    (grant,) = collector.analysis.grants
    assert collector.analysis.grants[grant] == {("object", "arn:aws:s3:::*/*")}
    afresh = Collector(
        parse_principal(ROLE_ARN), Window(None, None), reference, Options(), remember=False
    )
    afresh.add(_call(("s3", "GetObject"), request, (), 9))
    assert afresh.analysis.grants == collector.analysis.grants
