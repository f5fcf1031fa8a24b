"""Which resources an action touched: exact ARNs (strict) or ARN patterns per resource type.

ARNs come from the event itself (``resources``, ARN strings in request and response) and
from the IAM reference's ARN templates filled with request and response values
(``${VpcId}`` from ``vpcId``, ``${BucketName}`` from ``bucketName`` ...). Nothing that cannot
be derived is invented: it falls back to the resource type's pattern, with a note.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from least_priv.core.arn import parse_arn, partition_of_region
from least_priv.core.event import ApiCall, iter_strings
from least_priv.core.reference import ActionInfo, ResourceType
from least_priv.core.tables import EC2_ID_PREFIXES

_VAR = re.compile(r"\$\{([A-Za-z0-9]+)\}")
_STANDARD = frozenset({"Partition", "Region", "Account"})
_GENERIC_VARS = frozenset({"id", "name", "resourceid", "resourcename", "arn", "token"})
_SYNONYMS = {"objectname": ("key",), "bucketname": ("bucket",), "keyid": ("keyid", "targetkeyid")}
_EC2_ID = re.compile(r"^([a-z]+(?:-[a-z]+)?)-[0-9a-f]{8,17}$")
_MAX_ARNS_PER_TYPE = 50
_MAX_OPTIONAL_TYPES = 4


@dataclass(frozen=True)
class Scope:
    """Resources for one action of one event: (resource type, ARN or pattern) pairs."""

    resources: tuple[tuple[str, str], ...]  # ("", "*") when the action takes no resource
    account_pin: tuple[str, str] | None = None  # (condition key, account) for ARNs without account
    fallbacks: tuple[str, ...] = ()  # resource types whose exact ARN could not be derived
    unscoped: bool = False  # "*" although the action has resource types (none could be chosen)


class EventValues:
    """The values of one event, indexed for filling ARN templates. Built once per event."""

    def __init__(self, call: ApiCall, request_strings: list[tuple[str, str]] | None = None) -> None:
        self.call = call
        self.partition = partition_of(call)
        self.arns: set[str] = {r.arn for r in call.resources}
        self.top: dict[str, list[str]] = {}
        self.nested: dict[str, list[str]] = {}
        # The request's (key, string) pairs (``iter_strings``), also read for the roles it passes.
        if request_strings is None:
            request_strings = iter_strings(call.request) if call.request else []
        self.request_strings = request_strings
        top, nested, arns = self.top, self.nested, self.arns
        for key, value in call.request.items():
            if type(value) is str:
                top.setdefault(str(key).lower(), []).append(value)
        ec2 = call.source_prefix == "ec2"
        response = iter_strings(call.response) if call.response else []
        for pairs in (self.request_strings, response):
            for key, value in pairs:
                if value.startswith("arn:"):
                    arns.add(value)
                    continue
                nested.setdefault(key, []).append(value)
                if ec2 and (kind := ec2_kind(value)):
                    nested.setdefault("ec2:" + kind, []).append(value)

    def values_for(self, var: str, type_name: str) -> list[str]:
        """The values that may fill ``${var}`` of resource type ``type_name``, each once."""
        generic, keys = lookup_keys(var, type_name, self.call.source_prefix == "ec2")
        if generic:
            return list(dict.fromkeys(self.top.get(keys[0], ())))
        for key in keys:
            if found := self.nested.get(key):
                return list(dict.fromkeys(found))
        return []

    def has_value(self, var: str, type_name: str, literal: str) -> bool:
        """Whether some value can fill ``${var}`` (see ``_clean``); ``values_for`` without
        building the list."""
        generic, keys = lookup_keys(var, type_name, self.call.source_prefix == "ec2")
        if generic:
            return any(_clean(literal, var, v) for v in self.top.get(keys[0], ()))
        nested = self.nested
        for key in keys:
            if found := nested.get(key):
                return any(_clean(literal, var, v) for v in found)
        return False


@cache
def lookup_keys(var: str, type_name: str, ec2: bool) -> tuple[bool, tuple[str, ...]]:
    """Where the values of ``${var}`` are: (generic, keys in order of preference). A generic
    name (``${Id}``) is only taken from the request's top level."""
    name = var.lower()
    if name in _GENERIC_VARS:
        return True, (name,)
    keys = [name, name.removesuffix("withpath"), *_SYNONYMS.get(name, ())]
    if ec2:
        keys.insert(0, "ec2:" + type_name)
    return False, tuple(dict.fromkeys(keys))


def ec2_kind(value: str) -> str | None:
    match = _EC2_ID.match(value)
    return EC2_ID_PREFIXES.get(match.group(1)) if match else None


def partition_of(call: ApiCall) -> str:
    for text in (call.identity.arn, call.identity.issuer_arn):
        if text.startswith("arn:"):
            return text.split(":", 2)[1]
    return partition_of_region(call.region)


