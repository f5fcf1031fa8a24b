"""``least-priv generate`` end to end: files in, policy, report and summary out; bad input."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from least_priv.cli import main
from tests.conftest import ACCOUNT, ROLE_ARN, record

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "S3StateManagement",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::state/demo/*",
        },
        {"Sid": "TemporaryCaptureAll", "Effect": "Allow", "Action": "*", "Resource": "*"},
    ],
}


def _records() -> list[dict[str, Any]]:
    alice = {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "accountId": ACCOUNT}
    return [
        record("ec2", "CreateVpc", response={"vpc": {"vpcId": "vpc-0a1b2c3d4e5f60718"}}),
        record("ec2", "DescribeVpcs", error="ThrottlingException"),
        record("iam", "TagRole", request={"roleName": "fn"}, error="AccessDenied"),
        record(
            "lambda",
            "CreateFunction20150331",
            request={"functionName": "fn", "role": f"arn:aws:iam::{ACCOUNT}:role/fn"},
        ),
        record("ec2", "TerminateInstances", identity=alice),
        record("iam", "NotCreateUser<script>", request={}),
    ]


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    with gzip.open(folder / "a.json.gz", "wt") as handle:
        json.dump({"Records": _records()[:3]}, handle)
    (folder / "b.jsonl").write_text("\n".join(json.dumps(r) for r in _records()[3:]) + "\n")
    lookup = {
        "Events": [
            {
                "EventId": "x",
                "CloudTrailEvent": json.dumps(
                    record("logs", "CreateLogGroup", request={"logGroupName": "/aws/lambda/fn"})
                ),
            }
        ]
    }
    (folder / "lookup.json").write_text(json.dumps(lookup))
    (folder / "broken.json.gz").write_bytes(gzip.compress(b'{"Records": [')[:-6])
    (folder / "empty.json").write_text("")
    return folder


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "permission-policy.json"
    path.write_text(json.dumps(POLICY, indent=2) + "\n")
    return path


def _generate(trail: Path, *extra: str) -> int:
    return main(["generate", "--principal-arn", ROLE_ARN, "--source", str(trail), *extra])


def test_generate_merges_into_the_policy_file_and_writes_report_and_summary(
    trail: Path, policy_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, summary = tmp_path / "report.json", tmp_path / "summary.md"
    code = _generate(
        trail,
        "--policy-path",
        str(policy_file),
        "--preserve-sids",
        "S3StateManagement",
        "--report",
        str(report),
        "--summary",
        str(summary),
    )
    assert code == 0
    policy = json.loads(policy_file.read_text())
    assert policy["Statement"][0] == POLICY["Statement"][0]
    actions = {a for s in policy["Statement"][1:] for a in s["Action"]}
    assert actions == {
        "ec2:CreateVpc",
        "ec2:DescribeVpcs",
        "lambda:CreateFunction",
        "iam:PassRole",
        "logs:CreateLogGroup",
    }
    assert "*" not in actions
    data = json.loads(report.read_text())
    assert set(data) >= {
        "window",
        "principal",
        "sources",
        "actions",
        "denied",
        "unmapped",
        "findings",
    }
    assert [d["action"] for d in data["denied"]] == ["iam:TagRole"]
    assert data["unmapped"][0]["event_name"] == "NotCreateUser<script>"
    assert {f["file"].rsplit("/", 1)[-1] for f in data["sources"][0]["files_skipped"]} == {
        "broken.json.gz",
        "empty.json",
    }
    text = summary.read_text()
    assert "iam:TagRole" in text
    assert "<script>" not in text
    err = capsys.readouterr().err
    assert "skipped" in err
    assert "broken.json.gz" in err
    assert "Traceback" not in err


def test_a_second_run_on_the_same_input_gives_byte_identical_output(
    trail: Path, policy_file: Path
) -> None:
    assert (
        _generate(trail, "--policy-path", str(policy_file), "--preserve-sids", "S3StateManagement")
        == 0
    )
    first = policy_file.read_text()
    assert (
        _generate(trail, "--policy-path", str(policy_file), "--preserve-sids", "S3StateManagement")
        == 0
    )
    assert policy_file.read_text() == first


def test_strict_mode_names_exact_arns(trail: Path, tmp_path: Path) -> None:
    out = tmp_path / "strict.json"
    assert _generate(trail, "--mode", "strict", "--output", str(out)) == 0
    resources = {r for s in json.loads(out.read_text())["Statement"] for r in s["Resource"]}
    assert f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/vpc-0a1b2c3d4e5f60718" in resources
    assert f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn" in resources


def test_without_output_or_policy_path_the_policy_goes_to_stdout(
    trail: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _generate(trail) == 0
    assert json.loads(capsys.readouterr().out)["Version"] == "2012-10-17"


def test_the_console_script_runs_as_installed(trail: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "least_priv",
            "generate",
            "--principal-arn",
            ROLE_ARN,
            "--source",
            str(trail),
            "--output",
            "-",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "ec2:CreateVpc" in proc.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--principal-arn", "not-an-arn"], 2, "principal-arn"),
        (
            ["--start-time", "2026-11-21T00:00:00Z", "--end-time", "2026-11-20T00:00:00Z"],
            2,
            "before",
        ),
        (["--start-time", "yesterday"], 2, "ISO 8601"),
        (["--end-time", "2026-11-20T00:00:00Z"], 2, "needs --start-time"),
        (["--lookback-hours", "-3"], 2, "more than 0"),
        (["--source", "/no/such/folder"], 1, "no such file"),
        (["--mode", "loose"], 2, "invalid choice"),
    ],
)
def test_bad_input_gets_one_clear_line_and_the_right_exit_status(
    trail: Path,
    policy_file: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    before = policy_file.read_text()
    base = {"--principal-arn": ROLE_ARN, "--source": str(trail)}
    flags = dict(zip(args[::2], args[1::2], strict=True))
    argv = ["generate"]
    for flag, value in {**base, **flags}.items():
        argv += [flag, value]
    assert main([*argv, "--policy-path", str(policy_file)]) == code
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: ")
    assert policy_file.read_text() == before


def test_an_invalid_existing_policy_is_refused_and_left_untouched(
    trail: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "policy.json"
    bad.write_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}')
    assert _generate(trail, "--policy-path", str(bad)) == 1
    assert "Statement[0]" in capsys.readouterr().err
    assert bad.read_text() == '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}'


def test_a_folder_where_a_file_is_expected_is_refused(
    trail: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _generate(trail, "--policy-path", str(tmp_path)) == 1
    assert "is a folder" in capsys.readouterr().err
    assert _generate(trail, "--report", str(tmp_path)) == 1


def test_event_text_cannot_inject_workflow_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = record("iam", "Evil\n::error::pwned\n", request={})
    (tmp_path / "evil.json").write_text(json.dumps({"Records": [evil]}))
    assert (
        main(["generate", "--principal-arn", ROLE_ARN, "--source", str(tmp_path / "evil.json")])
        == 0
    )
    err = capsys.readouterr().err
    assert not any(line.startswith("::") for line in err.splitlines())
