"""The bad-input corpus (``tests/fixtures/bad/``; its README lists every case), run through the
real CLI and the action's entry point as subprocesses.

Every case checks the exit status (0 done, 1 bad input, 2 usage error). A failure prints
exactly one ``error: ...`` line (the action: one ``::error`` annotation) that names what is
wrong and how to fix it, never a traceback, and leaves the existing policy file as it was
(bytes and mtime). A tolerated case says what it left out and still writes the right policy
and report. Large, binary and empty inputs are made here rather than committed.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ACCOUNT, FIXTURES, ROLE_ARN, ROOT

BAD = FIXTURES / "bad"
LOGS = BAD / "logs"
POLICIES = BAD / "policies"
GOOD = LOGS / "good.json"  # the role's ec2:CreateVpc and s3:ListBuckets on 2026-11-20
GOOD_ACTIONS = frozenset({"ec2:CreateVpc", "s3:ListAllMyBuckets"})
WITH_DELETE = GOOD_ACTIONS | {"ec2:DeleteVpc"}
VALID = (POLICIES / "valid.json").read_bytes()  # StateBucket and the capture-all statement
STATE = json.loads(VALID)["Statement"][0]
WINDOW = ("--start-time", "2026-11-20T00:00:00Z", "--end-time", "2026-11-21T00:00:00Z")
KEEP_STATE = ("--preserve-sids", "StateBucket")
OLD = 1_000_000_000  # the existing policy's mtime: a rewrite shows even with the same bytes
BIG = 20 * 1024 * 1024


def delete_vpc(event_id: str, **changes: Any) -> dict[str, Any]:
    """The role's ec2:DeleteVpc on 2026-11-20, a call that good.json does not hold."""
    record = json.loads((LOGS / "future-event.json").read_text())["Records"][0]
    return {**record, "eventTime": "2026-11-20T10:06:00Z", "eventID": event_id, **changes}


def compact(records: list[Any]) -> bytes:
    """A log file as CloudTrail writes it (the layout the fast reading path looks for)."""
    return json.dumps({"Records": records}, separators=(",", ":")).encode()


# --- running the CLI -------------------------------------------------------------------


@dataclass
class Done:
    code: int
    out: str
    err: str
    policy: Path
    before: bytes | None
    report: Path
    summary: Path

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()

    def report_json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.report.read_text(encoding="utf-8"))
        return data

    def document(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.policy.read_text(encoding="utf-8"))
        return data


