"""The s3:// source against a real S3 endpoint (moto in server mode, reached over HTTP).

What was fetched and listed is proved by botocore's own request events, counted on the client.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from least_priv.core.analysis import Collector, Options
from least_priv.core.build import build_statements
from least_priv.core.event import ApiCall
from least_priv.core.merge import merge_policy
from least_priv.core.policy import render_policy
from least_priv.core.select import Window, parse_principal
from least_priv.core.tables import DEFAULT_IGNORED_ACTIONS
from least_priv.errors import SourceError, UsageError
from least_priv.iam.reference import IamReference
from least_priv.sources.local import LocalSource
from least_priv.sources.s3 import S3Source, may_hold_window, parse_s3_url
from tests.conftest import ROLE_ARN, ROOT, record

BUCKET = "acme-cloudtrail-logs"
PREFIX = "trails/main"
ORG = "o-a1b2c3d4e5"
WINDOW = Window(
    datetime(2026, 11, 20, 10, 0, tzinfo=UTC), datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
)
EXAMPLES = ROOT / "examples" / "cloudtrail"


def log_file(*event_ids: str) -> bytes:
    """A gzipped CloudTrail log file holding one record per event id."""
    records = [record("ec2", "DescribeVpcs", eventID=e) for e in event_ids]
    return gzip.compress(json.dumps({"Records": records}).encode())


def log_key(root: str, region: str, stamp: str, unique: str = "AbCdEfGhIjKlMnOp") -> str:
    """``root`` is ``AWSLogs/<account>/`` or ``AWSLogs/<org>/<account>/`` under the prefix."""
    account = root.rstrip("/").rsplit("/", 1)[-1]
    day = f"{stamp[:4]}/{stamp[4:6]}/{stamp[6:8]}"
    name = f"{account}_CloudTrail_{region}_{stamp}_{unique}.json.gz"
    return f"{PREFIX}/{root}CloudTrail/{region}/{day}/{name}"


ROOTS = ("AWSLogs/111122223333/", "AWSLogs/444455556666/", f"AWSLogs/{ORG}/777788889999/")
REGIONS = ("eu-west-1", "us-east-1")


def trail_objects() -> tuple[dict[str, bytes], list[str]]:
    """A trail bucket: every object, and the keys that can hold events of ``WINDOW``."""
    objects: dict[str, bytes] = {}
    wanted: list[str] = []
    for root in ROOTS:
        for region in REGIONS:
            for stamp in ("20261120T1000Z", "20261120T1105Z", "20261120T1215Z"):
                wanted.append(log_key(root, region, stamp))
            day = f"{PREFIX}/{root}CloudTrail/{region}/2026/11/20/"
            wanted.append(day + "copied-by-hand.json")  # no CloudTrail name: read anyway
            decoys = [
                log_key(root, region, "20261120T0959Z"),  # delivered before the start
                log_key(root, region, "20261120T1216Z"),  # after end + 15 minutes
                log_key(root, region, "20261120T2355Z"),
                log_key(root, region, "20261119T2355Z"),  # another day
                log_key(root, region, "20261121T0005Z"),
                f"{PREFIX}/{root}CloudTrail-Digest/{region}/2026/11/20/digest.json.gz",
                f"{PREFIX}/{root}elasticloadbalancing/{region}/2026/11/20/elb.log.gz",
                day,  # a folder marker, as the S3 console creates
            ]
            objects.update(dict.fromkeys(decoys, b"decoy: must not be fetched"))
    objects[f"{PREFIX}/unrelated/AWSLogs.txt"] = b"decoy"
    for key in wanted:
        objects[key] = log_file(f"{key}#1", f"{key}#2")
    return objects, sorted(wanted)


class Requests:
    """The GetObject keys and ListObjectsV2 (prefix, delimiter) pairs a client sends."""

    def __init__(self, client: Any) -> None:
        self.gets: list[str] = []
        self.lists: list[tuple[str, str]] = []
        events = client.meta.events
        events.register("before-parameter-build.s3.GetObject", self._get)
        events.register("before-parameter-build.s3.ListObjectsV2", self._list)

    def _get(self, params: dict[str, Any], **_: Any) -> None:
        self.gets.append(params["Key"])

    def _list(self, params: dict[str, Any], **_: Any) -> None:
        self.lists.append((params["Prefix"], params.get("Delimiter", "")))


def make_bucket(client: Any, objects: dict[str, bytes], **extra: Any) -> None:
    client.create_bucket(Bucket=BUCKET)
    for key, body in objects.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body, **extra)


def read_all(source: S3Source) -> tuple[list[ApiCall], list[str]]:
    warnings: list[str] = []
    return list(source.calls(warnings.append)), warnings


def policy_text(calls: Iterable[ApiCall], reference: IamReference, window: Window) -> str:
    """The pipeline of ``least_priv.app`` from calls to the policy file's text."""
    options = Options(ignore=DEFAULT_IGNORED_ACTIONS)
    collector = Collector(parse_principal(ROLE_ARN), window, reference, options)
    for call in calls:
        collector.add(call)
    statements, _ = build_statements(collector.analysis.grants, keep_star_resources=True)
    return render_policy(merge_policy(None, statements, ()).document)