@cache
def template_regex(template: str) -> re.Pattern[str]:
    pieces = _VAR.split(template)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            out.append(re.escape(piece))
        else:
            out.append("[^:]*" if piece in _STANDARD else ".+")
    return re.compile("".join(out))


_SPECIAL = re.compile(r"[$*?]")


def literal(text: str) -> str:
    """Event text as IAM reads it in a policy, character for character: ``$``, ``*`` and
    ``?`` become the escapes ``${$}``, ``${*}``, ``${?}``, so that a name from an event is
    never a policy variable (``${aws:username}``) or a wildcard.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
    """
    if "$" not in text and "*" not in text and "?" not in text:
        return text
    return _SPECIAL.sub(lambda m: "${" + m.group() + "}", text)


def fill_template(template: str, partition: str, region: str, account: str, **values: str) -> str:
    """Fill an ARN template with values from events (each ``literal``); variables without a
    value become ``*``."""
    standard = {"Partition": partition, "Region": region, "Account": account}

    def replace(match: re.Match[str]) -> str:
        var = match.group(1)
        value = standard.get(var) or values.get(var)
        return literal(value) if value else "*"

    return _VAR.sub(replace, template)


@cache
def prefix_of(template: str, var: str) -> str:
    """The text right before ``${var}`` in its ARN field (``hostedzone/``)."""
    return template.split("${" + var + "}", 1)[0].rsplit(":", 1)[-1]


def _clean(literal: str, var: str, value: str) -> str | None:
    # Route 53 returns "/hostedzone/Z123" where the ARN wants "hostedzone/Z123".
    stripped = value.lstrip("/")
    if literal and stripped.startswith(literal):
        return stripped[len(literal) :]
    if value.startswith("/") and var.lower().endswith("id"):
        return None
    return value or None


@cache
def template_parts(template: str) -> tuple[str, tuple[str, ...]]:
    """The service of an ARN template and its own (non-standard) variables, once each."""
    variables = [v for v in _VAR.findall(template) if v not in _STANDARD]
    return template.split(":", 3)[2], tuple(dict.fromkeys(variables))


def _filled_arns(rtype: ResourceType, values: EventValues) -> set[str]:
    call = values.call
    names = template_parts(rtype.arn_template)[1]
    choices: list[list[str]] = []
    for var in names:
        literal = prefix_of(rtype.arn_template, var)
        found = [c for v in values.values_for(var, rtype.name) if (c := _clean(literal, var, v))]
        if not found:
            return set()
        choices.append(found)
    arns = set()
    for combo in itertools.islice(itertools.product(*choices), _MAX_ARNS_PER_TYPE):
        arns.add(
            fill_template(
                rtype.arn_template,
                values.partition,
                call.region,
                call.account,
                **dict(zip(names, combo, strict=True)),
            )
        )
    return arns


def derive_arns(rtype: ResourceType, values: EventValues) -> set[str]:
    """Exact ARNs of ``rtype`` that this event names or whose parts it gives."""
    service = template_parts(rtype.arn_template)[0]
    found = {
        literal(a)
        for a in values.arns
        if a.split(":", 3)[2:3] == [service] and template_regex(rtype.arn_template).fullmatch(a)
    }
    found |= _filled_arns(rtype, values)
    if rtype.name == "log-group":
        # CloudWatch Logs authorises most calls against "log-group:NAME:*".
        found |= {a + ":*" for a in found if not a.endswith(":*")}
    return set(sorted(found)[:_MAX_ARNS_PER_TYPE])


def pattern_of(rtype: ResourceType, partition: str, region: str, account: str) -> str:
    return fill_template(rtype.arn_template, partition, region, account)


def _generalise(rtype: ResourceType, arn: str, values: EventValues) -> str:
    try:
        parsed = parse_arn(arn)
    except ValueError:
        return pattern_of(rtype, values.partition, values.call.region, values.call.account)
    return pattern_of(rtype, parsed.partition, parsed.region, parsed.account)


def chosen_types(info: ActionInfo, derived: dict[str, set[str]]) -> tuple[ResourceType, ...]:
    chosen = [t for t in info.resource_types if t.name in derived or t.required]
    if chosen:
        return tuple(chosen)
    if len(info.resource_types) <= _MAX_OPTIONAL_TYPES:
        return info.resource_types
    return ()


def account_pin(
    info: ActionInfo, types: tuple[ResourceType, ...], account: str
) -> tuple[str, str] | None:
    # ARNs without an account (S3 buckets) are pinned with <service>:ResourceAccount where
    # the service supports it: https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html
    service = info.action.service
    key = next((k for k in info.condition_keys if k.lower() == f"{service}:resourceaccount"), None)
    if key is None or not account:
        return None
    if any(t.arn_template.split(":", 5)[4] == "" for t in types):
        return (key, literal(account))
    return None


