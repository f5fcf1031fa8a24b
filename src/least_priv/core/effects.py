"""What one granted call adds to the policy: its actions, each with the resources it needed
and a condition, plus the permissions the call implied (dependent actions, iam:PassRole).

Calls with the same shape (service, operation, region, account, outcome, parameters and
resources; not the event id, time or session) have the same effects, so a busy principal's
repeated calls are worked out once (``shape_of`` is the key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from least_priv.core.action import Action
from least_priv.core.event import ApiCall
from least_priv.core.findings import Finding, finding
from least_priv.core.implied import passed_roles, via_service
from least_priv.core.reference import ActionInfo, Reference
from least_priv.core.resources import EventValues, Scope, literal, partition_of, scope_of
from least_priv.core.tables import NO_PASSROLE_SOURCES
from least_priv.core.wildcard import WildcardPlan

Condition = tuple[tuple[str, str, tuple[str, ...]], ...]  # (operator, key, values)
Shape = bytes  # a 128-bit digest: small to keep, whatever the size of the parameters


@dataclass(frozen=True)
class Effect:
    info: ActionInfo
    scope: Scope
    condition: Condition = ()
    note: Finding | None = None


Dump = Callable[[object], bytes]  # a faithful text of JSON values: equal text, equal values


def dump_repr(value: object) -> bytes:
    """``repr`` as the text of JSON values (the adapters may inject a faster dump)."""
    return b"r" + repr(value).encode("utf-8", "surrogatepass")


def shape_of(call: ApiCall, dump: Dump = dump_repr) -> Shape:
    """A digest of everything the effects of ``call`` depend on."""
    ident = call.identity
    partition = (ident.arn or ident.issuer_arn).split(":", 2)[1:2]
    text = dump(
        (
            call.source,
            call.name,
            call.region,
            call.account,
            call.error_code,
            ident.invoked_by,
            partition,
            [(r.type, r.arn) for r in call.resources],
            call.request,
            call.response,
        )
    )
    return hashlib.blake2b(text, digest_size=16).digest()


def fixed_shape_of(
    call: ApiCall, key: tuple[str, str, str], dump: Dump = dump_repr
) -> Hashable | None:
    """The shape of a call whose actions have no resource type (mapping ``key``): only
    ``kms:ViaService`` (service, caller, region) and passed roles can tell two such calls
    apart. ``None`` when the parameters may pass a role (every role ARN holds ":role/"):
    then the whole call is its shape."""
    if call.source_prefix not in NO_PASSROLE_SOURCES and b":role/" in dump(call.request):
        return None
    return (key, call.region, call.identity.invoked_by)


def wildcard_shape_of(
    call: ApiCall,
    key: tuple[str, str, str],
    request_strings: list[tuple[str, str]],
    plan: WildcardPlan,
) -> Hashable:
    """In wildcard mode, the shape of a call whose actions' resource types ``plan`` covers:
    names and ids abstracted away (see ``WildcardPlan``), so that GetObject on a thousand
    keys is one shape. Besides the plan's key, effects depend on the caller and region
    (kms:ViaService), the passed roles, and the partition, region and account that fill
    the patterns (``request_strings``: the request's ``iter_strings``)."""
    return (
        key,
        call.region,
        call.account,
        call.identity.invoked_by,
        partition_of(call),
        passed_roles(call, request_strings),
        plan.key(call, request_strings),
    )


def effects_of(
    call: ApiCall,
    infos: Sequence[ActionInfo],
    reference: Reference,
    strict: bool,
    ignored: Callable[[Action], bool],
    values: EventValues | None = None,
) -> tuple[Effect, ...]:
    """The effects of a call whose permission check passed (``values``: the call's, when
    already built)."""
    if values is None:
        values = EventValues(call)
    via = via_service(call)
    base: Condition = (("StringEquals", "kms:ViaService", (literal(via),)),) if via else ()
    found = []
    for info in infos:
        found.append(Effect(info, scope_of(info, values, strict), base))
        for text in info.dependent_actions:
            service, _, name = text.partition(":")
            dep = reference.action_info(service, name)
            if dep is not None and not ignored(dep.action):
                note = finding("DEPENDENT_ACTION", f"{dep.action} is required by {info.action}")
                found.append(Effect(dep, scope_of(dep, values, strict), base, note))
    passrole = reference.action_info("iam", "PassRole")
    if passrole is not None and not ignored(passrole.action):
        for passed in passed_roles(call, values.request_strings):
            condition = (("StringEquals", "iam:PassedToService", (passed.service,)), *base)
            found.append(Effect(passrole, Scope((("role", passed.role_arn),)), condition))
    return tuple(found)