@pytest.fixture
def s3(aws_client: Any) -> Any:
    return aws_client("s3")


def test_each_object_read_is_told_to_the_progress_hook(s3: Any) -> None:
    objects, wanted = trail_objects()
    make_bucket(s3, objects)
    source = S3Source(s3, BUCKET, PREFIX, WINDOW)
    told: list[tuple[int, int, str]] = []
    source.stats.on_file = lambda s: told.append((s.files_read, s.records, s.doing))
    read_all(source)
    # The listing runs a few folders ahead of the reading: each folder listed is told too.
    listed = list(dict.fromkeys(doing for _, _, doing in told if doing))
    assert listed == [f"{n} of 6 day folders listed" for n in range(1, 7)]  # 3 roots x 2 regions
    files = [files for files, _, _ in told]
    assert files == sorted(files)
    assert set(files) >= set(range(1, len(wanted) + 1))
    assert told[-1][:2] == (len(wanted), 2 * len(wanted))
    assert source.stats.doing == ""  # the listing is over


def test_only_the_window_is_listed_and_fetched(s3: Any) -> None:
    objects, wanted = trail_objects()
    make_bucket(s3, objects)
    seen = Requests(s3)
    calls, warnings = read_all(S3Source(s3, BUCKET, PREFIX, WINDOW))
    assert sorted(seen.gets) == wanted
    assert [c.event_id for c in calls] == [f"{k}#{n}" for k in wanted for n in (1, 2)]
    logs = f"{PREFIX}/AWSLogs/"
    days = {(f"{PREFIX}/{r}CloudTrail/{g}/2026/11/20/", "") for r in ROOTS for g in REGIONS}
    folders = {(f"{PREFIX}/{r}CloudTrail/", "/") for r in ROOTS}
    assert set(seen.lists) == {(logs, "/"), (f"{logs}{ORG}/", "/"), *folders, *days}
    assert len(seen.lists) == 2 + len(folders) + len(days)
    assert warnings == []


