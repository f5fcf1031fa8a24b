"""Which events belong to the principal and the time window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from least_priv.core.arn import parse_arn
from least_priv.core.event import ApiCall


@dataclass(frozen=True)
class Window:
    """A half-open time range; ``None`` ends are unbounded."""

    start: datetime | None
    end: datetime | None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise ValueError(
                f"the window starts ({self.start.isoformat()}) at or after it ends "
                f"({self.end.isoformat()}); give --start-time before --end-time"
            )

    def contains(self, moment: datetime | None) -> bool:
        if moment is None:
            return self.start is None and self.end is None
        if self.start and moment < self.start:
            return False
        return not (self.end and moment >= self.end)


@dataclass(frozen=True)
class Principal:
    """Whose calls to keep: a role (all its sessions), one role session, a user, or everyone."""

    kind: str  # "any" | "role" | "session" | "user"
    account: str = ""
    name: str = ""  # role or user name, lower-cased (IAM names are case-insensitive)
    session: str = ""
    text: str = "*"

    def matches(self, call: ApiCall) -> bool:
        if self.kind == "any":
            return True
        ident = call.identity
        if self.kind == "user":
            return ident.type == "IAMUser" and _same_entity(
                ident.arn, "user", self.account, self.name
            )
        if ident.type != "AssumedRole":
            # The AssumeRoleWithWebIdentity event is the web identity's (WebIdentityUser), not the role's.
            return False
        if not _same_entity(ident.issuer_arn, "role", self.account, self.name):
            return False
        return self.kind == "role" or ident.arn.rsplit("/", 1)[-1] == self.session


def _entity_name(resource: str, kind: str) -> str:
    # role/path/to/Name -> name: a role's name is unique in its account whatever its path.
    return resource[len(kind) + 1 :].rsplit("/", 1)[-1].lower()


@lru_cache(maxsize=4096)  # a few sessions make most events: their ARNs recur
def _same_entity(arn_text: str, kind: str, account: str, name: str) -> bool:
    try:
        arn = parse_arn(arn_text)
    except ValueError:
        return False
    return (
        arn.account == account
        and arn.resource.startswith(kind + "/")
        and _entity_name(arn.resource, kind) == name
    )


def parse_principal(text: str) -> Principal:
    """Parse ``--principal-arn``: a role, user or assumed-role session ARN, or ``*``."""
    text = text.strip()
    if text == "*":
        return Principal("any")
    hint = (
        "give a role ARN (arn:aws:iam::123456789012:role/NAME), a user ARN "
        "(arn:aws:iam::123456789012:user/NAME), an assumed-role session ARN or *"
    )
    try:
        arn = parse_arn(text)
    except ValueError as exc:
        raise ValueError(f"--principal-arn {text!r} is not an ARN; {hint}") from exc
    if not (arn.account.isdigit() and len(arn.account) == 12):
        raise ValueError(f"--principal-arn {text!r} has no 12-digit account id; {hint}")
    kind = arn.resource.split("/", 1)[0]
    if arn.service == "iam" and kind in ("role", "user") and "/" in arn.resource:
        return Principal(kind, arn.account, _entity_name(arn.resource, kind), text=text)
    if arn.service == "sts" and kind == "assumed-role" and arn.resource.count("/") == 2:
        _, role, session = arn.resource.split("/")
        return Principal("session", arn.account, role.lower(), session, text=text)
    raise ValueError(f"--principal-arn {text!r} is not a role, user or session; {hint}")
