"""Wildcard mode's call shapes: what the wildcard scopes of an operation's resource types
depend on in an event, so that calls differing only in names and ids are worked out once."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable

from least_priv.core.arn import parse_arn
from least_priv.core.reference import ResourceType
from least_priv.core.resources import (
    EventValues,
    prefix_of,
    standard_head,
    template_parts,
    template_regex,
)

_MAX_REMEMBERED = 256  # ARNs and values whose part of a wildcard key is kept, per plan


class WildcardPlan:
    """What the wildcard scopes of a set of resource types (all with a standard head) depend
    on in an event, as a key: events with equal keys get equal scopes for every one of these
    types, whatever their names and ids. It is the ``_patterns`` view of an event:

    - an ARN counts through its service, which of the types' templates it matches, and its
      partition, region and account (``_generalise``);
    - any other value counts through its key and, for ``_clean``, whether it is empty,
      whether it starts with "/", and which of the templates' literals it starts with or is.

    Keys, not values, decide which types are tried (``_candidates``), and the scopes take
    any value of a key, so the key is a set: order and repetition do not count.
    """

    def __init__(self, types: tuple[ResourceType, ...]) -> None:
        regexes: dict[str, list[re.Pattern[str]]] = defaultdict(list)
        literals: dict[str, set[str]] = defaultdict(set)
        for rtype in dict.fromkeys(types):
            service, names = template_parts(rtype.arn_template)
            regexes[service].append(template_regex(rtype.arn_template))
            for var in names:
                if literal := prefix_of(rtype.arn_template, var):
                    literals[literal[0]].add(literal)
        self._regexes = {k: tuple(v) for k, v in regexes.items()}
        self._literals = {k: tuple(sorted(v)) for k, v in literals.items()}  # by first character
        # ARNs and values recur (one VPC's id in many calls): their parts of the key are kept.
        self._arn_parts: dict[str, tuple[object, ...]] = {}
        self._forms: dict[str, tuple[bool, bool, frozenset[tuple[str, bool]]]] = {}

    @staticmethod
    def applies_to(types: tuple[ResourceType, ...]) -> bool:
        return all(standard_head(t.arn_template) for t in types)

    def key(self, values: EventValues) -> Hashable:
        found: set[tuple[object, ...]] = set()
        arn_parts, forms = self._arn_parts, self._forms
        if len(arn_parts) > _MAX_REMEMBERED or len(forms) > _MAX_REMEMBERED:
            arn_parts.clear()
            forms.clear()
        for arn in values.arns:
            part = arn_parts.get(arn)
            if part is None:
                part = arn_parts[arn] = self._arn_part(arn)
            found.add(part)
        for where, index in (("nested", values.nested), ("top", values.top)):
            for key, texts in index.items():
                for text in texts:
                    form = forms.get(text)
                    if form is None:
                        form = self._form(text)
                        if len(text) <= 256:  # a huge value is not kept alive
                            forms[text] = form
                    found.add((where, key, form))
        return frozenset(found)

    def _arn_part(self, arn: str) -> tuple[object, ...]:
        fields = arn.split(":", 3)
        service = fields[2] if len(fields) > 2 else None
        matches = tuple(r.fullmatch(arn) is not None for r in self._regexes.get(service or "", ()))
        try:
            head = parse_arn(arn)
            parsed: tuple[str, str, str] | None = (head.partition, head.region, head.account)
        except ValueError:
            parsed = None
        return ("arn", service, matches, parsed)

    def _form(self, value: str) -> tuple[bool, bool, frozenset[tuple[str, bool]]]:
        stripped = value.lstrip("/")
        starts = frozenset(
            (literal, stripped == literal)
            for literal in self._literals.get(stripped[:1], ())
            if stripped.startswith(literal)
        )
        return value == "", value.startswith("/"), starts
