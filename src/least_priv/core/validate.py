"""Checks on a finished policy: privilege escalation, wildcards, unknown actions."""

from __future__ import annotations

from collections.abc import Callable

from least_priv.core.action import parse_action
from least_priv.core.findings import Finding, finding
from least_priv.core.policy import PolicyDocument
from least_priv.core.tables import PRIVILEGE_ESCALATION_ACTIONS


def validate(doc: PolicyDocument, action_exists: Callable[[str, str], bool]) -> list[Finding]:
    """Findings for ``doc``; ``action_exists(service, name)`` answers from the IAM reference."""
    found: list[Finding] = []
    for stmt in doc.statements:
        if stmt.effect != "Allow":
            continue
        if stmt.not_actions:
            found.append(
                finding(
                    "NOT_ACTION_ALLOW", f"{stmt.sid or stmt.path} allows with NotAction", stmt.path
                )
            )
        for index, text in enumerate(stmt.actions):
            path = f"{stmt.path}.Action[{index}]"
            found.extend(_check_action(text, stmt.resources, path, action_exists))
    return sorted(set(found))


def _check_action(
    text: str, resources: tuple[str, ...], path: str, action_exists: Callable[[str, str], bool]
) -> list[Finding]:
    if "*" in text or "?" in text:
        return [finding("WILDCARD_ACTION", f"{text} is a pattern, not an observed action", path)]
    try:
        action = parse_action(text)
    except ValueError:
        return [finding("UNKNOWN_ACTION", f"{text!r} is not service:Action", path)]
    out = []
    if not action_exists(action.service, action.name):
        out.append(finding("UNKNOWN_ACTION", f"{text} is not in the IAM reference", path))
    if action.key == "iam:passrole" and "*" in resources:
        out.append(
            finding(
                "PASSROLE_ANY_ROLE", 'iam:PassRole is allowed on every role (Resource "*")', path
            )
        )
    elif action.key in PRIVILEGE_ESCALATION_ACTIONS:
        out.append(
            finding("PRIVILEGE_ESCALATION", f"{action} can be used to escalate privileges", path)
        )
    return out
