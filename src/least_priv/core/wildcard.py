"""Wildcard mode's call shapes: what the wildcard scopes of an operation's resource types
depend on in an event, so that calls differing only in names and ids are worked out once."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable

from least_priv.core.arn import parse_arn
from least_priv.core.event import ApiCall, iter_strings
from least_priv.core.reference import ResourceType
from least_priv.core.resources import (
    ec2_kind,
    lookup_keys,
    prefix_of,
    standard_head,
    template_parts,
    template_regex,
)

_MAX_REMEMBERED = 256  # ARNs and values whose part of a wildcard key is kept, per plan
_UNSEEN = ("unseen",)
_NONE: frozenset[tuple[str, bool]] = frozenset()
_PLAIN = (False, False, _NONE)  # ``_form`` of most values


class WildcardPlan:
    """What the wildcard scopes of a set of resource types (all with a standard head) depend
    on in an event, as a key: events with equal keys get equal scopes for every one of these
    types, whatever their names and ids. It is the ``_patterns`` view of an event:

    - an ARN counts through its service, which of the types' templates it matches, and its
      partition, region and account (``_generalise``);
    - any other value counts only under a key a variable of the types is read from
      (``lookup_keys``), through that key and, for ``_clean``, whether it is empty, whether
      it starts with "/", and which of the templates' literals it starts with or is.

    Keys, not values, decide which types are tried (``_candidates``), and the scopes take
    any value of a key, so the key is a set: order and repetition do not count.
    """

    def __init__(self, types: tuple[ResourceType, ...]) -> None:
        regexes: dict[str, list[re.Pattern[str]]] = defaultdict(list)
        literals: dict[str, set[str]] = defaultdict(set)
        keys: set[str] = set()
        for rtype in dict.fromkeys(types):
            service, names = template_parts(rtype.arn_template)
            regexes[service].append(template_regex(rtype.arn_template))
            for var in names:
                if literal := prefix_of(rtype.arn_template, var):
                    literals[literal[0]].add(literal)
                for ec2 in (False, True):
                    keys.update(lookup_keys(var, rtype.name, ec2)[1])
        # The keys whose values may fill a variable; values under any other key count only
        # when they are ARNs.
        self._keys = frozenset(keys)
        self._regexes = {k: tuple(v) for k, v in regexes.items()}
        self._literals = {k: tuple(sorted(v)) for k, v in literals.items()}  # by first character
        # ARNs and values recur (one VPC's id in many calls): their parts of the key are kept.
        self._arn_parts: dict[str, tuple[object, ...] | None] = {}
        self._forms: dict[str, tuple[bool, bool, frozenset[tuple[str, bool]]]] = {}

    @staticmethod
    def applies_to(types: tuple[ResourceType, ...]) -> bool:
        return all(standard_head(t.arn_template) for t in types)

    def key(self, call: ApiCall, request_strings: list[tuple[str, str]]) -> Hashable:
        """The key of ``call`` (``request_strings``: its request's ``iter_strings``): what
        ``EventValues(call)`` holds that the scopes read, without building it."""
        if len(self._arn_parts) > _MAX_REMEMBERED or len(self._forms) > _MAX_REMEMBERED:
            self._arn_parts.clear()
            self._forms.clear()
        keys, arn_part, form = self._keys, self._arn_part_of, self._form_of
        found: set[object] = set()
        add = found.add
        for name, value in call.request.items():  # ``EventValues.top``
            if type(value) is str and (lowered := str(name).lower()) in keys:
                add(("top", lowered, form(value)))
        for resource in call.resources:
            if (part := arn_part(resource.arn)) is not None:
                add(part)
        ec2 = call.source_prefix == "ec2"
        response = iter_strings(call.response) if call.response else ()
        for pairs in (request_strings, response):  # ``EventValues.nested`` and ``.arns``
            for name, value in pairs:
                if value.startswith("arn:"):
                    if (part := arn_part(value)) is not None:
                        add(part)
                    continue
                if name in keys:
                    add(("nested", name, form(value)))
                if ec2 and (kind := ec2_kind(value)) and (typed := "ec2:" + kind) in keys:
                    add(("nested", typed, form(value)))
        return frozenset(found)

    def _arn_part_of(self, arn: str) -> tuple[object, ...] | None:
        part = self._arn_parts.get(arn, _UNSEEN)
        if part is _UNSEEN:
            part = self._arn_parts[arn] = self._arn_part(arn)
        return part

    def _form_of(self, value: str) -> tuple[bool, bool, frozenset[tuple[str, bool]]]:
        """``_form``, at once for most values: not empty, no leading "/", and no literal
        starts with their first character."""
        if value and value[0] != "/" and value[0] not in self._literals:
            return _PLAIN
        form = self._forms.get(value)
        if form is None:
            form = self._form(value)
            if len(value) <= 256:  # a huge value is not kept alive
                self._forms[value] = form
        return form

    def _arn_part(self, arn: str) -> tuple[object, ...] | None:
        """What an ARN adds to the key: nothing when no type is of its service (no type is
        tried or filled for it); its partition, region and account only when it matches a
        template (only then is it generalised)."""
        fields = arn.split(":", 3)
        regexes = self._regexes.get(fields[2]) if len(fields) > 2 else None
        if regexes is None:
            return None
        matches = tuple([r.fullmatch(arn) is not None for r in regexes])
        parsed: tuple[str, str, str] | None = None
        if True in matches:
            try:
                head = parse_arn(arn)
                parsed = (head.partition, head.region, head.account)
            except ValueError:
                pass
        return ("arn", fields[2], matches, parsed)

    def _form(self, value: str) -> tuple[bool, bool, frozenset[tuple[str, bool]]]:
        stripped = value.lstrip("/")
        literals = self._literals.get(stripped[:1])
        starts = _NONE
        if literals:
            starts = frozenset(
                (literal, stripped == literal)
                for literal in literals
                if stripped.startswith(literal)
            )
        return value == "", value.startswith("/"), starts
