"""Splitting a policy over IAM's size limit (hypothesis): the parts together allow and deny
exactly what the whole did, every part fits the limit, each Sid is once in a part, and the
preserved statements stay, unchanged and in order, in the first part."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from least_priv.core.policy import VERSION, PolicyDocument, Statement, compact_size
from least_priv.core.size import MANAGED_POLICY_LIMIT, _halves, fits, split_policy

SERVICES = ("ec2", "s3", "iam", "logs", "lambda", "kms", "dynamodb", "cloudformation")
# Long enough that a few statements of many actions pass the 6,144-character limit.
ACTIONS = tuple(
    f"{service}:{verb}{noun}"
    for service in SERVICES
    for verb in ("Describe", "Create", "Delete", "Update", "Get", "Put", "List", "Tag")
    for noun in ("Instances", "SecurityGroupRules", "LaunchTemplateVersions", "Policies")
)
WORDS = st.text(st.characters(codec="utf-8"), min_size=1, max_size=8)
ARNS = st.builds(
    "arn:aws:{}:us-east-1:111122223333:{}/{}".format,
    st.sampled_from(SERVICES),
    st.sampled_from(("vpc", "bucket", "role", "log-group", "function")),
    WORDS | st.just("*"),
)
CONDITIONS = st.dictionaries(
    st.sampled_from(("StringEquals", "StringLike", "Bool", "NumericLessThan")),
    st.dictionaries(
        st.sampled_from(("aws:RequestedRegion", "s3:ResourceAccount", "kms:ViaService")),
        WORDS | st.lists(WORDS, min_size=1, max_size=3) | st.booleans() | st.integers(0, 99),
        min_size=1,
        max_size=2,
    ),
    min_size=1,
    max_size=2,
)


# Sids like those the halves of a split statement get ("Big" -> "BigA", "BigB" ...).
HALF_SIDS = ("BigA", "BigB", "BigA2", "BigAA", "BigB2")
SIDS = st.sampled_from(("Big", *HALF_SIDS)) | st.from_regex(
    r"[A-Z][A-Za-z0-9]{0,20}", fullmatch=True
)


def _one_or_many(items: list[str]) -> Any:
    return items[0] if len(items) == 1 else items


@st.composite
def statements(draw: st.DrawFn, min_actions: int = 1, max_actions: int = 4) -> dict[str, Any]:
    """One statement; it may carry many actions, but one action with its resources and
    condition always fits the limit alone (as every statement the tool builds does)."""
    raw: dict[str, Any] = {}
    if draw(st.booleans()):
        raw["Sid"] = draw(SIDS)
    raw["Effect"] = draw(st.sampled_from(("Allow", "Allow", "Deny")))
    count = draw(st.integers(min_actions, max_actions))
    actions = draw(st.permutations(ACTIONS))[:count]
    raw["Action"] = _one_or_many(actions)
    raw["Resource"] = _one_or_many(draw(st.lists(ARNS, min_size=1, max_size=3, unique=True)))
    if draw(st.booleans()):
        raw["Condition"] = draw(CONDITIONS)
    keys = draw(st.permutations(list(raw)))
    return {key: raw[key] for key in keys}


@st.composite
def documents(draw: st.DrawFn) -> tuple[PolicyDocument, list[Statement]]:
    """A document well over the limit, its first statements the preserved ones."""
    fixed = draw(st.lists(statements(), max_size=3))
    small = draw(st.lists(statements(max_actions=30), max_size=12))
    large = draw(st.lists(statements(60, len(ACTIONS)), min_size=2, max_size=3))
    if draw(st.booleans()):  # a large "Big" beside statements named as its halves would be
        large[0] = {**large[0], "Sid": "Big"}
        for raw, sid in zip([*fixed, *small], draw(st.permutations(HALF_SIDS)), strict=False):
            raw["Sid"] = sid
    rest = draw(st.permutations([*small, *large]))
    raws = _unique_sids([*fixed, *rest])
    parsed = tuple(Statement(raw, f"Statement[{i}]") for i, raw in enumerate(raws))
    doc = PolicyDocument(VERSION, parsed, {"Id": "generated"} if draw(st.booleans()) else {})
    return doc, list(parsed[: len(fixed)])


def _unique_sids(raws: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """IAM wants each Sid once per policy; a repeated one is dropped (as a user would)."""
    seen: set[str] = set()
    out = []
    for raw in raws:
        kept = {k: v for k, v in raw.items() if k != "Sid" or v not in seen}
        seen.add(kept.get("Sid", ""))
        out.append(kept)
    return out


def _strings(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _triples(doc: PolicyDocument) -> Iterator[tuple[str, str, str, str]]:
    """(Effect, action, resource, condition) for every combination a statement covers."""
    for stmt in doc.statements:
        condition = json.dumps(stmt.raw.get("Condition"), sort_keys=True)
        for action in _strings(stmt.raw["Action"]):
            for resource in _strings(stmt.raw["Resource"]):
                yield stmt.effect, action, resource, condition


@settings(max_examples=60, deadline=None)
@given(case=documents())
def test_split_parts_together_allow_and_deny_exactly_what_the_whole_did(
    case: tuple[PolicyDocument, list[Statement]],
) -> None:
    doc, fixed = case
    parts = split_policy(doc, fixed)
    event(f"{len(parts)} parts" if len(parts) < 4 else "4+ parts")

    assert set().union(*(set(_triples(part)) for part in parts)) == set(_triples(doc))
    for part in parts:
        assert fits(part), compact_size(part)
        assert part.statements  # no empty document
        assert part.version == doc.version
        assert part.extra == doc.extra
    if fits(doc):
        assert parts == [doc]
    else:
        assert len(parts) > 1
    # The preserved statements: unchanged, in order, at the head of the first part.
    head = [json.dumps(dict(s.raw)) for s in parts[0].statements[: len(fixed)]]
    assert head == [json.dumps(dict(s.raw)) for s in fixed]
    assert sum(s in fixed for part in parts for s in part.statements) == len(fixed)
    for part in parts:  # IAM wants each Sid once per policy
        sids = [s.sid for s in part.statements if s.sid]
        assert len(sids) == len(set(sids)), sids


@settings(max_examples=30, deadline=None)
@given(
    shuffled=st.permutations(ACTIONS),
    count=st.integers(2, len(ACTIONS)),
    limit=st.integers(300, MANAGED_POLICY_LIMIT),
)
def test_one_statement_too_large_for_the_limit_is_halved_until_every_part_fits(
    shuffled: list[str], count: int, limit: int
) -> None:
    actions = shuffled[:count]
    raw = {
        "Sid": "Big",
        "Effect": "Allow",
        "Action": actions,
        "Resource": "arn:aws:s3:::bucket/*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }
    doc = PolicyDocument(VERSION, (Statement(raw, "Statement[0]"),), {})

    parts = split_policy(doc, (), limit)

    assert set().union(*(set(_triples(part)) for part in parts)) == set(_triples(doc))
    assert all(compact_size(part) <= limit for part in parts)
    assert (len(parts) == 1) == (compact_size(doc) <= limit)


def test_halving_a_statement_never_repeats_a_sid_within_a_part() -> None:
    preserved = Statement(
        {"Sid": "Ec2AnyResourceA", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        "Statement[0]",
    )
    actions = [f"ec2:DescribeSomethingLong{i:04d}" for i in range(200)]
    big = Statement(
        {"Sid": "Ec2AnyResource", "Effect": "Allow", "Action": actions, "Resource": "*"},
        "Statement[1]",
    )

    parts = split_policy(PolicyDocument(VERSION, (preserved, big), {}), [preserved])

    # Once gave [['Ec2AnyResourceA', 'Ec2AnyResourceA'], ['Ec2AnyResourceB']].
    for part in parts:
        sids = [s.sid for s in part.statements if s.sid]
        assert len(sids) == len(set(sids)), sids


def _first_fit_by_rendering(doc: PolicyDocument, fixed: list[Statement]) -> list[list[str]]:
    """The split as it was first written: every candidate document rendered and measured.
    The bins' statements, as compact text."""
    bins: list[list[Statement]] = [list(fixed)]
    queue = sorted(
        (s for s in doc.statements if s not in fixed),
        key=lambda s: -compact_size(PolicyDocument(doc.version, (s,), doc.extra)),
    )
    sids = {s.sid for s in doc.statements if s.sid}
    while queue:
        stmt = queue.pop(0)
        if not fits(PolicyDocument(doc.version, (stmt,), doc.extra)):
            queue[:0] = _halves(stmt, sids)
            continue
        for b in bins:
            if fits(PolicyDocument(doc.version, (*b, stmt), doc.extra)):
                b.append(stmt)
                break
        else:
            bins.append([stmt])
    return [sorted(json.dumps(dict(s.raw)) for s in b) for b in bins if b]


