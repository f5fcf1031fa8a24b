"""``entrypoint.py`` run as the runner runs a Docker action: every input as ``INPUT_<NAME>``
with action.yml's defaults, the runner's files and variables, and GitHub's API played by the
stand-in, which checks every request against GitHub's OpenAPI description."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROLE_ARN, ROOT
from tests.github.standin import TOKEN, GitHubStandIn

EXAMPLE_POLICY = (ROOT / "examples" / "permission-policy.json").read_text()
BRANCH = "least-priv/permission-policy.json"


@dataclass
class Run:
    code: int
    log: str  # stdout and stderr, as the job log shows them
    outputs: dict[str, str]
    summary: str
    workspace: Path


def parse_outputs(text: str) -> dict[str, str]:
    """``GITHUB_OUTPUT`` as the runner reads it (``name<<DELIMITER`` blocks, last one wins)."""
    found, lines, i = {}, text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            found[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
        else:
            if "=" in line:
                name, value = line.split("=", 1)
                found[name] = value
            i += 1
    return found


def runner_env(workspace: Path, github: GitHubStandIn, **inputs: str) -> dict[str, str]:
    """What the runner gives the container: every input of action.yml (its default unless
    given), the file commands, the workspace and the GitHub context variables."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(workspace.parent),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(workspace.parent / "output"),
        "GITHUB_STEP_SUMMARY": str(workspace.parent / "summary"),
        "GITHUB_EVENT_PATH": str(workspace.parent / "event.json"),
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_REPOSITORY": "octo-org/infra",
        "GITHUB_API_URL": github.base_url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REF": "refs/heads/main",
        "RUNNER_TEMP": str(workspace.parent),
    }
    for name, spec in action["inputs"].items():
        value = inputs.get(name, str(spec.get("default", "")))
        env[f"INPUT_{name.upper()}"] = TOKEN if value == "${{ github.token }}" else value
    return env


