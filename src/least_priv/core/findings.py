"""Findings: policy problems reported, not raised. Codes live in one catalogue."""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING, INFO = "error", "warning", "info"

# code -> (severity, what it means)
CATALOGUE: dict[str, tuple[str, str]] = {
    "PRIVILEGE_ESCALATION": (WARNING, "an allowed action lets the role raise its own privileges"),
    "PASSROLE_ANY_ROLE": (ERROR, "iam:PassRole on every role lets the role act as any role"),
    "WILDCARD_ACTION": (WARNING, "an action pattern allows more than was observed"),
    "WILDCARD_RESOURCE": (
        INFO,
        "an action that supports resource types is allowed on every resource",
    ),
    "NOT_ACTION_ALLOW": (WARNING, "Allow with NotAction allows everything not listed"),
    "UNKNOWN_ACTION": (WARNING, "an action the IAM reference does not know"),
    "RESOURCE_FALLBACK": (
        WARNING,
        "no exact ARN could be derived; the resource type's pattern is used",
    ),
    "RESOURCE_UNSCOPED": (WARNING, "no resource type could be chosen; the action is allowed on *"),
    "STAR_RESOURCE_OMITTED": (WARNING, "an action that supports no resource type was left out"),
    "PRESERVED_SID_MISSING": (WARNING, "a Sid to preserve is not in the existing policy"),
    "POLICY_SPLIT": (WARNING, "the policy exceeds IAM's size limit and was split"),
    "INSTANCE_PROFILE_ROLE_UNKNOWN": (
        WARNING,
        "iam:PassRole for an instance profile whose role is unknown",
    ),
    "ACCESS_ANALYZER_INCOMPLETE": (
        WARNING,
        "Access Analyzer marked its result incomplete; some used actions may be missing",
    ),
    "ACCESS_ANALYZER_SERVICE_LEVEL": (
        WARNING,
        "Access Analyzer knows only that a service was used, not which actions; none granted",
    ),
    "ACCESS_ANALYZER_BLIND_SPOT": (
        WARNING,
        "Access Analyzer does not report iam:PassRole or data events; no CloudTrail source covers them",
    ),
    "DEPENDENT_ACTION": (
        INFO,
        "an action the IAM reference marks as required by another was added",
    ),
}


@dataclass(frozen=True, order=True)
class Finding:
    code: str
    severity: str
    message: str
    path: str = ""

    def as_dict(self) -> dict[str, str]:
        out = {"code": self.code, "severity": self.severity, "message": self.message}
        if self.path:
            out["path"] = self.path
        return out


def finding(code: str, message: str, path: str = "") -> Finding:
    severity, _ = CATALOGUE[code]
    return Finding(code, severity, message, path)
