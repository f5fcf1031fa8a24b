"""A CloudTrail trail, looked up by ARN: where it delivers logs and which regions it covers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from least_priv.core.arn import parse_arn
from least_priv.errors import SourceError, UsageError
from least_priv.sources.aws import error_code, translate


@dataclass(frozen=True)
class TrailInfo:
    arn: str
    home_region: str
    account: str
    bucket: str
    prefix: str  # the trail's S3 key prefix ("" when none), without a trailing slash
    multi_region: bool
    organization: bool


def trail_region(trail_arn: str) -> str:
    """The home region of a trail ARN; ``UsageError`` if it is not a trail ARN."""
    try:
        arn = parse_arn(trail_arn)
    except ValueError:
        arn = None
    if (
        arn is None
        or arn.service != "cloudtrail"
        or not arn.resource.startswith("trail/")
        or not arn.region
    ):
        raise UsageError(
            f"--trail-arn {trail_arn!r} is not a trail ARN; write "
            "arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME (aws cloudtrail describe-trails shows it)"
        )
    return arn.region


def describe_trail(client: Any, trail_arn: str) -> TrailInfo:
    """``GetTrail`` through ``client`` (a CloudTrail client in the trail's home region)."""
    trail_region(trail_arn)
    doing = f"looking up the trail {trail_arn}"
    try:
        trail = client.get_trail(Name=trail_arn)["Trail"]
    except Exception as exc:
        if error_code(exc) in ("TrailNotFoundException", "InvalidTrailNameException"):
            raise SourceError(
                f"{doing}: no such trail in that account and region; check --trail-arn "
                "(aws cloudtrail describe-trails --region REGION lists them)"
            ) from exc
        raise translate(exc, doing, "cloudtrail:GetTrail") from exc
    bucket = trail.get("S3BucketName") or ""
    if not bucket:
        raise SourceError(
            f"{doing}: the trail delivers no logs to S3; give a trail with an S3 bucket"
        )
    arn = parse_arn(trail.get("TrailARN") or trail_arn)
    return TrailInfo(
        arn=trail.get("TrailARN") or trail_arn,
        home_region=trail.get("HomeRegion") or arn.region,
        account=arn.account,
        bucket=bucket,
        prefix=(trail.get("S3KeyPrefix") or "").strip("/"),
        multi_region=bool(trail.get("IsMultiRegionTrail")),
        organization=bool(trail.get("IsOrganizationTrail")),
    )
