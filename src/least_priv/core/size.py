"""IAM's size quota: compact first, then split into several documents rather than fail.

Managed policies may hold 6,144 characters, whitespace not counted:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from least_priv.core.policy import PolicyDocument, Statement, compact_size

MANAGED_POLICY_LIMIT = 6144


def fits(doc: PolicyDocument, limit: int = MANAGED_POLICY_LIMIT) -> bool:
    return compact_size(doc) <= limit


def _halves(stmt: Statement, taken: set[str]) -> list[Statement]:
    """``stmt`` as two statements of half its actions each; a Sid ``X`` becomes ``XA`` and
    ``XB``, or ``XA2`` and ``XB2`` ... when the document already has one of those (``taken``,
    which then holds the new Sids too)."""
    actions = list(stmt.actions)
    if len(actions) < 2:
        raise ValueError(f"statement {stmt.sid or stmt.path} alone exceeds the policy size limit")
    mid = len(actions) // 2
    suffixes = ("A", "B")
    if stmt.sid:
        number = 1
        while any(stmt.sid + s in taken for s in suffixes):
            number += 1
            suffixes = (f"A{number}", f"B{number}")
    out = []
    for suffix, part in zip(suffixes, (actions[:mid], actions[mid:]), strict=True):
        raw: dict[str, Any] = dict(stmt.raw)
        raw["Action"] = part
        if stmt.sid:
            raw["Sid"] = stmt.sid + suffix
            taken.add(raw["Sid"])
        out.append(Statement(raw, stmt.path))
    return out


def split_policy(
    doc: PolicyDocument, fixed: Sequence[Statement], limit: int = MANAGED_POLICY_LIMIT
) -> list[PolicyDocument]:
    """Documents of at most ``limit`` characters; ``fixed`` statements stay in the first one.

    First-fit by decreasing size, then each document keeps the original statement order.
    Raises ``ValueError`` when the fixed statements alone do not fit.
    """
    if fits(doc, limit):
        return [doc]
    fixed_list = list(fixed)
    # A document's compact text is its envelope plus its statements' texts and a comma
    # between each two: each statement is measured once, and parts fill by adding sizes.
    envelope = compact_size(PolicyDocument(doc.version, (), doc.extra))
    bins: list[list[Statement]] = [fixed_list]
    sizes = [compact_size(PolicyDocument(doc.version, tuple(fixed_list), doc.extra))]
    if sizes[0] > limit:
        raise ValueError("the preserved statements alone exceed the policy size limit")
    order = {id(s): i for i, s in enumerate(doc.statements)}
    pending = [s for s in doc.statements if s not in fixed_list]
    queue = sorted(((_size(doc, s), s) for s in pending), key=lambda sized: -sized[0])
    sids = {s.sid for s in doc.statements if s.sid}
    while queue:
        alone, stmt = queue.pop(0)
        if alone > limit:
            queue[:0] = [(_size(doc, half), half) for half in _halves(stmt, sids)]
            continue
        grown = alone - envelope  # the statement's own text
        index = next(
            (i for i, b in enumerate(bins) if sizes[i] + grown + (1 if b else 0) <= limit), None
        )
        if index is None:
            bins.append([stmt])
            sizes.append(alone)
        else:
            sizes[index] += grown + (1 if bins[index] else 0)
            bins[index].append(stmt)
    return [
        PolicyDocument(
            doc.version, tuple(sorted(b, key=lambda s: order.get(id(s), len(order)))), doc.extra
        )
        for b in bins
        if b
    ]


def _size(doc: PolicyDocument, stmt: Statement) -> int:
    return compact_size(PolicyDocument(doc.version, (stmt,), doc.extra))
