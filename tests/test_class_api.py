"""The instructor endpoints (/api/v1/class/...) against the real Hub, API, Postgres and grader:
who sees whom, pagination, the export's range, and clear 4xx answers."""

from __future__ import annotations

import uuid

import httpx
import pytest

from codementor.api.services.classroom import encode_text_cursor

pytestmark = pytest.mark.e2e

S1, S2, S3 = "cls-ann", "cls-ben", "cls-cat"  # ann and ben in `students`, cat in `cs101`
MAIN, CS101 = "cls-ines", "cls-otto"  # instructors: of `students` (by mapping) and of `cs101`


def make_class(hub) -> dict[str, str]:
    """Users, groups and a few graded submissions and hints; returns a token per user."""
    hub.api("POST", "/groups/cs101")
    for name in (S1, S2):
        hub.create_user(name)
    hub.create_user(S3, groups=("cs101",))
    hub.create_user(MAIN, groups=("instructors",))
    hub.create_user(CS101, groups=("instructors", "cs101"))
    for name in (S3, MAIN, CS101):  # new users join `students` by default; these teach or study elsewhere
        hub.api("DELETE", "/groups/students/users", json={"users": [name]}).raise_for_status()
    tokens = {n: hub.user_token(n) for n in (S1, S2, S3, MAIN, CS101)}
    tokens["admin"] = hub.user_token("admin")
    return tokens


def call(url: str, token: str | None, method: str = "GET", **kwargs) -> httpx.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    return httpx.request(method, url, headers=headers, timeout=60, **kwargs)