def run_action(tmp_path: Path, github: GitHubStandIn, **inputs: str) -> Run:
    workspace = tmp_path / "workspace"
    if not workspace.exists():
        workspace.mkdir()
        (workspace / "permission-policy.json").write_text(EXAMPLE_POLICY)
    for name in ("output", "summary"):
        (tmp_path / name).write_text("")
    (tmp_path / "event.json").write_text(json.dumps({"inputs": {}}))
    defaults = {
        "principal-arn": ROLE_ARN,
        "source": str(ROOT / "examples" / "cloudtrail"),
        "start-time": "2026-11-20T00:00:00Z",
        "end-time": "2026-11-21T00:00:00Z",
        "preserve-sids": "S3StateManagement",
    }
    env = runner_env(workspace, github, **{**defaults, **inputs})
    done = subprocess.run(
        [sys.executable, str(ROOT / "entrypoint.py")],
        env=env, cwd=workspace, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return Run(
        done.returncode,
        done.stdout + done.stderr,
        parse_outputs((tmp_path / "output").read_text()),
        (tmp_path / "summary").read_text(),
        workspace,
    )


@pytest.fixture
def github_main(github: GitHubStandIn) -> GitHubStandIn:
    """The stand-in's repository with the example policy on main, as the checkout has it."""
    github.commit_files("main", {"permission-policy.json": EXAMPLE_POLICY}, "Add the policy")
    return github


def _reset(run: Run) -> None:
    """A new job: a fresh checkout of main."""
    (run.workspace / "permission-policy.json").write_text(EXAMPLE_POLICY)


def test_first_run_creates_the_pull_request(tmp_path: Path, github_main: GitHubStandIn) -> None:
    run = run_action(tmp_path, github_main, **{"pr-labels": "security,iam"})
    assert run.code == 0, run.log
    assert run.outputs["pull-request-operation"] == "created"
    assert run.outputs["changed"] == "true"
    pulls = github_main.pulls
    assert len(pulls) == 1
    assert pulls[0]["number"] == int(run.outputs["pull-request-number"])
    assert run.outputs["pull-request-url"].endswith(f"/pull/{pulls[0]['number']}")
    written = (run.workspace / "permission-policy.json").read_text()
    assert github_main.file_at(BRANCH, "permission-policy.json") == written
    assert run.outputs["policy"] == written
    assert len(github_main.commits_on(BRANCH)) == 1
    assert set(pulls[0]["labels"]) == {"security", "iam"}
    assert pulls[0]["body"].startswith("## least-priv:")
    assert "### Actions:" in run.summary
    assert f"[#{pulls[0]['number']}]" in run.summary
    for request in github_main.requests:
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert request.headers["user-agent"].startswith("least-priv-action/")


def test_a_rerun_updates_the_same_branch_and_pull_request(
    tmp_path: Path, github_main: GitHubStandIn
) -> None:
    first = run_action(tmp_path, github_main)
    _reset(first)
    second = run_action(tmp_path, github_main, **{"end-time": "2026-11-20T10:30:00Z"})
    assert second.code == 0, second.log
    assert second.outputs["pull-request-operation"] == "updated"
    assert second.outputs["pull-request-number"] == first.outputs["pull-request-number"]
    assert len(github_main.pulls) == 1
    assert len(github_main.commits_on(BRANCH)) == 1  # reset to main, one commit on top
    assert (
        github_main.file_at(BRANCH, "permission-policy.json")
        == (second.workspace / "permission-policy.json").read_text()
    )


def test_an_identical_rerun_adds_no_commit(tmp_path: Path, github_main: GitHubStandIn) -> None:
    first = run_action(tmp_path, github_main)
    head = github_main.branch_sha(BRANCH)
    _reset(first)
    second = run_action(tmp_path, github_main)
    assert second.outputs["pull-request-operation"] == "updated"
    assert github_main.branch_sha(BRANCH) == head
    assert len(github_main.pulls) == 1


def test_an_unchanged_policy_is_a_no_op(tmp_path: Path, github_main: GitHubStandIn) -> None:
    first = run_action(tmp_path, github_main, **{"create-pr": "false"})
    assert first.outputs["pull-request-operation"] == "none"
    assert github_main.requests == []
    again = run_action(tmp_path, github_main)  # the workspace already holds the new policy
    assert again.code == 0, again.log
    assert again.outputs["changed"] == "false"
    assert again.outputs["pull-request-operation"] == "unchanged"
    assert github_main.requests == []
    assert "No change" in again.summary


def test_forbidden_pull_requests_name_the_setting(
    tmp_path: Path, github_main: GitHubStandIn
) -> None:
    github_main.forbid_pull_request_creation = True
    run = run_action(tmp_path, github_main)
    assert run.code == 1
    error = next(line for line in run.log.splitlines() if line.startswith("::error"))
    assert "Allow GitHub Actions to create and approve pull requests" in error
    assert "github-token" in error
    assert "do not trigger other workflows" in error
    assert "Allow GitHub Actions to create and approve pull requests" in run.summary
    assert run.outputs["changed"] == "true"  # the file and its outputs are there all the same


def test_server_errors_and_rate_limits_are_retried(
    tmp_path: Path, github_main: GitHubStandIn
) -> None:
    github_main.fail("POST", r"/git/blobs$", 502, body="<html>Bad gateway</html>", times=2)
    github_main.rate_limit("POST", r"/pulls$", secondary=True)
    run = run_action(tmp_path, github_main)
    assert run.code == 0, run.log
    assert run.outputs["pull-request-operation"] == "created"
    posts = [r for r in github_main.requests if r.method == "POST" and r.path.endswith("/pulls")]
    assert len(posts) == 2
    assert len(github_main.pulls) == 1


def test_the_token_never_reaches_any_output(tmp_path: Path, github_main: GitHubStandIn) -> None:
    github_main.forbid_pull_request_creation = True
    failed = run_action(tmp_path, github_main)
    github_main.forbid_pull_request_creation = False
    _reset(failed)
    done = run_action(tmp_path, github_main)
    for run in (failed, done):
        masked = [line for line in run.log.splitlines() if TOKEN in line]
        assert masked in ([f"::add-mask::{TOKEN}"], [f"::add-mask ::{TOKEN}"])
        assert TOKEN not in json.dumps(run.outputs)
        assert TOKEN not in run.summary
        for path in run.workspace.rglob("*"):
            assert TOKEN not in path.read_text()
    assert TOKEN not in github_main.pulls[0]["body"]


def test_outputs_parse_and_agree_with_the_files(tmp_path: Path, github_main: GitHubStandIn) -> None:
    run = run_action(tmp_path, github_main, **{"create-pr": "no"})
    assert run.code == 0, run.log
    assert set(run.outputs) == {
        "policy", "policy-path", "changed", "actions-added", "actions-removed", "denied-count",
        "pull-request-number", "pull-request-url", "pull-request-operation",
    }  # fmt: skip
    policy = json.loads(run.outputs["policy"])
    assert policy["Statement"][0]["Sid"] == "S3StateManagement"
    assert run.outputs["policy-path"] == "permission-policy.json"
    assert int(run.outputs["actions-added"]) > 0
    assert run.outputs["denied-count"] == "2"
    assert run.outputs["pull-request-number"] == ""


def test_the_summary_renders_with_event_text_escaped(
    tmp_path: Path, github_main: GitHubStandIn
) -> None:
    run = run_action(tmp_path, github_main, **{"create-pr": "false"})
    assert run.summary.startswith("## least-priv: ")
    assert re.search(r"^\| service \| added \| removed \|$", run.summary, re.M)
    assert "<script" not in run.summary
    assert len(run.summary.encode()) < 1024 * 1024


@pytest.mark.parametrize(
    ("inputs", "code", "message"),
    [
        ({"principal-arn": ""}, 2, "input principal-arn is required"),
        ({"policy-path": "../elsewhere.json"}, 2, "leaves the workspace"),
        ({"mode": "exact"}, 2, "'exact' is not one of wildcard, strict"),
        ({"create-pr": "perhaps"}, 2, "create-pr: 'perhaps' is not true or false"),
        ({"source": "/no/such/folder"}, 1, "no such file or folder"),
    ],
)
def test_bad_inputs_fail_with_an_annotation_and_a_summary_line(
    tmp_path: Path, github_main: GitHubStandIn, inputs: dict[str, str], code: int, message: str
) -> None:
    run = run_action(tmp_path, github_main, **inputs)
    assert run.code == code, run.log
    errors = [line for line in run.log.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    assert message in errors[0]
    assert "least-priv failed" in run.summary
    assert (run.workspace / "permission-policy.json").read_text() == EXAMPLE_POLICY
    assert github_main.requests == []


def test_a_root_written_policy_keeps_its_owner(tmp_path: Path, github_main: GitHubStandIn) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    policy = workspace / "permission-policy.json"
    policy.write_text(EXAMPLE_POLICY)
    if os.geteuid() == 0:  # as in the container: hand the file to another user first
        os.chown(policy, 1001, 1001)
        os.chown(workspace, 1001, 1001)
    before = policy.stat()
    run = run_action(tmp_path, github_main, **{"create-pr": "false"})
    assert run.code == 0, run.log
    after = policy.stat()
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)


def test_parts_of_an_earlier_split_are_removed_here_and_in_the_pull_request(
    tmp_path: Path, github_main: GitHubStandIn
) -> None:
    github_main.commit_files("main", {"permission-policy.2.json": "{}\n"}, "An old split")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "permission-policy.json").write_text(EXAMPLE_POLICY)
    (workspace / "permission-policy.2.json").write_text("{}\n")
    run = run_action(tmp_path, github_main)
    assert run.code == 0, run.log
    assert not (workspace / "permission-policy.2.json").exists()
    assert github_main.file_at(BRANCH, "permission-policy.2.json") is None
    assert github_main.file_at("main", "permission-policy.2.json") == "{}\n"