def test_the_day_after_the_end_is_listed_within_the_delivery_margin(s3: Any) -> None:
    late = log_key(ROOTS[0], "us-east-1", "20261121T0010Z")
    make_bucket(s3, {late: log_file("late")})
    seen = Requests(s3)
    window = Window(datetime(2026, 11, 20, 23, 0, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
    calls, _ = read_all(S3Source(s3, BUCKET, PREFIX, window, ("111122223333",), ("us-east-1",)))
    assert [c.event_id for c in calls] == ["late"]
    day_lists = sorted(p for p, d in seen.lists if not d)
    assert [p.rsplit("/CloudTrail/", 1)[1] for p in day_lists] == [
        "us-east-1/2026/11/20/",
        "us-east-1/2026/11/21/",
    ]


def test_given_accounts_and_regions_are_not_discovered(s3: Any) -> None:
    objects, wanted = trail_objects()
    make_bucket(s3, objects)
    seen = Requests(s3)
    source = S3Source(s3, BUCKET, PREFIX, WINDOW, ("777788889999",), ("us-east-1",))
    read_all(source)
    org_day = f"{PREFIX}/AWSLogs/{ORG}/777788889999/CloudTrail/us-east-1/2026/11/20/"
    assert seen.lists == [(f"{PREFIX}/AWSLogs/", "/"), (org_day, "")]
    assert seen.gets == [k for k in wanted if k.startswith(org_day)]


@pytest.mark.parametrize(
    ("prefix", "expected_root"),
    [
        (f"{PREFIX}/AWSLogs/111122223333/", "AWSLogs/111122223333/"),
        (
            f"{PREFIX}/AWSLogs/{ORG}/777788889999/CloudTrail/eu-west-1",
            f"{ROOTS[2]}CloudTrail/eu-west-1/",
        ),
    ],
)
def test_a_prefix_into_awslogs_narrows_to_what_it_names(
    s3: Any, prefix: str, expected_root: str
) -> None:
    make_bucket(s3, trail_objects()[0])
    seen = Requests(s3)
    calls, _ = read_all(S3Source(s3, BUCKET, prefix, WINDOW))
    assert seen.gets
    assert all(k.startswith(f"{PREFIX}/{expected_root}") for k in seen.gets)
    assert (f"{PREFIX}/AWSLogs/", "/") not in seen.lists
    assert {c.event_id.split("#")[0] for c in calls} == set(seen.gets)


def test_a_prefix_ending_in_awslogs_reads_the_whole_trail(s3: Any) -> None:
    objects, wanted = trail_objects()
    make_bucket(s3, objects)
    seen = Requests(s3)
    source = S3Source(s3, BUCKET, f"{PREFIX}/AWSLogs", WINDOW)
    read_all(source)
    assert sorted(seen.gets) == wanted
    # Listed in the day folder, named as delivered at 09:59, 12:16 and 23:55: not fetched.
    assert source.stats.files_outside_window == 3 * len(ROOTS) * len(REGIONS)


def test_example_trail_gives_the_same_policy_as_the_local_folder(
    s3: Any, reference: IamReference
) -> None:
    s3.create_bucket(Bucket=BUCKET)
    files = sorted(p for p in EXAMPLES.rglob("*") if p.is_file())
    for path in files:
        s3.put_object(Bucket=BUCKET, Key=f"ci/{path.relative_to(EXAMPLES)}", Body=path.read_bytes())
    seen = Requests(s3)
    window = Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
    source = S3Source(s3, BUCKET, "ci", window)
    warnings: list[str] = []
    from_s3 = policy_text(source.calls(warnings.append), reference, window)
    folder = LocalSource(str(EXAMPLES), window=window)
    local = policy_text(folder.calls(warnings.append), reference, window)
    assert warnings == []
    assert from_s3 == local
    assert folder.stats.files_outside_window == 1  # the same rule: not the 2026/11/19 file
    assert '"ec2:CreateVpc"' in from_s3
    assert len(seen.gets) == len(files) - 1  # not the 2026/11/19 file, delivered before the window
    assert all("/2026/11/20/" in k for k in seen.gets)
    stats = source.stats.as_dict()
    assert stats["files_read"] == len(files) - 1
    assert stats["objects_listed"] == len(files) - 1
    assert stats["bytes_read"] == sum(p.stat().st_size for p in files if "/11/20/" in str(p))


def test_parallel_reads_give_the_sequential_order(s3: Any) -> None:
    keys = [log_key(ROOTS[0], "us-east-1", f"20261120T10{m:02d}Z", f"u{m:015d}") for m in range(40)]
    make_bucket(s3, {k: log_file(f"{k}#a", f"{k}#b") for k in keys})

    def event_ids(workers: int) -> list[str]:
        calls, _ = read_all(S3Source(s3, BUCKET, PREFIX, WINDOW, workers=workers))
        return [c.event_id for c in calls]

    sequential = event_ids(1)
    assert sequential == [f"{k}#{s}" for k in sorted(keys) for s in "ab"]
    assert event_ids(8) == sequential


def test_objects_in_flight_are_bounded(s3: Any) -> None:
    keys = [log_key(ROOTS[0], "us-east-1", f"20261120T10{m:02d}Z") for m in range(30)]
    make_bucket(s3, {k: log_file(k) for k in keys})
    seen = Requests(s3)
    calls = S3Source(s3, BUCKET, PREFIX, WINDOW, workers=2).calls(lambda _: None)
    next(calls)
    time.sleep(0.5)  # long enough for two threads to fetch all 30 if nothing held them back
    assert len(seen.gets) == 4  # 2 * workers
    calls.close()


def test_sse_kms_objects_are_read_transparently(aws_client: Any, s3: Any) -> None:
    key_id = aws_client("kms").create_key(Description="trail logs")["KeyMetadata"]["KeyId"]
    key = log_key(ROOTS[0], "us-east-1", "20261120T1100Z")
    make_bucket(s3, {key: log_file("sealed")}, ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id)
    assert s3.head_object(Bucket=BUCKET, Key=key)["ServerSideEncryption"] == "aws:kms"
    calls, warnings = read_all(S3Source(s3, BUCKET, PREFIX, WINDOW))
    assert [c.event_id for c in calls] == ["sealed"]
    assert warnings == []


def test_an_object_deleted_after_listing_is_skipped_with_one_warning(
    aws_client: Any, s3: Any
) -> None:
    keys = [log_key(ROOTS[0], "us-east-1", f"20261120T110{m}Z") for m in range(3)]
    make_bucket(s3, {k: log_file(k) for k in keys})
    other = aws_client("s3")

    def delete_the_second(params: dict[str, Any], **_: Any) -> None:
        if params["Key"] == keys[1]:
            other.delete_object(Bucket=BUCKET, Key=keys[1])

    s3.meta.events.register("before-parameter-build.s3.GetObject", delete_the_second)
    source = S3Source(s3, BUCKET, PREFIX, WINDOW)
    calls, warnings = read_all(source)
    assert [c.event_id for c in calls] == [keys[0], keys[2]]
    assert warnings == [
        f"skipped s3://{BUCKET}/{keys[1]}: deleted between listing and reading (NoSuchKey)"
    ]
    assert source.stats.files_skipped == [
        {
            "file": f"s3://{BUCKET}/{keys[1]}",
            "reason": "deleted between listing and reading (NoSuchKey)",
        }
    ]
    assert source.stats.files_read == 2


def test_a_corrupt_object_is_skipped_like_a_corrupt_file(s3: Any) -> None:
    good, bad = (log_key(ROOTS[0], "us-east-1", f"20261120T110{m}Z") for m in range(2))
    make_bucket(s3, {good: log_file("ok"), bad: log_file("lost")[:30]})
    source = S3Source(s3, BUCKET, PREFIX, WINDOW)
    calls, warnings = read_all(source)
    assert [c.event_id for c in calls] == ["ok"]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"skipped s3://{BUCKET}/{bad}: corrupt or truncated gzip")
    assert [f["file"] for f in source.stats.files_skipped] == [f"s3://{BUCKET}/{bad}"]


def test_a_missing_bucket_says_so(s3: Any) -> None:
    with pytest.raises(SourceError) as caught:
        read_all(S3Source(s3, "no-such-trail-bucket", "", WINDOW))
    assert str(caught.value) == (
        "listing s3://no-such-trail-bucket/AWSLogs/: bucket no-such-trail-bucket does not exist; "
        "check --source / the trail's bucket"
    )


def test_an_empty_window_warns_that_nothing_was_found(s3: Any) -> None:
    make_bucket(s3, {})
    source = S3Source(s3, BUCKET, PREFIX, WINDOW)
    calls, warnings = read_all(source)
    assert calls == []
    assert warnings == [
        f"s3://{BUCKET}/{PREFIX}: no CloudTrail log object for the window; check the bucket, "
        "the trail's key prefix and the window"
    ]
    assert source.stats.as_dict()["list_requests"] == 1


def test_access_denied_on_listing_explains_cross_account_buckets(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error("list_objects_v2", "AccessDenied", "Access Denied", 403)
        with pytest.raises(SourceError) as caught:
            read_all(S3Source(s3, BUCKET, PREFIX, WINDOW))
    message = str(caught.value)
    assert message.startswith(f"listing s3://{BUCKET}/{PREFIX}/AWSLogs/: access denied")
    assert f"allow s3:ListBucket on arn:aws:s3:::{BUCKET} " in message
    assert "another account must also grant s3:ListBucket and s3:GetObject" in message
    assert "kms:Decrypt" in message


def test_access_denied_on_reading_names_get_object(s3: Any) -> None:
    key = log_key(ROOTS[0], "us-east-1", "20261120T1100Z")
    day = key.rsplit("/", 1)[0] + "/"
    with Stubber(s3) as stub:
        stub.add_response(
            "list_objects_v2",
            {"CommonPrefixes": [{"Prefix": f"{PREFIX}/{ROOTS[0]}"}], "IsTruncated": False},
            {"Bucket": BUCKET, "Prefix": f"{PREFIX}/AWSLogs/", "Delimiter": "/"},
        )
        stub.add_response(
            "list_objects_v2",
            {"Contents": [{"Key": key, "Size": 10}], "IsTruncated": False, "KeyCount": 1},
            {"Bucket": BUCKET, "Prefix": day},
        )
        stub.add_client_error("get_object", "AccessDenied", "Access Denied", 403)
        source = S3Source(s3, BUCKET, PREFIX, WINDOW, ("111122223333",), ("us-east-1",))
        with pytest.raises(SourceError) as caught:
            read_all(source)
    message = str(caught.value)
    assert message.startswith(f"reading s3://{BUCKET}/{key}: access denied")
    assert f"allow s3:GetObject on arn:aws:s3:::{BUCKET}/{PREFIX}/AWSLogs/* " in message


def test_an_account_filter_still_looks_for_organization_folders(s3: Any) -> None:
    objects, _ = trail_objects()
    make_bucket(s3, objects)
    seen = Requests(s3)
    read_all(S3Source(s3, BUCKET, PREFIX, WINDOW, ("111122223333",)))
    assert all("444455556666" not in key for key in seen.gets)
    assert (f"{PREFIX}/AWSLogs/", "/") in seen.lists


def test_a_window_without_a_start_is_refused(s3: Any) -> None:
    with pytest.raises(UsageError, match="the s3 source needs a window"):
        S3Source(s3, BUCKET, PREFIX, Window(None, datetime(2026, 11, 20, tzinfo=UTC)))


def test_the_label_names_the_source_in_the_stats(s3: Any) -> None:
    assert S3Source(s3, BUCKET, "p", WINDOW).stats.source == f"s3://{BUCKET}/p"
    assert S3Source(s3, BUCKET, "p", WINDOW, label="s3").stats.source == "s3"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://bucket", ("bucket", "")),
        ("s3://bucket/", ("bucket", "")),
        ("s3://my.trail-logs/some/prefix/", ("my.trail-logs", "some/prefix")),
        (" S3://bucket/AWSLogs/111122223333 ", ("bucket", "AWSLogs/111122223333")),
    ],
)
def test_s3_urls_give_bucket_and_prefix(url: str, expected: tuple[str, str]) -> None:
    assert parse_s3_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("bucket/prefix", "is not an s3:// URL"),
        ("s3://", "names no bucket"),
        ("s3:///prefix", "names no bucket"),
        ("s3://My_Bucket/x", "is not an S3 bucket name"),
        ("s3://ab", "is not an S3 bucket name"),
        ("s3://a..b", "is not an S3 bucket name"),
        ("s3://192.168.10.1", "is not an S3 bucket name"),
        ("s3://arn:aws:s3:::bucket", "is not an S3 bucket name"),
    ],
)
def test_bad_s3_urls_are_usage_errors_with_a_fix(url: str, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_s3_url(url)
    assert says in str(caught.value)
    assert "write s3://BUCKET[/PREFIX]" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "fetched"),
    [
        ("111122223333_CloudTrail_us-east-1_20261120T1004Z_AbCdEfGhIjKlMnOp.json.gz", False),
        ("111122223333_CloudTrail_us-east-1_20261120T1005Z_AbCdEfGhIjKlMnOp.json.gz", True),
        ("111122223333_CloudTrail_us-east-1_20261120T1215Z_AbCdEfGhIjKlMnOp.json.gz", True),
        ("111122223333_CloudTrail_us-east-1_20261120T1216Z_AbCdEfGhIjKlMnOp.json.gz", False),
        ("111122223333_CloudTrail_us-east-1_20261399T9999Z_AbCdEfGhIjKlMnOp.json.gz", True),
        ("events.jsonl", True),
        (".partial.json.gz", False),
        ("", False),
    ],
)
def test_the_delivery_minute_in_the_name_decides_what_is_fetched(name: str, fetched: bool) -> None:
    # A file delivered at 10:05:59 may hold an event of 10:05:40: the start's minute counts.
    start, last = (
        datetime(2026, 11, 20, 10, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 20, 12, 15, tzinfo=UTC),
    )
    assert (
        may_hold_window(
            f"{PREFIX}/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/{name}", start, last
        )
        is fetched
    )
