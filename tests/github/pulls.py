"""Pull requests and labels on the stand-in's repository, with GitHub's refusals.

GitHub allows one open pull request per head branch, refuses one whose head has no commits
ahead of its base, and answers 403 when the repository does not let GitHub Actions create
pull requests; its list endpoint silently ignores a `head` filter without `owner:`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from tests.github.gitstore import ApiError
from tests.github.repository import HTML, ORG, OWNER, Call, Reply, Repository, now

BOT = {
    "login": "github-actions[bot]",
    "id": 41898282,
    "type": "Bot",
    "html_url": "https://github.com/apps/github-actions",
}
FORBIDDEN_PR = "GitHub Actions is not permitted to create or approve pull requests."


def _validation_failed(message: str | None = None, **error: str) -> ApiError:
    """GitHub's 422 "Validation Failed" with one entry in `errors`."""
    entry = {"resource": "PullRequest", "code": "custom", **error}
    if message:
        entry["message"] = message
    return ApiError(422, "Validation Failed", errors=[entry])


class PullRequests:
    """The repository's pull requests (dicts: number, title, body, head, base, state, draft,
    labels as names, timestamps) and labels."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.git = repo.git
        self.api = repo.api
        self.pulls: list[dict[str, Any]] = []
        self.labels: dict[str, dict[str, Any]] = {}
        self.forbid_creation = False

    def handlers(self) -> dict[str, Callable[[Call], Reply]]:
        return {
            "pulls/list": self.list_pulls,
            "pulls/create": self.create_pull,
            "pulls/get": self.get_pull,
            "pulls/update": self.update_pull,
            "issues/add-labels": self.add_labels,
            "issues/list-labels-on-issue": self.list_labels,
        }

    def pull_fields(self, pr: dict[str, Any]) -> dict[str, Any]:
        n = pr["number"]
        # head.sha follows the branch while it exists, as on GitHub.
        pr["head_sha"] = self.git.refs.get(f"refs/heads/{pr['head']}", pr["head_sha"])
        base_sha = self.git.refs.get(f"refs/heads/{pr['base']}", "")
        return {
            "url": f"{self.api}/pulls/{n}", "id": 7000 + n, "node_id": f"PR_{n}",
            "html_url": f"{HTML}/pull/{n}", "number": n, "state": pr["state"], "title": pr["title"],
            "body": pr["body"], "user": BOT, "labels": [self.labels[name] for name in pr["labels"]],
            "draft": pr["draft"], "locked": False, "created_at": pr["created_at"],
            "updated_at": pr["updated_at"], "closed_at": pr["closed_at"], "merged_at": None,
            "author_association": "CONTRIBUTOR",
            "head": self._branch_end(pr["head"], pr["head_sha"]),
            "base": self._branch_end(pr["base"], base_sha),
        }  # fmt: skip

    def _branch_end(self, branch: str, sha: str) -> dict[str, Any]:
        return {
            "label": f"{OWNER}:{branch}",
            "ref": branch,
            "sha": sha,
            "user": ORG,
            "repo": self.repo.repo_fields(),
        }

    def list_pulls(self, c: Call) -> Reply:
        found = [pr for pr in self.pulls if c.query.get("state", "open") in ("all", pr["state"])]
        if ":" in c.query.get("head", ""):  # without `owner:`, GitHub silently ignores `head`
            owner, _, branch = c.query["head"].partition(":")
            found = [pr for pr in found if owner.lower() == OWNER and pr["head"] == branch]
        found = [pr for pr in found if c.query.get("base", pr["base"]) == pr["base"]]
        found.sort(key=lambda pr: pr["number"], reverse=c.query.get("direction", "desc") == "desc")
        per_page, page = min(int(c.query.get("per_page", 30)), 100), int(c.query.get("page", 1))
        last = max(1, -(-len(found) // per_page))
        links = [(rel, n) for rel, n in (("next", page + 1), ("last", last)) if page < last]
        links += [(rel, n) for rel, n in (("prev", page - 1), ("first", 1)) if page > 1]
        keep = {k: v for k, v in sorted(c.query.items()) if k not in ("page", "per_page")}
        link = ", ".join(
            f'<{self.api}/pulls?{urlencode(keep | {"per_page": per_page, "page": n})}>; rel="{rel}"'
            for rel, n in links
        )
        chunk = found[(page - 1) * per_page : page * per_page]
        return Reply(200, [self.pull_fields(pr) for pr in chunk], {"Link": link} if link else {})

    def create_pull(self, c: Call) -> Reply:
        if self.forbid_creation:
            # Settings > Actions > General > "Allow GitHub Actions to create and approve pull
            # requests", off: https://docs.github.com/repositories/managing-your-repositorys-settings-and-features/enabling-features-for-your-repository/managing-github-actions-settings-for-a-repository
            raise ApiError(403, FORBIDDEN_PR)
        owner, _, head = c.body["head"].rpartition(":")
        if owner.lower() not in ("", OWNER) or f"refs/heads/{head}" not in self.git.refs:
            raise _validation_failed(field="head", code="invalid")
        if f"refs/heads/{c.body['base']}" not in self.git.refs:
            raise _validation_failed(field="base", code="invalid")
        if "title" not in c.body and "issue" not in c.body:
            raise _validation_failed(field="title", code="missing_field")
        if any(pr["head"] == head and pr["state"] == "open" for pr in self.pulls):
            raise _validation_failed(f"A pull request already exists for {OWNER}:{head}.")
        if not self.git.ahead(
            self.git.refs[f"refs/heads/{head}"], self.git.refs[f"refs/heads/{c.body['base']}"]
        ):
            raise _validation_failed(f"No commits between {c.body['base']} and {head}")
        stamp = now()
        pr = {
            "number": len(self.pulls) + 1, "title": c.body.get("title", ""),
            "body": c.body.get("body"), "head": head, "base": c.body["base"], "state": "open",
            "draft": c.body.get("draft", False),
            "labels": [], "created_at": stamp, "updated_at": stamp, "closed_at": None,
            "head_sha": self.git.refs[f"refs/heads/{head}"],
        }  # fmt: skip
        self.pulls.append(pr)
        return Reply(201, self.pull_fields(pr), {"Location": f"{self.api}/pulls/{pr['number']}"})

    def _pull(self, number: str) -> dict[str, Any]:
        found = [pr for pr in self.pulls if str(pr["number"]) == number]
        if not found:
            raise ApiError(404, "Not Found")
        return found[0]

    def get_pull(self, c: Call) -> Reply:
        return Reply(200, self.pull_fields(self._pull(c.params["pull_number"])))

    def update_pull(self, c: Call) -> Reply:
        pr, body = self._pull(c.params["pull_number"]), c.body or {}
        if "base" in body and f"refs/heads/{body['base']}" not in self.git.refs:
            raise _validation_failed(field="base", code="invalid")
        reopen = body.get("state") == "open" and pr["state"] == "closed"
        if reopen and any(o["head"] == pr["head"] and o["state"] == "open" for o in self.pulls):
            raise _validation_failed(f"A pull request already exists for {OWNER}:{pr['head']}.")
        pr.update({k: body[k] for k in ("title", "body", "state", "base") if k in body})
        pr["updated_at"] = now()
        pr["closed_at"] = pr["updated_at"] if pr["state"] == "closed" else None
        return Reply(200, self.pull_fields(pr))

    def add_labels(self, c: Call) -> Reply:
        pr = self._pull(c.params["issue_number"])
        for item in (c.body or {}).get("labels", []):
            name = item if isinstance(item, str) else item["name"]
            # Adding a label the repository lacks creates it. The description is "", not null:
            # GitHub sends null, but the description types it nullable only in `label`, not
            # where it is inlined in pull requests.
            self.labels.setdefault(name, {
                "id": 100 + len(self.labels), "node_id": f"LA_{name}", "name": name,
                "url": f"{self.api}/labels/{name}", "description": "", "color": "ededed",
                "default": False,
            })  # fmt: skip
            if name not in pr["labels"]:
                pr["labels"].append(name)
        return self.list_labels(c)

    def list_labels(self, c: Call) -> Reply:
        return Reply(
            200, [self.labels[name] for name in self._pull(c.params["issue_number"])["labels"]]
        )
