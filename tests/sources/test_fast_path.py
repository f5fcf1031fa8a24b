"""The fast reading path (records skipped before parsing, folders on every core) gives the
policy, the counts and the report of the plain path, on every layout a file may have."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from least_priv import parallel
from least_priv.app import run
from least_priv.config import Settings
from least_priv.core.event import ApiCall
from least_priv.core.select import Window, parse_principal
from least_priv.sources import local
from least_priv.sources.local import LocalSource
from least_priv.sources.scan import candidate_records, needle_of
from tests.conftest import ROLE_ARN, ROOT, record

EXAMPLE = ROOT / "examples" / "cloudtrail"
WINDOW = Window(None, None)


def _settings(source: Path, principal: str = ROLE_ARN, plain: bool = False) -> Settings:
    return Settings(
        principal=parse_principal(principal), sources=(str(source),), window=WINDOW, output="-",
        plain=plain,
    )  # fmt: skip


def _both(source: Path, reference: Any, principal: str = ROLE_ARN) -> tuple[Any, Any]:
    fast = run(_settings(source, principal), lambda _: None, reference)
    plain = run(_settings(source, principal, plain=True), lambda _: None, reference)
    return fast, plain


def _same(fast: Any, plain: Any) -> None:
    assert fast.texts == plain.texts
    for key in ("actions", "denied", "unmapped", "findings"):
        assert fast.report[key] == plain.report[key], key
    assert fast.report["events"] == plain.report["events"]


OTHER = {
    "type": "AssumedRole",
    "arn": "arn:aws:sts::111122223333:assumed-role/Admin/alice",
    "accountId": "111122223333",
    "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::111122223333:role/Admin"}},
}


def _records() -> list[dict[str, Any]]:
    return [
        record("ec2", "CreateVpc", request={"cidrBlock": "10.0.0.0/16"}, response={"vpc": {"vpcId": "vpc-0a1b2c3d4e5f60718"}}),
        record("ec2", "DescribeVpcs", identity=OTHER),
        record("s3", "CreateBucket", request={"bucketName": "demo-bucket"}),
        record("iam", "TagRole", error="AccessDenied", request={"roleName": "x"}),
        record("ec2", "DeleteVpc", identity=OTHER, request={"vpcId": "vpc-1"}),
    ]  # fmt: skip


def _write(folder: Path, name: str, text: str | bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    (folder / name).write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)


@pytest.mark.parametrize(
    "layout",
    [
        "compact",
        "no-event-version",
        "spaced",
        "pretty",
        "json-lines",
        "bom",
        "lookup-events",
        "single",
        "list",
        "list-compact",
        "list-indented",
        "sorted-keys",
        "sorted-keys-without-principal",
        "sorted-keys-compact",
        "sorted-keys-spaced",
        "sorted-keys-list",
        "sorted-keys-lookup-events",
    ],
)
def test_every_layout_gives_the_plain_result(layout: str, tmp_path: Path, reference: Any) -> None:
    records = _records()
    # Keys sorted (as exporters and ``jq -S`` write them): records need not share a first key.
    sorted_records = [
        dict(r, **({"additionalEventData": {"x": 1}} if i % 2 else {}))
        for i, r in enumerate(records)
    ]
    others = [r for r in sorted_records if r["userIdentity"]["arn"] == OTHER["arn"]]
    texts = {
        "compact": json.dumps({"Records": records}, separators=(",", ":")),
        "no-event-version": json.dumps({"Records": [{k: v for k, v in r.items() if k != "eventVersion"} for r in records]}),
        "spaced": json.dumps({"Records": records}),
        "pretty": json.dumps({"Records": records}, indent=2),
        "json-lines": "\n".join(json.dumps(r) for r in records),
        "bom": "\ufeff" + json.dumps({"Records": records}, separators=(",", ":")),
        "lookup-events": json.dumps({"Events": [{"CloudTrailEvent": json.dumps(r)} for r in records]}),
        "single": json.dumps(records[0]),
        "list": json.dumps(records),
        "list-compact": json.dumps(records, separators=(",", ":")),
        "list-indented": json.dumps(records, indent=4),
        "sorted-keys": json.dumps({"Records": sorted_records}, sort_keys=True, indent=1),
        "sorted-keys-without-principal": json.dumps({"Records": others}, sort_keys=True),
        "sorted-keys-compact": json.dumps({"Records": sorted_records}, sort_keys=True, separators=(",", ":")),
        "sorted-keys-spaced": json.dumps({"Records": sorted_records}, sort_keys=True),
        "sorted-keys-list": json.dumps(sorted_records, sort_keys=True),
        "sorted-keys-lookup-events": json.dumps({"NextToken": "t", "Events": [{"EventId": "x", "CloudTrailEvent": json.dumps(r, sort_keys=True)} for r in sorted_records]}, sort_keys=True),
    }  # fmt: skip
    _write(tmp_path / "logs", "file.json.gz", texts[layout])
    if layout == "sorted-keys-without-principal":  # and a file with the principal's events
        _write(tmp_path / "logs", "mine.json", texts["compact"])
    fast, plain = _both(tmp_path / "logs", reference)
    _same(fast, plain)
    assert fast.report["actions"]


@pytest.mark.parametrize(
    "dumps",
    [
        lambda doc: json.dumps(doc, separators=(",", ":")),  # as CloudTrail writes it
        json.dumps,  # ", " and ": "
        lambda doc: json.dumps(doc, indent=2),
        lambda doc: json.dumps(doc, indent="\t").replace("\n", "\r\n"),
    ],
    ids=["compact", "spaced", "pretty", "tabs-crlf"],
)
def test_a_log_file_skips_other_principals_records_unparsed(dumps: Any) -> None:
    records = [*_records(), record("s3", "PutObject")]  # the last record is the principal's too
    data = dumps({"Records": records}).encode()
    found = candidate_records(data, needle_of(parse_principal(ROLE_ARN)) or b"")
    assert found is not None
    parsed, skipped = found
    assert all(isinstance(r, ApiCall) for r in parsed)  # decoded straight into calls
    assert [r.name for r in parsed] == ["CreateVpc", "CreateBucket", "TagRole", "PutObject"]
    assert skipped == 2


@pytest.mark.parametrize(
    ("ending", "last"), [("\n", "\n"), ("\n", ""), ("\r\n", "\r\n"), ("\n", "\n\n  \n")]
)
def test_json_lines_skip_other_principals_lines_unparsed(ending: str, last: str) -> None:
    """An export of events one per line (NDJSON) is pre-filtered line by line: only the
    principal's lines are decoded, and one file of a million lines is never held parsed."""
    records = [*_records(), record("s3", "PutObject")]
    data = (ending.join(json.dumps(r) for r in records) + last).encode()
    found = candidate_records(data, needle_of(parse_principal(ROLE_ARN)) or b"")
    assert found is not None
    parsed, skipped = found
    assert all(isinstance(r, ApiCall) for r in parsed)
    assert [r.name for r in parsed] == ["CreateVpc", "CreateBucket", "TagRole", "PutObject"]
    assert skipped == 2
    others = ending.join(json.dumps(r) for r in records if r["userIdentity"] == OTHER).encode()
    assert candidate_records(others, b"github-actions-deploy") == ([], 2)


