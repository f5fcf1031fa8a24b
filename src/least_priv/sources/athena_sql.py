"""The SQL of the Athena source: a query that filters the principal and the window and
aggregates in Athena, and the way its rows become CloudTrail-shaped records.

Every value put into the SQL is validated against a strict pattern and quoted with single
quotes doubled; Athena ``ExecutionParameters`` would not help, as they are SQL literals too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from least_priv.core.select import Principal, Window
from least_priv.errors import UsageError

DOCS = "docs/athena.md"
_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_NAME = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)  # IAM role, user and session names
_RESOURCES = (
    "json_format(CAST(transform(resources, r -> MAP(ARRAY['ARN', 'accountId', 'type'], "
    "ARRAY[r.arn, r.accountid, r.type])) AS JSON))"
)
_ISSUER = "useridentity.sessioncontext.sessionissuer.arn"
_GROUPED = (  # (result column, SQL expression, CloudTrail record key)
    ("event_source", "eventsource", "eventSource"),
    ("event_name", "eventname", "eventName"),
    ("aws_region", "awsregion", "awsRegion"),
    ("recipient_account", "recipientaccountid", "recipientAccountId"),
    ("error_code", "errorcode", "errorCode"),
    ("event_type", "eventtype", "eventType"),
    ("identity_type", "useridentity.type", "userIdentity.type"),
    ("issuer_arn", _ISSUER, "userIdentity.sessionContext.sessionIssuer.arn"),
    ("invoked_by", "useridentity.invokedby", "userIdentity.invokedBy"),
    ("request_parameters", "requestparameters", "requestParameters"),
    ("resources", _RESOURCES, "resources"),
)
# In strict mode only: exact ARNs of created resources, at the cost of fewer equal rows.
_STRICT = (("response_elements", "responseelements", "responseElements"),)
_FIRST = (  # (result column, SQL aggregate, CloudTrail record key): one value of the group
    ("event_id", "min(eventid)", "eventID"),
    ("event_time", "min(eventtime)", "eventTime"),
    ("identity_arn", "min(caller_arn)", "userIdentity.arn"),
    ("identity_account", "min(caller_account)", "userIdentity.accountId"),
)
_JSON = frozenset({"request_parameters", "response_elements", "resources"})
_HINTS = (  # (pattern of Athena's reason, how to fix it): the first match wins
    (r"workgroup.*not found", "check WORKGROUP in athena://WORKGROUP/DATABASE.TABLE"),
    (r"output (location|bucket)", "set the workgroup's query result location"),
    (r"column_not_found|cannot be resolved", f"the table lacks a column: create it as in {DOCS}"),
    (r"table_not_found|schema_not_found|does not exist", f"create the table as in {DOCS}"),
    (r"access ?denied|permission", "allow what README: AWS permissions lists for athena://"),
    (r"bytes scanned limit", "the workgroup's data limit stopped it: narrow the window"),
)


def _checked(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.fullmatch(value):
        raise UsageError(f"athena: {what} {value!r} is not valid")
    return value


def _literal(value: str, pattern: re.Pattern[str], what: str) -> str:
    """A validated SQL string literal (single quotes doubled, should the pattern allow one)."""
    return "'" + _checked(value, pattern, what).replace("'", "''") + "'"


def _last_segment(column: str) -> str:
    return f"element_at(split({column}, '/'), -1)"


def principal_filter(principal: Principal) -> list[str]:
    """SQL conditions that keep the calls ``principal.matches`` would keep."""
    if principal.kind == "any":
        return []
    account = _checked(principal.account, _ACCOUNT, "account")
    name = _literal(principal.name.lower(), _NAME, "name")
    kind, column, type_ = (
        ("user", "useridentity.arn", "IAMUser")
        if principal.kind == "user"
        else ("role", _ISSUER, "AssumedRole")  # a role's sessions, or one of them
    )
    found = [
        f"useridentity.type = '{type_}'",
        f"{column} LIKE 'arn:%:iam::{account}:{kind}/%'",
        f"lower({_last_segment(column)}) = {name}",
    ]
    if principal.kind == "session":
        session = _literal(principal.session, _NAME, "session name")
        found.append(f"{_last_segment('useridentity.arn')} = {session}")
    return found


def _utc_second(moment: datetime) -> datetime:
    """``moment`` in UTC, rounded up to a whole second (CloudTrail times have seconds)."""
    moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    return moment.replace(microsecond=0) + timedelta(seconds=1 if moment.microsecond else 0)


def window_filter(window: Window) -> list[str]:
    """Conditions on the ``date`` partition, so only the window's days are read, and on
    ``eventtime``. A log file lands in the folder of its delivery day, up to ~15 minutes
    after its events: the day after the window's end is read too."""
    days, times = [], []
    if window.start is not None:
        start = _utc_second(window.start)
        days.append(f"\"date\" >= '{start:%Y/%m/%d}'")
        times.append(f"eventtime >= '{start:%Y-%m-%dT%H:%M:%SZ}'")
    if window.end is not None:
        end = _utc_second(window.end)
        days.append(f"\"date\" <= '{end + timedelta(days=1):%Y/%m/%d}'")
        times.append(f"eventtime < '{end:%Y-%m-%dT%H:%M:%SZ}'")
    return days + times


def _in(column: str, values: tuple[str, ...], pattern: re.Pattern[str], what: str) -> list[str]:
    if not values:
        return []
    return [f"{column} IN ({', '.join(_literal(v, pattern, what) for v in sorted(set(values)))})"]


def build_query(
    database: str,
    table: str,
    principal: Principal,
    window: Window,
    *,
    strict: bool = False,
    accounts: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
) -> str:
    """The SQL that filters and aggregates the principal's calls in the window."""
    grouped = [(alias, expr) for alias, expr, _ in _GROUPED + (_STRICT if strict else ())]
    conditions = [
        *window_filter(window),
        *_in("account", accounts, _ACCOUNT, "account"),
        *_in("region", regions, _REGION, "region"),
        *principal_filter(principal),
    ]
    inner = ",\n    ".join(
        [f"{expr} AS {alias}" for alias, expr in grouped]
        + ["eventid", "eventtime", "useridentity.arn AS caller_arn"]
        + ["useridentity.accountid AS caller_account"]
    )
    where = ("\n  WHERE " + "\n    AND ".join(conditions)) if conditions else ""
    keys = ", ".join(alias for alias, _ in grouped)
    firsts = ", ".join(f"{expr} AS {alias}" for alias, expr, _ in _FIRST)
    return (
        f'WITH matched AS (\n  SELECT\n    {inner}\n  FROM "{database}"."{table}"{where}\n)\n'
        f"SELECT {keys},\n  count(*) AS events, {firsts}\n"
        f"FROM matched\nGROUP BY {keys}\nORDER BY event_time, event_id"
    )


def record_of_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """One result row as a CloudTrail record, for ``parse_event``; JSON columns parsed."""
    record: dict[str, Any] = {}
    for column, _, path in (*_GROUPED, *_STRICT, *_FIRST):
        *parents, key = path.split(".")
        node = record
        for parent in parents:
            node = node.setdefault(parent, {})
        text = row.get(column)
        node[key] = json.loads(text) if column in _JSON and text else text
    return record


def hint(reason: str) -> str:
    """How to fix the Athena failure that ``reason`` describes ("" when unknown)."""
    return next((fix for pattern, fix in _HINTS if re.search(pattern, reason, re.I)), "")
