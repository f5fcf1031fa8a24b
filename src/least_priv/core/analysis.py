"""The principal's events in the window -> the permissions they needed, denied calls and
unmapped events. Streaming: ``Collector.add`` takes one call at a time."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from least_priv.core.action import Action
from least_priv.core.effects import (
    Condition,
    Dump,
    dump_repr,
    effects_of,
    fixed_shape_of,
    shape_of,
    wildcard_shape_of,
)
from least_priv.core.event import ApiCall, Identity, iter_strings
from least_priv.core.evidence import Analysis, Denied, Grant, event_key
from least_priv.core.findings import finding
from least_priv.core.generated import (
    GeneratedStatement,
    Placement,
    is_service_level,
    scope_generated,
)
from least_priv.core.mapping import Mapped, MappingResult, Unmapped, map_call
from least_priv.core.reference import ActionInfo, Reference
from least_priv.core.resources import EventValues, Scope, scope_of
from least_priv.core.select import Principal, Window
from least_priv.core.tables import DENIED_CODES, UNAUTHENTICATED_CODES
from least_priv.core.wildcard import WildcardPlan

# Remembered call shapes; when full, the memo starts afresh (a CI role's jobs repeat their
# recent calls): memory stays bounded whatever the input.
_MAX_SHAPES = 8192


@dataclass(frozen=True)
class Options:
    strict: bool = False
    ignore: tuple[str, ...] = ()


def _error_kind(code: str) -> str:
    """'denied', 'unauthenticated' or '' (the permission check passed, or no error)."""
    if not code:
        return ""
    norm = code.lower().removeprefix("client.").removeprefix("server.")
    if not norm:
        return ""
    if norm in DENIED_CODES or norm.endswith("accessdenied") or "unauthorized" in norm:
        return "denied"
    return "unauthenticated" if norm in UNAUTHENTICATED_CODES else ""


@dataclass(frozen=True)
class _Plan:
    """How the granted calls of one operation are worked out."""

    wanted: tuple[ActionInfo, ...]  # its actions, less the ignored ones
    fixed: bool  # no resource type (its own or a dependent action's): parameters do not count
    # Wildcard mode, every type with a standard head: names and ids do not count.
    wildcard: WildcardPlan | None


class Collector:
    """Feeds calls through select -> map -> resources, accumulating an ``Analysis``."""

    def __init__(
        self,
        principal: Principal,
        window: Window,
        reference: Reference,
        options: Options,
        remember: bool = True,
        dump: Dump = dump_repr,
    ) -> None:
        self.principal, self.window, self.reference, self.options = (
            principal,
            window,
            reference,
            options,
        )
        self._analysis = Analysis()
        self._dump = dump
        self._generated: set[Action] = set()
        # Asked for every event and depending on few values: remembered.
        self._routes: dict[tuple[str, str, str], tuple[MappingResult, _Plan | None]] = {}
        self._ignores: dict[Action, bool] = {}
        # What each call shape added, as the actions to count again when it recurs
        # (``remember=False`` works out every call afresh: the reference the memo is tested against).
        self._effects: dict[Hashable, tuple[Action, ...]] = {}
        # What each refused shape was refused: (action, resource) pairs.
        self._refused: dict[Hashable, tuple[tuple[str, str], ...]] = {}
        self._remember = remember
        self.remembered = 0  # calls whose effects were remembered, not worked out
        # Events of remembered shapes not yet counted: shape -> [its actions, events].
        self._repeats: dict[Hashable, list[Any]] = {}
        self._matched: dict[int, tuple[Identity, bool]] = {}

    @property
    def analysis(self) -> Analysis:
        """What the calls added so far amount to."""
        self._count_repeats()
        return self._analysis

    def _count_repeats(self) -> None:
        counts = self._analysis.action_events
        for actions, events in self._repeats.values():
            for action in actions:
                counts[action] += events
        self._repeats = {}

    def remember_from(self, other: Collector) -> None:
        """Share ``other``'s memo. Only for parts of one read whose analyses are all merged
        together: a shape remembered from ``other`` is recorded in ``other``'s analysis."""
        if (other.principal, other.window, other.options) != (
            self.principal,
            self.window,
            self.options,
        ):
            return
        self._routes, self._ignores = other._routes, other._ignores
        self._effects, self._refused = other._effects, other._refused

    def _matches(self, call: ApiCall) -> bool:
        """``principal.matches``, once per identity: the parser shares one ``Identity`` per
        session (the entry keeps it alive, so its ``id`` is not reused)."""
        ident = call.identity
        found = self._matched.get(id(ident))
        if found is None or found[0] is not ident:
            if len(self._matched) >= 1024:
                self._matched.clear()
            found = self._matched[id(ident)] = (ident, self.principal.matches(call))
        return found[1]

    def add(self, call: ApiCall) -> None:
        stats, n = self._analysis.stats, call.count
        stats["events_read"] += n
        if not self._matches(call):
            return
        stats["events_of_principal"] += n
        if not self.window.contains(call.event_time):
            stats["events_outside_window"] += n
            return
        # CloudTrail may deliver an event twice; copies of a log folder hold it twice too.
        if call.event_id and not self._analysis.event_ids.add(event_key(call.event_id)):
            stats["events_duplicate"] += n
            return
        stats["events_matched"] += n
        self._seen(call.event_time)
        mapping_key = (call.event_type, call.source, call.name)
        route = self._routes.get(mapping_key)
        if route is None:
            route = self._routes[mapping_key] = self._route_of(call)
        result, plan = route
        if plan is not None:
            self._outcome(call, mapping_key, plan)
        elif isinstance(result, Unmapped):
            key = (call.source, call.name)
            self._analysis.unmapped[key] += n
            self._analysis.unmapped_reasons[key] = result.reason
        else:  # NoPermission
            stats["events_needing_no_permission"] += n

    def _route_of(self, call: ApiCall) -> tuple[MappingResult, _Plan | None]:
        """What an operation maps to and, when it maps to actions, how its calls are worked
        out: asked for every event and the same for every call of the operation."""
        result = map_call(call, self.reference)
        return result, self._plan_of(result.actions) if isinstance(result, Mapped) else None

    def add_unread(self, count: int) -> None:
        """Records a source skipped unparsed because they cannot be the principal's."""
        self._analysis.stats["events_read"] += count

    def _seen(self, moment: datetime | None) -> None:
        a = self._analysis
        if moment is not None:
            if a.first_seen is None or moment < a.first_seen:
                a.first_seen = moment
            if a.last_seen is None or moment > a.last_seen:
                a.last_seen = moment

    def _ignored(self, action: Action) -> bool:
        found = self._ignores.get(action)
        if found is None:
            found = self._ignores[action] = any(action.matches(p) for p in self.options.ignore)
        return found

    def _plan_of(self, infos: tuple[ActionInfo, ...]) -> _Plan:
        wanted = tuple(i for i in infos if not self._ignored(i.action))
        dependents = [
            dep
            for info in wanted
            for text in info.dependent_actions
            if (dep := self.reference.action_info(*text.split(":", 1))) is not None
            and not self._ignored(dep.action)
        ]
        types = tuple(t for i in (*wanted, *dependents) for t in i.resource_types)
        wildcard = None
        if types and not self.options.strict and WildcardPlan.applies_to(types):
            wildcard = WildcardPlan(types)
        return _Plan(wanted, not types, wildcard)

    def _outcome(self, call: ApiCall, key: tuple[str, str, str], plan: _Plan) -> None:
        kind = _error_kind(call.error_code)
        if not plan.wanted:
            self._analysis.stats["events_ignored"] += call.count
            return
        if kind == "denied":
            self._deny(call, plan.wanted)
            return
        if kind == "unauthenticated":
            self._analysis.stats["events_unauthenticated"] += call.count
            return
        self._analysis.stats["events_granted"] += call.count
        shape = fixed_shape_of(call, key, self._dump) if plan.fixed else None
        if shape is None:
            shape = shape_of(call, self._dump)
        memo = self._effects if self._remember else {}
        if len(memo) >= _MAX_SHAPES:
            memo.clear()
        counted = memo.get(shape)
        values, abstract = None, None
        if counted is None and plan.wildcard is not None:
            # Not this exact call: maybe one that differs only in names and ids.
            abstract, counted, values = self._abstracted(call, key, plan.wildcard, memo)
            if counted is not None:
                memo[shape] = counted
        if counted is not None:
            self._repeat(shape, counted, call.count)
            return
        effects = effects_of(
            call, plan.wanted, self.reference, self.options.strict, self._ignored, values
        )
        for effect in effects:
            self._record(effect.info, effect.scope, effect.condition, call.count, "the events")
            if effect.note is not None:
                self._analysis.notes.add(effect.note)
        actions = tuple(e.info.action for e in effects)
        for remembered in (shape, abstract):
            if remembered is not None:
                memo[remembered] = actions

    @staticmethod
    def _abstracted(
        call: ApiCall,
        key: tuple[str, str, str],
        wildcard: WildcardPlan,
        memo: dict[Hashable, tuple[Action, ...]],
    ) -> tuple[Hashable, tuple[Action, ...] | None, EventValues | None]:
        """The shape of the calls that differ from ``call`` only in names and ids, what it
        added when remembered, else the call's values (built once, for its effects)."""
        strings = iter_strings(call.request) if call.request else []
        abstract = wildcard_shape_of(call, key, strings, wildcard)
        counted = memo.get(abstract)
        return abstract, counted, None if counted is not None else EventValues(call, strings)

    def _repeat(self, shape: Hashable, actions: tuple[Action, ...], events: int) -> None:
        """A remembered shape again: counted per shape, added to the actions' counts when
        the analysis is read."""
        self.remembered += 1
        repeat = self._repeats.get(shape)
        if repeat is not None:
            repeat[1] += events
            return
        if len(self._repeats) >= _MAX_SHAPES:
            self._count_repeats()
        self._repeats[shape] = [actions, events]

    def _deny(self, call: ApiCall, infos: tuple[ActionInfo, ...]) -> None:
        self._analysis.stats["events_denied"] += call.count
        shape = shape_of(call, self._dump)
        refused = self._refused.get(shape) if self._remember else None
        if refused is None:
            values = EventValues(call)
            pairs = []
            for info in infos:
                scope = scope_of(info, values, strict=True)
                pairs.append((str(info.action), next((arn for _, arn in scope.resources), "*")))
            refused = tuple(pairs)
            if self._remember:
                if len(self._refused) >= _MAX_SHAPES:
                    self._refused.clear()
                self._refused[shape] = refused
        when = call.event_time.isoformat().replace("+00:00", "Z") if call.event_time else ""
        for action, resource in refused:
            self._analysis.denied.append(
                Denied(call.event_id, when, action, call.error_code, resource)
            )

    def _record(
        self, info: ActionInfo, scope: Scope, condition: Condition, count: int, where: str
    ) -> None:
        action = info.action
        if scope.account_pin:
            condition = (
                *condition,
                ("StringEquals", scope.account_pin[0], (scope.account_pin[1],)),
            )
        self._analysis.grants.setdefault(Grant(action, tuple(sorted(condition))), set()).update(
            scope.resources
        )
        self._analysis.action_events[action] += count
        for type_name in scope.fallbacks:
            self._analysis.notes.add(
                finding(
                    "RESOURCE_FALLBACK",
                    f"{action}: no exact {type_name} ARN in {where}; "
                    f"allowed on every {type_name} of the account and region",
                )
            )
        if scope.unscoped:
            self._analysis.notes.add(
                finding(
                    "RESOURCE_UNSCOPED",
                    f"{action}: {where} name none of its {len(info.resource_types)} resource types; allowed on *",
                )
            )

    def add_generated(self, statement: GeneratedStatement, place: Placement) -> None:
        """Add one Access Analyzer statement. Actions the events already showed keep the
        events' (more exact) resources; service-level entries are never granted."""
        self._count_repeats()  # the events' counts, complete
        for text in statement.actions:
            if is_service_level(text):
                self._analysis.service_level.add(text.split(":", 1)[0].lower())
                continue
            service, _, name = text.partition(":")
            info = self.reference.action_info(service, name)
            if info is None:
                self._analysis.notes.add(
                    finding(
                        "UNKNOWN_ACTION",
                        f"Access Analyzer reported {text}, which IAM does not know; left out",
                    )
                )
                continue
            if self._ignored(info.action):
                continue
            if info.action in self._analysis.action_events and info.action not in self._generated:
                self._analysis.stats["generated_actions_seen_in_events"] += 1
                continue
            self._generated.add(info.action)
            scope = scope_generated(info, statement.resources, place, self.options.strict)
            self._record(info, scope, (), 0, "Access Analyzer's result (it names no resources)")
