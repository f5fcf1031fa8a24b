"""GitHub's published OpenAPI description (npm `@octokit/openapi`) as a checker of HTTP traffic.

`load_openapi()` reads the description once per process. `OpenApi.check_request()` returns
human-readable problems with a request: an operation the description lacks, a path or query
parameter missing or of the wrong type, an unknown query parameter, a JSON body that does not
fit the request schema, an unsupported `Accept` or `X-GitHub-Api-Version`. Request bodies are
checked *closed*: a field the description does not list is a problem, although GitHub itself
ignores it silently (a misspelt optional field would otherwise do nothing, unnoticed).
`check_response()` and `build_response()` let the stand-in prove, and build, its own answers.

The description is OpenAPI 3.0: schemas say `nullable: true` where JSON Schema says
`type: [..., "null"]`, and `$ref`s point into the document. Both are translated lazily, one
referenced schema at a time, for `jsonschema`'s Draft 4 validator (the closest draft to 3.0).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = (
    ROOT / ".cache/github-openapi/node_modules/@octokit/openapi/generated/api.github.com.json"
)
# The base description is API version 2022-11-28; changes for 2026-03-10 ride along in
# `x-github-breaking-changes`. https://docs.github.com/rest/about-the-rest-api/api-versions
API_VERSIONS = frozenset({"2022-11-28", "2026-03-10"})
# https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api#media-types
_MEDIA_TYPE = re.compile(r"^(\*/\*|application/(\*|json|vnd\.github(\.v3)?(\.[a-z-]+)?(\+json)?))$")
_METHODS = ("get", "put", "post", "patch", "delete")
_URN = "urn:github-openapi:"
_MISSING: Any = object()


def openapi_path() -> Path:
    """Where the description is: `$GITHUB_OPENAPI_JSON`, else the cache the fetch script fills."""
    return Path(os.environ.get("GITHUB_OPENAPI_JSON") or DEFAULT_PATH)


@functools.cache
def load_openapi(path: Path | None = None) -> OpenApi:
    """The description at `path` (default `openapi_path()`), read once per process."""
    with (path or openapi_path()).open("rb") as file:
        return OpenApi(json.load(file))


@dataclass(frozen=True)
class Operation:
    method: str  # lower case, as the description keys it
    template: str
    spec: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.spec["operationId"])


@dataclass(frozen=True)
class Match:
    operation: Operation
    params: Mapping[str, str]  # path parameters, percent-decoded


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    literals: int  # literal segments: /pulls/comments beats /pulls/{pull_number}
    multi: int  # multi-segment parameters: fewer wins a tie
    methods: Mapping[str, Operation]


class OpenApi:
    """Matches requests to operations and checks requests and responses against their schemas."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._converted: dict[str, Any] = {}
        self._registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self._routes = [self._route(t, item) for t, item in document["paths"].items()]

    # -- routing ------------------------------------------------------------------------

    def _route(self, template: str, item: Mapping[str, Any]) -> _Route:
        methods = {m: Operation(m, template, item[m]) for m in _METHODS if m in item}
        # `x-multi-segment` parameters (a ref, a file path) may hold slashes, as on GitHub:
        # GET /repos/o/r/git/ref/heads/feature/x is the ref `heads/feature/x`.
        multi = {
            p["name"]
            for op in methods.values()
            for p in self.parameters(op)
            if p.get("x-multi-segment")
        }
        names = re.findall(r"\{([^}]+)\}", template)
        regex = re.escape(template)
        for name in names:  # names may hold '-', which regex group names may not
            group = "(.+)" if name in multi else "([^/]+)"
            regex = regex.replace(re.escape(f"{{{name}}}"), group, 1)
        literals = sum(1 for s in template.split("/") if s and not s.startswith("{"))
        return _Route(template, re.compile(regex), tuple(names), literals, len(multi), methods)

    def match(self, method: str, path: str) -> Match | None:
        """The operation for `method path` (raw, percent-encoded path), as GitHub would route it."""
        found = [(r, m) for r in self._routes if (m := r.pattern.fullmatch(path))]
        found = [(r, m) for r, m in found if method.lower() in r.methods]
        if not found:
            return None
        route, m = max(found, key=lambda rm: (rm[0].literals, -rm[0].multi))
        params = {k: unquote(v) for k, v in zip(route.names, m.groups(), strict=True)}
        return Match(route.methods[method.lower()], params)

    def parameters(self, operation: Operation) -> list[Mapping[str, Any]]:
        return [self.deref(p) for p in operation.spec.get("parameters", [])]

    def deref(self, node: Any) -> Any:
        while isinstance(node, Mapping) and "$ref" in node:
            node = self.pointer(node["$ref"].removeprefix("#"))
        return node

    def pointer(self, pointer: str) -> Any:
        node: Any = self.document
        for token in pointer.lstrip("/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    # -- requests -----------------------------------------------------------------------

    def check_request(
        self,
        method: str,
        path: str,
        query: Mapping[str, Sequence[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> list[str]:
        """Problems with one request, `[]` when GitHub's description accepts it."""
        match = self.match(method, path)
        if match is None:
            if any(r.pattern.fullmatch(path) for r in self._routes):
                return [f"{method.upper()} is not an operation on {path}"]
            return [f"no operation in GitHub's REST API matches {method.upper()} {path}"]
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        return [
            *self._check_params(match, query or {}),
            *_check_headers(lowered),
            *self._check_body(match.operation, lowered, body),
        ]

    def _check_params(self, match: Match, query: Mapping[str, Sequence[str]]) -> Iterator[str]:
        declared = self.parameters(match.operation)
        known = {p["name"] for p in declared if p["in"] == "query"}
        for name in sorted(set(query) - known):
            yield f"unknown query parameter {name!r} (known: {', '.join(sorted(known)) or 'none'})"
        for param in declared:
            where, name = param["in"], param["name"]
            if where not in ("query", "path"):
                continue
            values = list(query.get(name, ())) if where == "query" else [match.params[name]]
            if not values:
                if param.get("required"):
                    yield f"required {where} parameter {name!r} is missing"
                continue
            schema = self.deref(param.get("schema", {}))
            if len(values) > 1 and schema.get("type") != "array":
                yield f"{where} parameter {name!r} is given {len(values)} times"
            for value in values:
                yield from (
                    f"{where} parameter {name!r}: {p}" for p in self._check_scalar(schema, value)
                )

    def _check_scalar(self, schema: Mapping[str, Any], text: str) -> Iterator[str]:
        kind = schema.get("type", "string")
        if kind == "array":
            schema, kind = self.deref(schema.get("items", {})), "string"
        value: Any = text
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", text):
                yield f"{text!r} is not an integer"
                return
            value = int(text)
        elif kind == "boolean":
            if text not in ("true", "false"):
                yield f"{text!r} is not a boolean (true or false)"
                return
            value = text == "true"
        yield from (e.message for e in self._validator(schema, closed=False).iter_errors(value))

    def _check_body(
        self, operation: Operation, headers: Mapping[str, str], body: bytes | None
    ) -> Iterator[str]:
        spec = self.deref(operation.spec.get("requestBody"))
        if not body:
            if spec and spec.get("required"):
                yield "the operation requires a JSON body; none was sent"
            return
        if not spec:
            yield "the operation takes no body; one was sent"
            return
        content_type = headers.get("content-type", "application/json").split(";")[0].strip()
        if content_type != "application/json":
            yield f"Content-Type {content_type!r} is not application/json"
        try:
            instance = json.loads(body)
        except ValueError as exc:
            yield f"the body is not JSON: {exc}"
            return
        schema = spec["content"]["application/json"]["schema"]
        yield from (
            f"body{_describe(e)}"
            for e in self._validator(schema, closed=True).iter_errors(instance)
        )

    # -- responses ----------------------------------------------------------------------

    def response_schema(self, operation: Operation, status: int) -> Mapping[str, Any] | None:
        """The JSON schema of `operation`'s answer with `status`, None when it has no JSON body."""
        responses = operation.spec["responses"]
        response = self.deref(responses.get(str(status)) or responses.get("default") or {})
        content = response.get("content", {})
        chosen = content.get("application/json") or next(iter(content.values()), None)
        return None if chosen is None else self.deref(chosen).get("schema")

    def check_response(self, operation: Operation, status: int, body: Any) -> list[str]:
        """Problems with an answer to `operation`: a status it does not document, a wrong shape."""
        if str(status) not in operation.spec["responses"]:
            return [f"{operation.id} does not document status {status}"]
        schema = self.response_schema(operation, status)
        if schema is None:
            return [] if body is None else [f"{operation.id} {status} has no body; one was sent"]
        # A success is checked closed: a field the description does not document is a lie.
        validator = self._validator(schema, closed=status < 300)
        return [f"response{_describe(e)}" for e in validator.iter_errors(body)]

    def build_response(self, operation: Operation, status: int, fields: Any) -> Any:
        """`fields` completed into the smallest answer the schema allows: every required property
        the caller did not give gets a neutral value (None when nullable, "", 0, false, [])."""
        schema = self.response_schema(operation, status)
        return fields if schema is None else self.build(schema, fields)

    def build(self, schema: Any, given: Any = _MISSING) -> Any:  # noqa: PLR0911
        schema = self.deref(schema)
        if "allOf" in schema:
            merged: dict[str, Any] = {"properties": {}, "required": []}
            for part in [schema, *map(self.deref, schema["allOf"])]:
                merged["properties"] |= part.get("properties", {})
                merged["required"] += part.get("required", [])
            schema = merged
        branches = schema.get("oneOf") or schema.get("anyOf")
        if branches:
            if given is _MISSING and schema.get("nullable"):
                return None
            return self.build(self._branch_for(branches, given), given)
        if isinstance(given, list) and "items" in schema:
            return [self.build(schema["items"], item) for item in given]
        if given is not _MISSING and not isinstance(given, Mapping):
            return given
        if given is _MISSING:
            if schema.get("nullable"):
                return None
            if "enum" in schema:
                return schema["enum"][0]
            if schema.get("default") is not None:
                return schema["default"]
        kind = schema.get("type", "object" if "properties" in schema else None)
        if kind != "object":
            return _NEUTRAL.get(
                kind, {"date-time": "2026-01-01T00:00:00Z"}.get(schema.get("format"), "")
            )
        given = {} if given is _MISSING else given
        props = schema.get("properties", {})
        names = [
            *schema.get("required", []),
            *(k for k in given if k not in schema.get("required", [])),
        ]
        return {k: self.build(props.get(k, {}), given.get(k, _MISSING)) for k in names}

    def _branch_for(self, branches: Sequence[Any], given: Any) -> Any:
        wanted = (
            "object" if isinstance(given, Mapping) else "array" if isinstance(given, list) else None
        )
        for branch in branches:
            resolved = self.deref(branch)
            if wanted is None or resolved.get("type", "object") == wanted:
                return branch
        return branches[0]

    # -- schema translation -------------------------------------------------------------

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one OpenApi per process
    def _validator_for(self, key: str, closed: bool) -> Draft4Validator:
        return Draft4Validator(
            {"$ref": f"{_URN}{'closed' if closed else 'open'}:{key}"}, registry=self._registry
        )

    def _validator(self, schema: Mapping[str, Any], *, closed: bool) -> Draft4Validator:
        if set(schema) == {"$ref"}:
            return self._validator_for(schema["$ref"].removeprefix("#"), closed)
        return Draft4Validator(_convert(schema, closed), registry=self._registry)

    def _retrieve(self, uri: str) -> Resource[Any]:
        mode, _, pointer = uri.removeprefix(_URN).partition(":")
        if uri not in self._converted:
            self._converted[uri] = _convert(self.pointer(pointer), mode == "closed")
        return DRAFT4.create_resource(self._converted[uri])


_NEUTRAL: dict[Any, Any] = {"integer": 0, "number": 0, "boolean": False, "array": []}
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_MAPS = ("properties", "patternProperties")
_SCHEMA_ONE = ("items", "not", "additionalProperties")


def _convert(node: Any, closed: bool, *, in_all_of: bool = False) -> Any:
    """One OpenAPI 3.0 schema as JSON Schema draft 4; `closed` forbids unlisted properties."""
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref":  # a part of an allOf cannot be closed: the other parts add properties
            mode = "closed" if closed and not in_all_of else "open"
            out[key] = f"{_URN}{mode}:{value.removeprefix('#')}"
        elif key in _SCHEMA_LISTS:
            # oneOf as anyOf: the description's unions overlap (basic-error and
            # repository-rule-violation-error both fit `{"message": ...}`), so exactly-one fails.
            out["anyOf" if key == "oneOf" else key] = [
                _convert(v, closed, in_all_of=key == "allOf") for v in value
            ]
        elif key in _SCHEMA_MAPS:
            out[key] = {k: _convert(v, closed) for k, v in value.items()}
        elif key in _SCHEMA_ONE:
            out[key] = _convert(value, closed)
        elif key not in ("nullable", "discriminator", "example", "examples"):
            out[key] = value
    closable = "properties" in out and not {"additionalProperties", "allOf"} & set(out)
    if closed and closable and not in_all_of:
        out["additionalProperties"] = False
    return _with_null(out) if node.get("nullable") else out


def _with_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`nullable: true` in JSON Schema: null joins the type (and the enum), or wraps the rest."""
    if "type" in schema:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if {"$ref", *_SCHEMA_LISTS} & set(schema):
        return {"anyOf": [{"type": "null"}, schema]}
    return schema  # no constraint to relax


def _check_headers(headers: Mapping[str, str]) -> Iterator[str]:
    accept = [a.split(";")[0].strip() for a in headers.get("accept", "*/*").split(",")]
    if not any(_MEDIA_TYPE.match(a) for a in accept):
        yield f"Accept {headers['accept']!r} names no media type GitHub's REST API serves"
    version = headers.get("x-github-api-version")
    if version is not None and version not in API_VERSIONS:
        yield f"X-GitHub-Api-Version {version!r} is not one of {', '.join(sorted(API_VERSIONS))}"


def _describe(error: ValidationError) -> str:
    """`.tree[0].sha: 5 is not of type 'string'`, drilling into anyOf to the closest miss."""
    if error.context:
        return _describe(best_match(error.context))
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"{where}: {error.message}"