@pytest.mark.parametrize(
    "text",
    [
        '{"eventVersion": "1.09",\n"eventSource": "s3.amazonaws.com"}\n',  # an object over lines
        "\n".join(['{"a": 1}', "", '{"b": 2}']),  # a blank line between records
        '{"eventVersion": "1.09"}\n  {"eventVersion": "1.09"}',  # an indented line
    ],
)
def test_lines_that_are_not_one_record_each_are_parsed_whole(text: str) -> None:
    assert (
        candidate_records((text + "github-actions-deploy").encode(), b"github-actions-deploy")
        is None
    )


def test_a_line_cut_short_makes_the_file_parsed_whole_to_report_it() -> None:
    """The cut line does not hold the name: unchecked, it would pass for a record unread."""
    whole, other = json.dumps(_records()[0]), json.dumps(_records()[1])
    for cut in (other[:40], other[:-1], other[:40] + "\n" + other):
        data = f"{whole}\n{cut}\n".encode()
        assert candidate_records(data, b"github-actions-deploy") is None, cut
    found = candidate_records(f"{whole}\n{other}\n".encode(), b"github-actions-deploy")
    assert found is not None
    assert ([c.name for c in found[0]], found[1]) == (["CreateVpc"], 1)


def _read_traced(folder: Path) -> tuple[int, int, int]:
    """The calls read from ``folder``, the records left unread and the peak of memory
    allocated meanwhile."""
    import tracemalloc

    source = LocalSource(str(folder), needle_of(parse_principal(ROLE_ARN)))
    tracemalloc.start()
    calls = sum(1 for _ in source.calls(pytest.fail))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return calls, source.stats.records_unread, peak


