"""A folder of CloudTrail log files read for a window: like the trail's bucket (``s3``), a
file whose name carries a delivery minute (``..._CloudTrail_REGION_YYYYMMDDTHHMMZ_...``)
outside [window start's minute, end + 15 minutes] is never opened, and counted."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from least_priv.app import run
from least_priv.config import Settings
from least_priv.core.select import Window, parse_principal
from least_priv.sources.delivery import delivered_at
from least_priv.sources.local import LocalSource
from tests.conftest import ROLE_ARN, record

START = datetime(2026, 11, 20, 10, 5, 30, tzinfo=UTC)
END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20"


def _name(stamp: str) -> str:
    return f"{DAY}/111122223333_CloudTrail_us-east-1_20261120T{stamp}Z_AbCdEfGhIjKlMnOp.json.gz"


def _log(folder: Path, name: str, records: list[dict[str, Any]]) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(json.dumps({"Records": records}).encode(), mtime=0))


def _trail(folder: Path) -> None:
    """Files delivered at 09:50 and 12:16 are corrupt: opening them would be a warning."""
    _log(folder, _name("1005"), [record("ec2", "DescribeVpcs", time="2026-11-20T10:05:40Z")])
    _log(folder, _name("1030"), [record("ec2", "CreateVpc", time="2026-11-20T10:26:00Z")])
    _log(folder, _name("1215"), [record("ec2", "DeleteVpc", time="2026-11-20T11:59:00Z")])
    _log(folder, "exported/events.json", [record("s3", "ListBuckets", time="2026-11-20T11:00:00Z")])
    for stamp in ("0950", "1216"):
        (folder / _name(stamp)).write_bytes(b"\x1f\x8b not gzip")


def _settings(folder: Path, window: Window, plain: bool = False) -> Settings:
    return Settings(
        principal=parse_principal(ROLE_ARN), sources=(str(folder),), window=window,
        output="-", plain=plain,
    )  # fmt: skip


@pytest.mark.parametrize("plain", [False, True])
def test_files_delivered_outside_the_window_are_not_opened(
    tmp_path: Path, reference: Any, plain: bool
) -> None:
    _trail(tmp_path)
    warnings: list[str] = []
    outcome = run(_settings(tmp_path, Window(START, END), plain), warnings.append, reference)
    (stats,) = outcome.report["sources"]
    assert stats["files_read"] == 4
    assert stats["files_outside_window"] == 2
    assert stats["files_skipped"] == []
    assert not [w for w in warnings if "skipped" in w]
    actions = {a["action"] for a in outcome.report["actions"]}
    assert actions == {"ec2:DescribeVpcs", "ec2:CreateVpc", "ec2:DeleteVpc", "s3:ListAllMyBuckets"}
    assert "(4 files; 2 delivered outside the window, not read)" in outcome.summary


def test_on_two_workers_too(tmp_path: Path, reference: Any, two_workers: None) -> None:
    _trail(tmp_path)
    warnings: list[str] = []
    outcome = run(_settings(tmp_path, Window(START, END)), warnings.append, reference)
    (stats,) = outcome.report["sources"]
    assert (stats["files_read"], stats["files_outside_window"]) == (4, 2)
    assert not [w for w in warnings if "skipped" in w]


def test_an_open_window_keeps_every_file(tmp_path: Path) -> None:
    _trail(tmp_path)
    assert len(LocalSource(str(tmp_path), window=Window(None, None)).files()) == 6
    assert len(LocalSource(str(tmp_path)).files()) == 6
    since = LocalSource(str(tmp_path), window=Window(START, None))  # no end: up to now
    expected = [_name(stamp) for stamp in ("1005", "1030", "1215", "1216")]
    assert since.files() == [str(tmp_path / n) for n in (*expected, "exported/events.json")]
    assert since.stats.files_outside_window == 1


def test_a_window_no_file_was_delivered_in_is_one_warning_as_a_window_without_events(
    tmp_path: Path, reference: Any
) -> None:
    """As before the files were left out: the run goes on with no event in the window (exit
    0, and the analysis says so), but one line first names the window and the files."""
    _log(tmp_path, _name("0950"), [record("ec2", "DescribeVpcs", time="2026-11-20T09:45:00Z")])
    source = LocalSource(str(tmp_path), window=Window(START, END))
    warnings: list[str] = []
    assert list(source.calls(warnings.append)) == []
    source.require_evidence()  # no error: the file was seen, and lies outside the window
    assert len(warnings) == 1
    assert "\n" not in warnings[0]
    assert "its 1 log file was delivered outside the window" in warnings[0]
    assert "2026-11-20T10:05:30Z .. 2026-11-20T12:00:00Z" in warnings[0]
    outcome_warnings: list[str] = []
    outcome = run(_settings(tmp_path, Window(START, END)), outcome_warnings.append, reference)
    assert outcome.report["actions"] == []
    assert any("no event of" in w for w in outcome_warnings)


def test_files_that_are_no_logs_beside_them_are_still_reported(tmp_path: Path) -> None:
    _log(tmp_path, _name("0950"), [record("ec2", "DescribeVpcs", time="2026-11-20T09:45:00Z")])
    (tmp_path / "README.md").write_text("synced from the trail's bucket")
    source = LocalSource(str(tmp_path), window=Window(START, END))
    warnings: list[str] = []
    assert list(source.calls(warnings.append)) == []
    source.require_evidence()
    assert [w.split(":")[0] for w in warnings] == [
        f"--source {tmp_path}",
        f"skipped {tmp_path}/README.md",
    ]
    assert source.stats.files_skipped[0]["file"] == str(tmp_path / "README.md")


@settings(max_examples=300, deadline=None)
@given(
    st.text("0123456789", min_size=12, max_size=12)
    | st.datetimes(datetime(1000, 1, 1)).map(lambda moment: moment.strftime("%Y%m%d%H%M"))
)
def test_a_delivery_minute_is_read_as_strptime_reads_it(digits: str) -> None:
    stamp = f"{digits[:8]}T{digits[8:]}Z"
    try:
        expected = datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    except ValueError:
        expected = None
    assert delivered_at(f"{DAY}/111122223333_CloudTrail_us-east-1_{stamp}_Ab.json.gz") == expected