def cli(
    tmp_path: Path,
    *args: str,
    policy: bytes | None = VALID,
    name: str = "permission-policy.json",
    principal: str = ROLE_ARN,
    window: tuple[str, ...] = WINDOW,
) -> Done:
    """``least-priv generate`` on an existing policy file (``policy``), with a report and a
    summary; ``args`` add ``--source`` and the rest."""
    path = tmp_path / name
    if policy is not None:
        path.write_bytes(policy)
        os.utime(path, (OLD, OLD))
    report, summary = tmp_path / "report.json", tmp_path / "summary.md"
    argv = [
        sys.executable, "-m", "least_priv", "generate", "--principal-arn", principal, *window,
        "--policy-path", str(path), "--report", str(report), "--summary", str(summary), *args,
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    return Done(done.returncode, done.stdout, done.stderr, path, policy, report, summary)


def assert_untouched(policy: Path, before: bytes | None) -> None:
    if before is None:
        assert not policy.exists()
        return
    assert policy.read_bytes() == before
    assert policy.stat().st_mtime_ns == OLD * 1_000_000_000
    leftovers = sorted(p.name for p in policy.parent.iterdir() if p.name.startswith("."))
    assert leftovers == [], "temporary files left behind"
    assert not policy.with_name(f"{policy.stem}.2{policy.suffix}").exists()


def assert_refused(done: Done, code: int, message: tuple[str, ...], after_warnings: bool) -> None:
    """Exit ``code``, one ``error:`` line holding every fragment of ``message`` (after the
    warnings of skipped files when ``after_warnings``), nothing written."""
    assert done.code == code, done.err
    assert "Traceback" not in done.err
    lines = done.lines
    assert lines, "no error line"
    assert lines[-1].startswith("error: "), done.err
    if after_warnings:
        assert all(line.startswith("warning: ") for line in lines[:-1]), done.err
    else:
        assert len(lines) == 1, done.err
    for fragment in message:
        assert fragment in lines[-1], (fragment, lines[-1])
    assert done.out == ""
    assert_untouched(done.policy, done.before)
    assert not done.report.exists()
    assert not done.summary.exists()


def assert_tolerated(done: Done, message: tuple[str, ...]) -> None:
    """Exit 0; the warnings hold every fragment of ``message``; no line is a workflow
    command; the report is JSON."""
    assert done.code == 0, done.err
    assert "Traceback" not in done.err
    for line in done.lines:
        assert line.startswith(("warning: ", "least-priv: ")), line
    for fragment in message:
        assert any(fragment in line for line in done.lines), (fragment, done.err)
    for line in [*done.out.splitlines(), *done.lines]:
        assert not line.startswith("::"), line
    done.report_json()


def generated_actions(document: dict[str, Any]) -> set[str]:
    """Actions of the statements the run made (not the preserved StateBucket)."""
    found = set()
    for statement in document["Statement"]:
        if statement.get("Sid") != "StateBucket" and statement["Effect"] == "Allow":
            actions = statement.get("Action", [])
            found.update([actions] if isinstance(actions, str) else actions)
    return found


# --- log files -----------------------------------------------------------------------------


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _nested_in_record() -> bytes:
    record = delete_vpc("nested", requestParameters={"filter": "DEEP"})
    return compact([record]).replace(b'"DEEP"', b"[" * 100_000 + b"]" * 100_000)


# Made here (binary, empty or large), not committed; README.md describes each.
MADE: dict[str, Callable[[], bytes]] = {
    "truncated.json.gz": lambda: _gz(compact([delete_vpc("gz-1")]))[:-20],
    "zero-bytes.json": lambda: b"",
    "zero-bytes.json.gz": lambda: b"",
    "gzip-of-nothing.json.gz": lambda: _gz(b""),
    "invalid-utf-8.json": lambda: compact([delete_vpc("utf8-1")]).replace(
        b"vpc-0a", b"vpc-\xff\xfe"
    ),
    "binary.json": lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\xff\xfe",
    "nested-100k.json": lambda: b"[" * 100_000 + b"]" * 100_000,
    "nested-in-a-record.json": _nested_in_record,
    "utf-8-bom.json": lambda: b"\xef\xbb\xbf" + compact([delete_vpc("bom-1")]),
    "good-copy.json.gz": lambda: _gz(GOOD.read_bytes()),
    "lone-surrogate.json": lambda: compact(
        [delete_vpc("sur-1", eventSource="iam.amazonaws.com", eventName="Evil\ud800")]
    ),
}


@dataclass(frozen=True)
class LogCase:
    id: str
    files: tuple[str, ...]  # under logs/ or made (MADE)
    code: int
    message: tuple[str, ...]  # fragments of the warnings (status 0) or of the error line
    granted: frozenset[str] = GOOD_ACTIONS  # status 0: the actions the policy allows
    alone: bool = False  # without good.json beside the bad files
    window: tuple[str, ...] = WINDOW
    check: Callable[[dict[str, Any]], None] | None = None  # on the report


def _wrong_type(name: str, message: str) -> LogCase:
    """One record with a field of the wrong type: left out with a warning, nothing granted."""
    return LogCase(
        name.removesuffix(".json"),
        (name,),
        0,
        (f"{name}: no record is a CloudTrail event", message),
    )


def _events(**expected: int) -> Callable[[dict[str, Any]], None]:
    def check(report: dict[str, Any]) -> None:
        for key, value in expected.items():
            assert report["events"].get(key, 0) == value, (key, report["events"])

    return check


def _each_action_counted_once(report: dict[str, Any]) -> None:
    _events(events_matched=2, events_duplicate=2, events_granted=2)(report)
    assert {a["action"]: a["events"] for a in report["actions"]} == dict.fromkeys(GOOD_ACTIONS, 1)


def _surrogate_kept_as_escape(report: dict[str, Any]) -> None:
    assert [u["event_name"] for u in report["unmapped"]] == ["Evil\ud800"]


LOG_CASES = [
    LogCase("truncated-gzip", ("truncated.json.gz",), 0, ("skipped", "truncated.json.gz: corrupt or truncated gzip")),
    LogCase("truncated-gzip-alone", ("truncated.json.gz",), 1, ("truncated.json.gz holds no CloudTrail events (corrupt or truncated gzip", "give the file or folder holding the CloudTrail logs"), alone=True),
    LogCase("zero-byte-file", ("zero-bytes.json",), 0, ("skipped", "zero-bytes.json: empty")),
    LogCase("zero-byte-gz", ("zero-bytes.json.gz",), 0, ("zero-bytes.json.gz: empty",)),
    LogCase("gzip-of-nothing", ("gzip-of-nothing.json.gz",), 0, ("gzip-of-nothing.json.gz: empty",)),
    LogCase("invalid-utf-8", ("invalid-utf-8.json",), 0, ("invalid-utf-8.json: not UTF-8 text",)),
    LogCase("binary-file", ("binary.json",), 0, ("binary.json: not UTF-8 text (binary file?)",)),
    LogCase("nested-100k-levels", ("nested-100k.json",), 0, ("nested-100k.json: JSON nested too deeply",)),
    LogCase("nested-in-a-record", ("nested-in-a-record.json",), 0, ("nested-in-a-record.json: JSON nested too deeply",)),
    LogCase("nested-alone", ("nested-100k.json",), 1, ("nested-100k.json holds no CloudTrail events (JSON nested too deeply",), alone=True),
    _wrong_type("event-time-number.json", "eventTime is a number, not a string"),
    _wrong_type("event-time-unparsable.json", "eventTime '20th of November' is not an ISO 8601 time"),
    _wrong_type("event-source-number.json", "eventSource is a number, not a string"),
    _wrong_type("event-name-null.json", "no eventSource/eventName"),
    _wrong_type("event-id-number.json", "eventID is a number, not a string"),
    _wrong_type("event-type-boolean.json", "eventType is a boolean, not a string"),
    _wrong_type("aws-region-list.json", "awsRegion is an array, not a string"),
    _wrong_type("recipient-account-number.json", "recipientAccountId is a number, not a string"),
    _wrong_type("user-identity-string.json", "userIdentity is a string, not an object"),
    _wrong_type("session-context-list.json", "userIdentity.sessionContext is an array, not an object"),
    _wrong_type("session-issuer-string.json", "sessionContext.sessionIssuer is a string, not an object"),
    _wrong_type("request-parameters-list.json", "requestParameters is an array, not an object"),
    _wrong_type("request-parameters-string.json", "requestParameters is a string, not an object"),
    _wrong_type("response-elements-string.json", "responseElements is a string, not an object"),
    _wrong_type("resources-not-a-list.json", "resources is an object, not an array"),
    _wrong_type("resources-item-string.json", "resources[] is a string, not an object"),
    _wrong_type("error-code-number.json", "errorCode is a number, not a string"),
    LogCase("records-not-a-list", ("records-not-a-list.json",), 0, ("records-not-a-list.json: Records is not a list of events",)),
    LogCase("record-is-a-string", ("record-is-a-string.json",), 0, ("record-is-a-string.json: 1 of 2 records left out", "a record is not a JSON object"), granted=WITH_DELETE),
    LogCase("missing-user-identity", ("missing-user-identity.json",), 0, (), check=_events(events_of_principal=2)),
    LogCase("future-event", ("future-event.json",), 0, (), check=_events(events_outside_window=1, events_matched=2)),
    LogCase("future-event-lookback", ("future-event.json",), 0, ("no event of",), granted=frozenset(), alone=True, window=("--lookback-hours", "24"), check=_events(events_outside_window=1, events_matched=0)),
    LogCase("duplicate-event-ids", ("good-copy.json.gz",), 0, (), check=_each_action_counted_once),
    LogCase("not-cloudtrail", ("not-cloudtrail.json",), 0, ("not-cloudtrail.json: JSON but not CloudTrail",)),
    LogCase("not-cloudtrail-alone", ("not-cloudtrail.json",), 1, ("not-cloudtrail.json holds no CloudTrail events (JSON but not CloudTrail",), alone=True),
    LogCase("not-json", ("not-json.json",), 0, ("not-json.json: not JSON",)),
    LogCase("json-lines-broken", ("json-lines-broken.jsonl",), 0, ("json-lines-broken.jsonl: JSON lines broken at line 2",)),
    LogCase("lookup-events-odd", ("lookup-events-odd.json",), 0, ("lookup-events-odd.json: 2 of 3 records left out",), granted=WITH_DELETE),
    LogCase("only-bad-files", ("truncated.json.gz", "zero-bytes.json"), 1, ("none of its 2 files holds CloudTrail events", "corrupt or truncated gzip"), alone=True),
    LogCase("no-log-file", (), 1, ("holds no log file", "give the file or folder holding the CloudTrail logs"), alone=True),
    LogCase("utf-8-bom", ("utf-8-bom.json",), 0, (), granted=WITH_DELETE),
    LogCase("lone-surrogate", ("lone-surrogate.json",), 0, ("unmapped: iam.amazonaws.com Evil\\ud800",), check=_surrogate_kept_as_escape),
]  # fmt: skip


def evidence(tmp_path: Path, files: tuple[str, ...], alone: bool) -> Path:
    """A folder with good.json (unless ``alone``) and ``files``; one file alone is given as
    the source itself."""
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / ".keep").write_text("")  # hidden: never read
    if not alone:
        shutil.copy(GOOD, folder / "good.json")
    for name in files:
        (folder / name).write_bytes(MADE[name]() if name in MADE else (LOGS / name).read_bytes())
    return folder / files[0] if alone and len(files) == 1 else folder


