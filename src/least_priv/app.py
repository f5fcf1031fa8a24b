"""The use case: sources -> analysis -> statements -> merge -> checks -> files.

This is the only place that wires adapters to the core.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from least_priv.config import Settings
from least_priv.core.analysis import Collector, Options
from least_priv.core.arn import parse_arn
from least_priv.core.build import build_statements
from least_priv.core.diff import ActionDiff, diff_actions
from least_priv.core.evidence import Analysis
from least_priv.core.findings import Finding, finding
from least_priv.core.generated import Placement
from least_priv.core.merge import merge_policy
from least_priv.core.policy import PolicyDocument, PolicyFormatError, parse_policy, render_policy
from least_priv.core.size import fits, split_policy
from least_priv.core.tables import DEFAULT_IGNORED_ACTIONS
from least_priv.core.validate import validate
from least_priv.errors import InputError, UsageError
from least_priv.files import part_paths, stale_parts, target_of
from least_priv.iam.reference import IamReference
from least_priv.parallel import Splittable, collect, worker_count, worth_it
from least_priv.render.markdown import render_summary
from least_priv.render.report import build_report
from least_priv.render.text import clip
from least_priv.sources.aws import client_config
from least_priv.sources.base import Source, SourceStats, Warn
from least_priv.sources.local import LocalSource
from least_priv.sources.registry import Clients, open_sources
from least_priv.sources.scan import dump


@dataclass(frozen=True)
class Outcome:
    documents: list[PolicyDocument]
    texts: list[str]
    report: dict[str, Any]
    summary: str
    diff: ActionDiff
    changed: bool
    policy_files: list[str]


class Boto3Clients:
    """The one place real boto3 clients are made: default credential chain and region,
    ``AWS_ENDPOINT_URL`` honoured by boto3 itself, retries from ``AWS_RETRY_MODE``."""

    def __init__(self) -> None:
        import boto3

        self._session = boto3.session.Session()
        self._config = client_config(os.environ.get("AWS_RETRY_MODE", "standard"))

    def client(self, service: str, region: str | None = None, *, attempts: int = 0) -> Any:
        from botocore.config import Config
        from botocore.exceptions import NoRegionError

        config = self._config
        if attempts:
            config = config.merge(Config(retries={"mode": "standard", "max_attempts": attempts}))
        try:
            return self._session.client(service, region_name=region, config=config)
        except NoRegionError:
            raise UsageError(
                f"no AWS region for {service}: give --region or set AWS_REGION"
            ) from None

    def default_region(self) -> str | None:
        region = self._session.region_name
        return str(region) if region else None


def read_existing(path: Path | None) -> tuple[PolicyDocument | None, str]:
    if path is None or not path.exists():
        return None, ""
    if path.is_dir():
        raise InputError(f"--policy-path {path} is a folder; give the policy JSON file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"--policy-path {path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(
            f"--policy-path {path} cannot be read ({exc}); check the path and its permissions"
        ) from None
    try:
        return parse_policy(text.removeprefix("\ufeff")), text  # a BOM is no part of the JSON
    except PolicyFormatError as exc:
        raise InputError(
            f"--policy-path {path} is not a valid IAM policy: {exc}; fix it or point to another file"
        ) from None


def _check_preserved(existing: PolicyDocument | None, settings: Settings) -> None:
    """Every Sid to preserve must be in the existing policy: a misspelt one would let
    ``replace`` drop the statement it was meant to keep."""
    if existing is None:
        return
    sids = [s.sid for s in existing.statements if s.sid]
    missing = [sid for sid in settings.preserve_sids if sid not in sids]
    if missing:
        raise InputError(
            f"--preserve-sids {', '.join(missing)}: no statement of {settings.policy_path} has "
            f"this Sid (its Sids: {', '.join(sids) or 'none'}); correct the name or leave it out"
        )


def quiet_gc() -> None:
    """Fewer cyclic garbage collections: the analysis makes many short-lived dicts and few
    cycles, and a full collection walks the whole IAM reference every time; and freed
    buffers kept for reuse (``_keep_freed_buffers``). For the process entry points (the CLI,
    the action), not for callers of ``run``."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    _keep_freed_buffers()