@settings(max_examples=60, deadline=None)
@given(case=documents())
def test_parts_are_filled_by_adding_sizes_exactly_as_by_rendering_them(
    case: tuple[PolicyDocument, list[Statement]],
) -> None:
    """Adding statement sizes gives the bins rendering each candidate gave: no part is
    fuller than the limit, none emptier than needed."""
    doc, fixed = case
    parts = split_policy(doc, fixed)
    found = [sorted(json.dumps(dict(s.raw)) for s in part.statements) for part in parts]
    assert found == _first_fit_by_rendering(doc, fixed)


@pytest.mark.parametrize("fixed", [0, 1])
@pytest.mark.parametrize("count", [4, 5, 7])
@pytest.mark.parametrize("per_part", [2, 3])
def test_a_part_holds_statements_up_to_the_last_character_of_the_limit(
    fixed: int, count: int, per_part: int
) -> None:
    """Statements of one size, the limit exactly ``per_part`` of them: parts of that many;
    one character less: parts of one fewer."""
    raws = [
        {"Sid": f"S{n}", "Effect": "Allow", "Action": list(ACTIONS[:9]), "Resource": "*"}
        for n in range(count)
    ]
    stmts = tuple(Statement(raw, f"Statement[{i}]") for i, raw in enumerate(raws))
    doc = PolicyDocument(VERSION, stmts, {})
    limit = compact_size(PolicyDocument(VERSION, stmts[:per_part], {}))
    assert len(split_policy(doc, stmts[:fixed], limit)) == -(-count // per_part)
    assert len(split_policy(doc, stmts[:fixed], limit - 1)) == -(-count // (per_part - 1))
