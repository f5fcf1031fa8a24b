"""The GitHub stand-in and its OpenAPI checker, exercised with plain `requests` calls."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

from tests.github.openapi import OpenApi
from tests.github.pulls import FORBIDDEN_PR
from tests.github.repository import INITIAL_FILES
from tests.github.standin import TOKEN, GitHubStandIn


def _session(token: str = TOKEN) -> requests.Session:
    session = requests.Session()
    session.headers.update({
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "least-priv-tests",
    })  # fmt: skip
    return session


def _repo(github: GitHubStandIn) -> str:
    return f"{github.base_url}/repos/octo-org/infra"


def _commit_policy(github: GitHubStandIn, branch: str, text: str) -> str:
    """Blob, tree, commit and branch through the git data API, as a client does it."""
    s, repo = _session(), _repo(github)
    main = s.get(f"{repo}/git/ref/heads/main").json()["object"]["sha"]
    base_tree = s.get(f"{repo}/git/commits/{main}").json()["tree"]["sha"]
    content = base64.b64encode(text.encode()).decode()
    blob = s.post(f"{repo}/git/blobs", json={"content": content, "encoding": "base64"}).json()
    entry = {"path": "policies/ci.json", "mode": "100644", "type": "blob", "sha": blob["sha"]}
    tree = s.post(f"{repo}/git/trees", json={"base_tree": base_tree, "tree": [entry]}).json()["sha"]
    commit = s.post(
        f"{repo}/git/commits", json={"message": "Update policy", "tree": tree, "parents": [main]}
    )
    ref = s.post(
        f"{repo}/git/refs", json={"ref": f"refs/heads/{branch}", "sha": commit.json()["sha"]}
    )
    assert ref.status_code == 201, ref.text
    return str(commit.json()["sha"])


def test_a_branch_commit_and_pull_request_made_through_the_git_data_api(
    github: GitHubStandIn,
) -> None:
    s, repo = _session(), _repo(github)
    assert s.get(repo).json()["default_branch"] == "main"

    sha = _commit_policy(github, "least-priv/policies-ci", '{"Version": "2012-10-17"}\n')
    # A branch name with a slash is one ref: git/ref/{ref} takes slashes, as on GitHub.
    assert s.get(f"{repo}/git/ref/heads/least-priv/policies-ci").json()["object"]["sha"] == sha
    created = s.post(
        f"{repo}/pulls",
        json={"title": "Policy", "head": "least-priv/policies-ci", "base": "main", "body": "Why"},
    )
    assert created.status_code == 201
    number = created.json()["number"]
    labels = s.post(f"{repo}/issues/{number}/labels", json={"labels": ["iam"]})
    listed = s.get(
        f"{repo}/pulls", params={"head": "octo-org:least-priv/policies-ci", "state": "open"}
    )
    s.patch(f"{repo}/pulls/{number}", json={"title": "Policy, again", "body": "Why, again"})

    assert created.json()["html_url"] == f"https://github.com/octo-org/infra/pull/{number}"
    assert created.json()["head"]["sha"] == sha
    assert [label["name"] for label in labels.json()] == ["iam"]
    assert [pr["number"] for pr in listed.json()] == [number]
    assert github.pulls[0]["title"] == "Policy, again"
    assert (
        github.file_at("least-priv/policies-ci", "policies/ci.json")
        == '{"Version": "2012-10-17"}\n'
    )
    assert github.file_at("least-priv/policies-ci", "README.md") == INITIAL_FILES["README.md"]
    assert [c.message for c in github.commits_on("least-priv/policies-ci")] == ["Update policy"]
    assert github.branch_sha("least-priv/policies-ci") == sha


def test_the_contents_api_reads_creates_and_updates_a_file(github: GitHubStandIn) -> None:
    s, url = _session(), f"{_repo(github)}/contents/permission-policy.json"
    current = s.get(url, params={"ref": "main"}).json()
    new = base64.b64encode(b"{}\n").decode()

    without_sha = s.put(url, json={"message": "Update", "content": new})
    stale_sha = s.put(url, json={"message": "Update", "content": new, "sha": "0" * 40})
    updated = s.put(
        url, json={"message": "Update", "content": new, "sha": current["sha"], "branch": "main"}
    )

    assert base64.b64decode(current["content"]).decode() == INITIAL_FILES["permission-policy.json"]
    assert "\n" in current["content"]  # GitHub wraps base64 content every 60 characters
    assert without_sha.status_code == 422
    assert without_sha.json()["message"] == 'Invalid request.\n\n"sha" wasn\'t supplied.'
    assert stale_sha.status_code == 409
    assert updated.status_code == 200
    assert github.file_at("main", "permission-policy.json") == "{}\n"


def test_a_request_github_would_not_accept_is_refused_and_recorded(github: GitHubStandIn) -> None:
    main = github.branch_sha("main")
    answer = _session().post(
        f"{_repo(github)}/git/refs", json={"ref": "refs/heads/x", "sha": main, "force": True}
    )

    assert answer.status_code == 422
    assert "'force' was unexpected" in answer.json()["message"]
    assert len(github.invalid) == 1  # the fixture's teardown would fail this test
    assert github.branch_sha("x") is None
    github.invalid.clear()


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "problem"),
    [
        (
            "POST",
            "/repos/o/r/git/refs",
            {"ref": "refs/heads/x", "sha": 5},
            {},
            "body.sha: 5 is not of type 'string'",
        ),
        (
            "POST",
            "/repos/o/r/git/refs",
            {"ref": "refs/heads/x"},
            {},
            "body: 'sha' is a required property",
        ),
        (
            "POST",
            "/repos/o/r/git/refs",
            {"ref": "r", "sha": "s", "branch": "x"},
            {},
            "'branch' was unexpected",
        ),
        (
            "POST",
            "/repos/o/r/git/trees",
            {"tree": [{"path": "a", "mode": "644"}]},
            {},
            "body.tree[0].mode: '644' is not one of",
        ),
        (
            "POST",
            "/repos/o/r/issues/1/labels",
            ["iam"],
            {},
            "body: ['iam'] is not of type 'object'",
        ),
        ("GET", "/repos/o/r/pulls?stat=open", None, {}, "unknown query parameter 'stat'"),
        (
            "GET",
            "/repos/o/r/pulls?per_page=ten",
            None,
            {},
            "query parameter 'per_page': 'ten' is not an integer",
        ),
        (
            "GET",
            "/repos/o/r/pulls?state=opened",
            None,
            {},
            "'opened' is not one of ['open', 'closed', 'all']",
        ),
        (
            "GET",
            "/repos/o/r/pulls/one",
            None,
            {},
            "path parameter 'pull_number': 'one' is not an integer",
        ),
        ("GET", "/repos/o/r/pull-requests", None, {}, "no operation in GitHub's REST API matches"),
        ("PUT", "/repos/o/r/pulls", None, {}, "PUT is not an operation on /repos/o/r/pulls"),
        (
            "GET",
            "/repos/o/r",
            None,
            {"X-GitHub-Api-Version": "2021-01-01"},
            "X-GitHub-Api-Version '2021-01-01'",
        ),
        (
            "GET",
            "/repos/o/r",
            None,
            {"Accept": "text/html"},
            "Accept 'text/html' names no media type",
        ),
        (
            "PATCH",
            "/repos/o/r/pulls/1",
            "title=x",
            {"Content-Type": "application/x-www-form-urlencoded"},
            "is not application/json",
        ),
    ],
)
def test_the_checker_names_what_is_wrong_with_a_request(
    openapi: OpenApi, method: str, path: str, body: Any, headers: dict[str, str], problem: str
) -> None:
    target, _, query = path.partition("?")
    params = dict(pair.split("=") for pair in query.split("&")) if query else {}
    raw = (
        body.encode()
        if isinstance(body, str)
        else None
        if body is None
        else json.dumps(body).encode()
    )

    problems = openapi.check_request(
        method, target, {k: [v] for k, v in params.items()}, headers, raw
    )

    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/repos/o/r/git/ref/heads/least-priv/a/b", None),
        ("PATCH", "/repos/o/r/git/refs/heads/feature/x", {"sha": "abc", "force": True}),
        (
            "POST",
            "/repos/o/r/git/trees",
            {
                "base_tree": "t",
                "tree": [{"path": "a", "mode": "100644", "type": "blob", "sha": None}],
            },
        ),
        ("GET", "/repos/o/r/contents/policies/ci.json", None),
        ("POST", "/repos/o/r/issues/3/labels", {"labels": ["iam", {"name": "ci"}]}),
        (
            "POST",
            "/repos/o/r/pulls",
            {"title": "t", "head": "octo-org:b", "base": "main", "draft": False},
        ),
    ],
)
def test_the_checker_accepts_what_github_accepts(
    openapi: OpenApi, method: str, path: str, body: Any
) -> None:
    raw = None if body is None else json.dumps(body).encode()

    assert (
        openapi.check_request(method, path, {}, {"Accept": "application/vnd.github+json"}, raw)
        == []
    )


def test_the_checker_catches_an_answer_that_lies(openapi: OpenApi) -> None:
    operation = openapi.match("GET", "/repos/o/r/git/ref/heads/main")
    assert operation is not None

    problems = openapi.check_response(
        operation.operation, 200, {"ref": "refs/heads/main", "object": {"sha": 1}}
    )

    assert "response: 'node_id' is a required property" in problems
    assert "response.object.sha: 1 is not of type 'string'" in problems


def test_a_missing_ref_is_not_found(github: GitHubStandIn) -> None:
    answer = _session().get(f"{_repo(github)}/git/ref/heads/absent")

    assert answer.status_code == 404
    assert answer.json() == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest/git/refs#get-a-reference",
        "status": "404",
    }


def test_a_second_pull_request_for_a_branch_is_refused(github: GitHubStandIn) -> None:
    s, repo = _session(), _repo(github)
    _commit_policy(github, "least-priv/ci", "{}\n")
    s.post(f"{repo}/git/refs", json={"ref": "refs/heads/empty", "sha": github.branch_sha("main")})
    pull = {"title": "Policy", "head": "least-priv/ci", "base": "main"}

    first, second = s.post(f"{repo}/pulls", json=pull), s.post(f"{repo}/pulls", json=pull)
    empty = s.post(f"{repo}/pulls", json=pull | {"head": "empty"})

    assert first.status_code == 201
    assert second.status_code == 422
    assert (
        second.json()["errors"][0]["message"]
        == "A pull request already exists for octo-org:least-priv/ci."
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["message"] == "No commits between main and empty"
    assert len(github.pulls) == 1


def test_listing_pulls_by_head_without_the_owner_lists_them_all(github: GitHubStandIn) -> None:
    s, repo = _session(), _repo(github)
    for branch in ("a", "b"):
        github.commit_files(branch, {"policies/ci.json": branch})
        s.post(f"{repo}/pulls", json={"title": branch, "head": branch, "base": "main"})

    bare = s.get(f"{repo}/pulls", params={"head": "a"}).json()
    owned = s.get(f"{repo}/pulls", params={"head": "octo-org:a"}).json()

    # GitHub ignores `head` without `owner:`: a client that leaves it out finds others' PRs.
    assert [pr["head"]["ref"] for pr in bare] == ["b", "a"]
    assert [pr["head"]["ref"] for pr in owned] == ["a"]


def test_a_ref_moves_only_forward_unless_forced(github: GitHubStandIn) -> None:
    s, repo = _session(), _repo(github)
    old = github.branch_sha("main")
    new = github.commit_files("main", {"README.md": "moved\n"})

    backwards = s.patch(f"{repo}/git/refs/heads/main", json={"sha": old})
    forced = s.patch(f"{repo}/git/refs/heads/main", json={"sha": old, "force": True})

    assert new != old
    assert backwards.status_code == 422
    assert backwards.json()["message"] == "Update is not a fast forward"
    assert forced.status_code == 200
    assert github.branch_sha("main") == old


def test_a_tree_entry_deletes_a_path_only_with_an_explicit_null_sha(github: GitHubStandIn) -> None:
    s, repo = _session(), _repo(github)
    base = s.get(f"{repo}/git/trees/main").json()["sha"]
    entry = {"path": "README.md", "mode": "100644", "type": "blob"}

    omitted = s.post(f"{repo}/git/trees", json={"base_tree": base, "tree": [entry]})
    deleted = s.post(f"{repo}/git/trees", json={"base_tree": base, "tree": [entry | {"sha": None}]})

    assert omitted.status_code == 422
    assert omitted.json()["message"].startswith("Must supply either tree.sha or tree.content")
    assert [e["path"] for e in deleted.json()["tree"]] == ["permission-policy.json"]


def test_an_injected_failure_answers_once_then_the_request_succeeds(github: GitHubStandIn) -> None:
    github.fail("GET", r"/git/ref/", 502, "<html><body>Bad gateway</body></html>")
    s, url = _session(), f"{_repo(github)}/git/ref/heads/main"

    first, second = s.get(url), s.get(url)

    assert (first.status_code, first.headers["content-type"]) == (502, "text/html; charset=utf-8")
    assert second.status_code == 200


def test_rate_limit_answers_carry_githubs_headers(github: GitHubStandIn) -> None:
    github.rate_limit("POST", r"/pulls$", secondary=True)
    github.rate_limit("GET", r"/pulls$", status=429, reset_in=60)
    s, url = _session(), f"{_repo(github)}/pulls"

    secondary = s.post(url, json={"title": "t", "head": "main", "base": "main"})
    primary = s.get(url)

    assert secondary.status_code == 403
    assert secondary.headers["retry-after"] == "1"
    assert "secondary rate limit" in secondary.json()["message"]
    assert primary.status_code == 429
    assert primary.headers["x-ratelimit-remaining"] == "0"
    assert int(primary.headers["x-ratelimit-reset"]) > 0


def test_pull_request_creation_can_be_forbidden_as_the_repository_setting_does(
    github: GitHubStandIn,
) -> None:
    github.forbid_pull_request_creation = True
    _commit_policy(github, "least-priv/ci", "{}\n")

    answer = _session().post(
        f"{_repo(github)}/pulls", json={"title": "t", "head": "least-priv/ci", "base": "main"}
    )

    assert answer.status_code == 403
    assert answer.json() == {
        "message": FORBIDDEN_PR,
        "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
        "status": "403",
    }


def test_a_stalled_answer_times_the_client_out(github: GitHubStandIn) -> None:
    github.stall("GET", r"/repos/octo-org/infra$", seconds=2)

    with pytest.raises(requests.Timeout):
        _session().get(_repo(github), timeout=0.2)
    assert _session().get(_repo(github), timeout=2).status_code == 200


def test_a_wrong_token_is_bad_credentials(github: GitHubStandIn) -> None:
    answer = _session("ghs_wrong").get(_repo(github))

    assert answer.status_code == 401
    assert answer.json()["message"] == "Bad credentials"


def test_every_request_is_recorded_with_its_headers(github: GitHubStandIn) -> None:
    _session().get(_repo(github), params={"x": "1"})  # an unknown parameter: recorded, and invalid

    recorded = github.requests[-1]

    assert (recorded.method, recorded.path, recorded.query) == (
        "GET",
        "/repos/octo-org/infra",
        {"x": ["1"]},
    )
    assert recorded.headers["user-agent"] == "least-priv-tests"
    assert recorded.headers["x-github-api-version"] == "2022-11-28"
    assert github.invalid == [
        "GET /repos/octo-org/infra?x=1: unknown query parameter 'x' (known: none)"
    ]
    github.invalid.clear()


def test_an_operation_the_stand_in_lacks_is_flagged(github: GitHubStandIn) -> None:
    answer = _session().get(f"{_repo(github)}/issues")

    assert answer.status_code == 404
    assert github.invalid == [
        "GET /repos/octo-org/infra/issues: the stand-in lacks issues/list-for-repo"
    ]
    github.invalid.clear()
