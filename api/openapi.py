"""The OpenAPI document the API serves at /api/v1/openapi.json, generated from the routes, the
@operation of each handler method (api/contract.py) and the pydantic models: nothing is written
by hand, so a route, a parameter or an answer cannot go undocumented."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from tornado.web import RequestHandler

from .contract import EVENT_STREAM, NO_CONTENT, ZIP, Operation, operation_of
from .responses import ErrorEnvelope

METHODS = ("get", "post", "put", "patch", "delete")
GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")
REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No content", 400: "Bad input: the message says which and why",
    401: "Not signed in: send a Hub token (Authorization: token ...)", 403: "Signed in, but not allowed", 404: "No such thing (or not yours)",
    413: "The body is too large", 415: "The body is not declared as JSON (send Content-Type: application/json)",
    429: "A rate limit or the daily budget is reached (Retry-After says when to try again)",
    503: "A backend (Postgres, Redis, the Hub) is not answering, or the grader is busy (Retry-After)",
}
# one server-sent event of the tutor's stream
SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"enum": ["delta", "replace", "done", "error"]},
        "data": {"type": "string", "contentMediaType": "application/json", "description": "A JSON object with `text`; on `done` also the answer's metadata (as in TutorAnswer)."},
    },
    "description": "With stream=true: `delta` (more text), `replace` (show this text instead of the text so far: for an answer the leak filter held back, the text already shown followed by the next hint), `done` (the whole answer) or `error` (the last event).",
}


def template(route: str) -> str:
    """A route's pattern (named groups) as an OpenAPI path: /submissions/{submission_id}."""
    return GROUP.sub(lambda m: "{" + m.group(1) + "}", route)


def path_parameters(route: str) -> list[dict]:
    return [
        {"name": m.group(1), "in": "path", "required": True, "schema": {"type": "string", "pattern": f"^{m.group(2)}$"}}
        for m in GROUP.finditer(route)
    ]


def _without_null(schema: dict) -> dict:
    """A query value is text or absent, never null: drop the null branch pydantic adds for Optional."""
    options = [s for s in schema.get("anyOf", ()) if s != {"type": "null"}]
    if len(options) == 1 and len(schema.get("anyOf", ())) == 2:
        rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
        return {**options[0], **rest}
    return schema


def query_parameters(model) -> list[dict]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _without_null({k: v for k, v in prop.items() if k not in ("title", "description")})
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        description = schema["properties"][name].get("description")
        if description:
            param["description"] = description
        params.append(param)
    return params


def _models(operations) -> list[tuple]:
    found = {(ErrorEnvelope, "serialization")}
    for op in operations:
        if op.body is not None:
            found.add((op.body, "validation"))
        for kinds in op.responses.values():
            found |= {(k, "serialization") for k in kinds if isinstance(k, type)}
    return sorted(found, key=lambda pair: (pair[0].__name__, pair[1]))


def _content(kind, refs) -> dict:
    if kind == ZIP:
        return {ZIP: {"schema": {"type": "string", "format": "binary"}}}
    if kind == EVENT_STREAM:
        return {EVENT_STREAM: {"schema": SSE_EVENT}}  # in OpenAPI 3.1 the schema of an event stream describes one event
    return {"application/json": {"schema": refs[(kind, "serialization")]}}


def _responses(op: Operation, refs) -> dict:
    out = {}
    for status, kinds in sorted(op.responses.items()):
        response = {"description": REASONS.get(status, "OK")}
        content = {}
        for kind in kinds:
            if kind != NO_CONTENT:
                content.update(_content(kind, refs))
        if content:
            response["content"] = content
        out[str(status)] = response
    envelope = refs[(ErrorEnvelope, "serialization")]
    for status in op.errors:
        if str(status) not in out:
            out[str(status)] = {"description": REASONS.get(status, "Error"), "content": {"application/json": {"schema": envelope}}}
            continue
        json = out[str(status)].setdefault("content", {}).setdefault("application/json", {"schema": envelope})
        if json["schema"] != envelope:  # this status has a body of its own, or the envelope when it failed otherwise
            json["schema"] = {"anyOf": [json["schema"], envelope]}
    return out


def _operation(handler, method: str, route: str, op: Operation, refs) -> dict:
    doc = {"operationId": f"{handler.__name__}.{method}", "summary": op.summary, "tags": [handler.__module__.rsplit(".", 1)[-1]]}
    if op.description:
        doc["description"] = op.description
    params = path_parameters(route) + (query_parameters(op.query) if op.query else [])
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {"required": True, "content": {"application/json": {"schema": refs[(op.body, "validation")]}}}
    doc["responses"] = _responses(op, refs)
    if not op.auth:
        doc["security"] = []
    return doc


class RequestStrings(GenerateJsonSchema):
    """Request bodies' strings carry no NUL character (Postgres text cannot hold one, and APIHandler.parse refuses
    it): the document says so, so that a client or a fuzzer knows it before the 400."""

    def str_schema(self, schema):
        found = super().str_schema(schema)
        if self.mode == "validation" and "pattern" not in found:
            found["pattern"] = "^[^\\u0000]*$"
        return found


def operations() -> list[tuple]:
    """(route pattern under /api/v1, handler, method, Operation) for every method a route serves."""
    from .handlers import all_routes  # the handlers serve this document: imported when it is built

    found = []
    for path, handler, *_ in all_routes("/"):
        for method in METHODS:
            if getattr(handler, method) is not getattr(RequestHandler, method):
                found.append((path.removeprefix("/api/v1"), handler, method, operation_of(handler, method)))
    return found


@lru_cache(maxsize=None)
def paths_and_schemas() -> tuple[dict, dict]:
    ops = operations()
    undocumented = [f"{h.__name__}.{m}" for _, h, m, op in ops if op is None]
    if undocumented:
        raise RuntimeError(f"handler methods without @operation: {', '.join(undocumented)}")
    refs, top = models_json_schema(_models(op for *_, op in ops), ref_template="#/components/schemas/{model}", schema_generator=RequestStrings)
    paths: dict[str, dict] = {}
    for route, handler, method, op in ops:
        paths.setdefault(template(route), {})[method] = _operation(handler, method, route, op, refs)
    return paths, top.get("$defs", {})


def openapi_document(prefix: str) -> dict:
    paths, schemas = paths_and_schemas()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CodeMentor API",
            "version": "1",
            "description": "The API of CodeMentor Hub, a JupyterHub service. Send a JupyterHub API token: "
            "`Authorization: token <token>` (see the README, Calling the API).",
        },
        "servers": [{"url": prefix + "api/v1"}],
        "components": {
            "securitySchemes": {"hubToken": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "token <JupyterHub API token>"}},
            "schemas": schemas,
        },
        "security": [{"hubToken": []}],
        "paths": paths,
    }
