"""The API through its real deployment: a Hub-managed service behind real Hub tokens."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from tornado import web

from codementor.api.handlers import all_routes
from codementor.api.services.pagination import encode_cursor

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def alice(hub, stack):
    hub.create_user("api-alice")
    return httpx.Client(base_url=stack.api_url, headers={"Authorization": f"token {hub.user_token('api-alice')}"}, timeout=30)


@pytest.fixture(scope="module")
def bob(hub, stack):
    hub.create_user("api-bob")
    return httpx.Client(base_url=stack.api_url, headers={"Authorization": f"token {hub.user_token('api-bob')}"}, timeout=30)


def error_of(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details", "request_id"}
    assert body["error"]["request_id"] == resp.headers["X-Request-ID"]
    assert body["error"]["message"]
    return body["error"]


def test_health_needs_no_login(stack):
    body = httpx.get(f"{stack.api_url}/health").json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["redis"] == "ok"
    assert body["exercises"] >= 3
    head = httpx.head(f"{stack.api_url}/health")  # uptime checkers ask with HEAD
    assert head.status_code == 200 and head.content == b""


def test_anonymous_and_bad_tokens_are_refused(stack):
    for path in ("/me", "/exercises/today", "/submissions", "/exercises/sum-of-evens"):
        assert error_of(httpx.get(stack.api_url + path), 401)["code"] == "unauthorized"
    bad = httpx.get(stack.api_url + "/me", headers={"Authorization": "token not-a-real-token"})
    error_of(bad, 401)


def test_me_reports_role_from_hub_groups(alice, hub, stack):
    me = alice.get("/me").json()
    assert (me["name"], me["role"], me["groups"]) == ("api-alice", "student", ["students"])
    hub.create_user("api-ada", groups=("instructors",))
    ada = httpx.get(stack.api_url + "/me", headers={"Authorization": f"token {hub.user_token('api-ada')}"}).json()
    assert ada["role"] == "instructor"


def test_the_demo_instructor_is_not_a_student(hub):
    """The Hub adds its configured users before it loads the configured groups; `ada` joins `instructors` only."""
    assert "ada" in hub.api("GET", "/groups/instructors").json()["users"]
    assert "ada" not in hub.api("GET", "/groups/students").json()["users"]


def test_today_is_stable_and_has_a_clean_notebook(alice, bank):
    first = alice.get("/exercises/today", params={"include": "notebook"}).json()
    again = alice.get("/exercises/today").json()
    assert [e["id"] for e in first["exercises"]] == [e["id"] for e in again["exercises"]]
    item = first["exercises"][0]
    exercise = bank.get(item["id"])
    notebook = item["notebook"]
    assert notebook["metadata"]["codementor"]["exercise_id"] == exercise.id
    assert exercise.solution.strip() not in str(notebook)


def test_student_view_hides_hidden_tests_and_solution(alice, bank):
    view = alice.get("/exercises/word-frequencies").json()
    exercise = bank.get("word-frequencies")
    assert view["hidden_test_count"] == len(exercise.hidden_tests)
    assert {t["name"] for t in view["visible_tests"]} == {t.name for t in exercise.visible_tests}
    flat = str(view)
    assert "solution" not in view and exercise.solution.strip() not in flat
    assert not any(t.name in flat for t in exercise.hidden_tests)
    assert not any(h in flat for h in exercise.hints)


def test_unknown_exercise_is_404(alice):
    assert error_of(alice.get("/exercises/no-such-thing"), 404)["code"] == "not_found"
    resp = alice.post("/hints", json={"exercise_id": "no-such-thing"})
    assert error_of(resp, 404)["code"] == "not_found"
    assert error_of(alice.get("/no/such/endpoint"), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "body, status, needle",
    [
        (b"{not json", 400, "not valid JSON"),
        (b"\xff\xfe\x00", 400, "not UTF-8"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"exercise_id": "sum-of-evens"}', 400, "code"),
        (b'{"exercise_id": 5, "code": "x", "idempotency_key": "abcdefgh"}', 400, "exercise_id"),
        (b'{"exercise_id": "sum-of-evens", "code": "x", "idempotency_key": "abcdefgh", "extra": 1}', 400, "extra"),
        (b'{"a": ' * 5000 + b"1" + b"}" * 5000, 400, "nests too deeply"),
        (b'{"exercise_id": "sum-of-evens", "code": "print(1)\\u0000", "idempotency_key": "abcdefgh-nul"}', 400, "NUL"),
    ],
)
def test_malformed_submissions_get_clear_400s(alice, body, status, needle):
    err = error_of(alice.post("/submissions", content=body), status)
    assert needle in err["message"] + str(err["details"])


@pytest.mark.parametrize("declared", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml", ";"])
def test_a_body_declared_as_anything_but_json_is_415_and_nothing_stored(alice, bank, declared):
    before = alice.get("/submissions").json()["items"]
    body = {"exercise_id": "sum-of-evens", "code": bank.get("sum-of-evens").solution, "idempotency_key": uuid.uuid4().hex}
    refused = alice.post("/submissions", content=json.dumps(body).encode(), headers={"Content-Type": declared})
    err = error_of(refused, 415)
    assert err["code"] == "unsupported_media_type" and "Content-Type: application/json" in err["message"]
    assert alice.get("/submissions").json()["items"] == before
    # the same body declared as JSON (with parameters, in any case) is taken
    taken = alice.post("/submissions", content=json.dumps(body).encode(), headers={"Content-Type": "Application/JSON; charset=utf-8"})
    assert taken.status_code == 201, taken.text


def test_oversized_body_is_413_and_nothing_stored(alice):
    before = alice.get("/submissions").json()["items"]
    huge = {"exercise_id": "sum-of-evens", "code": "x = 1\n" * 60_000, "idempotency_key": uuid.uuid4().hex}
    assert error_of(alice.post("/submissions", json=huge), 413)["code"] == "payload_too_large"
    assert alice.get("/submissions").json()["items"] == before


def test_hint_ladder_climbs_then_the_tutor_takes_over(alice, bank):
    exercise = bank.get("safe-average")
    ladder = len(exercise.hints)
    rungs = [alice.post("/hints", json={"exercise_id": exercise.id}).json() for _ in range(ladder + 1)]
    assert [r["rung"] for r in rungs] == list(range(1, ladder + 2))
    assert [r["text"] for r in rungs[:-1]] == list(exercise.hints)
    assert [r["source"] for r in rungs[:-1]] == ["ladder"] * ladder
    # past the authored rungs the session's stack has a (local) model configured
    assert rungs[-1]["extra"] is True and rungs[-1]["source"] != "ladder" and rungs[-1]["text"]
    again = alice.post("/hints", json={"exercise_id": exercise.id, "again": True}).json()
    assert again["rung"] == ladder and again["text"] == exercise.hints[-1]


def test_submission_is_graded_stored_once_and_private(alice, bob, bank):
    exercise = bank.get("sum-of-evens")
    key = uuid.uuid4().hex
    body = {"exercise_id": exercise.id, "code": exercise.solution, "idempotency_key": key}
    first = alice.post("/submissions", json=body)
    assert first.status_code == 201, first.text
    sub = first.json()
    assert sub["passed"] is True and sub["score"] == 1.0
    visible = [t.name for t in exercise.tests if not t.hidden]
    assert [t["name"] for t in sub["tests"]] == visible and not any(t["hidden"] for t in sub["tests"])
    assert sub["hidden_tests"] == {"passed": len(exercise.tests) - len(visible), "total": len(exercise.tests) - len(visible), "all_passed": True}
    retry = alice.post("/submissions", json=body)
    assert retry.status_code == 200 and retry.json()["id"] == sub["id"]
    assert error_of(bob.get(f"/submissions/{sub['id']}"), 404)["code"] == "not_found"
    assert all(s["id"] != sub["id"] for s in bob.get("/submissions").json()["items"])


def test_failed_submission_reports_without_revealing_hidden_values(alice, bank):
    exercise = bank.get("sum-of-evens")
    code = "def sum_of_evens(numbers):\n    return 6\n"
    sub = alice.post("/submissions", json={"exercise_id": exercise.id, "code": code, "idempotency_key": uuid.uuid4().hex}).json()
    assert sub["passed"] is False and 0 < sub["score"] < 1
    # the hidden tests are counted, never listed: which of them failed is not told
    hidden = sub["hidden_tests"]
    assert hidden["total"] == sum(t.hidden for t in exercise.tests) and hidden["passed"] < hidden["total"] and not hidden["all_passed"]
    assert not any(t["hidden"] for t in sub["tests"]) and "did not pass (hidden test" not in json.dumps(sub)
    for t in exercise.tests:
        if t.hidden:
            assert t.name not in json.dumps(sub)


def test_history_is_paginated_with_a_cursor(alice, bank):
    exercise = bank.get("safe-average")
    for _ in range(3):
        alice.post("/submissions", json={"exercise_id": exercise.id, "code": exercise.starter, "idempotency_key": uuid.uuid4().hex})
    page1 = alice.get("/submissions", params={"limit": 2}).json()
    page2 = alice.get("/submissions", params={"limit": 2, "cursor": page1["next_cursor"]}).json()
    ids = [s["id"] for s in page1["items"] + page2["items"]]
    assert len(page1["items"]) == 2 and page1["next_cursor"]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    filtered = alice.get("/submissions", params={"exercise_id": exercise.id, "limit": 100}).json()["items"]
    assert len(filtered) >= 3 and {s["exercise_id"] for s in filtered} == {exercise.id}
    assert error_of(alice.get("/submissions", params={"limit": 1000}), 400)["code"] == "invalid_request"
    assert error_of(alice.get("/submissions", params={"cursor": "garbage!"}), 400)["code"] == "invalid_request"


@pytest.mark.parametrize(
    "path, params",
    [
        ("/submissions", {"cursor": encode_cursor(10**20)}),  # past Postgres bigint
        ("/tutor/conversations", {"cursor": encode_cursor(10**20)}),
        ("/submissions", {"until": "9999-12-31"}),  # the day after does not exist
        ("/submissions", {"day": "9999-12-31"}),
    ],
)
def test_out_of_range_queries_are_400s(alice, path, params):
    assert error_of(alice.get(path, params=params), 400)["code"] == "invalid_request"


def test_undecodable_query_is_an_invalid_request(alice):
    assert error_of(alice.get("/submissions?cursor=%ff%fe"), 400)["code"] == "invalid_request"


def test_text_with_nul_is_refused_before_storage(alice):
    asked = alice.post("/tutor/ask", json={"exercise_id": "sum-of-evens", "question": "why\u0000?"})
    assert "question" in error_of(asked, 400)["message"]


def implemented_methods(handler) -> set[str]:
    return {m for m in ("get", "post", "put", "patch", "delete") if getattr(handler, m) is not getattr(web.RequestHandler, m)}


def test_openapi_document_matches_the_routes(stack):
    doc = httpx.get(f"{stack.api_url}/openapi.json").json()
    assert doc["servers"][0]["url"] == "/services/codementor/api/v1"
    prefix = "/services/codementor/api/v1"
    # route regexes and documented templates both reduced to "/a/{}/b"
    routes = {re.sub(r"\([^()]*\)", "{}", path[len(prefix):]): handler for path, handler, *_ in all_routes("/services/codementor/")}
    documented = {re.sub(r"\{[^}]+\}", "{}", p): set(ops) for p, ops in doc["paths"].items()}
    assert set(routes) == set(documented)
    for pattern, handler in routes.items():
        assert implemented_methods(handler) == documented[pattern], pattern
