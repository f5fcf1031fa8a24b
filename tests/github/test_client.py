"""The REST client and the pull-request flow against the stand-in, with an injected clock."""

from __future__ import annotations

import pytest
import requests

from least_priv.github.client import GitHubClient, GitHubError
from least_priv.github.pulls import BODY_LIMIT, Proposal, branch_for, fit_body, propose
from least_priv.github.runner import SUMMARY_LIMIT, fit_summary
from tests.github.standin import REPOSITORY, TOKEN, GitHubStandIn
from tests.sources.fakes import FakeTime


def _client(github: GitHubStandIn, time: FakeTime, token: str = TOKEN) -> GitHubClient:
    return GitHubClient(
        requests.Session(), github.base_url, REPOSITORY, token, sleep=time.sleep, now=time.clock
    )


def _proposal(**changes: object) -> Proposal:
    fields: dict[str, object] = {
        "files": {"permission-policy.json": '{"Version": "2012-10-17", "Statement": []}\n'},
        "branch": "least-priv/permission-policy.json",
        "base": "",
        "title": "least-priv: update permission-policy.json",
        "body": "## least-priv\n",
        "labels": ("iam",),
    }
    fields.update(changes)
    return Proposal(**fields)  # type: ignore[arg-type]


def test_server_errors_back_off_and_succeed(github: GitHubStandIn) -> None:
    time = FakeTime()
    github.fail("GET", r"^/repos/octo-org/infra$", 502, body="<html>502</html>", times=2)
    repo = _client(github, time).call("GET", "/repos/octo-org/infra").data
    assert repo["default_branch"] == "main"
    assert time.sleeps == [1.0, 2.0]


def test_server_errors_past_the_last_attempt_fail_with_the_status(github: GitHubStandIn) -> None:
    time = FakeTime()
    github.fail("GET", r"^/repos/octo-org/infra$", 503, times=5)
    with pytest.raises(GitHubError, match="GET /repos/octo-org/infra: 503") as caught:
        _client(github, time).call("GET", "/repos/octo-org/infra")
    assert caught.value.status == 503
    assert len(time.sleeps) == 4


def test_a_secondary_rate_limit_waits_for_retry_after(github: GitHubStandIn) -> None:
    time = FakeTime()
    github.fail(
        "GET", r"^/repos/octo-org/infra$", 403,
        body={"message": "You have exceeded a secondary rate limit."},
        headers={"Retry-After": "7"},
    )  # fmt: skip
    _client(github, time).call("GET", "/repos/octo-org/infra")
    assert time.sleeps == [7.0]


def test_a_secondary_rate_limit_without_retry_after_waits_a_minute(github: GitHubStandIn) -> None:
    time = FakeTime()
    github.fail(
        "GET", r"^/repos/octo-org/infra$", 403,
        body={"message": "You have exceeded a secondary rate limit. Please wait a few minutes."},
    )  # fmt: skip
    _client(github, time).call("GET", "/repos/octo-org/infra")
    assert time.sleeps == [60.0]


def test_an_exhausted_rate_limit_waits_until_its_reset(github: GitHubStandIn) -> None:
    time = FakeTime()
    reset = int(time.now) + 42
    github.fail(
        "GET", r"^/repos/octo-org/infra$", 429,
        body={"message": "API rate limit exceeded"},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )  # fmt: skip
    _client(github, time).call("GET", "/repos/octo-org/infra")
    assert time.sleeps == [43.0]


def test_other_client_errors_fail_at_once_with_githubs_message(github: GitHubStandIn) -> None:
    time = FakeTime()
    with pytest.raises(GitHubError, match="401 Bad credentials"):
        _client(github, time, token="ghs_wrong").call("GET", "/repos/octo-org/infra")
    assert time.sleeps == []


def test_no_answer_names_the_url_and_never_the_token() -> None:
    time = FakeTime()
    client = GitHubClient(
        requests.Session(), "http://127.0.0.1:9", REPOSITORY, TOKEN, sleep=time.sleep, attempts=2
    )
    with pytest.raises(GitHubError, match=r"no answer from http://127\.0\.0\.1:9") as caught:
        client.call("GET", "/repos/octo-org/infra")
    assert TOKEN not in str(caught.value)


def test_a_run_that_died_after_creating_the_branch_converges(github: GitHubStandIn) -> None:
    time = FakeTime()
    github.fail("POST", r"/pulls$", 500, times=5)
    with pytest.raises(GitHubError):
        propose(_client(github, time), _proposal())
    assert github.branch_sha("least-priv/permission-policy.json") is not None
    assert github.pulls == []
    made = propose(_client(github, time), _proposal())
    assert made.operation == "created"
    again = propose(_client(github, time), _proposal(title="second title"))
    assert (again.operation, again.number) == ("updated", made.number)
    assert len(github.pulls) == 1
    assert github.pulls[0]["title"] == "second title"
    assert len(github.commits_on("least-priv/permission-policy.json")) == 1


def test_deleted_parts_leave_the_branch(github: GitHubStandIn) -> None:
    time = FakeTime()
    github.commit_files("main", {"permission-policy.2.json": "{}\n"})
    files = {"permission-policy.json": "{}\n", "permission-policy.2.json": None}
    propose(_client(github, time), _proposal(files=files))
    branch = "least-priv/permission-policy.json"
    assert github.file_at(branch, "permission-policy.2.json") is None
    assert github.file_at(branch, "permission-policy.json") == "{}\n"


def test_branch_names_come_from_the_policy_path() -> None:
    assert branch_for("permission-policy.json") == "least-priv/permission-policy.json"
    assert branch_for("iam/ci role/policy.json") == "least-priv/iam-ci-role-policy.json"


def test_long_bodies_and_summaries_are_cut_where_a_line_ends() -> None:
    body = fit_body("| row |\n" * 20_000)
    assert len(body) <= BODY_LIMIT
    assert body.endswith("the job summary has it all._\n")
    summary = fit_summary("x" * 100 + "\n" + "é" * SUMMARY_LIMIT)
    assert len(summary.encode()) < SUMMARY_LIMIT
    assert fit_body("short") == "short"
