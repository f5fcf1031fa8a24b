"""A folder's files are listed in one walk of ``os.scandir``: in path order (as
``sorted(Path.rglob)`` orders them, so that runs and reports do not change), hidden files and
links to folders left out, and an unreadable folder skipped with a warning, never silently."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from least_priv import parallel
from least_priv.sources.local import LocalSource


def _by_pathlib(root: Path) -> list[str]:
    """What the listing must equal: every file under ``root`` in ``sorted(rglob)`` order."""
    return [str(p) for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".")]


# Names whose string order differs from their path order ("a-b/c" < "a/b" as strings, not as
# paths), hidden ones, upper case, and names that are prefixes of one another.
NAMES = st.sampled_from(["a", "a-b", "a.b", "a0", "A", "b", ".h", "a b", "é", "x.json.gz"])
TREES = st.recursive(
    st.just(b"{}"),
    lambda children: st.dictionaries(NAMES, children, min_size=1, max_size=4),
    max_leaves=12,
)


def _build(root: Path, tree: dict[str, object]) -> None:
    for name, child in tree.items():
        if isinstance(child, dict):
            (root / name).mkdir()
            _build(root / name, child)
        else:
            (root / name).write_bytes(b'{"Records": []}')


@settings(max_examples=60, deadline=None)
@given(tree=st.dictionaries(NAMES, TREES, min_size=1, max_size=5))
def test_the_listing_is_in_path_order(tmp_path_factory: pytest.TempPathFactory, tree: dict) -> None:
    root = tmp_path_factory.mktemp("logs")
    _build(root, tree)
    assert LocalSource(str(root)).files() == _by_pathlib(root)


def test_links_hidden_files_and_the_root_spelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "logs" / "real" / "sub"
    real.mkdir(parents=True)
    (real / "f.json").write_text("{}")
    (tmp_path / "logs" / "a").mkdir()
    (tmp_path / "logs" / "a" / "link").symlink_to("../real")  # a folder: not followed
    (tmp_path / "logs" / "flink.json").symlink_to("real/sub/f.json")  # a file: read
    (tmp_path / "logs" / "dangling.json").symlink_to("nowhere.json")
    (tmp_path / "logs" / ".hidden").mkdir()
    (tmp_path / "logs" / ".hidden" / "g.json").write_text("{}")  # in a hidden folder: read
    (tmp_path / "logs" / ".keep").write_text("")
    os.mkfifo(tmp_path / "logs" / "fifo")
    expected = _by_pathlib(tmp_path / "logs")
    assert [Path(p).name for p in expected] == ["g.json", "flink.json", "f.json"]
    assert LocalSource(str(tmp_path / "logs")).files() == expected
    monkeypatch.chdir(tmp_path)
    for spelling in ("logs/", "./logs", "logs//"):
        assert LocalSource(spelling).files() == _by_pathlib(Path(spelling)), spelling
    monkeypatch.chdir(tmp_path / "logs")
    assert LocalSource(".").files() == _by_pathlib(Path())
    assert LocalSource("flink.json").files() == ["flink.json"]


def test_digest_and_insight_files_of_a_synced_bucket_are_not_read(tmp_path: Path) -> None:
    """``aws s3 sync`` of a trail's bucket brings its digest files (hashes of the log files)
    and Insights events: neither is an API call, so neither is read (the s3 source never
    lists them either), and a month of them is not hundreds of warnings."""
    base = tmp_path / "AWSLogs" / "111122223333"
    names = {
        "CloudTrail-Digest": "111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20261120T100000Z.json.gz",
        "CloudTrail-Insight": "111122223333_CloudTrail-Insight_us-east-1_20261120T1000Z_AbCdEfGhIjKlMnOp.json.gz",
        "CloudTrail": "111122223333_CloudTrail_us-east-1_20261120T1000Z_AbCdEfGhIjKlMnOp.json.gz",
    }
    for folder, name in names.items():
        day = base / folder / "us-east-1" / "2026" / "11" / "20"
        day.mkdir(parents=True)
        (day / name).write_bytes(b"{}")
    (tmp_path / "flat_CloudTrail-Digest_copy.json").write_bytes(b"{}")
    assert [Path(p).name for p in LocalSource(str(tmp_path)).files()] == [names["CloudTrail"]]


def test_an_unreadable_folder_is_a_warning_not_a_silent_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ok", "locked"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "f.json").write_text('{"Records": []}')
    real_scandir = os.scandir

    def scandir(path: str) -> object:  # root reads any folder: refuse this one as EACCES would
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    source = LocalSource(str(tmp_path))
    warnings: list[str] = []
    assert list(source.calls(warnings.append)) == []
    assert source.files() == [str(tmp_path / "ok" / "f.json")]
    locked = str(tmp_path / "locked")
    assert source.stats.files_skipped == [{"file": locked, "reason": "Permission denied"}]
    assert warnings == [f"skipped {locked}: Permission denied"]
    assert list(source.calls(warnings.append)) == []  # a second read warns no more
    assert len(warnings) == 1


def test_the_parallel_split_gets_each_file_with_its_size(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"{n}.json.gz").write_bytes(b"x" * (n + 1) * 100)
    (tmp_path / "plain.json").write_bytes(b"y" * 900)
    sized = parallel.sized_files(LocalSource(str(tmp_path)))
    assert sized == [
        (100, str(tmp_path / "0.json.gz")),
        (200, str(tmp_path / "1.json.gz")),
        (300, str(tmp_path / "2.json.gz")),
        (100, str(tmp_path / "plain.json")),  # plain JSON: a ninth of its size
    ]


_PARTS = st.text(alphabet=st.sampled_from(" !#+-.0Aa_é~\x01"), min_size=1, max_size=4).filter(
    lambda part: part != "."  # a name a listing never gives (Path drops it)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_PARTS, min_size=1, max_size=4).map("/".join), max_size=12))
def test_the_sort_key_orders_paths_as_path_objects_do(paths: list[str]) -> None:
    from least_priv.sources.local import path_order

    assert sorted(paths, key=path_order) == sorted(paths, key=Path)
