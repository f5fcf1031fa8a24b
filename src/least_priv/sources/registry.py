"""``--source`` values -> source adapters, with their AWS clients made by the caller.

Adapters are imported when used, so a local run never loads boto3.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from least_priv.config import Settings
from least_priv.errors import UsageError
from least_priv.sources.base import Source, Warn
from least_priv.sources.local import LocalSource
from least_priv.sources.scan import needle_of

if TYPE_CHECKING:
    from least_priv.sources.access_analyzer import AccessAnalyzerSource
    from least_priv.sources.trail import TrailInfo

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


class Clients(Protocol):
    """Makes boto3 clients; ``app.py`` gives the real one."""

    def client(self, service: str, region: str | None = None, *, attempts: int = 0) -> Any:
        """A client; ``attempts`` (when not 0) caps botocore's retries for sources that pace
        and retry themselves."""
        ...

    def default_region(self) -> str | None: ...


@dataclass
class OpenedSources:
    events: list[Source] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # one per event source
    generators: list[AccessAnalyzerSource] = field(default_factory=list)


def regions_of(settings: Settings) -> tuple[str, ...]:
    """``--region``: one region or a comma-separated list, validated."""
    regions = tuple(dict.fromkeys(r.strip() for r in settings.region.split(",") if r.strip()))
    for region in regions:
        if not _REGION.match(region):
            raise UsageError(f"--region {region!r} is not an AWS region name; write e.g. us-east-1")
    return regions


def _accounts(settings: Settings) -> tuple[str, ...]:
    return (settings.principal.account,) if settings.principal.account else ()


def source_kind(text: str) -> str:
    if text == "s3" or text.startswith("s3://"):
        return "s3"
    if text.startswith("athena://"):
        return "athena"
    if text.startswith("lake://"):
        return "lake"
    if text in ("access-analyzer", "lookup-events"):
        return text
    return "local"


def open_sources(settings: Settings, clients: Callable[[], Clients], warn: Warn) -> OpenedSources:
    """Every ``--source`` opened; ``clients`` is called only when a source needs AWS."""
    opened = OpenedSources()
    made: list[Clients] = []

    def aws() -> Clients:
        if not made:
            made.append(clients())
        return made[0]

    for text in dict.fromkeys(settings.sources):
        kind = source_kind(text)
        if kind == "access-analyzer":
            opened.generators.append(_access_analyzer(settings, aws(), warn))
            continue
        opened.events.append(_event_source(kind, text, settings, aws))
        opened.kinds.append(kind)
    return opened


def _event_source(kind: str, text: str, settings: Settings, aws: Callable[[], Clients]) -> Source:
    if kind == "local":
        needle = None if settings.plain else needle_of(settings.principal)
        return LocalSource(text, needle, window=settings.window)
    if kind == "lake":
        raise UsageError(
            f"--source {text}: CloudTrail Lake is closed to new customers and not supported; "
            "use athena://WORKGROUP/DATABASE.TABLE or s3 instead"
        )
    if kind == "s3":
        return _s3(text, settings, aws())
    if kind == "athena":
        return _athena(text, settings, aws())
    return _lookup(settings, aws())


def need_trail(settings: Settings, what: str) -> str:
    if not settings.trail_arn:
        raise UsageError(
            f"--source {what} needs --trail-arn (aws cloudtrail describe-trails shows the ARN)"
        )
    return settings.trail_arn


def _trail(settings: Settings, aws: Clients, what: str) -> TrailInfo:
    from least_priv.sources.trail import describe_trail, trail_region

    arn = need_trail(settings, what)
    return describe_trail(aws.client("cloudtrail", trail_region(arn)), arn)


def _s3(text: str, settings: Settings, aws: Clients) -> Source:
    from least_priv.sources.s3 import S3Source, parse_s3_url

    regions = regions_of(settings)
    if text == "s3":
        trail = _trail(settings, aws, "s3")
        bucket, prefix = trail.bucket, trail.prefix
        if not regions and not trail.multi_region:
            regions = (trail.home_region,)
    else:
        bucket, prefix = parse_s3_url(text)
    region = regions[0] if regions else None
    return S3Source(
        aws.client("s3", region),
        bucket,
        prefix,
        settings.window,
        _accounts(settings),
        regions,
        label=text if text != "s3" else f"s3://{bucket}/{prefix}".rstrip("/"),
        needle=None if settings.plain else needle_of(settings.principal),
        new_client=lambda: aws.client("s3", region),  # one per worker process
    )


def _lookup(settings: Settings, aws: Clients) -> Source:
    from least_priv.sources.lookup import LookupEventsSource

    regions = regions_of(settings)
    if not regions and settings.trail_arn:
        from least_priv.sources.trail import trail_region

        regions = (trail_region(settings.trail_arn),)
    if not regions and (default := aws.default_region()):
        regions = (default,)
    if not regions:
        raise UsageError("--source lookup-events needs a region: give --region or set AWS_REGION")
    return LookupEventsSource(
        {r: aws.client("cloudtrail", r, attempts=1) for r in regions},
        settings.principal,
        settings.window,
    )


def _athena(text: str, settings: Settings, aws: Clients) -> Source:
    from least_priv.sources.athena import AthenaSource, parse_athena_url

    workgroup, database, table = parse_athena_url(text)
    regions = regions_of(settings)
    return AthenaSource(
        aws.client("athena", regions[0] if regions else None),
        workgroup,
        database,
        table,
        settings.principal,
        settings.window,
        strict=settings.mode == "strict",
        accounts=_accounts(settings),
        regions=regions,
        timeout_seconds=settings.timeout_minutes * 60,
    )


def _access_analyzer(settings: Settings, aws: Clients, warn: Warn) -> AccessAnalyzerSource:
    from least_priv.sources.access_analyzer import (
        AccessAnalyzerSource,
        GenerationRequest,
        check_window,
    )
    from least_priv.sources.trail import trail_region

    principal = settings.principal
    if principal.kind not in ("role", "user"):
        raise UsageError(
            "--source access-analyzer generates for a role or a user: give its ARN as "
            "--principal-arn (not * and not one session)"
        )
    trail_arn = need_trail(settings, "access-analyzer")
    if not settings.access_role_arn:
        raise UsageError(
            "--source access-analyzer needs --access-role-arn: the role Access Analyzer uses "
            "to read the trail (the Terraform module creates it)"
        )
    start, end = check_window(settings.window.start, settings.window.end)
    explicit = regions_of(settings)
    regions = explicit or _trail_regions(settings, aws, warn)
    request = GenerationRequest(
        principal.text, trail_arn, settings.access_role_arn, start, end, regions
    )
    return AccessAnalyzerSource(
        aws.client("accessanalyzer", explicit[0] if explicit else trail_region(trail_arn)),
        request,
        timeout_seconds=settings.timeout_minutes * 60,
    )


def _trail_regions(settings: Settings, aws: Clients, warn: Warn) -> tuple[str, ...]:
    """The trail's home region for a single-region trail; () (all regions) otherwise."""
    from least_priv.errors import SourceError

    try:
        trail = _trail(settings, aws, "access-analyzer")
    except SourceError as exc:
        if "no such trail" in str(exc):
            raise
        warn(f"{exc}; asking Access Analyzer for all regions")
        return ()
    return () if trail.multi_region else (trail.home_region,)
