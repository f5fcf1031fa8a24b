"""The real CloudTrail corpus (``../shared/cloudtrail-corpus``): coverage and soundness.

Skipped with a reason where the corpus is absent (a user's clone); it runs in CI.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import botocore.session

from least_priv.core.event import ApiCall
from least_priv.core.mapping import Mapped, Unmapped, map_call
from least_priv.iam.reference import IamReference
from least_priv.sources.local import LocalSource

_DATED = re.compile(r"(\d{8}|\d{4}_\d{2}_\d{2})(v\d+)?$")


@cache
def _calls(corpus: Path) -> list[ApiCall]:
    """The corpus read once per test session."""
    return list(LocalSource(str(corpus)).calls(lambda _: None))


@cache
def _botocore_operations() -> dict[str, set[str]]:
    """Endpoint prefix -> every operation botocore's models define for it."""
    loader = botocore.session.get_session().get_component("data_loader")
    ops: dict[str, set[str]] = {}
    for name in loader.list_available_services("service-2"):
        model = loader.load_service_model(name, "service-2")
        prefix = model["metadata"].get("endpointPrefix", name)
        ops.setdefault(prefix, set()).update(model["operations"])
    return ops


def _is_aws_operation(call: ApiCall) -> bool:
    ops = _botocore_operations().get(call.source_prefix, set())
    return call.name in ops or _DATED.sub("", call.name) in ops


def test_at_least_97_percent_of_distinct_pairs_map_and_every_real_operation_does(
    corpus: Path, reference: IamReference
) -> None:
    results: dict[tuple[str, str], object] = {}
    samples: dict[tuple[str, str], ApiCall] = {}
    for c in _calls(corpus):
        key = (c.source, c.name)
        samples.setdefault(key, c)
        results.setdefault(key, map_call(c, reference))
    unmapped = sorted(k for k, r in results.items() if isinstance(r, Unmapped))
    coverage = 1 - len(unmapped) / len(results)
    # The remaining pairs are hand-edited detection-rule test events (ec2 PutBucketVersioning,
    # iam NotCreateUser ...): no AWS service has such an operation, so nothing may be granted.
    real_unmapped = [k for k in unmapped if _is_aws_operation(samples[k])]
    assert real_unmapped == []
    assert coverage >= 0.97, f"{coverage:.2%} mapped; unmapped: {unmapped}"


def test_every_action_emitted_for_the_corpus_exists_in_the_iam_reference(
    corpus: Path, reference: IamReference
) -> None:
    emitted = Counter()
    for c in _calls(corpus):
        result = map_call(c, reference)
        if isinstance(result, Mapped):
            emitted.update(str(i.action) for i in result.actions)
    assert len(emitted) > 500
    assert [a for a in emitted if reference.action_info(*a.split(":", 1)) is None] == []


def test_terraform_session_policy_allows_each_successful_call_and_nothing_else(
    corpus: Path, reference: IamReference, tmp_path: Path
) -> None:
    """The real Terraform apply + destroy (IAM user bert-jan): every successful call allowed."""
    from least_priv.cli import main

    report = tmp_path / "report.json"
    out = tmp_path / "policy.json"
    code = main(
        [
            "generate",
            "--principal-arn",
            "arn:aws:iam::218007301253:user/bert-jan",
            "--source",
            str(corpus / "invictus-ir-aws_dataset"),
            "--output",
            str(out),
            "--report",
            str(report),
        ]
    )
    assert code == 0
    policy = json.loads(out.read_text())
    allowed = {a.lower() for s in policy["Statement"] for a in s["Action"]}
    needed, denied = set(), set()
    denied_events = 0
    for c in _calls(corpus / "invictus-ir-aws_dataset"):
        if c.identity.arn != "arn:aws:iam::218007301253:user/bert-jan":
            continue
        result = map_call(c, reference)
        if not isinstance(result, Mapped):
            continue
        names = {str(i.action).lower() for i in result.actions}
        refused = "denied" in c.error_code.lower() or "unauthorized" in c.error_code.lower()
        denied_events += refused and len(names)
        (denied if refused else needed).update(names)
    assert needed - allowed <= {"sts:getcalleridentity"}
    assert len(json.loads(report.read_text())["denied"]) == denied_events
    assert not (allowed - needed - {"iam:passrole"}), "allowed actions the session never used"
