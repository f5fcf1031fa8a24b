"""A record decoded straight into a call (``sources.record``) is the call ``parse_event``
builds from the parsed record; a record it cannot decode goes to ``parse_event`` whole.
Checked on the example trail, the bad-input records, the shared corpus and generated
records with fields of every JSON type."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from least_priv.core.event import ApiCall, EventFormatError, parse_event
from least_priv.sources.record import decode_call
from tests.conftest import FIXTURES, ROOT, record


def _same_or_aside(raw: bytes) -> None:
    """``decode_call`` gives ``parse_event``'s call, field for field, or ``None``."""
    decoded = decode_call(raw)
    try:
        expected: ApiCall | None = parse_event(json.loads(raw))
    except (EventFormatError, ValueError, RecursionError):
        expected = None
    if decoded is None:
        return
    assert expected is not None, raw[:200]
    assert decoded == expected
    assert (decoded.request, decoded.response, decoded.count) == (
        expected.request,
        expected.response,
        expected.count,
    )


def _raw_records(path: Path) -> list[bytes]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        document = json.loads(data)
    except ValueError:
        return []
    items = document.get("Records", []) if isinstance(document, dict) else document
    return [json.dumps(r).encode() for r in items] if isinstance(items, list) else []


def test_the_example_trail_decodes_to_the_same_calls() -> None:
    raws = [
        r for f in sorted((ROOT / "examples" / "cloudtrail").rglob("*.gz")) for r in _raw_records(f)
    ]
    assert len(raws) > 200
    assert all(decode_call(r) is not None for r in raws)  # the usual records take this path
    for raw in raws:
        _same_or_aside(raw)


def test_bad_records_are_left_to_parse_event() -> None:
    raws = [r for f in sorted((FIXTURES / "bad" / "logs").glob("*.json")) for r in _raw_records(f)]
    assert raws
    for raw in raws:
        _same_or_aside(raw)


def test_the_shared_corpus_decodes_to_the_same_calls(corpus: Path) -> None:
    checked = 0
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.suffix in (".json", ".gz"):
            for raw in _raw_records(path):
                _same_or_aside(raw)
                checked += 1
    assert checked > 1000


ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["", "2026-11-20T10:00:00Z", "2026-11-20T10:00:00", "\ud800", "x"]),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)
FIELDS = [
    "eventSource", "eventName", "eventID", "awsRegion", "recipientAccountId", "errorCode",
    "eventType", "eventTime", "@timestamp", "userIdentity", "resources", "requestParameters",
    "responseElements",
]  # fmt: skip
IDENTITY_FIELDS = ["type", "arn", "accountId", "invokedBy", "sessionContext"]


@settings(max_examples=300, deadline=None)
@given(
    top=st.dictionaries(st.sampled_from(FIELDS), ODD, max_size=4),
    identity=st.dictionaries(st.sampled_from(IDENTITY_FIELDS), ODD, max_size=2),
    issuer=ODD,
    drop=st.sampled_from([None, "eventTime", "userIdentity", "resources"]),
)
def test_any_field_of_any_type_gives_the_same_call_or_steps_aside(
    top: dict[str, Any], identity: dict[str, Any], issuer: Any, drop: str | None
) -> None:
    rec = record("ec2", "DescribeVpcs", request={"vpcId": "vpc-1"})
    rec["resources"] = [{"ARN": "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-1", "type": "x"}]
    rec["userIdentity"].update(identity)
    if "sessionContext" not in identity:
        rec["userIdentity"]["sessionContext"] = {"sessionIssuer": {"arn": issuer}}
    rec.update(top)
    if drop:
        rec.pop(drop, None)
    raw = json.dumps(rec, ensure_ascii=False).encode("utf-8", "surrogatepass")
    _same_or_aside(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"eventSource":"ec2.amazonaws.com","eventName":"A","eventName":"B"}',  # the last wins
        b'{"eventSource":"ec2.amazonaws.com","eventName":"A","requestParameters":{"k":1,"k":2}}',
        b'{"eventSource":"ec2.amazonaws.com","eventName":"A","eventTime":"2026-11-20T10:00:00"}',
    ],
    ids=["duplicate-key", "duplicate-nested-key", "time-without-zone"],
)
def test_json_corners_give_the_same_call(raw: bytes) -> None:
    _same_or_aside(raw)
