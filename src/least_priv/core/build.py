"""Grants -> policy statements: grouped by resources and condition, sorted, with stable Sids."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from least_priv.core.effects import Condition
from least_priv.core.evidence import Grant
from least_priv.core.findings import Finding, finding
from least_priv.core.policy import Statement

_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_MAX_SID_TYPES = 3


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in _NON_ALNUM.split(text) if part)


def _condition_json(condition: Condition) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for operator, key, values in condition:
        merged = sorted({*out.get(operator, {}).get(key, ()), *values})
        out.setdefault(operator, {})[key] = merged[0] if len(merged) == 1 else merged
    return out


def _sid_base(service: str, types: list[str], condition: Condition) -> str:
    kinds = sorted({t for t in types if t})
    body = "".join(_camel(t) for t in kinds[:_MAX_SID_TYPES]) + (
        "Etc" if len(kinds) > _MAX_SID_TYPES else ""
    )
    sid = _camel(service) + (body or "AnyResource")
    for _, key, values in condition:
        if key.lower().endswith("viaservice"):
            sid += "Via" + _camel(values[0].split(".", 1)[0])
        elif key.lower() == "iam:passedtoservice":
            sid += "PassedTo" + _camel(values[0].split(".", 1)[0])
    return sid


def build_statements(
    grants: dict[Grant, set[tuple[str, str]]],
    keep_star_resources: bool,
    merge_services: bool = False,
) -> tuple[list[Statement], list[Finding]]:
    """Statements for the grants. ``merge_services`` groups across services (more compact)."""
    groups: dict[tuple[str, tuple[str, ...], Condition], set[str]] = defaultdict(set)
    types: dict[tuple[str, tuple[str, ...], Condition], set[str]] = defaultdict(set)
    notes: list[Finding] = []
    for grant, pairs in grants.items():
        arns = tuple(sorted({arn for _, arn in pairs}))
        if arns == ("*",) and not keep_star_resources:
            notes.append(
                finding(
                    "STAR_RESOURCE_OMITTED", f"{grant.action} supports no resource type; left out"
                )
            )
            continue
        service = "" if merge_services else grant.action.service
        key = (service, arns, grant.condition)
        groups[key].add(str(grant.action))
        types[key].update(t for t, _ in pairs)
    drafts = []
    for key in sorted(groups, key=lambda k: (k[0], sorted(groups[k], key=str.lower), k[1], k[2])):
        service, arns, condition = key
        actions = sorted(groups[key], key=str.lower)
        sid_service = service or "-".join(sorted({a.split(":")[0] for a in actions}))[:40]
        drafts.append(
            (_sid_base(sid_service, sorted(types[key]), condition), actions, arns, condition)
        )
    return _with_unique_sids(drafts), notes


def _with_unique_sids(
    drafts: list[tuple[str, list[str], tuple[str, ...], Condition]],
) -> list[Statement]:
    used: dict[str, int] = defaultdict(int)
    statements = []
    for index, (base, actions, arns, condition) in enumerate(drafts):
        used[base] += 1
        sid = base if used[base] == 1 else f"{base}{used[base]}"
        raw: dict[str, Any] = {
            "Sid": sid,
            "Effect": "Allow",
            "Action": actions,
            "Resource": list(arns),
        }
        if condition:
            raw["Condition"] = _condition_json(condition)
        statements.append(Statement(raw, f"Statement[{index}]"))
    return statements
