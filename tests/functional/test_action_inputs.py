"""The action's inputs, read the way the runner passes them to a Docker action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from least_priv.action import parse_bool, settings_from_inputs, workspace_path
from least_priv.errors import UsageError
from tests.conftest import ROLE_ARN

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.mark.parametrize("text", ["true", "True", "TRUE", "yes", "Yes", "on", "1", "y", " true "])
def test_true_however_it_is_spelled(text: str) -> None:
    assert parse_bool("create-pr", text, default=False) is True


@pytest.mark.parametrize("text", ["false", "False", "FALSE", "no", "off", "0", "n"])
def test_false_however_it_is_spelled(text: str) -> None:
    assert parse_bool("create-pr", text, default=True) is False


def test_an_empty_boolean_takes_the_default() -> None:
    assert parse_bool("create-pr", "", default=True) is True


def test_a_word_that_is_no_boolean_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="create-pr: 'maybe' is not true or false"):
        parse_bool("create-pr", "maybe", default=True)


def test_policy_paths_stay_inside_the_workspace(tmp_path: Path) -> None:
    assert workspace_path(tmp_path, "iam/policy.json") == Path("iam/policy.json")
    assert workspace_path(tmp_path, str(tmp_path / "p.json")) == Path("p.json")
    for text in ("../outside.json", "/etc/passwd", "iam/../../x.json"):
        with pytest.raises(UsageError, match="leaves the workspace"):
            workspace_path(tmp_path, text)


def test_a_symlinked_policy_path_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "link.json").symlink_to(outside)
    (workspace / "inner.json").write_text("{}")
    (workspace / "inner-link.json").symlink_to(workspace / "inner.json")
    with pytest.raises(UsageError, match="leaves the workspace"):
        workspace_path(workspace, "link.json")
    with pytest.raises(UsageError, match="is a symlink"):
        workspace_path(workspace, "inner-link.json")


def _inputs(monkeypatch: pytest.MonkeyPatch, **inputs: str) -> None:
    for name, value in inputs.items():
        monkeypatch.setenv(f"INPUT_{name.upper()}", value)


def test_hyphen_and_underscore_input_names_are_both_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _inputs(monkeypatch, **{"principal-arn": ROLE_ARN, "preserve_sids": "S3StateManagement"})
    settings, pull = settings_from_inputs(tmp_path, NOW)
    assert settings.principal.text == ROLE_ARN
    assert settings.preserve_sids == ("S3StateManagement",)
    assert settings.sources == ("access-analyzer",)
    assert settings.window.start == NOW - timedelta(hours=24)
    assert settings.policy_path == Path("permission-policy.json")
    assert pull.create is True
    assert pull.title == "least-priv: update permission-policy.json"


def test_start_and_end_time_win_over_the_default_lookback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _inputs(
        monkeypatch,
        **{
            "principal-arn": ROLE_ARN,
            "lookback-hours": "24",
            "start-time": "2026-11-20T00:00:00Z",
            "end-time": "2026-11-21T00:00:00Z",
            "source": "s3\nlookup-events\n",
            "pr-labels": "security, iam",
        },
    )
    settings, pull = settings_from_inputs(tmp_path, NOW)
    assert settings.window.start == datetime(2026, 11, 20, tzinfo=UTC)
    assert settings.sources == ("s3", "lookup-events")
    assert pull.labels == ("security", "iam")


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({}, "principal-arn is required"),
        ({"principal-arn": "role/deploy"}, "is not an ARN"),
        ({"principal-arn": ROLE_ARN, "mode": "loose"}, "'loose' is not one of wildcard, strict"),
        ({"principal-arn": ROLE_ARN, "lookback-hours": "-3"}, "must be more than 0"),
        ({"principal-arn": ROLE_ARN, "keep-star-resources": "sometimes"}, "not true or false"),
        ({"principal-arn": ROLE_ARN, "timeout-minutes": "soon"}, "not a number of minutes"),
    ],
)
def test_bad_inputs_are_usage_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, inputs: dict[str, str], message: str
) -> None:
    _inputs(monkeypatch, **inputs)
    with pytest.raises(UsageError, match=message):
        settings_from_inputs(tmp_path, NOW)