@pytest.mark.parametrize("case", LOG_CASES, ids=lambda c: c.id)
def test_log_files(tmp_path: Path, case: LogCase) -> None:
    source = evidence(tmp_path, case.files, case.alone)
    done = cli(tmp_path, "--source", str(source), *KEEP_STATE, window=case.window)
    if case.code:
        assert_refused(done, case.code, case.message, after_warnings=bool(case.files))
        return
    assert_tolerated(done, case.message)
    document = done.document()
    assert document["Statement"][0] == STATE
    assert generated_actions(document) == case.granted
    report = done.report_json()
    skipped = {Path(f["file"]).name for s in report["sources"] for f in s["files_skipped"]}
    warned = {
        n
        for n in case.files
        for w in done.lines
        if w.startswith("warning: skipped ") and f"/{n}: " in w
    }
    assert skipped == warned
    if case.check:
        case.check(report)


@pytest.fixture(scope="session")
def huge_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 MB single events, made once: one with a 20 MB request parameter, one with a 20 MB
    event name."""
    folder = tmp_path_factory.mktemp("huge")
    blob = delete_vpc(
        "huge-parameter", requestParameters={"vpcId": "vpc-0a1b2c3d4e5f60718", "note": "x" * BIG}
    )
    (folder / "huge-parameter.json").write_bytes(compact([blob]))
    name = delete_vpc("huge-name", eventName="A" * BIG)
    (folder / "huge-name.json").write_bytes(compact([name]))
    return folder


def test_a_20_mb_event_is_read_like_any_other(tmp_path: Path, huge_logs: Path) -> None:
    done = cli(tmp_path, "--source", str(huge_logs / "huge-parameter.json"), *KEEP_STATE)
    assert_tolerated(done, ())
    assert generated_actions(done.document()) == {"ec2:DeleteVpc"}


def test_a_20_mb_event_name_keeps_the_log_and_the_summary_short(
    tmp_path: Path, huge_logs: Path
) -> None:
    done = cli(tmp_path, "--source", str(huge_logs / "huge-name.json"), *KEEP_STATE)
    assert_tolerated(done, ("unmapped: ec2.amazonaws.com AAAA",))
    assert max(len(line) for line in done.lines) <= 600
    assert len(done.summary.read_bytes()) < 10_000
    assert done.report_json()["unmapped"][0]["event_name"] == "A" * BIG  # the data, whole


def test_a_large_folder_read_on_every_core_skips_bad_files_the_same_way(
    tmp_path: Path, huge_logs: Path
) -> None:
    """Past 4 MB and as many files as cores, the folder is read by worker processes: a bad
    file there is skipped with the same warning, not a worker's traceback."""
    folder = evidence(
        tmp_path, ("truncated.json.gz", "nested-100k.json", "nested-in-a-record.json"), False
    )
    shutil.copy(huge_logs / "huge-parameter.json", folder)
    alice = {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "accountId": ACCOUNT}
    for n in range(len(os.sched_getaffinity(0)) + 1):
        padding = [delete_vpc(f"pad-{n}-{i}", userIdentity=alice) for i in range(50)]
        (folder / f"alice-{n}.json").write_bytes(compact(padding))
    done = cli(tmp_path, "--source", str(folder), *KEEP_STATE)
    assert_tolerated(
        done,
        (
            "skipped",
            "truncated.json.gz: corrupt or truncated gzip",
            "nested-100k.json: JSON nested too deeply",
            "nested-in-a-record.json: JSON nested too deeply",
        ),
    )
    assert generated_actions(done.document()) == WITH_DELETE


