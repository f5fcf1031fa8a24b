"""GitHub's REST API through ``requests``: headers, retries, and GitHub's own error text.

Retries follow GitHub's guidance (https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api):
5xx and network failures back off exponentially; a secondary rate limit waits for
``Retry-After`` (or a minute when absent); an exhausted primary limit waits until
``x-ratelimit-reset`` when that is near. Other 4xx fail at once with GitHub's message.
The token is sent in a header only, never formatted into any text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from least_priv import __version__
from least_priv.errors import LeastPrivError

API_VERSION = "2022-11-28"
_RETRY_STATUS = frozenset({500, 502, 503, 504})
_MAX_WAIT = 300.0  # longest rate-limit wait worth sitting through (seconds)


class GitHubError(LeastPrivError):
    """A GitHub API call failed; ``status`` is the HTTP status (0: no response)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Response:
    status: int
    data: Any


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or f"HTTP {response.status_code}"
    text = str(body.get("message", "")) if isinstance(body, dict) else ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        details = "; ".join(
            str(e.get("message") or e.get("code") or e) if isinstance(e, dict) else str(e)
            for e in errors
        )
        text = f"{text} ({details})" if text else details
    return text or response.reason or f"HTTP {response.status_code}"


class GitHubClient:
    """One repository's REST API. ``session`` and the clock are injected."""

    def __init__(
        self,
        session: requests.Session,
        api_url: str,
        repository: str,
        token: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
        attempts: int = 5,
        timeout: float = 30.0,
    ) -> None:
        self.session, self.repository = session, repository
        self.base = api_url.rstrip("/")
        self.sleep, self.now, self.attempts, self.timeout = sleep, now, attempts, timeout
        self.headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"least-priv-action/{__version__}",
            "Authorization": f"Bearer {token}",
        }

    def repo_path(self, *parts: str) -> str:
        """``/repos/OWNER/REPO/part/...`` with each part URL-quoted (slashes kept)."""
        return "/repos/" + self.repository + "".join("/" + quote(p, safe="/") for p in parts)

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        missing_ok: bool = False,
    ) -> Response:
        """One API call with retries; 404 gives ``Response(404, None)`` when ``missing_ok``."""
        delay = 1.0
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                response = self.session.request(
                    method,
                    self.base + path,
                    json=json,
                    params=params,
                    headers=self.headers,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                if last:
                    raise GitHubError(
                        f"{method} {path}: no answer from {self.base} ({type(exc).__name__}); "
                        "check GITHUB_API_URL and the network"
                    ) from None
                self.sleep(delay)
                delay *= 2
                continue
            wait = self._wait_for(response, delay)
            if wait is None or last:
                return self._result(method, path, response, missing_ok)
            self.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_for(self, response: requests.Response, delay: float) -> float | None:
        """Seconds to wait before retrying ``response``, or ``None`` to not retry."""
        if response.status_code in _RETRY_STATUS:
            return delay
        if response.status_code not in (403, 429):
            return None
        return self._rate_limit_wait(response, delay)

    def _rate_limit_wait(self, response: requests.Response, delay: float) -> float | None:
        headers = response.headers
        if retry_after := headers.get("Retry-After"):
            try:
                return min(max(float(retry_after), 0.0), _MAX_WAIT)
            except ValueError:
                return delay
        if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
            try:
                until = float(headers["x-ratelimit-reset"]) - self.now()
            except ValueError:
                return None
            return max(until, 0.0) + 1 if until <= _MAX_WAIT else None
        if "secondary rate limit" in _message(response).lower() or response.status_code == 429:
            return max(delay, 60.0)
        return None

    def _result(
        self, method: str, path: str, response: requests.Response, missing_ok: bool
    ) -> Response:
        status = response.status_code
        if status == 404 and missing_ok:
            return Response(404, None)
        if status >= 400:
            raise GitHubError(f"{method} {path}: {status} {_message(response)}", status)
        if status == 204 or not response.content:
            return Response(status, None)
        try:
            return Response(status, response.json())
        except ValueError:
            raise GitHubError(f"{method} {path}: {status} with a body that is not JSON") from None
