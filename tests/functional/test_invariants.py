"""Invariants that must hold for any evidence and any existing policy (hypothesis):
preserved statements come out as they went in, Deny statements stay, every observed granted
call is allowed and nothing only denied is, ``union`` allows a superset of ``replace``, and
the output does not depend on file order, file names or the number of files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from least_priv.app import run
from least_priv.config import Settings
from least_priv.core.select import Window, parse_principal
from tests.conftest import ROLE_ARN, record

CALLS = [
    ("ec2", "CreateVpc", {"cidrBlock": "10.0.0.0/16"}, {"vpc": {"vpcId": "vpc-0a1b2c3d4e5f60718"}}),
    ("ec2", "DeleteVpc", {"vpcId": "vpc-0a1b2c3d4e5f60718"}, None),
    ("ec2", "DescribeVpcs", None, None),
    ("s3", "CreateBucket", {"bucketName": "demo-bucket"}, None),
    ("s3", "PutBucketTagging", {"bucketName": "demo-bucket"}, None),
    ("iam", "GetRole", {"roleName": "app"}, None),
    ("iam", "TagRole", {"roleName": "app"}, None),
    ("logs", "CreateLogGroup", {"logGroupName": "/aws/lambda/fn"}, None),
    ("lambda", "CreateFunction20150331", {"functionName": "fn", "role": "arn:aws:iam::111122223333:role/app"}, None),
    ("kms", "Decrypt", None, None),
]  # fmt: skip
OUTCOMES = ["", "", "", "AccessDenied", "Client.UnauthorizedOperation", "NoSuchEntity"]

PRESERVED = {
    "Sid": "S3StateManagement",
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:PutObject"],
    "Resource": "arn:aws:s3:::state/demo/*",
}
DENY = {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}
CAPTURE = {"Sid": "TemporaryCaptureAll", "Effect": "Allow", "Action": "*", "Resource": "*"}

events = st.lists(
    st.tuples(st.integers(0, len(CALLS) - 1), st.sampled_from(OUTCOMES)), min_size=1, max_size=25
)


def _records(chosen: list[tuple[int, str]]) -> list[dict[str, Any]]:
    found = []
    for index, (call, outcome) in enumerate(chosen):
        source, name, request, response = CALLS[call]
        time = f"2026-11-20T10:{index % 60:02d}:00Z"
        found.append(
            record(
                source, name, request=request, response=response, error=outcome or None, time=time
            )
        )
    return found


def _run(folder: Path, policy: Path, merge: str = "replace") -> Any:
    settings = Settings(
        principal=parse_principal(ROLE_ARN), sources=(str(folder),), window=Window(None, None),
        merge=merge, policy_path=policy, preserve_sids=("S3StateManagement",), output="-",
    )  # fmt: skip
    return run(settings, lambda _: None)


def _write(folder: Path, records: list[dict[str, Any]], files: int, order: list[int]) -> None:
    folder.mkdir(parents=True)
    for part in range(files):
        chunk = [records[i] for i in order if i % files == part]
        (folder / f"part-{part:03d}.json").write_text(json.dumps({"Records": chunk}))


def _allowed(doc: dict[str, Any]) -> set[str]:
    return {
        a.lower()
        for s in doc["Statement"]
        if s["Effect"] == "Allow"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chosen=events, files=st.integers(1, 4), data=st.data())
def test_policy_invariants(
    tmp_path_factory: Any, chosen: list[tuple[int, str]], files: int, data: Any
) -> None:
    root = tmp_path_factory.mktemp("inv")
    policy = root / "policy.json"
    policy.write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [PRESERVED, DENY, CAPTURE]})
    )
    records = _records(chosen)
    _write(root / "a", records, 1, list(range(len(records))))
    order = data.draw(st.permutations(list(range(len(records)))))
    _write(root / "b", records, files, order)

    first, second = _run(root / "a", policy), _run(root / "b", policy)
    assert first.texts == second.texts  # whatever the order and the number of files
    text = "".join(first.texts)
    assert "${" not in text
    docs = [json.loads(t) for t in first.texts]
    statements = [s for d in docs for s in d["Statement"]]
    assert PRESERVED in statements
    assert DENY in statements
    assert CAPTURE not in statements
    allowed = set().union(*(_allowed(d) for d in docs))
    granted = {a["action"].lower() for a in first.report["actions"]}
    assert granted <= allowed
    denied_only = {d["action"].lower() for d in first.report["denied"]} - granted
    assert not (denied_only & (allowed - {"s3:getobject", "s3:putobject"}))
    assert "*" not in allowed

    union = _run(root / "a", policy, merge="union")
    union_allowed = set().union(*(_allowed(json.loads(t)) for t in union.texts))
    assert allowed - {"*"} <= union_allowed
