"""The stand-in's repository: git objects (blobs, trees, commits) and refs, in memory.

Blob SHAs are real git object ids (`git hash-object` gives the same), so a client comparing a
local file's blob SHA with the one GitHub reports gets GitHub's answer. Trees are kept flat (path
-> blob SHA); listing one stores its directories as trees of their own, so they can be fetched.
Tree and commit SHAs are unique but not git's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_NEITHER_OR_BOTH = (
    "Must supply either tree.sha or tree.content. Request will be rejected if both are present."
)


class ApiError(Exception):
    """A request GitHub would refuse: its status, GitHub's message and, for some 422s, `errors`."""

    def __init__(
        self, status: int, message: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    message: str
    author: dict[str, str]
    committer: dict[str, str]


@dataclass
class GitStore:
    blobs: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, dict[str, str]] = field(default_factory=dict)  # flat: path -> blob sha
    commits: dict[str, Commit] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # "refs/heads/main" -> commit sha

    def put_blob(self, content: bytes) -> str:
        sha = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
        self.blobs[sha] = content
        return sha

    def put_tree(self, files: dict[str, str]) -> str:
        """Store a flat tree; its directories get stored as they are listed."""
        text = json.dumps(sorted(files.items()))
        sha = hashlib.sha1(b"tree " + text.encode()).hexdigest()
        self.trees[sha] = dict(sorted(files.items()))
        return sha

    def put_commit(
        self,
        tree: str,
        parents: list[str],
        message: str,
        author: dict[str, str] | None = None,
        committer: dict[str, str] | None = None,
    ) -> Commit:
        if tree not in self.trees:
            raise ApiError(422, "Tree SHA does not exist")
        if any(p not in self.commits for p in parents):
            raise ApiError(422, "Parent SHA does not exist or is not a commit object")
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        author = {
            "name": "github-actions[bot]",
            "email": "41898282+github-actions[bot]@users.noreply.github.com",
            "date": now,
            **(author or {}),
        }
        committer = {**author, **(committer or {})}
        text = json.dumps([tree, parents, message, author, committer, len(self.commits)])
        sha = hashlib.sha1(b"commit " + text.encode()).hexdigest()
        self.commits[sha] = Commit(sha, tree, tuple(parents), message, author, committer)
        return self.commits[sha]

    def listing(self, tree_sha: str, *, recursive: bool) -> list[dict[str, Any]]:
        """`GET git/trees` entries: one level (files and directories), or all of them."""
        files = self.trees[tree_sha]
        entries: dict[str, dict[str, Any]] = {}
        for path, blob in files.items():
            parts = path.split("/")
            for depth in range(1, len(parts)):
                directory = "/".join(parts[:depth])
                if (recursive or depth == 1) and directory not in entries:
                    prefix = directory + "/"
                    sub = {p[len(prefix) :]: s for p, s in files.items() if p.startswith(prefix)}
                    entries[directory] = {
                        "path": directory,
                        "mode": "040000",
                        "type": "tree",
                        "sha": self.put_tree(sub),
                    }
            if recursive or len(parts) == 1:
                entries[path] = {
                    "path": path,
                    "mode": "100644",
                    "type": "blob",
                    "sha": blob,
                    "size": len(self.blobs[blob]),
                }
        return [entries[k] for k in sorted(entries)]

    def tree_with(self, base: str | None, entries: list[dict[str, Any]]) -> str:
        """`POST git/trees`: `base`'s files changed by `entries`; `"sha": null` deletes a path
        (the key must be sent: an entry with neither `sha` nor `content` is refused)."""
        if base is not None and base not in self.trees:
            raise ApiError(422, "base_tree is not a valid tree oid")
        files = dict(self.trees[base]) if base else {}
        for entry in entries:
            path, sha = entry.get("path"), entry.get("sha")
            if ("sha" in entry) == ("content" in entry) or not path:
                raise ApiError(422, _NEITHER_OR_BOTH)
            if "content" in entry:
                files[path] = self.put_blob(entry["content"].encode())
            elif sha is None:
                removed = [p for p in files if p == path or p.startswith(path + "/")]
                if not removed:  # GitHub's answer to deleting a path the tree lacks
                    raise ApiError(422, "GitRPC::BadObjectState")
                files = {p: s for p, s in files.items() if p not in removed}
            elif entry.get("type") == "tree" and sha in self.trees:
                files = {p: s for p, s in files.items() if not p.startswith(path + "/")}
                files |= {f"{path}/{p}": s for p, s in self.trees[sha].items()}
            elif sha in self.blobs:
                files[path] = sha
            else:
                raise ApiError(422, f"tree.sha {sha} is not a valid {entry.get('type', 'blob')}")
        return self.put_tree(files)

    def ancestors(self, sha: str) -> set[str]:
        """`sha` and every commit reachable from it."""
        seen: set[str] = set()
        todo = [sha]
        while todo:
            current = todo.pop()
            if current not in seen and current in self.commits:
                seen.add(current)
                todo.extend(self.commits[current].parents)
        return seen

    def ahead(self, head: str, base: str) -> list[Commit]:
        """Commits reachable from `head` and not from `base`, oldest first (as GitHub lists)."""
        behind = self.ancestors(base)
        ahead = [c for c in self.ancestors(head) if c not in behind]
        return sorted((self.commits[c] for c in ahead), key=lambda c: len(self.ancestors(c.sha)))

    def resolve(self, ref: str) -> str | None:
        """A commit SHA for a branch name, `heads/x`, `refs/heads/x`, a tag, or a commit SHA."""
        for candidate in (ref, f"refs/{ref}", f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if candidate in self.refs:
                return self.refs[candidate]
        return ref if ref in self.commits else None

    def file(self, ref: str, path: str) -> bytes | None:
        commit = self.resolve(ref)
        if commit is None:
            return None
        blob = self.trees[self.commits[commit].tree].get(path)
        return None if blob is None else self.blobs[blob]
