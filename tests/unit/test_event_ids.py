"""``EventIds``: the keys of the events counted, exact as a set, in little memory."""

from __future__ import annotations

import pickle
import random
import sys
import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from least_priv.core.evidence import Analysis, EventIds

KEYS = st.integers(min_value=0, max_value=2**64 - 1)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(KEYS, st.integers(0, 40)), max_size=300),  # small ones repeat
    st.integers(min_value=1, max_value=40),
)
def test_it_answers_as_a_set_would_before_and_after_it_compacts(
    keys: list[int], small: int
) -> None:
    ids, reference = EventIds(small=small), set[int]()
    for key in keys:
        assert (key in ids) == (key in reference)
        assert ids.add(key) == (key not in reference)  # new, or seen before
        reference.add(key)
        assert key in ids
    assert len(ids) == len(reference)
    assert sorted(ids) == sorted(reference)
    assert not any(key in ids for key in (2**64 - 2, 41, 12345) if key not in reference)


def test_many_keys_take_a_fraction_of_a_set_of_ints() -> None:
    rng = random.Random(7)
    keys = [rng.getrandbits(64) for _ in range(300_000)]
    tracemalloc.start()
    try:
        ids = EventIds()
        for key in keys:
            ids.add(key)
        compact = tracemalloc.get_traced_memory()[0]
        plain = {int.from_bytes(k.to_bytes(8, "big"), "big") for k in keys}  # ints of its own
        in_a_set = tracemalloc.get_traced_memory()[0] - compact
    finally:
        tracemalloc.stop()
    assert len(ids) == len(plain) == 300_000
    assert compact < 14 * len(keys)  # bytes a key
    assert in_a_set > 4 * compact  # 60-85 bytes a key: a 36-byte int and the set's slots
    assert all(key in ids for key in keys[::1000])


def test_it_merges_copies_and_travels_between_processes() -> None:
    first, second = EventIds(small=4), EventIds(small=4)
    first.update(range(10))
    second.update(range(5, 20))
    first.update(second)
    assert sorted(first) == list(range(20))
    copy = pickle.loads(pickle.dumps(first))
    assert copy == first
    assert sorted(copy) == list(range(20))
    assert copy != second
    one, other = Analysis(), Analysis()
    one.event_ids.update([1, 2])
    other.event_ids.update([2, 3])
    one.merge(other)
    assert sorted(one.event_ids) == [1, 2, 3]


def test_a_key_is_found_only_where_a_key_starts() -> None:
    """Keys lie side by side in a bucket: 8 bytes across two of them are no key."""
    ids = EventIds(small=1)
    first, second = 0x1111_2222_3333_4444, 0x5555_6666_7777_8888
    ids.update([first, second])  # past ``small``: one bucket holds both
    packed = b"".join(k.to_bytes(8, sys.byteorder) for k in ids)  # as the bucket holds them
    straddling = int.from_bytes(packed[4:12], sys.byteorder)
    assert straddling not in ids
    assert ids.add(straddling)
    assert len(ids) == 3