def test_a_large_json_lines_file_is_read_in_little_memory(tmp_path: Path, reference: Any) -> None:
    other = [r for r in _records() if r["userIdentity"] == OTHER]
    lines = [json.dumps(dict(r, eventID=f"o-{n}")) for n in range(2000) for r in other]
    lines += [json.dumps(dict(r, eventID=f"p-{n}")) for n, r in enumerate(_records()[:1] * 50)]
    _write(tmp_path / "logs", "export.jsonl", "\n".join(lines) + "\n")
    size = (tmp_path / "logs" / "export.jsonl").stat().st_size
    calls, unread, peak = _read_traced(tmp_path / "logs")
    assert (calls, unread) == (50, 4000)
    # The text and its lower-case copy (the name is looked for in any case); parsed whole,
    # its 4,050 records would take about 10 times the text.
    assert peak < 3 * size
    fast = run(_settings(tmp_path / "logs"), lambda _: None, reference)
    plain = run(_settings(tmp_path / "logs", plain=True), lambda _: None, reference)
    _same(fast, plain)
    assert fast.report["events"]["events_read"] == 4050


def test_a_file_without_the_principal_is_skipped_whole_and_counted() -> None:
    data = json.dumps({"Records": [_records()[1], _records()[4]]}).encode()
    assert candidate_records(data, b"github-actions-deploy") == ([], 2)


def _assert_the_principals_three_kept(data: bytes) -> None:
    """``_records()``'s three calls by the principal are kept, the other two skipped unread."""
    found = candidate_records(data, needle_of(parse_principal(ROLE_ARN)) or b"")
    assert found is not None
    assert [r.name for r in found[0] if isinstance(r, ApiCall)] == [
        "CreateVpc",
        "CreateBucket",
        "TagRole",
    ]
    assert found[1] == 2


@pytest.mark.parametrize(
    "name", ["export.json", "111122223333_CloudTrail_us-east-1_20261120T1005Z_x.json"]
)
def test_records_at_no_indent_are_not_parted_by_line_breaks(
    name: str, tmp_path: Path, reference: Any
) -> None:
    """``indent=0`` breaks lines without indenting: nested objects then start lines like the
    records do, so line breaks cannot part the records (even in a file named as CloudTrail's)."""
    records = [
        dict(r, resources=[{"ARN": "arn:aws:s3:::a"}, {"ARN": "arn:aws:s3:::b"}])
        for r in _records()
    ]
    others = [r for r in records if r["userIdentity"] == OTHER]  # none holds the name
    _write(tmp_path / "logs", name, json.dumps({"Records": others}, indent=0))
    _write(tmp_path / "logs", "mine.json", json.dumps({"Records": _records()}))
    fast, plain = _both(tmp_path / "logs", reference)
    _same(fast, plain)


@pytest.mark.parametrize("indent", [1, 2, "\t"])
def test_an_indented_export_with_sorted_keys_is_pre_filtered(indent: int | str) -> None:
    """Indented, the records of the list are the only objects at their depth: the bytes
    between two of them (comma, line break, indent, brace) part them whatever their keys."""
    records = [
        dict(r, **({"additionalEventData": {"x": 1}} if i % 2 else {}))
        for i, r in enumerate(_records())
    ]
    _assert_the_principals_three_kept(
        json.dumps({"Records": records}, sort_keys=True, indent=indent).encode()
    )


