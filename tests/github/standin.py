"""A GitHub REST API stand-in for tests: a real HTTP server on 127.0.0.1 holding one repository.

Every request is checked against GitHub's OpenAPI description: a request the description
rejects gets a 422 and is recorded in `invalid`, which the `github` fixture asserts empty, so a
client sending a wrong field cannot pass silently. Answers are completed into GitHub's full
response shapes and checked too (a stand-in that lies is as bad as a client that does).

Use it from any test folder. Fixtures in tests/github/conftest.py are not visible elsewhere;
import them into that folder's conftest.py (`openapi` skips the tests when the description is
absent, `github` fails a test that sent an invalid request):

    from tests.github.conftest import github, openapi  # noqa: F401 - fixtures

or start one directly (FileNotFoundError when the description is absent):

    from tests.github.standin import start_standin

    with start_standin() as github:
        env["GITHUB_API_URL"] = github.base_url  # the client may run in a subprocess
        env["GITHUB_REPOSITORY"] = "octo-org/infra"
        ...
        assert github.pulls[0]["title"] == "..."
        assert github.invalid == []
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.github.gitstore import ApiError, Commit
from tests.github.openapi import OpenApi, load_openapi
from tests.github.pulls import PullRequests
from tests.github.repository import NAME, OWNER, Call, Reply, Repository

TOKEN = "ghs_standinTOKEN0123456789"
REPOSITORY = f"{OWNER}/{NAME}"
RATE_LIMIT_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # as sent, percent-encoded, without the query
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: Any  # parsed JSON, None when absent or not JSON


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    times: int
    status: int | None = None  # None: only stall
    body: Any = None
    headers: Mapping[str, str] | None = None
    seconds: float = 0.0


class GitHubStandIn:
    """The server, what it was asked, and switches for the failures a real GitHub produces."""

    def __init__(self, openapi: OpenApi, token: str = TOKEN) -> None:
        self.openapi = openapi
        self.token = token
        self.requests: list[RecordedRequest] = []
        # Requests the description rejects, valid operations the stand-in lacks, its own lies.
        self.invalid: list[str] = []
        self._faults: list[_Fault] = []
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a stalled answer must not hold up stop()
        self._server.standin = self  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.repo = Repository(self.base_url)
        self.pull_requests = PullRequests(self.repo)
        self._handlers = self.repo.handlers() | self.pull_requests.handlers()
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    def start(self) -> GitHubStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    # -- switches -----------------------------------------------------------------------

    @property
    def forbid_pull_request_creation(self) -> bool:
        return self.pull_requests.forbid_creation

    @forbid_pull_request_creation.setter
    def forbid_pull_request_creation(self, value: bool) -> None:
        """Answer `POST /pulls` as GitHub does when the repository (or its organization) leaves
        "Allow GitHub Actions to create and approve pull requests" off."""
        self.pull_requests.forbid_creation = value

    def fail(
        self, method: str, path_regex: str, status: int, body: Any = None,
        headers: Mapping[str, str] | None = None, times: int = 1,
    ) -> None:  # fmt: skip
        """The next `times` requests `method` ("*" for any) whose path `re.search`es `path_regex`
        get `status` and `body`: a dict is sent as JSON, a str as HTML or text, None as
        `{"message": <reason>}`. The request is still checked and recorded."""
        with self._lock:
            self._faults.append(
                _Fault(method.upper(), re.compile(path_regex), times, status, body, headers)
            )

    def rate_limit(
        self, method: str, path_regex: str, *, secondary: bool = False, status: int = 403,
        reset_in: int = 1, times: int = 1,
    ) -> None:  # fmt: skip
        """GitHub's rate-limit answers: primary (`x-ratelimit-remaining: 0` and the reset time, in
        epoch seconds) or secondary (`Retry-After`). Both come as 403 or 429."""
        if secondary:
            message = (
                "You have exceeded a secondary rate limit. "
                "Please wait a few minutes before you try again."
            )
            headers = {"Retry-After": str(reset_in)}
        else:
            message = "API rate limit exceeded for installation ID 4242."
            reset = str(int(time.time()) + reset_in)
            headers = {
                "x-ratelimit-remaining": "0",
                "x-ratelimit-used": "5000",
                "x-ratelimit-reset": reset,
            }
        body = {"message": message, "documentation_url": RATE_LIMIT_DOCS}
        self.fail(method, path_regex, status, body, headers, times)

    def stall(self, method: str, path_regex: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` matching requests `seconds` before answering (a client timeout);
        the request is still carried out afterwards, as GitHub may carry out one it answers late."""
        with self._lock:
            self._faults.append(
                _Fault(method.upper(), re.compile(path_regex), times, seconds=seconds)
            )

    # -- inspection ---------------------------------------------------------------------

    @property
    def pulls(self) -> list[dict[str, Any]]:
        """Pull requests: number, title, body, head, base, state, draft, labels (names), ..."""
        return self.pull_requests.pulls

    def branch_sha(self, name: str) -> str | None:
        return self.repo.git.refs.get(f"refs/heads/{name}")

    def file_at(self, ref: str, path: str) -> str | None:
        """The text of `path` on a branch (or at a commit), None when absent."""
        content = self.repo.git.file(ref, path)
        return None if content is None else content.decode()

    def commits_on(self, branch: str, base: str = "main") -> list[Commit]:
        """Commits on `branch` that `base` lacks, oldest first."""
        sha, base_sha = self.branch_sha(branch), self.branch_sha(base)
        return [] if sha is None or base_sha is None else self.repo.git.ahead(sha, base_sha)

    def commit_files(
        self, branch: str, files: Mapping[str, str | None], message: str = "Change files"
    ) -> str:
        """Test set-up: commit `files` (None deletes) on `branch`, made from main when new."""
        git = self.repo.git
        with self._lock:
            parent = self.branch_sha(branch) or self.branch_sha("main")
            assert parent is not None
            tree = dict(git.trees[git.commits[parent].tree])
            for path, text in files.items():
                if text is None:
                    tree.pop(path, None)
                else:
                    tree[path] = git.put_blob(text.encode())
            commit = git.put_commit(git.put_tree(tree), [parent], message)
            git.refs[f"refs/heads/{branch}"] = commit.sha
            return commit.sha

    # -- serving ------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        path, _, query_string = target.partition("?")
        query = parse_qs(query_string, keep_blank_values=True)
        lowered = {k.lower(): v for k, v in headers.items()}
        problems = self.openapi.check_request(method, path, query, lowered, raw)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, lowered, _json_or_none(raw)))
            if problems:
                self.invalid.append(f"{method} {target}: " + "; ".join(problems))
            fault = self._take_fault(method, path)
        if fault is not None and fault.seconds:
            self._stopping.wait(fault.seconds)
        if "user-agent" not in lowered:
            return 403, {"Content-Type": "text/plain"}, _NO_USER_AGENT
        if not self._authorized(lowered.get("authorization", "")):
            message = "Bad credentials" if "authorization" in lowered else "Requires authentication"
            return _error(401, message, "https://docs.github.com/rest")
        if problems:
            return _error(422, "Invalid request.\n\n" + "\n".join(problems), None)
        if fault is not None and fault.status is not None:
            return _fault_reply(fault)
        return self._answer(method, path, query, lowered, raw)

    def _answer(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        raw: bytes,
    ) -> tuple[int, dict[str, str], bytes]:
        match = self.openapi.match(method, path)
        assert match is not None  # check_request found it
        operation, params = match.operation, match.params
        docs = operation.spec.get("externalDocs", {}).get("url", "https://docs.github.com/rest")
        if f"{params.get('owner', '')}/{params.get('repo', '')}".lower() != REPOSITORY:
            return _error(404, "Not Found", docs)
        handler = self._handlers.get(operation.id)
        if handler is None:
            with self._lock:
                self.invalid.append(f"{method} {path}: the stand-in lacks {operation.id}")
            return _error(404, "Not Found", docs)
        call = Call(params, {k: v[-1] for k, v in query.items()}, _json_or_none(raw), headers)
        with self._lock:
            try:
                reply = handler(call)
            except ApiError as exc:
                error = {"message": str(exc), "documentation_url": docs, "status": str(exc.status)}
                reply = Reply(exc.status, error | ({"errors": exc.errors} if exc.errors else {}))
        if reply.raw is not None:
            return (
                reply.status,
                {"Content-Type": "application/vnd.github.raw; charset=utf-8"},
                reply.raw,
            )
        if reply.status == 204:
            return 204, reply.headers, b""
        body = self.openapi.build_response(operation, reply.status, reply.fields)
        lies = self.openapi.check_response(operation, reply.status, body)
        if lies:
            with self._lock:
                self.invalid.append(f"stand-in answer to {method} {path}: " + "; ".join(lies))
        status, headers_out, payload = _json(reply.status, body)
        return status, headers_out | reply.headers, payload

    def _authorized(self, authorization: str) -> bool:
        scheme, _, credential = authorization.partition(" ")
        return scheme.lower() in ("bearer", "token") and credential.strip() == self.token

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in ("*", method) and fault.pattern.search(path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None


@contextmanager
def start_standin(openapi: OpenApi | None = None, token: str = TOKEN) -> Iterator[GitHubStandIn]:
    """A started stand-in, stopped on exit. Without `openapi`, loads the description once per
    process (`GITHUB_OPENAPI_JSON` or the default cache; FileNotFoundError when absent)."""
    standin = GitHubStandIn(openapi or load_openapi(), token).start()
    try:
        yield standin
    finally:
        standin.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out separately: no 40 ms delayed-ACK wait

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        standin: GitHubStandIn = self.server.standin  # type: ignore[attr-defined]
        status, headers, payload = standin.handle(
            self.command, self.path, dict(self.headers.items()), raw
        )
        reset = {"x-ratelimit-reset": str(int(time.time()) + 3600)}
        merged = _COMMON_HEADERS | reset | {name.lower(): value for name, value in headers.items()}
        try:
            self.send_response(status)
            for name, value in merged.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a stall test)
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the stand-in's `requests` list is the log."""


_COMMON_HEADERS = {
    "x-github-api-version-selected": "2022-11-28",
    "x-github-media-type": "github.v3; format=json",
    "x-github-request-id": "0000:STANDIN",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-used": "1",
    "x-ratelimit-resource": "core",
}


_NO_USER_AGENT = (
    b"Request forbidden by administrative rules. "
    b"Please make sure your request has a User-Agent header.\n"
)


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(body).encode()


def _error(status: int, message: str, docs: str | None) -> tuple[int, dict[str, str], bytes]:
    """GitHub's error body: the message, the operation's documentation, the status as a string."""
    body = {"message": message, "documentation_url": docs, "status": str(status)}
    return _json(status, {k: v for k, v in body.items() if v is not None})


def _fault_reply(fault: _Fault) -> tuple[int, dict[str, str], bytes]:
    status = fault.status or 500
    if isinstance(fault.body, str):
        kind = "text/html" if fault.body.lstrip().startswith("<") else "text/plain"
        headers, payload = {"Content-Type": f"{kind}; charset=utf-8"}, fault.body.encode()
    else:
        body = {"message": HTTPStatus(status).phrase} if fault.body is None else fault.body
        _, headers, payload = _json(status, body)
    return status, headers | dict(fault.headers or {}), payload


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
