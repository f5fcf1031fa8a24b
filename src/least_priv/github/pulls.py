"""One pull request per policy file: its branch is reset to the base branch's head with the
new files committed on top (git data API), so the pull request always shows one clean
change; a re-run updates the same branch and the same open pull request.

Content-creating calls go one at a time, as GitHub asks
(https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from least_priv.github.client import GitHubClient, GitHubError

BODY_LIMIT = 65_536  # characters GitHub accepts in a pull request body
_TRUNCATED = "\n\n_The rest is cut to fit GitHub's limit: the job summary has it all._\n"
FORBIDDEN_HINT = (
    "the repository does not let GitHub Actions create pull requests: in the repository (or "
    'organisation) Settings, Actions, General, Workflow permissions, tick "Allow GitHub '
    'Actions to create and approve pull requests", or give a GitHub App or fine-grained token '
    "with contents and pull-requests write access as github-token; note that pull requests "
    "opened with GITHUB_TOKEN do not trigger other workflows"
)


@dataclass(frozen=True)
class Proposal:
    """What to propose: files (path -> text; ``None`` deletes) on ``branch`` against ``base``."""

    files: Mapping[str, str | None]
    branch: str
    base: str  # "" means the repository's default branch
    title: str
    body: str
    labels: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class PullRequest:
    operation: str  # "created" | "updated"
    number: int
    url: str
    commit: str


def branch_for(policy_path: str) -> str:
    """``least-priv/permission-policy-json`` for ``permission-policy.json``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", policy_path).strip("-.").replace("..", ".")
    return f"least-priv/{slug or 'policy'}"


def fit_body(body: str, limit: int = BODY_LIMIT) -> str:
    if len(body) <= limit:
        return body
    cut = body[: limit - len(_TRUNCATED)]
    return cut[: cut.rfind("\n")] + _TRUNCATED if "\n" in cut else cut + _TRUNCATED


def propose(client: GitHubClient, proposal: Proposal) -> PullRequest:
    """Commit the files on the proposal's branch and create or update its pull request."""
    base = proposal.base or _default_branch(client)
    base_sha = _ref_sha(client, f"heads/{base}")
    if base_sha is None:
        raise GitHubError(f"the base branch {base!r} does not exist; check base-branch", 404)
    commit = _commit(client, proposal, base_sha)
    _move_branch(client, proposal.branch, commit)
    return _pull_request(client, proposal, base, commit)


def _default_branch(client: GitHubClient) -> str:
    return str(client.call("GET", client.repo_path()).data["default_branch"])


def _ref_sha(client: GitHubClient, ref: str) -> str | None:
    found = client.call("GET", client.repo_path("git", "ref", ref), missing_ok=True)
    return None if found.data is None else str(found.data["object"]["sha"])


def _commit(client: GitHubClient, proposal: Proposal, base_sha: str) -> str:
    """The commit on top of ``base_sha``; the branch's existing one when it is the same."""
    base_tree = client.call("GET", client.repo_path("git", "commits", base_sha)).data["tree"]["sha"]
    entries = []
    for path, text in sorted(proposal.files.items()):
        entry: dict[str, object] = {"path": path, "mode": "100644", "type": "blob"}
        if text is None:
            entry["sha"] = None
        else:
            blob = client.call(
                "POST",
                client.repo_path("git", "blobs"),
                json={"content": text, "encoding": "utf-8"},
            )
            entry["sha"] = blob.data["sha"]
        entries.append(entry)
    tree = client.call(
        "POST", client.repo_path("git", "trees"), json={"base_tree": base_tree, "tree": entries}
    ).data["sha"]
    current = _ref_sha(client, f"heads/{proposal.branch}")
    if current is not None:
        head = client.call("GET", client.repo_path("git", "commits", current)).data
        if head["tree"]["sha"] == tree and [p["sha"] for p in head["parents"]] == [base_sha]:
            return current  # the branch already proposes exactly this: no new commit
    message = proposal.message or proposal.title
    made = client.call(
        "POST",
        client.repo_path("git", "commits"),
        json={"message": message, "tree": tree, "parents": [base_sha]},
    )
    return str(made.data["sha"])


def _move_branch(client: GitHubClient, branch: str, commit: str) -> None:
    if _ref_sha(client, f"heads/{branch}") is None:
        try:
            client.call(
                "POST",
                client.repo_path("git", "refs"),
                json={"ref": f"refs/heads/{branch}", "sha": commit},
            )
            return
        except GitHubError as exc:
            if exc.status != 422:  # created meanwhile (a concurrent run): move it instead
                raise
    client.call(
        "PATCH",
        client.repo_path("git", "refs", f"heads/{branch}"),
        json={"sha": commit, "force": True},
    )


def _pull_request(client: GitHubClient, proposal: Proposal, base: str, commit: str) -> PullRequest:
    owner = client.repository.split("/", 1)[0]
    body = fit_body(proposal.body)
    found = client.call(
        "GET",
        client.repo_path("pulls"),
        params={"state": "open", "head": f"{owner}:{proposal.branch}", "base": base},
    ).data
    if found:
        number = int(found[0]["number"])
        data = client.call(
            "PATCH",
            client.repo_path("pulls", str(number)),
            json={"title": proposal.title, "body": body},
        ).data
        operation = "updated"
    else:
        data = _create(client, proposal, base, body)
        number, operation = int(data["number"]), "created"
    if proposal.labels:
        client.call(
            "POST",
            client.repo_path("issues", str(number), "labels"),
            json={"labels": list(proposal.labels)},
        )
    return PullRequest(operation, number, str(data["html_url"]), commit)


def _create(client: GitHubClient, proposal: Proposal, base: str, body: str) -> dict[str, Any]:
    try:
        created = client.call(
            "POST",
            client.repo_path("pulls"),
            json={"title": proposal.title, "head": proposal.branch, "base": base, "body": body},
        )
    except GitHubError as exc:
        if exc.status == 403 and "not permitted to create" in str(exc):
            raise GitHubError(f"{exc}; {FORBIDDEN_HINT}", 403) from None
        raise
    data: dict[str, Any] = created.data
    return data
