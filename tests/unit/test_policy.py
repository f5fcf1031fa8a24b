"""Building, merging, validating and splitting policy documents."""

from __future__ import annotations

import json

import pytest

from least_priv.core.action import Action
from least_priv.core.build import build_statements
from least_priv.core.diff import diff_actions
from least_priv.core.evidence import Grant
from least_priv.core.merge import merge_policy
from least_priv.core.policy import PolicyFormatError, compact_size, parse_policy, render_policy
from least_priv.core.size import MANAGED_POLICY_LIMIT, split_policy
from least_priv.core.validate import validate

STATE = {
    "Sid": "S3StateManagement",
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": ["arn:aws:s3:::state/demo/*"],
}
EXISTING = {
    "Version": "2012-10-17",
    "Statement": [
        STATE,
        {"Sid": "NoLeaks", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
        {"Sid": "TemporaryCaptureAll", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Sid": "Ec2AnyResource",
            "Effect": "Allow",
            "Action": ["ec2:DescribeImages"],
            "Resource": ["*"],
        },
    ],
}
GRANTS = {
    Grant(Action("ec2", "DescribeVpcs")): {("", "*")},
    Grant(Action("ec2", "CreateVpc")): {("vpc", "arn:aws:ec2:us-east-1:111122223333:vpc/*")},
    Grant(Action("ec2", "DeleteVpc")): {("vpc", "arn:aws:ec2:us-east-1:111122223333:vpc/*")},
}


def _generated(keep_star: bool = True):
    statements, notes = build_statements(GRANTS, keep_star)
    return statements, notes


def test_statements_group_actions_by_resources_with_stable_sids() -> None:
    statements, _ = _generated()
    assert [dict(s.raw) for s in statements] == [
        {
            "Sid": "Ec2Vpc",
            "Effect": "Allow",
            "Action": ["ec2:CreateVpc", "ec2:DeleteVpc"],
            "Resource": ["arn:aws:ec2:us-east-1:111122223333:vpc/*"],
        },
        {
            "Sid": "Ec2AnyResource",
            "Effect": "Allow",
            "Action": ["ec2:DescribeVpcs"],
            "Resource": ["*"],
        },
    ]


def test_no_keep_star_resources_leaves_star_actions_out_with_a_finding() -> None:
    statements, notes = _generated(keep_star=False)
    assert [s.sid for s in statements] == ["Ec2Vpc"]
    assert [n.code for n in notes] == ["STAR_RESOURCE_OMITTED"]


def test_replace_keeps_preserved_and_deny_statements_and_drops_the_capture_statement() -> None:
    existing = parse_policy(json.dumps(EXISTING, indent=2))
    result = merge_policy(existing, _generated()[0], ["S3StateManagement", "Missing"])
    out = result.document.to_json_obj()["Statement"]
    assert out[0] == STATE  # same keys, order and value shapes (Action stays a string)
    assert [s.get("Sid") for s in out] == [
        "S3StateManagement",
        "NoLeaks",
        "Ec2Vpc",
        "Ec2AnyResource",
    ]
    assert [f.code for f in result.findings] == ["PRESERVED_SID_MISSING"]
    rendered = render_policy(result.document)
    assert json.dumps(STATE, indent=2).replace("\n", "\n    ") in rendered


def test_union_keeps_existing_allows_and_combines_statements_with_the_same_sid() -> None:
    existing = parse_policy(json.dumps(EXISTING))
    out = merge_policy(existing, _generated()[0], ["S3StateManagement"], mode="union").document
    by_sid = {s.sid: s for s in out.statements}
    assert by_sid["Ec2AnyResource"].actions == ("ec2:DescribeImages", "ec2:DescribeVpcs")
    assert "TemporaryCaptureAll" not in by_sid
    assert "NoLeaks" in by_sid


def test_a_preserved_capture_statement_is_kept() -> None:
    existing = parse_policy(json.dumps(EXISTING))
    out = merge_policy(existing, [], ["TemporaryCaptureAll"]).document
    assert [s.sid for s in out.statements] == ["TemporaryCaptureAll", "NoLeaks"]


def test_diff_counts_actions_added_and_removed() -> None:
    existing = parse_policy(json.dumps(EXISTING))
    new = merge_policy(existing, _generated()[0], ["S3StateManagement"]).document
    diff = diff_actions([existing], [new])
    assert diff.added == ("ec2:CreateVpc", "ec2:DeleteVpc", "ec2:DescribeVpcs")
    assert diff.removed == ("*", "ec2:DescribeImages")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"Version": "2012-10-17", "Statement": "x"}', "Statement must be a list"),
        (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}',
            r"Statement\[0\].Effect",
        ),
        (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}',
            "Action or NotAction",
        ),
        (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": 3, "Resource": "*"}]}',
            r"Statement\[0\].Action must be",
        ),
        ('{"Version": "2020-01-01", "Statement": []}', "Version"),
    ],
)
def test_invalid_policies_are_refused_with_the_place_of_the_problem(
    text: str, message: str
) -> None:
    with pytest.raises(PolicyFormatError, match=message):
        parse_policy(text)


def test_validation_flags_escalation_pass_role_on_star_and_unknown_actions() -> None:
    doc = parse_policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "iam:PassRole",
                            "iam:AttachRolePolicy",
                            "ec2:Describe*",
                            "ec2:MadeUp",
                        ],
                        "Resource": "*",
                    }
                ],
            }
        )
    )
    codes = {f.code for f in validate(doc, lambda s, n: n != "MadeUp")}
    assert codes == {
        "PASSROLE_ANY_ROLE",
        "PRIVILEGE_ESCALATION",
        "WILDCARD_ACTION",
        "UNKNOWN_ACTION",
    }


def test_large_policies_split_into_documents_under_the_limit_keeping_preserved_first() -> None:
    grants = {
        Grant(Action("ec2", f"Action{i:03d}")): {
            ("vpc", f"arn:aws:ec2:us-east-1:111122223333:vpc/vpc-{i:017x}")
        }
        for i in range(300)
    }
    statements, _ = build_statements(grants, True)
    existing = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [STATE]}))
    merged = merge_policy(existing, statements, ["S3StateManagement"])
    docs = split_policy(merged.document, merged.preserved)
    assert len(docs) > 1
    assert all(compact_size(d) <= MANAGED_POLICY_LIMIT for d in docs)
    assert docs[0].statements[0].raw == STATE
    assert sum(len(d.statements) for d in docs) == len(merged.document.statements)
