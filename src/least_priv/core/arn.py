"""Amazon Resource Names: parsing, formatting and partition rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arn:
    """``arn:partition:service:region:account:resource``; the resource part may hold ``:``."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn:
    """Parse an ARN, raising ``ValueError`` with the reason when it is not one."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(
            f"{text!r} is not an ARN (expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
        )
    _, partition, service, region, account, resource = parts
    if not partition or not service or not resource:
        raise ValueError(
            f"{text!r} is not an ARN: partition, service and resource must not be empty"
        )
    return Arn(partition, service, region, account, resource)


def is_arn(text: str) -> bool:
    try:
        parse_arn(text)
    except ValueError:
        return False
    return True


def partition_of_region(region: str) -> str:
    """The partition a region belongs to (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("eusc-"):
        return "aws-eusc"
    return "aws"
