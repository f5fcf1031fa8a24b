"""A large read of a trail's bucket on every core: the listed objects are split into parts,
each fetched and analysed by a worker process with a client of its own (moto's server,
reached over HTTP from the forked workers); the result equals the one-process read."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from least_priv import app, parallel
from least_priv.app import run
from least_priv.config import Settings
from least_priv.core.select import Window, parse_principal
from least_priv.errors import SourceError
from least_priv.sources.s3 import S3Source
from tests.conftest import ROLE_ARN, ROOT, record

EXAMPLE = ROOT / "examples" / "cloudtrail"
BUCKET = "org-cloudtrail-logs"
WINDOW = Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
DAY = "trails/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/20"


def _bucket(aws_client: Any) -> Any:
    """The example trail, plus a second region's day of 30 files of the role's calls."""
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=BUCKET)
    for path in sorted(EXAMPLE.rglob("*.json.gz")):
        key = "trails/" + path.relative_to(EXAMPLE).as_posix()
        s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())
    for n in range(30):
        records = [
            record("s3", "GetObject", request={"bucketName": f"b{n}", "key": f"k{i}"},
                   time=f"2026-11-20T1{n // 10}:{n:02d}:00Z", region="eu-west-1")
            for i in range(20)
        ]  # fmt: skip
        name = f"111122223333_CloudTrail_eu-west-1_20261120T1{n // 10}{n:02d}Z_{n:016d}.json.gz"
        body = gzip.compress(json.dumps({"Records": records}).encode(), mtime=0)
        s3.put_object(Bucket=BUCKET, Key=f"{DAY}/{name}", Body=body)
    return s3


def _run(reference: Any) -> Any:
    settings = Settings(
        principal=parse_principal(ROLE_ARN), sources=(f"s3://{BUCKET}/trails",),
        window=WINDOW, output="-",
    )  # fmt: skip
    warnings: list[str] = []
    outcome = run(settings, warnings.append, reference)
    assert warnings == []
    return outcome


def test_on_two_workers_the_read_equals_the_one_process_read(
    aws_env: str, aws_client: Any, reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bucket(aws_client)
    one = _run(reference)
    reads: list[tuple[int, bool]] = []  # (objects, read in parts)

    def counted(source: Any, sized: Any, *args: Any, **kwargs: Any) -> bool:
        done = parallel.collect(source, sized, *args, **kwargs)
        reads.append((len(sized), done))
        return done

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(app, "worker_count", lambda *_: 2)
    monkeypatch.setattr(app, "collect", counted)
    two = _run(reference)
    assert reads == [(40, True)]  # the example's 10 objects in the window and the 30 added
    assert two.texts == one.texts
    assert '"s3:GetObject"' in two.texts[0]
    for key in ("actions", "denied", "unmapped", "findings", "events"):
        assert two.report[key] == one.report[key], key
    stats = two.report["sources"][0]
    assert stats == one.report["sources"][0]
    assert (stats["files_read"], stats["objects_listed"]) == (40, 40)


def test_parts_leave_the_window_checks_to_the_whole_read(aws_env: str, aws_client: Any) -> None:
    """A part holding only deleted objects is no error by itself; the whole read is one when
    every object of every part was deleted."""
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=BUCKET)
    whole = S3Source(s3, BUCKET, "trails", WINDOW)
    part = whole.part(["trails/gone-1.json.gz"])()
    warnings: list[str] = []
    assert list(part.calls(warnings.append)) == []
    assert part.stats.files_skipped[0]["reason"].startswith("deleted")
    assert warnings[-1].startswith("skipped s3://")
    whole.stats.files_skipped = part.stats.files_skipped
    with pytest.raises(SourceError, match="all 1 log objects listed for the window were deleted"):
        whole.finished(warnings.append)


def test_objects_deleted_after_the_listing_in_every_part_are_one_error(
    aws_env: str, aws_client: Any, reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent lists, the bucket's objects go (a lifecycle rule), the workers find none:
    the merged read says so in one line, as a one-process read does."""
    from least_priv.core.analysis import Collector, Options

    s3 = _bucket(aws_client)
    source = S3Source(
        s3, BUCKET, "trails", WINDOW, new_client=lambda: aws_client("s3"), needle=b"github"
    )
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    sized = parallel.worth_it(source, 2)
    assert sized is not None
    assert len(sized) == 40
    for _, key in sized:
        s3.delete_object(Bucket=BUCKET, Key=key)
    collector = Collector(parse_principal(ROLE_ARN), WINDOW, reference, Options())
    warnings: list[str] = []
    with pytest.raises(SourceError, match="all 40 log objects listed for the window were deleted"):
        parallel.collect(source, sized, collector, 2, warnings.append)
    assert len(warnings) == 40  # one per object, as in one process
