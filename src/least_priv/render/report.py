"""The ``--report`` JSON (its keys are a fixed contract: design.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from least_priv.core.diff import ActionDiff
from least_priv.core.evidence import Analysis
from least_priv.core.findings import Finding


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def build_report(
    *,
    principal: str,
    window: tuple[datetime | None, datetime | None],
    sources: list[dict[str, Any]],
    analysis: Analysis,
    findings: list[Finding],
    diff: ActionDiff,
    mode: str,
    policy_files: list[str],
) -> dict[str, Any]:
    resources: dict[str, set[str]] = defaultdict(set)
    for grant, pairs in analysis.grants.items():
        resources[str(grant.action)].update(arn for _, arn in pairs)
    actions = [
        {"action": str(action), "resources": sorted(resources[str(action)]), "events": count}
        for action, count in sorted(analysis.action_events.items(), key=lambda kv: kv[0].key)
    ]
    unmapped = [
        {
            "event_source": s,
            "event_name": n,
            "events": c,
            "reason": analysis.unmapped_reasons[(s, n)],
        }
        for (s, n), c in sorted(analysis.unmapped.items())
    ]
    return {
        "window": {"start": iso(window[0]), "end": iso(window[1])},
        "principal": principal,
        "mode": mode,
        "sources": sources,
        "events": {
            "first": iso(analysis.first_seen),
            "last": iso(analysis.last_seen),
            **dict(sorted(analysis.stats.items())),
        },
        "actions": actions,
        "actions_added": list(diff.added),
        "actions_removed": list(diff.removed),
        "denied": [
            d.__dict__
            for d in sorted(analysis.denied, key=lambda d: (d.event_time, d.event_id, d.action))
        ],
        "unmapped": unmapped,
        "findings": [f.as_dict() for f in findings],
        "policy_files": policy_files,
    }
