"""The stand-in's one repository (`octo-org/infra`): its git data and contents operations.

Each handler takes a `Call` (path parameters, query, parsed JSON body, headers) and returns a
`Reply` with only the fields that matter; the stand-in completes them into GitHub's full
response shape from the OpenAPI description. Refusals raise `ApiError` with GitHub's own
message, so a client's error handling meets the text it will meet in production.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.github.gitstore import ApiError, Commit, GitStore

OWNER, NAME = "octo-org", "infra"
HTML = f"https://github.com/{OWNER}/{NAME}"
ORG = {
    "login": OWNER,
    "id": 9919,
    "type": "Organization",
    "html_url": f"https://github.com/{OWNER}",
}
INITIAL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadState",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::tf-state/*",
        }
    ],
}
INITIAL_FILES = {
    "README.md": "# infra\n\nTerraform and the CI role's permission policy.\n",
    "permission-policy.json": json.dumps(INITIAL_POLICY, indent=2) + "\n",
}


@dataclass(frozen=True)
class Call:
    params: Mapping[str, str]  # path parameters, decoded
    query: Mapping[str, str]  # the last value of each query parameter
    body: Any  # parsed JSON, None without a body
    headers: Mapping[str, str]  # lower-case names


@dataclass
class Reply:
    status: int
    fields: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a non-JSON body (the raw media type), sent as is


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Repository:
    """`octo-org/infra`: default branch `main`, one initial commit; git data and contents."""

    def __init__(self, api_url: str) -> None:
        self.api = f"{api_url}/repos/{OWNER}/{NAME}"
        self.git = GitStore()
        files = {path: self.git.put_blob(text.encode()) for path, text in INITIAL_FILES.items()}
        commit = self.git.put_commit(self.git.put_tree(files), [], "Initial commit")
        self.git.refs["refs/heads/main"] = commit.sha

    def handlers(self) -> dict[str, Callable[[Call], Reply]]:
        """Operation id (from the description) -> handler, for the git data and contents API."""
        return {
            "repos/get": self.get_repo,
            "repos/get-branch": self.get_branch,
            "git/get-ref": self.get_ref,
            "git/list-matching-refs": self.list_matching_refs,
            "git/create-ref": self.create_ref,
            "git/update-ref": self.update_ref,
            "git/delete-ref": self.delete_ref,
            "git/get-commit": self.get_commit,
            "git/create-commit": self.create_commit,
            "git/get-tree": self.get_tree,
            "git/create-tree": self.create_tree,
            "git/get-blob": self.get_blob,
            "git/create-blob": self.create_blob,
            "repos/get-content": self.get_content,
            "repos/create-or-update-file-contents": self.put_content,
        }

    # -- shapes -------------------------------------------------------------------------

    def repo_fields(self) -> dict[str, Any]:
        permissions = {
            "admin": False,
            "maintain": False,
            "push": True,
            "triage": True,
            "pull": True,
        }
        return {
            "id": 4242, "node_id": "R_infra", "name": NAME, "full_name": f"{OWNER}/{NAME}",
            "owner": ORG, "private": True, "visibility": "private", "html_url": HTML,
            "url": self.api, "default_branch": "main", "fork": False, "archived": False,
            "permissions": permissions,
        }  # fmt: skip

    def _ref_fields(self, ref: str) -> dict[str, Any]:
        sha = self.git.refs[ref]
        return {
            "ref": ref, "node_id": f"REF_{ref}", "url": f"{self.api}/git/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{self.api}/git/commits/{sha}"},
        }  # fmt: skip

    def _commit_fields(self, commit: Commit) -> dict[str, Any]:
        def link(sha: str) -> dict[str, str]:
            return {
                "sha": sha,
                "url": f"{self.api}/git/commits/{sha}",
                "html_url": f"{HTML}/commit/{sha}",
            }

        unsigned = {"verified": False, "reason": "unsigned", "signature": None, "payload": None}
        return link(commit.sha) | {
            "node_id": f"C_{commit.sha}", "author": commit.author, "committer": commit.committer,
            "message": commit.message, "parents": [link(p) for p in commit.parents],
            "tree": {"sha": commit.tree, "url": f"{self.api}/git/trees/{commit.tree}"},
            "verification": unsigned | {"verified_at": None},
        }  # fmt: skip

    def _tree_fields(self, sha: str, *, recursive: bool = False) -> dict[str, Any]:
        entries = self.git.listing(sha, recursive=recursive)
        for entry in entries:
            entry["url"] = f"{self.api}/git/{entry['type']}s/{entry['sha']}"
        return {
            "sha": sha,
            "url": f"{self.api}/git/trees/{sha}",
            "truncated": False,
            "tree": entries,
        }

    def _content_fields(self, path: str, ref: str, sha: str, kind: str = "file") -> dict[str, Any]:
        url, html = (
            f"{self.api}/contents/{path}?ref={ref}",
            f"{HTML}/{'blob' if kind == 'file' else 'tree'}/{ref}/{path}",
        )
        git = f"{self.api}/git/{'blobs' if kind == 'file' else 'trees'}/{sha}"
        download = (
            f"https://raw.githubusercontent.com/{OWNER}/{NAME}/{ref}/{path}"
            if kind == "file"
            else None
        )
        return {
            "type": kind, "name": path.rpartition("/")[2], "path": path, "sha": sha,
            "size": len(self.git.blobs[sha]) if kind == "file" else 0, "url": url, "git_url": git,
            "html_url": html, "download_url": download,
            "_links": {"self": url, "git": git, "html": html},
        }  # fmt: skip

    # -- repository, refs ---------------------------------------------------------------

    def get_repo(self, c: Call) -> Reply:
        return Reply(200, self.repo_fields())

    def get_branch(self, c: Call) -> Reply:
        sha = self.git.refs.get(f"refs/heads/{c.params['branch']}")
        if sha is None:
            raise ApiError(404, "Branch not found")
        git = self._commit_fields(self.git.commits[sha])
        inner = {
            k: git[k] for k in ("url", "author", "committer", "message", "tree", "verification")
        }
        commit = {
            "sha": sha,
            "url": f"{self.api}/commits/{sha}",
            "commit": inner | {"comment_count": 0},
        }
        return Reply(200, {"name": c.params["branch"], "commit": commit, "protected": False})

    def get_ref(self, c: Call) -> Reply:
        # The single-ref endpoint wants `heads/x`; `refs/heads/x` there is a 404, as on GitHub.
        if f"refs/{c.params['ref']}" not in self.git.refs:
            raise ApiError(404, "Not Found")
        return Reply(200, self._ref_fields(f"refs/{c.params['ref']}"))

    def list_matching_refs(self, c: Call) -> Reply:
        prefix = f"refs/{c.params['ref']}"
        return Reply(
            200, [self._ref_fields(r) for r in sorted(self.git.refs) if r.startswith(prefix)]
        )

    def create_ref(self, c: Call) -> Reply:
        ref, sha = c.body["ref"], c.body["sha"]
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise ApiError(422, f"{ref} is not a valid ref name.")
        if sha not in self.git.commits:
            raise ApiError(422, "Object does not exist")
        if ref in self.git.refs:
            raise ApiError(422, "Reference already exists")
        self.git.refs[ref] = sha
        return Reply(201, self._ref_fields(ref), {"Location": f"{self.api}/git/{ref}"})

    def update_ref(self, c: Call) -> Reply:
        ref, sha = f"refs/{c.params['ref']}", c.body["sha"]
        if ref not in self.git.refs:
            raise ApiError(422, "Reference does not exist")
        if sha not in self.git.commits:
            raise ApiError(422, "Object does not exist")
        if not c.body.get("force") and self.git.refs[ref] not in self.git.ancestors(sha):
            raise ApiError(422, "Update is not a fast forward")
        self.git.refs[ref] = sha
        return Reply(200, self._ref_fields(ref))

    def delete_ref(self, c: Call) -> Reply:
        if self.git.refs.pop(f"refs/{c.params['ref']}", None) is None:
            raise ApiError(422, "Reference does not exist")
        return Reply(204)

    # -- git objects --------------------------------------------------------------------

    def get_commit(self, c: Call) -> Reply:
        commit = self.git.commits.get(c.params["commit_sha"])
        if commit is None:
            raise ApiError(404, "Not Found")
        return Reply(200, self._commit_fields(commit))

    def create_commit(self, c: Call) -> Reply:
        commit = self.git.put_commit(
            c.body["tree"],
            c.body.get("parents", []),
            c.body["message"],
            c.body.get("author"),
            c.body.get("committer"),
        )
        return Reply(
            201, self._commit_fields(commit), {"Location": f"{self.api}/git/commits/{commit.sha}"}
        )

    def get_tree(self, c: Call) -> Reply:
        sha = c.params["tree_sha"]
        if sha not in self.git.trees:
            commit = self.git.resolve(sha)
            if commit is None:
                raise ApiError(404, "Not Found")
            sha = self.git.commits[commit].tree
        return Reply(200, self._tree_fields(sha, recursive="recursive" in c.query))

    def create_tree(self, c: Call) -> Reply:
        sha = self.git.tree_with(c.body.get("base_tree"), c.body["tree"])
        return Reply(201, self._tree_fields(sha), {"Location": f"{self.api}/git/trees/{sha}"})

    def get_blob(self, c: Call) -> Reply:
        content = self.git.blobs.get(c.params["file_sha"])
        if content is None:
            raise ApiError(404, "Not Found")
        sha = c.params["file_sha"]
        return Reply(200, {
            "sha": sha, "node_id": f"B_{sha}", "size": len(content), "encoding": "base64",
            "url": f"{self.api}/git/blobs/{sha}", "content": _base64_lines(content),
        })  # fmt: skip

    def create_blob(self, c: Call) -> Reply:
        encoding = c.body.get("encoding", "utf-8")
        if encoding not in ("utf-8", "base64"):
            raise ApiError(422, f"encoding must be either utf-8 or base64, not {encoding}")
        content = (
            _decode_base64(c.body["content"])
            if encoding == "base64"
            else c.body["content"].encode()
        )
        sha = self.git.put_blob(content)
        return Reply(
            201,
            {"sha": sha, "url": f"{self.api}/git/blobs/{sha}"},
            {"Location": f"{self.api}/git/blobs/{sha}"},
        )

    # -- contents -----------------------------------------------------------------------

    def get_content(self, c: Call) -> Reply:
        ref = c.query.get("ref", "main")
        commit = self.git.resolve(ref)
        if commit is None:
            raise ApiError(404, f"No commit found for the ref {ref}")
        path = c.params["path"].strip("/")
        files = self.git.trees[self.git.commits[commit].tree]
        if path in files:
            if "vnd.github.raw" in c.headers.get("accept", ""):
                return Reply(200, raw=self.git.blobs[files[path]])
            fields = self._content_fields(path, ref, files[path])
            return Reply(
                200,
                fields
                | {"encoding": "base64", "content": _base64_lines(self.git.blobs[files[path]])},
            )
        prefix = path + "/"
        inside = sorted(
            {prefix + f[len(prefix) :].split("/")[0] for f in files if f.startswith(prefix)}
        )
        if not inside:
            raise ApiError(404, "Not Found")
        entries = {
            e["path"]: e for e in self.git.listing(self.git.commits[commit].tree, recursive=True)
        }
        return Reply(200, [
            self._content_fields(e, ref, entries[e]["sha"], "file" if e in files else "dir")
            for e in inside
        ])  # fmt: skip

    def put_content(self, c: Call) -> Reply:
        path, branch = c.params["path"].strip("/"), c.body.get("branch", "main")
        head = self.git.refs.get(f"refs/heads/{branch}")
        if head is None:
            raise ApiError(404, f"Branch {branch} not found")
        files = dict(self.git.trees[self.git.commits[head].tree])
        if path in files and "sha" not in c.body:
            raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if "sha" in c.body and files.get(path) != c.body["sha"]:
            raise ApiError(409, f"{path} does not match {c.body['sha']}")
        status = 200 if path in files else 201
        files[path] = self.git.put_blob(_decode_base64(c.body["content"]))
        commit = self.git.put_commit(
            self.git.put_tree(files),
            [head],
            c.body["message"],
            c.body.get("author"),
            c.body.get("committer"),
        )
        self.git.refs[f"refs/heads/{branch}"] = commit.sha
        return Reply(
            status,
            {
                "content": self._content_fields(path, branch, files[path]),
                "commit": self._commit_fields(commit),
            },
        )


def _base64_lines(content: bytes) -> str:
    """Base64 as GitHub sends file content: a newline after every 60 characters."""
    text = base64.b64encode(content).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


def _decode_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(422, "content is not valid Base64") from exc