def submit(stack, token: str, exercise_id: str, code: str) -> dict:
    body = {"exercise_id": exercise_id, "code": code, "idempotency_key": uuid.uuid4().hex}
    resp = call(f"{stack.api_url}/submissions", token, "POST", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


@pytest.fixture(scope="module")
def klass(stack, hub, bank):
    tokens = make_class(hub)
    ex = bank.get("sum-of-evens")
    for name in (S1, S3):
        call(f"{stack.api_url}/hints", tokens[name], "POST", json={"exercise_id": ex.id}).raise_for_status()
        submit(stack, tokens[name], ex.id, ex.starter)
        submit(stack, tokens[name], ex.id, ex.starter)
    submit(stack, tokens[S1], ex.id, ex.solution)
    asked = call(f"{stack.api_url}/tutor/ask", tokens[S3], "POST", json={"exercise_id": ex.id, "question": "which numbers does my loop skip?", "code": "def sum_of_evens(numbers):\n    return -1\n"})
    assert asked.status_code == 200, asked.text
    return {"tokens": tokens, "exercise": ex}


def names(resp: httpx.Response) -> set[str]:
    assert resp.status_code == 200, resp.text
    return {item["name"] for item in resp.json()["items"]}


def test_each_instructor_sees_only_their_groups(stack, klass):
    t = klass["tokens"]
    main = names(call(f"{stack.api_url}/class/students?limit=200", t[MAIN]))
    assert {S1, S2} <= main and S3 not in main
    assert not {MAIN, CS101} & main  # instructors are never part of a class
    assert names(call(f"{stack.api_url}/class/students?limit=200", t[CS101])) == {S3}
    everyone = names(call(f"{stack.api_url}/class/students?limit=200", t["admin"]))
    assert {S1, S2, S3} <= everyone and not {MAIN, CS101} & everyone
    # a student outside the class looks like no student at all
    other = call(f"{stack.api_url}/class/students/{S1}", t[CS101])
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"


def test_students_and_strangers_are_refused(stack, klass):
    for path in ("overview", "stuck", "students", f"students/{S2}", "exercises/sum-of-evens", "export"):
        denied = call(f"{stack.api_url}/class/{path}", klass["tokens"][S1])
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden", path
        anonymous = call(f"{stack.api_url}/class/{path}", None)
        assert anonymous.status_code == 401, path


def test_overview_stuck_and_drilldown(stack, klass):
    t, ex = klass["tokens"], klass["exercise"]
    overview = call(f"{stack.api_url}/class/overview", t[CS101]).json()
    assert overview["students"] == 1 and overview["active_today"] == 1
    [row] = overview["exercises"]
    assert (row["exercise_id"], row["submissions"], row["students_passed"], row["pass_rate"]) == (ex.id, 2, 0, 0.0)
    # S3 asked the tutor once (answered by the session's local model server, so it cost something)
    assert overview["tutor"] == {"available": True, "questions_today": 1, "questions_week": 1}
    assert overview["llm_cost_usd"]["today"] > 0 and overview["llm_cost_usd"]["week"] == overview["llm_cost_usd"]["today"]
    s3_events = call(f"{stack.api_url}/class/students/{S3}?limit=50", t[CS101]).json()["timeline"]["items"]
    assert [e["question"] for e in s3_events if e["kind"] == "tutor"] == ["which numbers does my loop skip?"]

    stuck = call(f"{stack.api_url}/class/stuck?minutes=60&failures=2&hints=5", t[CS101]).json()["items"]
    assert [(r["student"], r["failures"], r["hints"]) for r in stuck] == [(S3, 2, 1)]
    # ann failed twice too, but then passed: not stuck
    assert S1 not in {r["student"] for r in call(f"{stack.api_url}/class/stuck?minutes=60&failures=2", t[MAIN]).json()["items"]}

    detail = call(f"{stack.api_url}/class/students/{S1}?limit=2", t[MAIN]).json()
    assert [e["kind"] for e in detail["timeline"]["items"]] == ["submission", "submission"]
    assert detail["timeline"]["items"][0]["passed"] is True
    rest = call(f"{stack.api_url}/class/students/{S1}?limit=50&cursor={detail['timeline']['next_cursor']}", t[MAIN]).json()
    assert [e["kind"] for e in rest["timeline"]["items"]] == ["submission", "hint"]
    loops = next(s for s in detail["skills"] if s["topic"] == ex.topic)
    assert loops["attempted"] == 1 and loops["passed"] == 1
    for cursor in (encode_text_cursor("2026-01-01T00:00:00+00:00|hint|99999999999999999999"), encode_text_cursor("2026-01-01T00:00:00|hint|1")):
        resp = call(f"{stack.api_url}/class/students/{S1}?cursor={cursor}", t[MAIN])
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_request", resp.text

    per_ex = call(f"{stack.api_url}/class/exercises/{ex.id}", t[MAIN]).json()
    assert any(a["attempts"] == 3 for a in per_ex["attempts_to_pass"])  # ann: fail, fail, pass
    assert per_ex["common_errors"] and per_ex["hint_rungs"][0]["rung"] == 1


def test_export_is_paginated_and_checks_its_range(stack, klass):
    t = klass["tokens"]
    first = call(f"{stack.api_url}/class/export?limit=1", t["admin"]).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = call(f"{stack.api_url}/class/export?limit=1&cursor={first['next_cursor']}", t["admin"]).json()
    assert second["items"] and second["items"][0]["student"] >= first["items"][0]["student"]
    assert second["items"][0] != first["items"][0]
    mine = call(f"{stack.api_url}/class/export", t[CS101]).json()["items"]
    assert [(r["student"], r["attempts"], r["passed"], r["hints"]) for r in mine] == [(S3, 2, False, 1)]
    for bad in ("from=yesterday", "from=2026-02-10&to=2026-02-01", "from=2020-01-01&to=2026-01-01", "limit=0", "cursor=%%%", "limit=ten",
                "to=9999-12-31", "to=0001-01-01", "cursor=YQAKYg"):  # the last: a cursor holding a NUL
        resp = call(f"{stack.api_url}/class/export?{bad}", t["admin"])
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_request", (bad, resp.text)
    old = call(f"{stack.api_url}/class/export?from=2020-01-01&to=2020-01-31", t["admin"]).json()
    assert old["items"] == [] and old["next_cursor"] is None


def test_dashboards_are_for_instructors_only(stack, klass):
    page = f"{stack.hub_url}/services/dashboards/voila/render/overview.ipynb"
    anonymous = httpx.get(page, follow_redirects=True, timeout=60)
    assert anonymous.status_code == 200 and anonymous.url.path == "/hub/login"
    assert call(page, klass["tokens"][S1]).status_code == 403
    shown = call(page, klass["tokens"][MAIN])
    assert shown.status_code == 200 and "voila" in shown.text.lower()
    # the dashboards server is for viewing: no terminals, no shutting it down
    assert call(f"{stack.hub_url}/services/dashboards/api/shutdown", klass["tokens"][MAIN], "POST").status_code == 403