def test_hostile_event_text_never_becomes_a_workflow_command(
    tmp_path: Path, github_main: GitHubStandIn
) -> None:
    hostile = "Evil\n::set-output name=policy::pwned\n%0A::add-mask::x <img src=x onerror=alert(1)>"
    record = {
        "eventVersion": "1.09",
        "eventTime": "2026-11-20T10:00:00Z",
        "eventSource": "evil.amazonaws.com",
        "eventName": hostile,
        "awsRegion": "us-east-1",
        "recipientAccountId": "111122223333",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": "arn:aws:sts::111122223333:assumed-role/github-actions-deploy/GitHubActions",
            "sessionContext": {"sessionIssuer": {"arn": ROLE_ARN}},
        },
    }
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "hostile.json").write_text(json.dumps({"Records": [record]}))
    run = run_action(tmp_path, github_main, source=str(evidence), **{"create-pr": "false"})
    assert run.code == 0, run.log
    commands = [line for line in run.log.splitlines() if line.startswith("::")]
    assert commands, "the unmapped event is reported as a warning"
    for line in commands:
        assert line.startswith(("::add-mask", "::warning title=least-priv::")), line
    assert "pwned" not in run.outputs["policy"]
    assert "<img" not in run.summary
    rows = [line for line in run.summary.splitlines() if "set-output" in line]
    assert len(rows) == 1  # the event's name stays inside its table cell
    assert rows[0].startswith("| ")
