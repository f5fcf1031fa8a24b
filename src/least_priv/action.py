"""The GitHub Action: inputs -> Settings -> the same run as the CLI -> the policy file, step
outputs, the job summary and one pull request. ``main() -> int`` is the error boundary."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from least_priv.app import Outcome, quiet_gc, run
from least_priv.config import (
    MERGES,
    MODES,
    Settings,
    choice,
    principal_of,
    resolve_window,
    split_list,
    timeout_minutes,
    workers_from_env,
)
from least_priv.errors import UsageError, as_project_error
from least_priv.files import part_paths, publish, stale_parts
from least_priv.github import runner
from least_priv.render.text import encodable, escape_unencodable_output, md

_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})


@dataclass(frozen=True)
class PullOptions:
    create: bool
    token: str
    base_branch: str
    branch: str
    title: str
    labels: tuple[str, ...]


def parse_bool(name: str, text: str, default: bool) -> bool:
    """``true``/``false`` however GitHub users spell them (yes, on, 1 ...)."""
    value = text.strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UsageError(f"input {name}: {text!r} is not true or false")


def workspace_path(workspace: Path, text: str) -> Path:
    """``text`` as a path relative to the workspace; a path that leaves it (``..``,
    absolute, through a symlink) is refused."""
    if not text:
        raise UsageError("input policy-path is empty; give a path inside the repository")
    root = workspace.resolve()
    path = Path(text) if Path(text).is_absolute() else root / text
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise UsageError(
            f"input policy-path {text!r} leaves the workspace ({root}); give a path inside the repository"
        )
    if path.is_symlink():
        raise UsageError(f"input policy-path {text!r} is a symlink; give the file itself")
    return resolved.relative_to(root)


def settings_from_inputs(workspace: Path, now: datetime) -> tuple[Settings, PullOptions]:
    """Settings from the inputs; their paths are relative to ``workspace``, the run's
    working folder."""
    get = runner.read_input
    principal_text = get("principal-arn")
    if not principal_text:
        raise UsageError("input principal-arn is required: the ARN of the role the pipeline uses")
    start, end = get("start-time"), get("end-time")
    lookback = "" if (start or end) else (get("lookback-hours") or "24")
    policy_text = get("policy-path") or "permission-policy.json"
    settings = Settings(
        principal=principal_of(principal_text),
        sources=split_list(get("source") or "access-analyzer"),
        window=resolve_window(lookback, start or None, end or None, now),
        mode=choice("input mode", get("mode") or "wildcard", MODES),
        merge=choice("input merge", get("merge") or "replace", MERGES),
        policy_path=workspace_path(workspace, policy_text),
        preserve_sids=split_list(get("preserve-sids")),
        keep_star_resources=parse_bool("keep-star-resources", get("keep-star-resources"), True),
        ignore_actions=split_list(get("ignore-actions")),
        trail_arn=get("trail-arn"),
        access_role_arn=get("access-role-arn"),
        region=get("region"),
        timeout_minutes=timeout_minutes(get("timeout-minutes")),
        plain=os.environ.get("LEAST_PRIV_PLAIN", "") not in ("", "0"),
        workers=workers_from_env(os.environ.get("LEAST_PRIV_WORKERS", "")),
    )
    pull = PullOptions(
        create=parse_bool("create-pr", get("create-pr"), True),
        token=get("github-token"),
        base_branch=get("base-branch"),
        branch=get("pr-branch"),
        title=get("pr-title") or f"least-priv: update {policy_text}",
        labels=split_list(get("pr-labels")),
    )
    return settings, pull


def keep_owner(paths: list[Path], owners: dict[Path, tuple[int, int]]) -> None:
    """Give files written as root (the container) back to the workspace's owner, so later
    steps of the job can still change them."""
    for path in paths:
        uid, gid = owners.get(path) or owners.get(path.parent) or (-1, -1)
        if uid >= 0 and hasattr(os, "chown"):
            with contextlib.suppress(PermissionError):  # not root: the file is ours already
                os.chown(path, uid, gid)


def _owners(paths: list[Path]) -> dict[Path, tuple[int, int]]:
    found = {}
    for path in [*paths, *(p.parent for p in paths)]:
        if path.exists():
            st = path.stat()
            found[path] = (st.st_uid, st.st_gid)
    return found


def write_policy(settings: Settings, outcome: Outcome) -> list[Path]:
    """Write the policy files atomically, keeping their owner; return the parts of an
    earlier, larger split that were removed."""
    assert settings.policy_path is not None
    paths = part_paths(settings.policy_path, len(outcome.texts))
    removed = stale_parts(settings.policy_path, len(outcome.texts))
    owners = _owners(paths)
    publish(settings, outcome, lambda _: None)
    keep_owner(paths, owners)
    return removed


def _outputs(settings: Settings, outcome: Outcome) -> dict[str, str]:
    assert settings.policy_path is not None
    return {
        "policy": encodable("".join(outcome.texts)),  # as the file holds it
        "policy-path": settings.policy_path.as_posix(),
        "changed": "true" if outcome.changed else "false",
        "actions-added": str(len(outcome.diff.added)),
        "actions-removed": str(len(outcome.diff.removed)),
        "denied-count": str(len(outcome.report["denied"])),
        "pull-request-number": "",
        "pull-request-url": "",
        "pull-request-operation": "none",
    }


def _pull_request(
    settings: Settings, outcome: Outcome, pull: PullOptions, removed: list[Path]
) -> dict[str, str]:
    """Create or update the pull request; the outputs it sets."""
    if not pull.create:
        return {}
    if not outcome.changed:
        runner.log("the policy is unchanged: no commit, no pull request")
        return {"pull-request-operation": "unchanged"}
    if not pull.token:
        raise UsageError(
            "input github-token is empty; leave its default (${{ github.token }}) or give a token, "
            "or set create-pr: false"
        )
    import requests

    from least_priv.github.client import GitHubClient
    from least_priv.github.pulls import Proposal, branch_for, propose

    assert settings.policy_path is not None
    rel = settings.policy_path.as_posix()
    parts = part_paths(settings.policy_path, len(outcome.texts))
    files: dict[str, str | None] = {
        p.as_posix(): t for p, t in zip(parts, outcome.texts, strict=True)
    }
    files.update((p.as_posix(), None) for p in removed)
    repository = os.environ.get("GITHUB_REPOSITORY", "")
    if "/" not in repository:
        raise UsageError("GITHUB_REPOSITORY is not set (owner/name); run inside GitHub Actions")
    client = GitHubClient(
        requests.Session(),
        os.environ.get("GITHUB_API_URL") or "https://api.github.com",
        repository,
        pull.token,
    )
    proposal = Proposal(
        files=files,
        branch=pull.branch or branch_for(rel),
        base=pull.base_branch,
        title=pull.title,
        body=outcome.summary,
        labels=pull.labels,
        message=f"least-priv: update {rel}\n\n{_commit_summary(outcome)}",
    )
    made = propose(client, proposal)
    runner.log(f"pull request #{made.number} {made.operation}: {made.url}")
    return {
        "pull-request-number": str(made.number),
        "pull-request-url": made.url,
        "pull-request-operation": made.operation,
    }


def _commit_summary(outcome: Outcome) -> str:
    return (
        f"{len(outcome.diff.added)} actions added, {len(outcome.diff.removed)} removed, "
        f"{len(outcome.report['denied'])} denied calls."
    )


def _pull_line(pull: dict[str, str]) -> str:
    operation = pull.get("pull-request-operation", "none")
    if operation in ("created", "updated"):
        return f"\n**Pull request** [#{pull['pull-request-number']}]({pull['pull-request-url']}) {operation}.\n"
    if operation == "unchanged":
        return "\n**No change**: no commit, no pull request.\n"
    return ""


def main() -> int:
    """The action's entry point. Exit 0 done, 1 an error, 2 bad inputs."""
    escape_unencodable_output()
    runner.mask(runner.read_input("github-token"))
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
    try:
        os.chdir(workspace)  # relative inputs are relative to the workspace
        settings, pull = settings_from_inputs(workspace, datetime.now(UTC))
        quiet_gc()
        outcome = run(settings, runner.warning, progress=runner.log)
        removed = write_policy(settings, outcome)
        runner.set_outputs(_outputs(settings, outcome))
        made = _pull_request(settings, outcome, pull, removed)
        runner.set_outputs(made)
    except Exception as exc:
        error = as_project_error(exc)
        if error is None:
            raise
        runner.error(str(error))
        runner.write_summary(f"## least-priv failed\n\n{md(str(error))}\n")
        return error.exit_code
    runner.write_summary(outcome.summary + _pull_line(made))
    return 0