def _sorted(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records whose first keys differ once their keys are sorted (as exporters and ``jq -S``
    write them)."""
    return [
        dict(r, **({"additionalEventData": {"x": 1}} if i % 2 else {}))
        for i, r in enumerate(records)
    ]


@pytest.mark.parametrize(
    "dumps",
    [
        lambda doc: json.dumps(doc, sort_keys=True, separators=(",", ":")),
        lambda doc: json.dumps(doc, sort_keys=True),
        lambda doc: json.dumps(doc["Records"], sort_keys=True),  # a JSON array of events
        lambda doc: json.dumps(  # saved LookupEvents responses, keys sorted
            {"Events": [{"CloudTrailEvent": json.dumps(r, sort_keys=True), "EventId": "x"} for r in doc["Records"]]},
            sort_keys=True,
        ),
    ],
    ids=["compact", "spaced", "array", "lookup-events"],
)  # fmt: skip
def test_an_export_with_sorted_keys_is_pre_filtered_in_any_layout(dumps: Any) -> None:
    """No separator parts records whose first keys differ: the document is split into its
    records by a JSON parser that skips over them (msgspec's ``Raw``), and only those
    holding the name are parsed."""
    _assert_the_principals_three_kept(dumps({"Records": _sorted(_records())}).encode())


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(st.integers(0, 4), min_size=1, max_size=12),
    extra=st.lists(st.sampled_from(["additionalEventData", "apiVersion", "zz"]), max_size=12),
    spaced=st.booleans(),
    shape=st.sampled_from(["log", "array"]),
)
def test_a_split_export_keeps_exactly_the_records_holding_the_name(
    picks: list[int], extra: list[str], spaced: bool, shape: str
) -> None:
    """Whatever the records' keys and order, the split keeps the records holding the
    principal's name, in order, and counts the others unread."""
    records = []
    for n, pick in enumerate(picks):
        rec = dict(_records()[pick], eventID=f"e-{n}")
        if n < len(extra):
            rec[extra[n]] = {"nested": [{"eventVersion": "x"}, {}]}  # objects in objects
        records.append(rec)
    document: Any = records if shape == "array" else {"Records": records}
    separators = (", ", ": ") if spaced else (",", ":")
    data = json.dumps(document, sort_keys=True, separators=separators).encode()
    found = candidate_records(data, b"github-actions-deploy")
    assert found is not None
    mine = [r for r in records if r["userIdentity"] != OTHER]
    assert [c.event_id for c in found[0]] == [r["eventID"] for r in mine]
    assert found[1] == len(records) - len(mine)


@pytest.mark.parametrize("cut", [1, 2, 200])
def test_an_export_with_sorted_keys_cut_short_is_parsed_whole_to_report_it(cut: int) -> None:
    data = json.dumps({"Records": _sorted(_records())}, sort_keys=True).encode()
    assert candidate_records(data[:-cut], b"github-actions-deploy") is None


def test_an_export_with_sorted_keys_is_read_in_little_memory(tmp_path: Path) -> None:
    """Read whole (a larger one is read in pieces: ``test_large_file``)."""
    other = [r for r in _sorted(_records()) if r["userIdentity"] == OTHER]
    records = [dict(r, eventID=f"o-{n}") for n in range(1500) for r in other]
    records += [dict(_records()[0], eventID=f"p-{n}") for n in range(50)]
    _write(tmp_path / "logs", "export.json", json.dumps({"Records": records}, sort_keys=True))
    size = (tmp_path / "logs" / "export.json").stat().st_size
    calls, unread, peak = _read_traced(tmp_path / "logs")
    assert size < local.PIECE
    assert (calls, unread) == (50, 3000)
    assert peak < 3 * size  # parsed whole, its 3,050 records take about 10 times the text


def test_records_without_an_event_version_are_pre_filtered_too() -> None:
    """A generator may leave eventVersion out: the records' first key separates them."""
    records = [{k: v for k, v in r.items() if k != "eventVersion"} for r in _records()]
    data = json.dumps({"Records": records}).encode()
    _assert_the_principals_three_kept(data)
    others = json.dumps({"Records": [records[1], records[4], records[1]]}).encode()
    assert candidate_records(others, b"github-actions-deploy") == ([], 3)


@pytest.mark.parametrize("indent", [None, 4])
@pytest.mark.parametrize("as_object", [False, True])
def test_saved_lookup_events_are_pre_filtered_too(indent: int | None, as_object: bool) -> None:
    """``aws cloudtrail lookup-events > events.json``: each event's record is a JSON string
    (or, written by some tools, an object) in an item; items without the name are skipped."""
    items = [
        {"EventId": r["eventID"], "EventName": r["eventName"], "Username": "x",
         "CloudTrailEvent": r if as_object else json.dumps(r)}
        for r in _records()
    ]  # fmt: skip
    data = json.dumps({"Events": items}, indent=indent).encode()
    _assert_the_principals_three_kept(data)


def test_a_saved_lookup_event_without_its_record_is_parsed_whole() -> None:
    items = [{"EventId": "1", "CloudTrailEvent": json.dumps(r)} for r in _records()]
    items[0] = {"EventId": "1", "Username": "github-actions-deploy"}  # no record: parsed whole
    data = json.dumps({"Events": items}).encode()
    assert candidate_records(data, b"github-actions-deploy") is None


@pytest.mark.parametrize(
    ("after", "read"),
    [("", True), (', "NextToken": "abc"', True), (', "n": [1, {"a": "]"}]', True),
     (', "NextToken": ', False), (', "n" 1', False)],
)  # fmt: skip
def test_keys_after_the_list_are_checked_before_the_last_record_is_read(
    after: str, read: bool
) -> None:
    """The last record ends the list: whatever follows it must close the document, as a
    whole parse would find it; else the file is parsed whole (and reported)."""
    text = json.dumps({"Records": _records()[:3]})  # the last one is the principal's
    data = (text[:-1] + after + "}").encode()
    found = candidate_records(data, b"github-actions-deploy")
    assert (found is not None) is read
    if read:
        assert found is not None
        assert [c.name for c in found[0]] == ["CreateVpc", "CreateBucket"]


@pytest.mark.parametrize(
    "file", ["a.json", "111122223333_CloudTrail_us-east-1_20261120T1005Z_a1b2.json"]
)
def test_the_principal_is_found_whatever_the_case(
    file: str, tmp_path: Path, reference: Any
) -> None:
    _write(tmp_path / "logs", file, json.dumps({"Records": _records()}, separators=(",", ":")))
    upper = ROLE_ARN.replace("github-actions-deploy", "GitHub-Actions-DEPLOY")
    fast, plain = _both(tmp_path / "logs", reference, upper)
    _same(fast, plain)
    assert fast.report["events"]["events_matched"] == 3


def test_a_record_nesting_another_record_is_parsed_whole(tmp_path: Path, reference: Any) -> None:
    nested = record(
        "cloudtrail-data", "PutAuditEvents",
        request={"auditEvents": [{"eventVersion": "1.0", "id": "x"}, {"eventVersion": "1.0", "id": "y"}]},
    )  # fmt: skip
    body = json.dumps({"Records": [*_records(), nested]}, separators=(",", ":"))
    assert body.count(',{"eventVersion":') > len(_records())  # the split point also appears nested
    _write(tmp_path / "logs", "a.json", body)
    fast, plain = _both(tmp_path / "logs", reference)
    _same(fast, plain)


def test_files_that_are_no_cloudtrail_are_reported_as_before(
    tmp_path: Path, reference: Any
) -> None:
    logs = tmp_path / "logs"
    _write(logs, "good.json", json.dumps({"Records": _records()}, separators=(",", ":")))
    _write(logs, "package.json", '{"name": "x", "version": "1.0.0"}')
    _write(logs, "empty.json", "")
    _write(logs, "notes.txt", "hello")
    fast, plain = _both(logs, reference)
    _same(fast, plain)
    assert fast.report["sources"][0]["files_skipped"] == plain.report["sources"][0]["files_skipped"]
    assert len(fast.report["sources"][0]["files_skipped"]) == 3


def test_the_example_and_the_real_corpus_give_the_plain_policy(
    reference: Any, corpus: Path
) -> None:
    fast, plain = _both(EXAMPLE, reference)
    _same(fast, plain)
    for principal in (
        "arn:aws:iam::811596193553:user/bert-jan",
        "arn:aws:iam::123456789012:role/ci/github-actions-deploy",
        "*",
    ):
        fast, plain = _both(corpus, reference, principal)
        assert fast.texts == plain.texts, principal
        assert fast.report["actions"] == plain.report["actions"], principal
        # Records without the name are counted unread: the fast path cannot tell that one
        # is no event (the plain path leaves it out, and says so).
        unread_invalid = (
            plain.report["sources"][0]["records_invalid"]
            - fast.report["sources"][0]["records_invalid"]
        )
        events = dict(plain.report["events"])
        events["events_read"] += unread_invalid
        assert fast.report["events"] == events, principal


def _copies(tmp_path: Path, count: int) -> Path:
    """``count`` copies of the example trail whose events differ by event id."""
    folder = tmp_path / "many"
    for index in range(count):
        for path in sorted(EXAMPLE.rglob("*.json.gz")):
            doc = json.loads(gzip.decompress(path.read_bytes()))
            for item in doc["Records"]:
                item["eventID"] = f"{item.get('eventID', '')}-{index}"
            _write(folder, f"{index:03d}-{path.name}", json.dumps(doc, separators=(",", ":")))
    return folder


@pytest.mark.usefixtures("two_workers")
def test_a_folder_read_on_several_cores_equals_one_process(
    tmp_path: Path, reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copies(tmp_path, 6)
    outcomes: list[bool] = []

    def counted(*args: Any) -> bool:
        outcomes.append(parallel.collect(*args))
        return outcomes[-1]

    monkeypatch.setattr("least_priv.app.collect", counted)
    fast, plain = _both(folder, reference)
    assert outcomes == [True]  # the fast run went parallel, the plain one did not
    _same(fast, plain)
    assert fast.report["events"]["events_matched"] == 6 * 242


@pytest.mark.usefixtures("two_workers")
def test_duplicated_files_are_counted_once_on_several_cores(tmp_path: Path, reference: Any) -> None:
    folder = _copies(tmp_path, 3)
    for path in sorted(folder.iterdir())[:4]:
        shutil.copy(path, folder / f"copy-{path.name}")
    fast, plain = _both(folder, reference)
    _same(fast, plain)
    assert fast.report["events"]["events_matched"] == 3 * 242
    assert fast.report["events"]["events_duplicate"] > 0


_LAYOUTS = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([None, 0, 1, 2, "\t"]),
        "item": st.sampled_from([",", ", ", " , "]),
        "key": st.sampled_from([":", ": ", " : "]),
        "crlf": st.booleans(),
        "version": st.booleans(),  # eventVersion kept as each record's first key
    }
)


def _recased(rec: dict[str, Any], name: str) -> dict[str, Any]:
    """``rec`` made by the deploy role spelt ``name`` (a role deleted and made again in
    another case: IAM names are unique whatever their case)."""
    return json.loads(json.dumps(rec).replace("github-actions-deploy", name))


@pytest.mark.parametrize("file", ["export.json", "export.json.gz", "events.jsonl"])
@pytest.mark.parametrize("order", ["before", "between", "after"])
def test_an_export_holding_the_name_in_two_cases_keeps_the_records_of_both(
    file: str, order: str, tmp_path: Path, reference: Any
) -> None:
    """An export may span years: a role deleted and made again in another case is found in
    both, wherever its records lie."""
    records, recased = _records(), [_recased(r, "GitHub-Actions-Deploy") for r in _records()]
    records = {
        "before": recased + records,
        "between": records[:2] + recased + records[2:],
        "after": records + recased,
    }[order]
    if file.endswith(".jsonl"):
        text = "\n".join(json.dumps(r, separators=(",", ":")) for r in records)
    else:
        text = json.dumps({"Records": records}, separators=(",", ":"))
    _write(tmp_path / "logs", file, text)
    for principal in (ROLE_ARN, ROLE_ARN.replace("github-actions-deploy", "GITHUB-actions-deploy")):
        fast, plain = _both(tmp_path / "logs", reference, principal)
        _same(fast, plain)
        assert fast.report["events"]["events_matched"] == 6


@pytest.mark.parametrize(
    "file", ["export.json", "111122223333_CloudTrail_us-east-1_20261120T1005Z_a1b2.json"]
)
def test_a_record_left_out_is_counted_among_all_the_files_records(
    file: str, tmp_path: Path, reference: Any
) -> None:
    """The records skipped unread count too: the warning says what the plain path says."""
    broken = dict(_records()[0], eventSource=7)  # the principal's, so it is decoded
    records = [*_records(), broken]
    _write(tmp_path / "logs", file, json.dumps({"Records": records}, separators=(",", ":")))
    said: dict[bool, list[str]] = {}
    for plain in (False, True):
        said[plain] = []
        run(_settings(tmp_path / "logs", plain=plain), said[plain].append, reference)
    assert said[False] == said[True]
    assert any("1 of 6 records left out" in message for message in said[False])


def _dump(records: list[dict[str, Any]], layout: dict[str, Any]) -> bytes:
    if not layout["version"]:
        records = [{k: v for k, v in r.items() if k != "eventVersion"} for r in records]
    separators = (
        layout["item"].rstrip() if layout["indent"] is not None else layout["item"],
        layout["key"],
    )
    text = json.dumps({"Records": records}, indent=layout["indent"], separators=separators)
    return (text.replace("\n", "\r\n") if layout["crlf"] else text).encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(range(5)), min_size=1, max_size=8), _LAYOUTS)
