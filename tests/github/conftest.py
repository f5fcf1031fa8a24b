"""Fixtures for tests that talk to the GitHub stand-in.

Tests in other folders cannot see these fixtures; they use `tests.github.standin.start_standin`
directly, or import the two fixtures into their own conftest.py:

    from tests.github.conftest import github, openapi  # noqa: F401 - fixtures
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.github.openapi import OpenApi, load_openapi, openapi_path
from tests.github.standin import TOKEN, GitHubStandIn, start_standin


@pytest.fixture(scope="session")
def openapi() -> OpenApi:
    """GitHub's OpenAPI description, loaded once per session; skips the test when absent."""
    path = openapi_path()
    if not path.is_file():
        pytest.skip(
            f"GitHub's OpenAPI description is absent ({path}): run scripts/fetch_github_openapi.sh "
            "(needs npm) or set GITHUB_OPENAPI_JSON"
        )
    started = time.perf_counter()
    loaded = load_openapi(path)
    print(f"GitHub OpenAPI description loaded in {time.perf_counter() - started:.2f}s")  # noqa: T201
    return loaded


@pytest.fixture
def github(openapi: OpenApi) -> Iterator[GitHubStandIn]:
    """A fresh stand-in (token `TOKEN`); fails the test when any request was invalid."""
    with start_standin(openapi, TOKEN) as standin:
        yield standin
    assert standin.invalid == [], "requests GitHub's description rejects:\n" + "\n".join(
        standin.invalid
    )
