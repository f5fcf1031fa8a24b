"""IAM policy documents: read-only views over the raw JSON, and canonical rendering.

Each statement keeps its raw mapping exactly as read, so statements that are preserved are
written back unchanged (same keys, order and value shapes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VERSION = "2012-10-17"


class PolicyFormatError(ValueError):
    """The policy document is not a valid IAM policy; the message points at the element."""


def _as_tuple(value: object, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyFormatError(f"{path} must be a string or a list of strings")


@dataclass(frozen=True)
class Statement:
    raw: Mapping[str, Any]
    path: str

    @property
    def sid(self) -> str:
        sid = self.raw.get("Sid")
        return sid if isinstance(sid, str) else ""

    @property
    def effect(self) -> str:
        return str(self.raw.get("Effect"))

    @property
    def actions(self) -> tuple[str, ...]:
        return _as_tuple(self.raw.get("Action"), f"{self.path}.Action")

    @property
    def not_actions(self) -> tuple[str, ...]:
        return _as_tuple(self.raw.get("NotAction"), f"{self.path}.NotAction")

    @property
    def resources(self) -> tuple[str, ...]:
        return _as_tuple(self.raw.get("Resource"), f"{self.path}.Resource")

    @property
    def is_capture_all(self) -> bool:
        """The temporary ``Action: * / Resource: *`` statement of the capture phase."""
        return (
            self.effect == "Allow"
            and "*" in self.actions
            and "*" in self.resources
            and "Condition" not in self.raw
        )


@dataclass(frozen=True)
class PolicyDocument:
    version: str
    statements: tuple[Statement, ...]
    extra: Mapping[str, Any]  # other top-level keys (Id), kept as they were

    def to_json_obj(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Version": self.version}
        out.update(self.extra)
        out["Statement"] = [dict(s.raw) for s in self.statements]
        return out


def _check_statement(raw: object, path: str) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyFormatError(f"{path} must be an object")
    stmt = Statement(raw, path)
    if stmt.effect not in ("Allow", "Deny"):
        raise PolicyFormatError(
            f'{path}.Effect must be "Allow" or "Deny", not {raw.get("Effect")!r}'
        )
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyFormatError(f"{path} needs exactly one of Action or NotAction")
    if "Resource" not in raw and "NotResource" not in raw:
        raise PolicyFormatError(f"{path} needs Resource or NotResource")
    stmt.actions, stmt.not_actions, stmt.resources  # noqa: B018 - validates their shapes
    if "Sid" in raw and not isinstance(raw["Sid"], str):
        raise PolicyFormatError(f"{path}.Sid must be a string")
    if "Condition" in raw and not isinstance(raw["Condition"], Mapping):
        raise PolicyFormatError(f"{path}.Condition must be an object of condition operators")
    return stmt


def _no_constant(name: str) -> object:
    raise PolicyFormatError(f"not valid JSON: {name} is not a JSON number")


def _unique_sids(statements: tuple[Statement, ...]) -> None:
    first: dict[str, str] = {}
    for stmt in statements:
        if stmt.sid and stmt.sid in first:
            raise PolicyFormatError(
                f"{first[stmt.sid]} and {stmt.path} have the same Sid {stmt.sid!r} "
                "(IAM needs each Sid once)"
            )
        first.setdefault(stmt.sid, stmt.path)


def parse_policy(text: str) -> PolicyDocument:
    """Parse a policy document; raise ``PolicyFormatError`` naming what is wrong and where."""
    if not text.strip():
        raise PolicyFormatError("the file is empty")
    try:
        raw = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise PolicyFormatError(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError:
        raise PolicyFormatError("JSON nested too deeply to be a policy") from None
    if not isinstance(raw, dict):
        raise PolicyFormatError("the document must be a JSON object with Version and Statement")
    version = raw.get("Version", VERSION)
    if version not in ("2012-10-17", "2008-10-17"):
        raise PolicyFormatError(f'Version must be "2012-10-17", not {version!r}')
    if "Statement" not in raw:
        raise PolicyFormatError('it has no Statement; add "Statement": [...]')
    statements = raw["Statement"]
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        raise PolicyFormatError("Statement must be a list of statements")
    parsed = tuple(_check_statement(s, f"Statement[{i}]") for i, s in enumerate(statements))
    _unique_sids(parsed)
    extra = {k: v for k, v in raw.items() if k not in ("Version", "Statement")}
    return PolicyDocument(str(version), parsed, extra)


def render_policy(doc: PolicyDocument) -> str:
    """Canonical text: indent 2, trailing newline, so diffs show only real change."""
    return json.dumps(doc.to_json_obj(), indent=2, ensure_ascii=False) + "\n"


def compact_size(doc: PolicyDocument) -> int:
    """Characters IAM counts against its size quota (whitespace excluded)."""
    text = json.dumps(doc.to_json_obj(), separators=(",", ":"), ensure_ascii=False)
    return sum(1 for ch in text if not ch.isspace())