@cache
def standard_head(template: str) -> bool:
    """Whether only Partition, Region and Account fill the fields before the resource."""
    fields = template.split(":", 5)
    return len(fields) == 6 and set(_VAR.findall(":".join(fields[:5]))) <= _STANDARD


def _patterns(rtype: ResourceType, values: EventValues) -> set[str]:
    """What ``derive_arns`` then ``_generalise`` give, without building the exact ARNs:
    a filled template generalises to the event's own partition, region and account."""
    template = rtype.arn_template
    if not standard_head(template):
        return {_generalise(rtype, a, values) for a in derive_arns(rtype, values)}
    service, names = template_parts(template)
    regex = template_regex(template)
    found = {
        _generalise(rtype, a, values)
        for a in values.arns
        if a.split(":", 3)[2:3] == [service] and regex.fullmatch(a)
    }
    if all(values.has_value(var, rtype.name, prefix_of(template, var)) for var in names):
        call = values.call
        found.add(pattern_of(rtype, values.partition, call.region, call.account))
    return found


@dataclass(frozen=True)
class _TypeIndex:
    """An action's resource types by what could make an event name one: a value under one
    of the keys of its first own variable, or an ARN of its service."""

    always: tuple[ResourceType, ...]  # no own variable: the template alone fills them
    by_key: dict[str, tuple[ResourceType, ...]]
    by_service: dict[str, tuple[ResourceType, ...]]


_INDEXES: dict[int, tuple[tuple[ResourceType, ...], _TypeIndex]] = {}


def _index_of(types: tuple[ResourceType, ...]) -> _TypeIndex:
    found = _INDEXES.get(id(types))
    if found is not None and found[0] is types:
        return found[1]
    always: list[ResourceType] = []
    by_key: dict[str, list[ResourceType]] = defaultdict(list)
    by_service: dict[str, list[ResourceType]] = defaultdict(list)
    for rtype in types:
        service, names = template_parts(rtype.arn_template)
        by_service[service].append(rtype)
        if not names:
            always.append(rtype)
            continue
        for ec2 in (False, True):
            for key in lookup_keys(names[0], rtype.name, ec2)[1]:
                if rtype not in by_key[key]:
                    by_key[key].append(rtype)
    index = _TypeIndex(
        tuple(always),
        {k: tuple(v) for k, v in by_key.items()},
        {k: tuple(v) for k, v in by_service.items()},
    )
    _INDEXES[id(types)] = (types, index)  # the reference keeps ``types`` alive: ids stay valid
    return index


def _candidates(info: ActionInfo, values: EventValues) -> list[ResourceType]:
    """The resource types this event can name (in the action's order); the others would give
    no ARN and no pattern, so they are not tried. Actions with many optional types
    (ec2:CreateTags has over a hundred) are the reason."""
    types = info.resource_types
    if len(types) <= _MAX_OPTIONAL_TYPES:
        return list(types)
    index = _index_of(types)
    found = {id(t) for t in index.always}
    for key in values.nested.keys() | values.top.keys():
        found.update(id(t) for t in index.by_key.get(key, ()))
    for arn in values.arns:
        fields = arn.split(":", 3)
        if len(fields) > 2:
            found.update(id(t) for t in index.by_service.get(fields[2], ()))
    return [t for t in types if id(t) in found]


def scope_of(info: ActionInfo, values: EventValues, strict: bool) -> Scope:
    """The resources ``info``'s action needed for this event, per mode."""
    if not info.resource_types:
        return Scope((("", "*"),))
    if not strict:
        return _wildcard_scope(info, values)
    derived = {t.name: arns for t in _candidates(info, values) if (arns := derive_arns(t, values))}
    types = chosen_types(info, derived)
    if not types:
        return Scope((("", "*"),), unscoped=True)
    call = values.call
    pairs: set[tuple[str, str]] = set()
    fallbacks = []
    for rtype in types:
        arns = derived.get(rtype.name, set())
        if arns:
            pairs.update((rtype.name, a) for a in arns)
        else:
            pairs.add((rtype.name, pattern_of(rtype, values.partition, call.region, call.account)))
            fallbacks.append(rtype.name)
    return Scope(tuple(sorted(pairs)), None, tuple(fallbacks))


def _wildcard_scope(info: ActionInfo, values: EventValues) -> Scope:
    derived = {t.name: found for t in _candidates(info, values) if (found := _patterns(t, values))}
    types = chosen_types(info, derived)
    if not types:
        return Scope((("", "*"),), unscoped=True)
    call = values.call
    pairs: set[tuple[str, str]] = set()
    for rtype in types:
        patterns = derived.get(rtype.name) or {
            pattern_of(rtype, values.partition, call.region, call.account)
        }
        pairs.update((rtype.name, p) for p in patterns)
    return Scope(tuple(sorted(pairs)), account_pin(info, types, call.account))