def test_any_whitespace_layout_skips_exactly_the_records_without_the_name(
    picks: list[int], layout: dict[str, Any]
) -> None:
    records = [dict(_records()[pick], eventID=f"e{n}") for n, pick in enumerate(picks)]
    found = candidate_records(_dump(records, layout), b"github-actions-deploy")
    assert found is not None  # every one of these layouts is pre-filtered
    kept, skipped = found
    holding = [r["eventID"] for r in records if "github-actions-deploy" in json.dumps(r)]
    assert [c.event_id for c in kept] == holding
    assert skipped == len(records) - len(holding)


def test_plain_json_files_count_for_a_ninth_of_their_size_when_choosing_to_go_parallel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gzipped logs are about nine times smaller than their JSON: a folder of plain JSON as
    large as the gzipped threshold is still little work, read in one process."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 9_000)
    body = json.dumps({"Records": _records()}, separators=(",", ":"))
    plain, gzipped = tmp_path / "plain", tmp_path / "gzipped"
    for n in range(4):
        _write(plain, f"{n}.json", body + " " * (3_000 - len(body)))  # 12,000 bytes in all
        _write(gzipped, f"{n}.json.gz", body)
    assert sum(p.stat().st_size for p in plain.iterdir()) > parallel.MIN_BYTES
    assert parallel.worth_it(LocalSource(str(plain)), 2) is None
    monkeypatch.setattr(parallel, "MIN_BYTES", 1_000)
    assert parallel.worth_it(LocalSource(str(gzipped)), 2) is not None


@pytest.mark.parametrize(
    ("indent", "separators"),
    [(None, (",", ":")), (None, (", ", ": ")), (2, (",", ": ")), ("\t", (",", ":"))],
)
def test_a_json_array_of_events_is_pre_filtered_too(
    indent: int | str | None, separators: tuple[str, str]
) -> None:
    """``jq .Records`` (or an export) writes the events as one JSON array: its items are
    parted as a log's records are, and only those holding the name are decoded."""
    records = _records()
    _assert_the_principals_three_kept(
        json.dumps(records, indent=indent, separators=separators).encode()
    )
    others = json.dumps([records[1], records[4]], indent=indent, separators=separators)
    assert candidate_records(others.encode(), b"github-actions-deploy") == ([], 2)


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(_records())[:-300],  # cut short: parsed, so that it is reported
        json.dumps(_records()) + "]",  # not JSON after the array
        json.dumps([[r] for r in _records()]),  # an array of arrays
    ],
    ids=["cut-short", "trailing-bracket", "nested"],
)
def test_an_array_that_is_not_one_of_events_is_parsed_whole(text: str) -> None:
    assert candidate_records(text.encode(), b"github-actions-deploy") is None