def _keep_freed_buffers() -> None:
    """glibc's malloc maps a fresh block for a buffer past its (moving) threshold and hands
    freed memory back to the system past another, so each file's bytes, each piece and
    each lower-case copy were faulted in and zeroed afresh. Fixed thresholds (64 MB, and
    128 MB to trim) keep them in the heap for the next: bursty-200000 1.26-1.34 -> 1.21-1.22 s
    on two cores, 2.10-2.14 -> 2.04-2.06 s on one, a 307 MB log 1.43-1.45 -> 1.24-1.28 s,
    peak memory 1 MB more. Forked workers inherit them. Without glibc, nothing changes."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no such C library or function (macOS, Windows)
        return
    mallopt(-3, 64 << 20)  # M_MMAP_THRESHOLD
    mallopt(-1, 128 << 20)  # M_TRIM_THRESHOLD


def analyse(
    settings: Settings,
    reference: IamReference,
    warn: Warn,
    clients: Callable[[], Clients],
    progress: Warn,
) -> tuple[Analysis, list[dict[str, Any]], list[Finding]]:
    """Events from every event source, then Access Analyzer's results on top."""
    opened = open_sources(settings, clients, warn)
    options = Options(
        strict=settings.mode == "strict",
        ignore=(*DEFAULT_IGNORED_ACTIONS, *settings.ignore_actions),
    )
    collector = Collector(
        settings.principal, settings.window, reference, options, not settings.plain, dump
    )
    for index, source in enumerate(opened.events):
        last = index == len(opened.events) - 1 and not opened.generators
        workers = 1 if settings.plain else worker_count(settings.workers)
        source.stats.on_file = _reading(progress)
        _collect(source, collector, workers, warn, not last)
        if isinstance(source, LocalSource):
            source.require_evidence()
    findings: list[Finding] = []
    stats = [s.stats.as_dict() for s in opened.events]
    for generator in opened.generators:
        result = generator.generate(warn, progress)
        place = Placement(
            parse_arn(settings.principal.text).partition,
            settings.principal.account,
            generator.request.regions,
        )
        for statement in result.statements:
            collector.add_generated(statement, place)
        findings += _generation_findings(result.is_complete, opened.kinds)
        stats.append(generator.stats.as_dict())
    analysis = collector.analysis
    granted = {g.action.service for g in analysis.grants}
    findings += [
        finding(
            "ACCESS_ANALYZER_SERVICE_LEVEL",
            f"Access Analyzer reports {service} as used without naming actions; add a CloudTrail "
            "source (s3, lookup-events) or add its actions by hand",
        )
        for service in sorted(analysis.service_level - granted)
    ]
    return analysis, stats, findings


PROGRESS_SECONDS = 15.0  # a long read says how far it has got at most this often
_clock = time.monotonic


def _reading(progress: Warn) -> Callable[[SourceStats], None]:
    """A source's ``on_file``: a line for ``progress`` when ``PROGRESS_SECONDS`` have passed
    since the read began or since its last line."""
    start = due = _clock()
    due += PROGRESS_SECONDS

    def on_file(stats: SourceStats) -> None:
        nonlocal due
        now = _clock()
        if now >= due:
            due = now + PROGRESS_SECONDS
            events = stats.records + stats.records_unread
            files = f"{stats.files_read:,} files, " if stats.files_read else ""
            doing = f" ({stats.doing})" if stats.doing else ""
            progress(f"{stats.source}: {files}{events:,} events read{doing} in {now - start:.0f} s")

    return on_file


def _collect(
    source: Source, collector: Collector, workers: int, warn: Warn, keep_ids: bool
) -> None:
    """Feed one event source into ``collector``: a large local folder, or a large read of a
    trail's bucket, on every core."""
    if getattr(source, "can_split", False):
        splittable = cast("Splittable", source)
        files = worth_it(splittable, workers)
        if files is not None and collect(splittable, files, collector, workers, warn, keep_ids):
            collector.add_unread(source.stats.records_unread)
            return
    for call in source.calls(warn):
        collector.add(call)
    collector.add_unread(source.stats.records_unread)


