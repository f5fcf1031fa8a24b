"""The bundled example: a GitHub OIDC role's Terraform apply + destroy, plus noise."""

from __future__ import annotations

import json
from pathlib import Path

from least_priv.cli import main
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
ROLE = "arn:aws:iam::111122223333:role/ci/github-actions-deploy"
WINDOW = ["--start-time", "2026-11-20T00:00:00Z", "--end-time", "2026-11-21T00:00:00Z"]


def _run(tmp_path: Path, *extra: str) -> tuple[dict, dict]:
    policy = tmp_path / "permission-policy.json"
    policy.write_text((EXAMPLES / "permission-policy.json").read_text())
    report = tmp_path / "report.json"
    argv = [
        "generate",
        "--principal-arn",
        ROLE,
        "--source",
        str(EXAMPLES / "cloudtrail"),
        "--policy-path",
        str(policy),
        "--preserve-sids",
        "S3StateManagement",
        "--report",
        str(report),
        *WINDOW,
        *extra,
    ]
    assert main(argv) == 0
    return json.loads(policy.read_text()), json.loads(report.read_text())


def _allowed(policy: dict) -> set[str]:
    return {
        a
        for s in policy["Statement"]
        if s["Effect"] == "Allow"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }


def test_the_example_deploy_yields_exactly_the_role_s_actions(tmp_path: Path) -> None:
    policy, report = _run(tmp_path)
    original = json.loads((EXAMPLES / "permission-policy.json").read_text())
    assert policy["Statement"][0] == original["Statement"][0]
    allowed = _allowed(policy)
    assert "*" not in allowed
    assert {
        "ec2:CreateVpc",
        "lambda:CreateFunction",
        "route53:CreateHostedZone",
        "logs:CreateLogGroup",
        "iam:PassRole",
    } <= allowed
    # other principals, the day before, denied calls: none of it is allowed
    assert not allowed & {
        "ec2:TerminateInstances",
        "ec2:DescribeInstances",
        "secretsmanager:GetSecretValue",
        "ssm:GetParameter",
        "iam:TagRole",
        "ec2:DescribeAddressesAttribute",
        "s3:ListAllMyBuckets",
        "sts:AssumeRoleWithWebIdentity",
    }
    assert {d["action"] for d in report["denied"]} == {
        "iam:TagRole",
        "ec2:DescribeAddressesAttribute",
    }
    assert report["unmapped"] == []


def test_pass_role_is_limited_to_the_function_role_and_lambda(tmp_path: Path) -> None:
    policy, _ = _run(tmp_path)
    (stmt,) = [s for s in policy["Statement"] if "iam:PassRole" in s["Action"]]
    assert stmt["Resource"] == ["arn:aws:iam::111122223333:role/demo-function-role"]
    assert stmt["Condition"] == {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}


def test_strict_mode_names_the_stack_s_own_resources(tmp_path: Path) -> None:
    policy, _ = _run(tmp_path, "--mode", "strict")
    resources = {r for s in policy["Statement"][1:] for r in s["Resource"]}
    assert "arn:aws:s3:::acme-demo-artifacts-111122223333" in resources
    assert "arn:aws:lambda:us-east-1:111122223333:function:demo-function" in resources
    assert not any(r.endswith(":vpc/*") for r in resources)
