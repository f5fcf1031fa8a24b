"""Merge generated statements into the existing policy.

Preserved Sids stay exactly as they were; explicit Deny statements are never dropped; the
temporary ``Action: *`` capture statement goes unless preserved. ``replace`` drops the other
existing Allow statements, ``union`` keeps them beside the generated ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from least_priv.core.findings import Finding, finding
from least_priv.core.policy import VERSION, PolicyDocument, Statement


@dataclass(frozen=True)
class MergeResult:
    document: PolicyDocument
    preserved: tuple[Statement, ...]
    generated: tuple[Statement, ...]
    findings: tuple[Finding, ...]


def _renamed(stmt: Statement, taken: set[str]) -> Statement:
    base, n = stmt.sid, 2
    while f"{base}{n}" in taken:
        n += 1
    raw: dict[str, Any] = dict(stmt.raw)
    raw["Sid"] = f"{base}{n}"
    return Statement(raw, stmt.path)


def _union_same_sid(old: Statement, new: Statement) -> Statement | None:
    """One statement with both action lists when the two differ only in actions."""
    same = all(old.raw.get(k) == new.raw.get(k) for k in ("Effect", "Resource", "Condition"))
    if not same or "NotAction" in old.raw:
        return None
    actions = sorted({*old.actions, *new.actions}, key=str.lower)
    raw: dict[str, Any] = dict(new.raw)
    raw["Action"] = actions
    return Statement(raw, new.path)


def merge_policy(
    existing: PolicyDocument | None,
    generated: Sequence[Statement],
    preserve_sids: Sequence[str],
    mode: str = "replace",
) -> MergeResult:
    """The merged document; ``mode`` is ``replace`` or ``union``."""
    notes: list[Finding] = []
    old = existing.statements if existing else ()
    wanted = {s for s in preserve_sids if s}
    preserved = tuple(s for s in old if s.sid and s.sid in wanted)
    for sid in sorted(wanted - {s.sid for s in preserved}):
        notes.append(
            finding(
                "PRESERVED_SID_MISSING",
                f"Sid {sid!r} is not in the existing policy; nothing preserved for it",
            )
        )
    kept = [s for s in old if s not in preserved and s.effect == "Deny"]
    if mode == "union":
        kept += [
            s for s in old if s not in preserved and s.effect == "Allow" and not s.is_capture_all
        ]
    out: list[Statement] = [*preserved, *kept]
    taken = {s.sid for s in out if s.sid}
    added: list[Statement] = []
    for stmt in generated:
        twin = next((s for s in kept if s.sid == stmt.sid and s.effect == "Allow"), None)
        if twin is not None and (combined := _union_same_sid(twin, stmt)) is not None:
            out[out.index(twin)] = combined
            added.append(combined)
            continue
        final = _renamed(stmt, taken) if stmt.sid in taken else stmt
        taken.add(final.sid)
        out.append(final)
        added.append(final)
    version = existing.version if existing else VERSION
    extra = existing.extra if existing else {}
    doc = PolicyDocument(version, tuple(out), extra)
    return MergeResult(doc, preserved, tuple(added), tuple(notes))