# --- the existing policy (--policy-path) -------------------------------------------------


def _big_policy() -> bytes:
    """About 100 KB: 80 statements of 20 resources each, Sids Bucket00..Bucket79."""
    statements = [
        {
            "Sid": f"Bucket{i:02d}",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": [f"arn:aws:s3:::team-{i:02d}-bucket-{j:02d}/*" for j in range(20)],
        }
        for i in range(80)
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2).encode()


MADE_POLICIES: dict[str, Callable[[], bytes]] = {
    "empty.json": lambda: b"",
    "utf-8-bom.json": lambda: b"\xef\xbb\xbf" + VALID,
    "crlf.json": lambda: VALID.replace(b"\n", b"\r\n"),
    "latin-1.json": lambda: VALID.replace(b"StateBucket", "\u00c9tatBucket".encode("latin-1")),
    "nested-100k.json": lambda: VALID.replace(b'"Resource": "*"', b'"Resource": ' + b"[" * 100_000 + b"]" * 100_000),
    "big-100kb.json": _big_policy,
}  # fmt: skip


@dataclass(frozen=True)
class PolicyCase:
    id: str
    file: str  # under policies/ or made (MADE_POLICIES)
    code: int
    message: tuple[str, ...] = ()  # fragments of the error line
    args: tuple[str, ...] = KEEP_STATE
    check: Callable[[Done], None] | None = None  # status 0: on the run's files


def _kept(*sids: str, source: str = "") -> Callable[[Done], None]:
    """The statements with ``sids`` come first exactly as they went in (read from ``source``,
    else from the case's file), Deny statements stay as they were, and the rest is what
    good.json needed, nothing broader."""

    def check(done: Done) -> None:
        original = json.loads((POLICIES / source).read_bytes() if source else done.before or b"")
        statements = original["Statement"]
        statements = [statements] if isinstance(statements, dict) else statements
        by_sid = {s.get("Sid"): s for s in statements}
        after = done.document()["Statement"]
        assert after[: len(sids)] == [by_sid[sid] for sid in sids]
        rest = after[len(sids) :]
        denies = [s for s in statements if s["Effect"] == "Deny"]
        assert [s for s in rest if s["Effect"] == "Deny"] == denies
        made = [s for s in rest if s["Effect"] == "Allow"]
        assert {a for s in made for a in s["Action"]} == GOOD_ACTIONS
        assert all("NotAction" not in s and "Condition" not in s for s in made)

    return check


def _all_kept(done: Done) -> None:
    """union: every existing statement stays as it was, and the generated ones add only
    what good.json needed."""
    original = json.loads(done.before or b"")["Statement"]
    after = done.document()["Statement"]
    assert sorted(map(json.dumps, [s for s in after if s in original])) == sorted(
        map(json.dumps, original)
    )
    made = [s for s in after if s not in original]
    assert {a for s in made for a in s["Action"]} == GOOD_ACTIONS


def _version_added(done: Done) -> None:
    document = done.document()
    assert document["Version"] == "2012-10-17"
    assert document["Statement"][0] == STATE


def _split_into_parts(done: Done) -> None:
    """union with 100 KB: split into documents under IAM's limit, nothing lost."""
    parts = sorted(done.policy.parent.glob(f"{done.policy.stem}*.json"))
    assert len(parts) > 10
    statements = [s for p in parts for s in json.loads(p.read_text())["Statement"]]
    sids = {s["Sid"] for s in statements}
    assert {f"Bucket{i:02d}" for i in range(80)} <= sids
    for part in parts:
        compact_text = json.dumps(json.loads(part.read_text()), separators=(",", ":"))
        assert len("".join(compact_text.split())) <= 6144
    assert "POLICY_SPLIT" in {f["code"] for f in done.report_json()["findings"]}


def _preserve_missing_noted(done: Done) -> None:
    assert done.document()["Statement"][0]["Sid"] != "StateBucket"
    assert "PRESERVED_SID_MISSING" in {f["code"] for f in done.report_json()["findings"]}


POLICY_CASES = [
    PolicyCase("invalid-json", "invalid-json.json", 1, ("invalid-json.json is not a valid IAM policy: not valid JSON", "at line 5", "fix it or point to another file")),
    PolicyCase("empty-file", "empty.json", 1, ("empty.json is not a valid IAM policy: the file is empty",)),
    PolicyCase("whitespace-only", "whitespace-only.json", 1, ("whitespace-only.json is not a valid IAM policy: the file is empty",)),
    PolicyCase("statement-single-object", "statement-object.json", 0, check=_kept("StateBucket")),
    PolicyCase("statement-missing", "statement-missing.json", 1, ('has no Statement; add "Statement": [...]',)),
    PolicyCase("statement-null", "statement-null.json", 1, ("Statement must be a list of statements",)),
    PolicyCase("statement-item-string", "statement-item-string.json", 1, ("Statement[0] must be an object",)),
    PolicyCase("effect-unknown", "effect-unknown.json", 1, ("Statement[0].Effect must be \"Allow\" or \"Deny\", not 'Permit'",)),
    PolicyCase("effect-lower-case", "effect-lower-case.json", 1, ("not 'allow'",)),
    PolicyCase("not-action-replace", "not-action-not-resource.json", 0, check=_kept("StateBucket")),
    PolicyCase("not-action-preserved", "not-action-not-resource.json", 0, args=("--preserve-sids", "StateBucket,AllButIam"), check=_kept("StateBucket", "AllButIam")),
    PolicyCase("not-action-union", "not-action-not-resource.json", 0, args=("--merge", "union"), check=_all_kept),
    PolicyCase("conditions-preserved", "conditions.json", 0, check=_kept("StateBucket")),
    PolicyCase("conditions-union", "conditions.json", 0, args=("--merge", "union"), check=_all_kept),
    PolicyCase("condition-not-object", "condition-not-object.json", 1, ("Statement[0].Condition must be an object",)),
    PolicyCase("big-100kb", "big-100kb.json", 0, args=("--preserve-sids", "Bucket07"), check=_kept("Bucket07")),
    PolicyCase("big-100kb-union", "big-100kb.json", 0, args=("--merge", "union"), check=_split_into_parts),
    PolicyCase("utf-8-bom", "utf-8-bom.json", 0, check=_kept("StateBucket", source="valid.json")),
    PolicyCase("crlf-line-ends", "crlf.json", 0, check=_kept("StateBucket")),
    PolicyCase("version-missing", "version-missing.json", 0, check=_version_added),
    PolicyCase("version-wrong", "version-wrong.json", 1, ("Version must be \"2012-10-17\", not '2024-01-01'",)),
    PolicyCase("version-number", "version-number.json", 1, ('Version must be "2012-10-17", not 2012',)),
    PolicyCase("policy-is-a-list", "policy-is-a-list.json", 1, ("must be a JSON object with Version and Statement",)),
    PolicyCase("duplicate-sids", "duplicate-sids.json", 1, ("Statement[0] and Statement[1] have the same Sid 'StateBucket'",)),
    PolicyCase("sid-number", "sid-number.json", 1, ("Statement[0].Sid must be a string",)),
    PolicyCase("action-number", "action-number.json", 1, ("Statement[0].Action must be a string or a list of strings",)),
    PolicyCase("nan", "nan.json", 1, ("not valid JSON: NaN is not a JSON number",)),
    PolicyCase("nested-100k-levels", "nested-100k.json", 1, ("nested-100k.json is not a valid IAM policy: JSON nested too deeply",)),
    PolicyCase("not-utf-8", "latin-1.json", 1, ("latin-1.json is not UTF-8 text (byte 0xc9 at offset", "save it as UTF-8")),
    PolicyCase("preserve-sid-missing", "valid.json", 1, ("--preserve-sids StateBuckett: no statement of", "its Sids: StateBucket, TemporaryCaptureAll", "correct the name or leave it out"), args=("--preserve-sids", "StateBuckett")),
]  # fmt: skip


@pytest.mark.parametrize("case", POLICY_CASES, ids=lambda c: c.id)
def test_existing_policies(tmp_path: Path, case: PolicyCase) -> None:
    policy = (
        MADE_POLICIES[case.file]()
        if case.file in MADE_POLICIES
        else (POLICIES / case.file).read_bytes()
    )
    done = cli(tmp_path, "--source", str(GOOD), *case.args, policy=policy, name=case.file)
    if case.code:
        assert_refused(done, case.code, (str(done.policy), *case.message), False)
        return
    assert_tolerated(done, ())
    assert case.check is not None
    case.check(done)


def test_preserve_sids_before_the_policy_exists_is_a_finding(tmp_path: Path) -> None:
    done = cli(tmp_path, "--source", str(GOOD), *KEEP_STATE, policy=None)
    assert_tolerated(done, ())
    _preserve_missing_noted(done)


# --- command-line flags --------------------------------------------------------------------


@dataclass(frozen=True)
class FlagCase:
    id: str
    args: tuple[str, ...]
    code: int
    message: tuple[str, ...]
    principal: str = ROLE_ARN
    window: tuple[str, ...] = WINDOW


FLAG_CASES = [
    FlagCase("source-empty", ("--source", ""), 2, ("argument --source: is empty",)),
    FlagCase("source-missing", ("--source", "/no/such/folder"), 1, ("--source /no/such/folder: no such file or folder",)),
    FlagCase("policy-path-empty", ("--policy-path", ""), 2, ("argument --policy-path: is empty; give a value or leave the flag out", "see least-priv generate --help")),
    FlagCase("report-empty", ("--report", ""), 2, ("argument --report: is empty",)),
    FlagCase("mode-unknown", ("--mode", "loose"), 2, ("argument --mode: invalid choice: 'loose'", "see least-priv generate --help")),
    FlagCase("merge-unknown", ("--merge", "both"), 2, ("argument --merge: invalid choice: 'both'",)),
    FlagCase("unknown-flag", ("--bogus",), 2, ("unrecognized arguments: --bogus",)),
    FlagCase("lookback-negative", (), 2, ("--lookback-hours -3 must be more than 0",), window=("--lookback-hours", "-3")),
    FlagCase("lookback-not-a-number", (), 2, ("--lookback-hours '24h' is not a number of hours",), window=("--lookback-hours", "24h")),
    FlagCase("lookback-nan", (), 2, ("--lookback-hours nan must be more than 0",), window=("--lookback-hours", "nan")),
    FlagCase("lookback-too-short", (), 2, ("--lookback-hours 1e-300 is shorter than a microsecond",), window=("--lookback-hours", "1e-300")),
    FlagCase("lookback-and-start-time", (), 2, ("not allowed with argument",), window=("--lookback-hours", "24", "--start-time", "2026-11-20T00:00:00Z")),
    FlagCase("start-after-end", (), 2, ("at or after it ends", "give --start-time before --end-time"), window=("--start-time", "2026-11-21T00:00:00Z", "--end-time", "2026-11-20T00:00:00Z")),
    FlagCase("start-time-empty", (), 2, ("argument --start-time: is empty",), window=("--start-time", "")),
    FlagCase("start-time-unparsable", (), 2, ("--start-time 'yesterday' is not an ISO 8601 time",), window=("--start-time", "yesterday")),
    FlagCase("start-time-out-of-range", (), 2, ("--start-time '0001-01-01T00:00:00+01:00' is out of range",), window=("--start-time", "0001-01-01T00:00:00+01:00")),
    FlagCase("end-time-alone", (), 2, ("--end-time needs --start-time",), window=("--end-time", "2026-11-21T00:00:00Z")),
    FlagCase("principal-not-an-arn", (), 2, ("--principal-arn 'deploy' is not an ARN",), principal="deploy"),
    FlagCase("principal-group", (), 2, ("is not a role, user or session",), principal=f"arn:aws:iam::{ACCOUNT}:group/deployers"),
    FlagCase("principal-trailing-slash", (), 2, ("names no role, user or session",), principal=f"arn:aws:iam::{ACCOUNT}:role/ci/"),
    FlagCase("principal-not-utf-8", (), 2, ("is not UTF-8 text",), principal=os.fsdecode(f"arn:aws:iam::{ACCOUNT}:role/".encode() + b"\xff")),
    FlagCase("timeout-not-a-number", ("--timeout-minutes", "soon"), 2, ("--timeout-minutes 'soon' is not a number of minutes",)),
    FlagCase("output-is-a-folder", ("--output", "/"), 1, ("--output / is a folder",)),
    FlagCase("summary-under-a-file", ("--summary", "/dev/null/summary.md"), 1, ("--summary /dev/null/summary.md: /dev/null is not a folder",)),
    FlagCase("report-unwritable", ("--report", "/proc/self/report.json"), 1, ("--report /proc/self/report.json cannot be written", "check that its folder exists and is writable")),
]  # fmt: skip


@pytest.mark.parametrize("case", FLAG_CASES, ids=lambda c: c.id)
def test_command_line_flags(tmp_path: Path, case: FlagCase) -> None:
    done = cli(
        tmp_path, "--source", str(GOOD), *KEEP_STATE, *case.args,
        principal=case.principal, window=case.window,
    )  # fmt: skip
    assert_refused(done, case.code, case.message, False)


# --- action inputs (entrypoint.py as the runner runs it) -----------------------------------

TOKEN = "ghs_badInputsTOKEN0123456789"


@dataclass
class ActionRun:
    code: int
    lines: list[str]  # stdout and stderr: the job log
    outputs: dict[str, str]
    summary: str
    policy: Path


def run_action(
    tmp_path: Path, inputs: dict[str, str], prepare: Callable[[Path], None] | None
) -> ActionRun:
    """entrypoint.py with every input of action.yml (its default unless given), the runner's
    files, ``create-pr: false`` and a GitHub API URL nothing answers at."""
    from tests.functional.test_entrypoint import parse_outputs

    workspace = tmp_path / "workspace"
    workspace.mkdir()
    policy = workspace / "permission-policy.json"
    policy.write_bytes(VALID)
    outside = tmp_path / "outside.json"
    outside.write_bytes(VALID)
    if prepare:
        prepare(workspace)
    for path in (policy, outside):
        os.utime(path, (OLD, OLD))
    for name in ("output", "summary"):
        (tmp_path / name).write_text("")
    (tmp_path / "event.json").write_text("{}")
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace), "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_REPOSITORY": "octo-org/infra", "GITHUB_API_URL": "http://127.0.0.1:9",
    }  # fmt: skip
    given = {
        "principal-arn": ROLE_ARN, "source": str(GOOD), "start-time": WINDOW[1],
        "end-time": WINDOW[3], "preserve-sids": "StateBucket", "create-pr": "false", **inputs,
    }  # fmt: skip
    for name, spec in yaml.safe_load((ROOT / "action.yml").read_text())["inputs"].items():
        value = given.get(name, str(spec.get("default", "")))
        env[f"INPUT_{name.upper()}"] = TOKEN if value == "${{ github.token }}" else value
    done = subprocess.run(
        [sys.executable, str(ROOT / "entrypoint.py")],
        env=env, cwd=workspace, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert_untouched(outside, VALID)
    return ActionRun(
        done.returncode,
        (done.stdout + done.stderr).splitlines(),
        parse_outputs((tmp_path / "output").read_text()),
        (tmp_path / "summary").read_text(),
        policy,
    )


@dataclass(frozen=True)
class InputCase:
    id: str
    inputs: dict[str, str]
    code: int
    message: tuple[str, ...] = ()  # fragments of the one ::error annotation
    prepare: Callable[[Path], None] | None = None  # on the workspace, before the run
    check: Callable[[ActionRun], None] | None = None  # status 0


def _link(name: str, target: str) -> Callable[[Path], None]:
    def prepare(workspace: Path) -> None:
        (workspace / name).symlink_to(target)

    return prepare


def _empty_folder(workspace: Path) -> None:
    (workspace / "logs").mkdir()


BROKEN = VALID[:-20]


def _broken_policy(workspace: Path) -> None:
    (workspace / "permission-policy.json").write_bytes(BROKEN)


def _star(present: bool) -> Callable[[ActionRun], None]:
    def check(run: ActionRun) -> None:
        statements = json.loads(run.outputs["policy"])["Statement"]
        assert any(s["Resource"] == ["*"] for s in statements) is present
        assert run.outputs["pull-request-operation"] == "none"

    return check


NO_WINDOW = {"start-time": "", "end-time": ""}

INPUT_CASES = [
    InputCase("principal-missing", {"principal-arn": ""}, 2, ("input principal-arn is required",)),
    InputCase("principal-not-an-arn", {"principal-arn": "deploy-role"}, 2, ("'deploy-role' is not an ARN", "give a role ARN")),
    InputCase("principal-group", {"principal-arn": f"arn:aws:iam::{ACCOUNT}:group/deployers"}, 2, ("is not a role, user or session",)),
    InputCase("principal-s3-bucket", {"principal-arn": "arn:aws:s3:::my-bucket"}, 2, ("has no 12-digit account id",)),
    InputCase("principal-short-account", {"principal-arn": "arn:aws:iam::12345:role/deploy"}, 2, ("has no 12-digit account id",)),
    InputCase("principal-trailing-slash", {"principal-arn": f"arn:aws:iam::{ACCOUNT}:role/ci/"}, 2, ("names no role, user or session",)),
    InputCase("mode-unknown", {"mode": "loose"}, 2, ("input mode 'loose' is not one of wildcard, strict",)),
    InputCase("merge-unknown", {"merge": "both"}, 2, ("input merge 'both' is not one of replace, union",)),
    InputCase("lookback-negative", {**NO_WINDOW, "lookback-hours": "-3"}, 2, ("--lookback-hours -3 must be more than 0",)),
    InputCase("lookback-zero", {**NO_WINDOW, "lookback-hours": "0"}, 2, ("--lookback-hours 0 must be more than 0",)),
    InputCase("lookback-not-a-number", {**NO_WINDOW, "lookback-hours": "24h"}, 2, ("--lookback-hours '24h' is not a number of hours",)),
    InputCase("lookback-nan", {**NO_WINDOW, "lookback-hours": "nan"}, 2, ("--lookback-hours nan must be more than 0",)),
    InputCase("lookback-infinite", {**NO_WINDOW, "lookback-hours": "inf"}, 2, ("at most 8784",)),
    InputCase("start-after-end", {"start-time": "2026-11-21T00:00:00Z", "end-time": "2026-11-20T00:00:00Z"}, 2, ("at or after it ends",)),
    InputCase("start-equals-end", {"start-time": WINDOW[1], "end-time": WINDOW[1]}, 2, ("at or after it ends",)),
    InputCase("start-time-unparsable", {"start-time": "last tuesday"}, 2, ("--start-time 'last tuesday' is not an ISO 8601 time",)),
    InputCase("end-time-alone", {"start-time": ""}, 2, ("--end-time needs --start-time",)),
    InputCase("timeout-not-a-number", {"timeout-minutes": "soon"}, 2, ("'soon' is not a number of minutes",)),
    InputCase("policy-path-parent", {"policy-path": "../outside.json"}, 2, ("input policy-path '../outside.json' leaves the workspace", "give a path inside the repository")),
    InputCase("policy-path-etc-passwd", {"policy-path": "/etc/passwd"}, 2, ("input policy-path '/etc/passwd' leaves the workspace",)),
    InputCase("policy-path-dot-dot", {"policy-path": "iam/../../outside.json"}, 2, ("leaves the workspace",)),
    InputCase("policy-path-symlink-out", {"policy-path": "link.json"}, 2, ("input policy-path 'link.json' leaves the workspace",), prepare=_link("link.json", "../outside.json")),
    InputCase("policy-path-symlink-in", {"policy-path": "alias.json"}, 2, ("input policy-path 'alias.json' is a symlink; give the file itself",), prepare=_link("alias.json", "permission-policy.json")),
    InputCase("policy-path-symlinked-folder", {"policy-path": "iam/outside.json"}, 2, ("leaves the workspace",), prepare=_link("iam", "..")),
    InputCase("policy-path-folder", {"policy-path": "."}, 1, ("--policy-path . is a folder",)),
    InputCase("policy-invalid", {}, 1, ("permission-policy.json is not a valid IAM policy: not valid JSON",), prepare=_broken_policy),
    InputCase("preserve-sid-missing", {"preserve-sids": "StateBucket, StateBuckett"}, 1, ("--preserve-sids StateBuckett: no statement of",)),
    InputCase("source-empty-folder", {"source": "logs"}, 1, ("--source logs holds no log file",), prepare=_empty_folder),
    InputCase("keep-star-resources-maybe", {"keep-star-resources": "maybe"}, 2, ("input keep-star-resources: 'maybe' is not true or false",)),
    InputCase("create-pr-maybe", {"create-pr": "maybe"}, 2, ("input create-pr: 'maybe' is not true or false",)),
    InputCase("create-pr-ja", {"create-pr": "ja"}, 2, ("input create-pr: 'ja' is not true or false",)),
    *(InputCase(f"keep-star-resources-{text}", {"keep-star-resources": text}, 0, check=_star(True)) for text in ("true", "True", "TRUE", "yes", "on", "1")),
    *(InputCase(f"keep-star-resources-{text}", {"keep-star-resources": text}, 0, check=_star(False)) for text in ("false", "False", "no", "off", "0")),
    *(InputCase(f"create-pr-{text}", {"create-pr": text}, 0, check=_star(True)) for text in ("false", "FALSE", "no", "off", "0")),
]  # fmt: skip


@pytest.mark.parametrize("case", INPUT_CASES, ids=lambda c: c.id)
def test_action_inputs(tmp_path: Path, case: InputCase) -> None:
    run = run_action(tmp_path, case.inputs, case.prepare)
    commands = [line for line in run.lines if line.startswith("::")]
    assert commands[0].startswith("::add-mask")
    if case.code == 0:
        assert run.code == 0, run.lines
        assert all(line.startswith("::warning title=least-priv::") for line in commands[1:])
        assert case.check is not None
        case.check(run)
        return
    assert run.code == case.code, run.lines
    assert run.lines == [commands[0], commands[1]], run.lines  # the mask, then one error
    error = commands[1]
    assert error.startswith("::error title=least-priv::")
    for fragment in case.message:
        assert fragment in error, (fragment, error)
    assert run.outputs == {}
    assert run.summary.startswith("## least-priv failed")
    assert_untouched(run.policy, BROKEN if case.prepare is _broken_policy else VALID)


# --- hostile text in events ----------------------------------------------------------------

HOSTILE = {
    "set-output": "::set-output name=policy::pwned",
    "add-mask": "::add-mask::pwned",
    "percent-newline-error": "%0A::error::pwned",
    "crlf-warning": "\r\n::warning::pwned",
    "newline-stop-commands": "\n::stop-commands::pwned\n::error::pwned",
    "script-tag": "<script>alert(1)</script>",
    "details-close": "</details><img src=x onerror=alert(1)>",
    "markdown-table": "| table | injected |\n|---|---|",
    "backticks": "`code` ```fence``` ~~~",
    "string-100kb": "x" * 100_000,
    "lone-surrogate": "\ud800 no UTF-8 can hold it",
}


def hostile_logs(tmp_path: Path, payload: str) -> Path:
    """The payload as an event name (unmapped), an event source, an error code, a role name
    (a denied call and, strict, a granted one) and a file name."""
    folder = tmp_path / "logs"
    folder.mkdir()
    small = len(payload) < 1000
    records = [
        delete_vpc("h-1", eventSource="iam.amazonaws.com", eventName="Evil" + payload),
        delete_vpc("h-2", eventSource=payload + ".amazonaws.com", eventName="Do"),
        delete_vpc("h-3", errorCode=payload),  # passed the permission check: granted
        delete_vpc("h-4", eventSource="iam.amazonaws.com", eventName="TagRole", errorCode="AccessDenied", requestParameters={"roleName": payload}),
        delete_vpc("h-5", eventSource="iam.amazonaws.com", eventName="GetRole", requestParameters={"roleName": payload if small else "app"}),
    ]  # fmt: skip
    (folder / "hostile.json").write_bytes(compact(records))
    name = payload.replace("/", "_") + ".json"
    if small and "\ud800" not in name:  # a file name is bytes: no lone surrogate
        (folder / name).write_text("not JSON")
    return folder


def assert_summary_escaped(summary: str, payload: str) -> None:
    assert len(summary.encode()) < 64 * 1024
    for raw in ("<script", "<img", "</details", "`", "| table |", "\r"):
        if raw in payload:
            assert raw not in summary, raw
    for line in summary.splitlines():
        assert not line.startswith("::"), line
        if line.startswith("| ") and "Evil" in line:
            assert line.count("|") == 5, line  # four cells: the payload stays in its own


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_in_the_action(tmp_path: Path, payload: str) -> None:
    folder = hostile_logs(tmp_path, payload)
    run = run_action(tmp_path, {"source": str(folder), "mode": "strict"}, None)
    assert run.code == 0, run.lines
    for line in run.lines:
        assert line.startswith(("::add-mask", "::warning title=least-priv::", "least-priv: ")), line
    assert set(run.outputs) == {
        "policy", "policy-path", "changed", "actions-added", "actions-removed", "denied-count",
        "pull-request-number", "pull-request-url", "pull-request-operation",
    }  # fmt: skip
    assert run.outputs["policy"] == run.policy.read_text()
    policy = json.loads(run.outputs["policy"])
    assert generated_actions(policy) == {"ec2:DeleteVpc", "iam:GetRole"}
    assert run.outputs["denied-count"] == "1"
    assert_summary_escaped(run.summary, payload)


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_in_the_cli(tmp_path: Path, payload: str) -> None:
    folder = hostile_logs(tmp_path, payload)
    done = cli(tmp_path, "--source", str(folder), *KEEP_STATE, "--mode", "strict", "--output", "-")
    assert_tolerated(done, ("unmapped: iam.amazonaws.com Evil",))
    assert generated_actions(json.loads(done.out)) == {"ec2:DeleteVpc", "iam:GetRole"}
    assert_untouched(done.policy, VALID)  # --output - leaves the policy file alone
    report = done.report_json()
    assert "Evil" + payload in {u["event_name"] for u in report["unmapped"]}  # the data, whole
    assert [d["error_code"] for d in report["denied"]] == ["AccessDenied"]
    assert_summary_escaped(done.summary.read_text(), payload)


def test_the_manifest_lists_every_case() -> None:
    manifest = (BAD / "README.md").read_text()
    listed = set(re.findall(r"^\| `([A-Za-z0-9-]+)` \|", manifest, re.MULTILINE))
    for cases in (LOG_CASES, POLICY_CASES, FLAG_CASES, INPUT_CASES):
        ids = [c.id for c in cases]
        assert len(ids) == len(set(ids))
        assert set(ids) <= listed, set(ids) - listed
    assert set(HOSTILE) <= listed
    committed = {p.name for p in [*LOGS.iterdir(), *POLICIES.iterdir()]} - {"README.md"}
    used = {f for c in LOG_CASES for f in c.files} | {c.file for c in POLICY_CASES}
    assert committed <= used | {GOOD.name}, committed - used  # no fixture without its case
