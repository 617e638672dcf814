"""The OpenAPI document is generated from the routes and their models: every route and method is
in it, and what it says about answers is what the handlers are bound to (they answer through the
documented model of each status, see APIHandler.reply; tests/test_fuzz_api.py checks the served API)."""

from __future__ import annotations

import pytest
from tornado.web import RequestHandler

from codementor.api.contract import operation_of
from codementor.api.handlers import all_routes
from codementor.api.openapi import openapi_document, template

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def doc():
    return openapi_document("/services/codementor/")


def served():
    for path, handler, *_ in all_routes("/"):
        for method in METHODS:
            if getattr(handler, method) is not getattr(RequestHandler, method):
                yield template(path.removeprefix("/api/v1")), handler, method


def test_every_route_and_method_is_documented_from_its_operation(doc):
    pairs = list(served())
    assert len(pairs) > 30
    for path, handler, method in pairs:
        assert operation_of(handler, method) is not None, f"{handler.__name__}.{method} has no @operation"
        assert method in doc["paths"].get(path, {}), f"{method.upper()} {path} is not in the document"
    assert sum(len(ops) for ops in doc["paths"].values()) == len(pairs)


def test_every_path_parameter_is_named_and_constrained(doc):
    for path, ops in doc["paths"].items():
        for op in ops.values():
            names = {p["name"] for p in op.get("parameters", ()) if p["in"] == "path"}
            assert names == {part[1:-1] for part in path.split("/") if part.startswith("{")}, path
            assert all(p["schema"].get("pattern") for p in op.get("parameters", ()) if p["in"] == "path"), path


def test_every_json_answer_points_at_a_schema_that_exists(doc):
    schemas = doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                for media, body in response.get("content", {}).items():
                    if media == "application/json":
                        refs = [body["schema"]] if "$ref" in body["schema"] else body["schema"].get("anyOf", [])
                        for ref in refs:
                            assert ref["$ref"].rsplit("/", 1)[-1] in schemas, (method, path, status)


def test_the_mismatches_once_found_stay_fixed(doc):
    paths = doc["paths"]
    # 204s have no body, not a JSON one
    for path, method in [("/delivery/failures", "post"), ("/tutor/conversations/{conversation_id}", "delete")]:
        assert "content" not in paths[path][method]["responses"]["204"], path
    # an idempotent retry answers 200 with the stored submission; a new one 201 with its progress
    post = paths["/submissions"]["post"]["responses"]
    assert post["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Submission")
    assert post["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/GradedSubmission")
    # the tutor's event stream
    stream = paths["/tutor/ask"]["post"]["responses"]["200"]["content"]
    assert set(stream) == {"application/json", "text/event-stream"}
    assert stream["text/event-stream"]["schema"]["properties"]["event"]["enum"] == ["delta", "replace", "done", "error"]
    # query constraints: page sizes, dates, topics
    limit = next(p for p in paths["/submissions"]["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"], limit["schema"]["type"]) == (1, 100, "integer")
    day = next(p for p in paths["/submissions"]["get"]["parameters"] if p["name"] == "day")
    assert day["schema"]["pattern"] and "since" in day["description"]
    topics = doc["components"]["schemas"]["ProfileRequest"]["properties"]["topics"]["items"]
    assert "loops" in topics["enum"]
    assert {p["name"] for p in paths["/class/export"]["get"]["parameters"]} == {"from", "to", "limit", "cursor"}


def test_errors_are_documented_as_the_envelope(doc):
    envelope = doc["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["error"]
    assert set(doc["components"]["schemas"]["ErrorBody"]["required"]) == {"code", "message", "details", "request_id"}
    me = doc["paths"]["/me"]["get"]["responses"]
    assert me["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
    health = doc["paths"]["/health"]["get"]
    assert health["security"] == [] and "401" not in health["responses"]
