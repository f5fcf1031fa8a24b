"""The GitHub stand-in's fixtures, for the entrypoint's tests."""

from tests.github.conftest import github, openapi  # noqa: F401 - fixtures
