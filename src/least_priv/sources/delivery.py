"""Which CloudTrail log files can hold a time window, by the delivery minute in their names
(``<account>_CloudTrail_<region>_<yyyymmddThhmmZ>_<unique>.json.gz``): "a log file
delivered at a specific time can contain records written at any point before that time"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html),
and CloudTrail delivers within minutes (``DELIVERY_MARGIN``). Files named otherwise are
always read. The trail's bucket (``s3``) and a local folder follow the same rule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from least_priv.core.select import Window

DELIVERY_MARGIN = timedelta(minutes=15)
_STAMP = re.compile(r"_CloudTrail_[^_/]+_(\d{8}T\d{4}Z)_[^/]*$")


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def delivered_at(key: str) -> datetime | None:
    """The delivery minute in a CloudTrail log file name; ``None`` for any other name."""
    found = _STAMP.search(key)
    if not found:
        return None
    stamp = found.group(1)  # yyyymmddThhmmZ, digits checked: read in place (strptime is slow)
    try:
        return datetime(
            int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]), int(stamp[9:11]), int(stamp[11:13]),
            tzinfo=UTC,
        )  # fmt: skip
    except ValueError:  # no such day or minute
        return None


def cloudtrail_named(key: str) -> bool:
    """Whether a path or object key names a CloudTrail log file (delivery minute and all):
    one CloudTrail wrote, whose records each start with eventVersion."""
    return delivered_at(key) is not None


def bounds(window: Window) -> tuple[datetime | None, datetime | None]:
    """The first and last delivery minutes of files that can hold ``window``'s events (the
    start's minute: a file of 10:05 may hold an event of 10:05:40)."""
    first = utc(window.start).replace(second=0, microsecond=0) if window.start else None
    last = utc(window.end) + DELIVERY_MARGIN if window.end else None
    return first, last


def outside(name: str, first: datetime | None, last: datetime | None) -> bool:
    """Whether the file ``name`` was delivered before ``first`` or after ``last``."""
    moment = delivered_at(name)
    return moment is not None and (
        (first is not None and moment < first) or (last is not None and moment > last)
    )


def may_hold_window(key: str, start: datetime, last: datetime) -> bool:
    """Whether the object ``key`` can hold events from ``start`` on, delivered by ``last``."""
    name = key.rsplit("/", 1)[-1]
    if not name or name.startswith("."):  # folder markers; hidden files (as the local source)
        return False
    return not outside(name, start.replace(second=0, microsecond=0), last)
