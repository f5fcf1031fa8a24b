"""Walking request and response data: every string with its (lower-cased) key, in document
order, no deeper than 12 levels."""

from __future__ import annotations

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