def _generation_findings(complete: bool, kinds: list[str]) -> list[Finding]:
    found = []
    if not complete:
        found.append(
            finding(
                "ACCESS_ANALYZER_INCOMPLETE",
                "Access Analyzer marked its result incomplete (isComplete false); add "
                "--source s3 or lookup-events, or shorten the window",
            )
        )
    if not kinds:
        found.append(
            finding(
                "ACCESS_ANALYZER_BLIND_SPOT",
                "Access Analyzer does not report iam:PassRole or data events (S3 object calls); "
                "add --source s3 (or lookup-events for iam:PassRole) to cover them",
            )
        )
    elif set(kinds) <= {"lookup-events"}:
        found.append(
            finding(
                "ACCESS_ANALYZER_BLIND_SPOT",
                "neither Access Analyzer nor lookup-events reports data events (S3 object "
                "calls); add --source s3 to cover them",
            )
        )
    return found


def run(
    settings: Settings,
    warn: Warn,
    reference: IamReference | None = None,
    clients: Callable[[], Clients] = Boto3Clients,
    progress: Warn = lambda _: None,
) -> Outcome:
    reference = reference or IamReference()
    existing, old_text = read_existing(settings.policy_path)
    _check_preserved(existing, settings)
    analysis, source_stats, source_findings = analyse(settings, reference, warn, clients, progress)
    for key, reason in sorted(analysis.unmapped_reasons.items()):
        warn(clip(f"unmapped: {key[0]} {key[1]} ({analysis.unmapped[key]} events): {reason}", 500))
    if analysis.stats["events_matched"] == 0:
        warn(
            f"no event of {settings.principal.text} in the window; check --principal-arn and the window"
        )
    statements, notes = build_statements(analysis.grants, settings.keep_star_resources)
    merged = merge_policy(existing, statements, settings.preserve_sids, settings.merge)
    document = merged.document
    if not fits(document):
        statements, _ = build_statements(
            analysis.grants, settings.keep_star_resources, merge_services=True
        )
        document = merge_policy(
            existing, statements, settings.preserve_sids, settings.merge
        ).document
    try:
        documents = split_policy(document, merged.preserved)
    except ValueError as exc:
        fix = (
            "preserve fewer or shorter statements (--preserve-sids)"
            if merged.preserved and "preserved" in str(exc)
            else "use --mode wildcard, or leave the action out with --ignore-action"
        )
        raise InputError(
            f"cannot fit the policy into IAM's 6,144-character limit: {exc}; {fix}"
        ) from None
    findings: list[Finding] = sorted({*analysis.notes, *notes, *merged.findings, *source_findings})
    if len(documents) > 1:
        findings.append(
            finding("POLICY_SPLIT", f"the policy was split into {len(documents)} documents")
        )
    for doc in documents:
        findings += validate(doc, lambda s, n: reference.action_info(s, n) is not None)
    texts = [render_policy(d) for d in documents]
    diff = diff_actions([existing] if existing else [], documents)
    target = target_of(settings)
    files = [str(p) for p in part_paths(target, len(texts))] if target else []
    report = build_report(
        principal=settings.principal.text,
        window=(settings.window.start, settings.window.end),
        sources=source_stats,
        analysis=analysis,
        findings=findings,
        diff=diff,
        mode=settings.mode,
        policy_files=files,
    )
    changed = _changed(settings.policy_path, texts, old_text)
    return Outcome(documents, texts, report, render_summary(report), diff, changed, files)


def _changed(policy_path: Path | None, texts: list[str], old_text: str) -> bool:
    """Whether the policy files differ from what ``--policy-path`` holds now."""
    if policy_path is None or len(texts) == 1:
        stale = policy_path is not None and bool(stale_parts(policy_path, 1))
        return "".join(texts) != old_text or stale
    for path, text in zip(part_paths(policy_path, len(texts)), texts, strict=True):
        try:
            if path.read_text(encoding="utf-8") != text:
                return True
        except (OSError, UnicodeDecodeError):
            return True
    return bool(stale_parts(policy_path, len(texts)))
