"""Walking request and response data: every string with its (lower-cased) key, in document
order, no deeper than 12 levels."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from least_priv.core.event import iter_strings


def test_strings_come_with_their_key_in_document_order() -> None:
    data = {
        "BucketName": "b",
        "filterSet": {"items": [{"Name": "vpc-id", "valueSet": ["vpc-1", "vpc-2"]}]},
        "count": 3,
        "dryRun": False,
        "nothing": None,
        "Tags": ["t1", {"Key": "k"}],
    }
    assert iter_strings(data) == [
        ("bucketname", "b"),
        ("name", "vpc-id"),
        ("valueset", "vpc-1"),
        ("valueset", "vpc-2"),
        ("tags", "t1"),
        ("key", "k"),
    ]


def test_a_bare_string_or_list_keeps_the_given_key() -> None:
    assert iter_strings("x", "role") == [("role", "x")]
    assert iter_strings(["a", ["b"]], "k") == [("k", "a"), ("k", "b")]


def test_nothing_deeper_than_twelve_levels_is_read() -> None:
    def nested(levels: int) -> object:
        value: object = "deep"
        for _ in range(levels):
            value = {"k": value}
        return value

    assert iter_strings(nested(12)) == [("k", "deep")]
    assert iter_strings(nested(13)) == []
    assert iter_strings(nested(100_000)) == []  # a hostile document: no recursion error


def _plain_walk(current: object, name: str, depth: int, found: list[tuple[str, str]]) -> None:
    """The definition, one level a call: a string at depth 12 or less, with its nearest key."""
    if isinstance(current, str):
        if depth <= 12:
            found.append((name, current))
    elif isinstance(current, Mapping):
        for key, value in current.items():
            _plain_walk(value, str(key).lower(), depth + 1, found)
    elif isinstance(current, list):
        for item in current:
            _plain_walk(item, name, depth + 1, found)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["", "a", "arn:aws:s3:::b"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["Key", "name", "ID", "x"]), inner, max_size=3)
        | st.dictionaries(st.sampled_from(["Key", "y"]), inner, max_size=2).map(MappingProxyType)
    ),
    max_leaves=30,
)


@given(_json, st.integers(0, 14))
def test_the_walk_reads_what_its_definition_reads(value: object, wrap: int) -> None:
    for _ in range(wrap):  # near and past the depth limit
        value = {"Wrap": value} if wrap % 2 else [value]
    expected: list[tuple[str, str]] = []
    _plain_walk(value, "", 0, expected)
    assert iter_strings(value) == expected
