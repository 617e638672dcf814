"""The learner endpoints through the real API service: onboarding, today, progress, history."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def students(hub):
    hub.create_user("lena")
    hub.create_user("milo")
    return {name: {"Authorization": f"token {hub.user_token(name)}"} for name in ("lena", "milo")}


def test_onboarding_validates_and_round_trips(stack, students):
    lena = students["lena"]
    bad = [
        ({"level": "expert"}, "level"),
        ({"level": "beginner", "topics": ["astrology"]}, "topics"),
        ({"level": "beginner", "timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"level": "beginner", "timezone": "../../etc/passwd"}, "timezone"),
        ({"level": "beginner", "colour": "blue"}, "colour"),
        ({"topics": ["loops"]}, "level"),
    ]
    for body, field in bad:
        resp = httpx.put(f"{stack.api_url}/me", json=body, headers=lena)
        assert resp.status_code == 400, (body, resp.text)
        error = resp.json()["error"]
        assert error["code"] == "invalid_request" and field in error["message"], error
    not_json = httpx.put(f"{stack.api_url}/me", content=b"level=beginner", headers=lena)
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "invalid_request"

    fresh = httpx.get(f"{stack.api_url}/me", headers=students["milo"]).json()
    assert fresh["onboarded"] is False and fresh["timezone"] == "UTC"
    ok = httpx.put(f"{stack.api_url}/me", json={"level": "intermediate", "topics": ["loops", "strings", "loops"], "timezone": "America/New_York"}, headers=lena)
    assert ok.status_code == 200, ok.text
    me = httpx.get(f"{stack.api_url}/me", headers=lena).json()
    assert (me["name"], me["level"], me["topics"], me["timezone"], me["onboarded"]) == ("lena", "intermediate", ["loops", "strings"], "America/New_York", True)


async def test_submissions_progress_and_history_are_the_callers_own(stack, students, bank):
    lena, milo = students["lena"], students["milo"]
    today = httpx.get(f"{stack.api_url}/exercises/today", headers=lena).json()
    assert today["timezone"] == "America/New_York" and today["exercises"]
    assert httpx.get(f"{stack.api_url}/exercises/today", headers=lena).json() == today
    exercise = bank.get(today["exercises"][0]["id"])
    body = {"exercise_id": exercise.id, "code": exercise.solution, "idempotency_key": "lena-retry-0001"}
    async with httpx.AsyncClient(timeout=60) as client:
        replies = await asyncio.gather(*(client.post(f"{stack.api_url}/submissions", json=body, headers=lena) for _ in range(3)))
    assert sorted(r.status_code for r in replies) == [200, 200, 201], [r.text for r in replies]
    assert len({r.json()["id"] for r in replies}) == 1
    created = next(r.json() for r in replies if r.status_code == 201)
    assert created["passed"] and {"first-steps", "first-solve"} <= {b["id"] for b in created["progress"]["new_badges"]}

    progress = httpx.get(f"{stack.api_url}/progress", headers=lena).json()
    assert progress["name"] == "lena" and progress["streak"]["current"] == 1 and progress["totals"]["solved"] == 1
    assert sum(s["solved"] for s in progress["skills"]) == 1
    assert {b["id"] for b in progress["badges"]} >= {"first-steps", "first-solve"}
    topic = next(s for s in progress["skills"] if s["topic"] == exercise.topic)
    assert topic["attempts"] == 1 and topic["successes"] == 1
    others = httpx.get(f"{stack.api_url}/progress", headers=milo).json()
    assert others["name"] == "milo" and others["badges"] == [] and others["totals"]["submissions"] == 0
    assert httpx.get(f"{stack.api_url}/progress/history", headers=milo).json() == {"items": [], "next_cursor": None}
    history = httpx.get(f"{stack.api_url}/progress/history?limit=1", headers=lena).json()
    assert [d["submissions"] for d in history["items"]] == [1] and history["next_cursor"] is None
    assert httpx.get(f"{stack.api_url}/progress").json()["error"]["code"] == "unauthorized"

    local = datetime.now(ZoneInfo("America/New_York")).date().isoformat()
    assert len(httpx.get(f"{stack.api_url}/submissions?day={local}", headers=lena).json()["items"]) == 1
    assert httpx.get(f"{stack.api_url}/submissions?since=2000-01-01&until=2000-12-31", headers=lena).json()["items"] == []
    assert httpx.get(f"{stack.api_url}/submissions?day={local}", headers=milo).json()["items"] == []
    for query in ("since=yesterday", f"day={local}&since={local}", "since=2026-02-02&until=2026-01-01", "limit=ten", "day=2026-13-01"):
        resp = httpx.get(f"{stack.api_url}/submissions?{query}", headers=lena)
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_request", (query, resp.text)
    bad = httpx.get(f"{stack.api_url}/progress/history?cursor=!!", headers=lena)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"


def test_openapi_lists_the_learner_routes(stack):
    doc = httpx.get(f"{stack.api_url}/openapi.json").json()
    assert {"put", "get"} <= set(doc["paths"]["/me"])
    assert {"/progress", "/progress/history"} <= set(doc["paths"])
    assert "ProfileRequest" in doc["components"]["schemas"]


def test_a_solve_after_hints_and_failures_never_shows_as_a_drop(stack, hub, bank):
    """Through the API: failures, three hints, then a solve. The topic's shown estimate does
    not fall and is not below any untouched topic; the failed first submission's badge does
    not read like a success."""
    hub.create_user("noor")
    noor = {"Authorization": f"token {hub.user_token('noor')}"}
    exercise = next(e for e in bank.all() if e.difficulty == "hard" and len(e.hints) >= 3)

    def submit(code: str, key: str) -> dict:
        resp = httpx.post(f"{stack.api_url}/submissions", json={"exercise_id": exercise.id, "code": code, "idempotency_key": key}, headers=noor, timeout=120)
        assert resp.status_code == 201, resp.text
        return resp.json()

    def skills() -> dict[str, dict]:
        return {s["topic"]: s for s in httpx.get(f"{stack.api_url}/progress", headers=noor).json()["skills"]}

    first = submit(exercise.starter, "noor-fail-0001")
    assert not first["passed"]
    titles = [b["title"] for b in first["progress"]["new_badges"]]
    assert titles == ["First attempt"], titles
    submit(exercise.starter, "noor-fail-0002")
    for _ in range(3):
        assert httpx.post(f"{stack.api_url}/hints", json={"exercise_id": exercise.id}, headers=noor).status_code == 200
    before = skills()
    solved = submit(exercise.solution, "noor-solve-0001")
    assert solved["passed"] and solved["hint_count"] == 3
    after = skills()
    topic = exercise.topic
    untouched = [s for s in after.values() if s["attempts"] == 0 and s["topic"] != topic]
    assert untouched
    print(f"\n{topic}: shown {before[topic]['shown']:.3f} -> {after[topic]['shown']:.3f} "
          f"(model {before[topic]['level']:.3f} -> {after[topic]['level']:.3f}); "
          f"untouched topics shown at most {max(s['shown'] for s in untouched):.3f}")
    assert after[topic]["shown"] >= before[topic]["shown"]
    assert all(after[topic]["shown"] >= s["shown"] for s in untouched)
    assert after[topic]["successes"] == 1
