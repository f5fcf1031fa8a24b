"""Permissions a call needed that CloudTrail never logs as an event of their own.

``iam:PassRole`` is checked when a role ARN is handed to a service (Lambda's ``role``,
ECS ``taskRoleArn``, EventBridge targets' ``RoleArn`` ...); CloudTrail records only the
outer call. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from least_priv.core.event import ApiCall, iter_strings
from least_priv.core.tables import NO_PASSROLE_SOURCES, PASSED_TO_SERVICE, PASSROLE_KEYS

_ROLE_ARN = re.compile(r"^arn:[a-z0-9-]+:iam::\d{12}:role/[\w+=,.@/-]+$")


@dataclass(frozen=True)
class PassedRole:
    role_arn: str
    service: str  # the iam:PassedToService value


def passed_roles(
    call: ApiCall, strings: list[tuple[str, str]] | None = None
) -> tuple[PassedRole, ...]:
    """Roles this call passed to a service, from its request parameters (``strings``: their
    ``iter_strings``, when already at hand)."""
    prefix = call.source_prefix
    if prefix in NO_PASSROLE_SOURCES:
        return ()
    found = {
        PassedRole(value, PASSED_TO_SERVICE.get((prefix, key), f"{prefix}.amazonaws.com"))
        for key, value in (iter_strings(call.request) if strings is None else strings)
        if key in PASSROLE_KEYS and _ROLE_ARN.match(value)
    }
    return tuple(sorted(found, key=lambda p: (p.role_arn, p.service)))


def via_service(call: ApiCall) -> str | None:
    """The kms:ViaService value when an AWS service called KMS for the principal (SSE-KMS).

    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
    """
    invoked = call.identity.invoked_by
    if call.source_prefix != "kms" or not invoked.endswith(".amazonaws.com") or not call.region:
        return None
    service = invoked.removesuffix(".amazonaws.com")
    return f"{service}.{call.region}.amazonaws.com"
