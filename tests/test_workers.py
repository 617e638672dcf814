"""Several API workers on one port: one killed with -9 under load, then a rolling restart.

Under a light steady load (a few clients, each with its own connection, a submission every
few tenths of a second and reads in between), one worker is killed. Every acknowledged
submission is stored exactly once, a retry with the same idempotency key gets the same
submission, and no client sees connection errors for more than a second: a client that
meets one retries after 100 ms (with the same key). A student whose grading turn the killed
worker held goes on at once on the other worker. Then SIGHUP replaces every worker one
by one, and no client sees a connection error at all.
"""

from __future__ import annotations

import http.client
import json
import asyncio
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
from redis import Redis

from codementor.api.grader.turns import HELD_PREFIX, SHARED_PREFIX, holder_name

pytestmark = pytest.mark.e2e

CLIENTS = 4
CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, OSError)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def supervisor_of(stack) -> int:
    hub = stack._procs[-1].pid
    found = [p for p in children(hub) if " api" in cmdline(p) and "listen_fd" not in cmdline(p)]
    assert len(found) == 1, f"no single API supervisor under the Hub: {found}"
    return found[0]


def workers_of(supervisor: int) -> set[int]:
    return {p for p in children(supervisor) if "--TutorAPI.listen_fd" in cmdline(p)}


@dataclass
class Client:
    """One simulated student on its own connection; counts what it sees."""

    host: str
    port: int
    prefix: str
    token: str
    exercise: object
    name: str = ""
    acked: dict = field(default_factory=dict)  # idempotency key -> submission id
    errors: int = 0
    longest_error_run: float = 0.0
    other_statuses: list = field(default_factory=list)
    _conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """Send until it is answered; a connection error means a new connection after 100 ms."""
        first_error = None
        while True:
            try:
                if self._conn is None:
                    self._conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self._conn.request(method, self.prefix + path, body=json.dumps(body) if body else None,
                                   headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
                resp = self._conn.getresponse()
                status, data = resp.status, json.loads(resp.read() or b"{}")
                if resp.will_close:
                    self._conn.close()
                    self._conn = None
                if first_error is not None:
                    self.longest_error_run = max(self.longest_error_run, time.monotonic() - first_error)
                return status, data
            except CONNECTION_ERRORS:
                self.errors += 1
                first_error = first_error or time.monotonic()
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
                time.sleep(0.1)

    def submit(self, key: str) -> None:
        status, data = self.request("POST", "/submissions", {"exercise_id": self.exercise.id, "code": self.exercise.solution, "idempotency_key": key})
        if status in (200, 201):
            assert self.acked.setdefault(key, data["id"]) == data["id"], "the same key gave two submissions"
        else:
            self.other_statuses.append(status)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.submit(uuid.uuid4().hex)
            self.request("GET", "/me")
            time.sleep(0.25)
        for key in list(self.acked)[:3]:  # retries with a known key: the same submission, not a new one
            self.submit(key)


def run_load(clients: list[Client], during) -> None:
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,)) for c in clients]
    for t in threads:
        t.start()
    try:
        during()
    finally:
        stop.set()
        for t in threads:
            t.join(60)


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"{what} within {timeout} s")


@pytest.fixture
def clients(hub, stack, bank):
    url = urlparse(stack.api_url)
    made = []
    for i in range(CLIENTS):
        name = f"load-{uuid.uuid4().hex[:6]}-{i}"
        hub.create_user(name)
        made.append(Client(url.hostname, url.port, url.path, hub.user_token(name), bank.get("sum-of-evens"), name))
    return made


def stored_counts(database_url: str, keys: list[str]) -> dict:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT idempotency_key, count(*), min(id) FROM submissions WHERE idempotency_key = ANY(%s) GROUP BY 1", (keys,))
        return {key: (count, first) for key, count, first in rows}


def check_stored_once(clients: list[Client], database_url: str) -> None:
    acked = {k: v for c in clients for k, v in c.acked.items()}
    assert acked, "no submission was acknowledged"
    stored = stored_counts(database_url, list(acked))
    assert {k: stored.get(k) for k in acked} == {k: (1, v) for k, v in acked.items()}
    assert all(s == 429 for c in clients for s in c.other_statuses), [c.other_statuses for c in clients]


def test_a_killed_worker_is_replaced_and_no_submission_is_lost_or_doubled(stack, services, clients):
    supervisor = supervisor_of(stack)
    before = wait_until(lambda: len(workers_of(supervisor)) == 2 and workers_of(supervisor), 60, "two API workers")
    victim = min(before)
    replaced = {}

    turns = Redis.from_url(services.redis_url)

    def kill_one():
        time.sleep(1.5)
        # as if the victim held the first student's grading turn when it died (taken over whatever holds it now)
        with psycopg.connect(services.database_url) as conn:
            user_id = conn.execute("SELECT id FROM users WHERE name = %s", (clients[0].name,)).fetchone()[0]
        turn, holder = f"{SHARED_PREFIX}:{user_id}", holder_name(victim)
        turns.set(turn, f"{holder}:planted", px=30_000)
        turns.sadd(f"{HELD_PREFIX}:{holder}", turn)
        acked_before = len(clients[0].acked)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        replaced["new"] = wait_until(lambda: (workers_of(supervisor) - before) or None, 5, "a new worker")
        replaced["seconds"] = time.monotonic() - killed
        wait_until(lambda: turns.get(turn) != f"{holder}:planted".encode(), 1.0, "the killed worker's grading turn ended")
        replaced["turn ended"] = time.monotonic() - killed
        time.sleep(2.0)
        replaced["graded after"] = len(clients[0].acked) - acked_before

    try:
        run_load(clients, kill_one)
    finally:
        turns.close()
    assert replaced["seconds"] < 1.0
    assert replaced["graded after"] > 0  # that student's submissions go on
    assert victim not in workers_of(supervisor)
    check_stored_once(clients, services.database_url)
    runs = [round(c.longest_error_run, 3) for c in clients]
    print(f"kill -9: replacement started after {replaced['seconds']:.3f} s, its grading turn ended after "
          f"{replaced['turn ended']:.3f} s; connection errors {[c.errors for c in clients]}, "
          f"longest error run per client {runs} s; {sum(len(c.acked) for c in clients)} submissions acknowledged")
    assert max(runs) < 1.0


def test_a_rolling_restart_replaces_every_worker_without_a_connection_error(stack, services, clients):
    supervisor = supervisor_of(stack)
    before = wait_until(lambda: len(workers_of(supervisor)) == 2 and workers_of(supervisor), 60, "two API workers")

    def restart():
        time.sleep(1.0)
        os.kill(supervisor, signal.SIGHUP)
        wait_until(lambda: not (workers_of(supervisor) & before) and len(workers_of(supervisor)) == 2, 60, "every worker replaced")
        time.sleep(1.0)

    run_load(clients, restart)
    check_stored_once(clients, services.database_url)
    print(f"rolling restart: connection errors {[c.errors for c in clients]}; {sum(len(c.acked) for c in clients)} submissions acknowledged")
    assert [c.errors for c in clients] == [0] * CLIENTS


def test_each_worker_grades_with_its_own_share_of_cores_and_block_of_uids():
    from codementor.api.app import GRADER_SLOTS_PER_CORE, TutorAPI

    graders = [TutorAPI(workers=2, worker_index=k).make_grader() for k in range(3)]  # 3: a rolling restart's extra worker
    assert {g.concurrency for g in graders} == {max(1, GRADER_SLOTS_PER_CORE * (os.cpu_count() or 1) // 2)}
    blocks = [set(range(g.sandbox_uid_base + g.uid_offset, g.sandbox_uid_base + g.uid_offset + g.concurrency)) for g in graders]
    assert all(not (a & b) for i, a in enumerate(blocks) for b in blocks[i + 1:])
    assert TutorAPI(workers=1).make_grader().uid_offset == 0


def test_a_worker_runs_on_the_event_loop_its_setting_names():
    from codementor.api.app import TutorAPI

    seen = []

    async def which():
        seen.append(type(asyncio.get_running_loop()).__module__.split(".")[0])

    for name in ("uvloop", "asyncio"):
        TutorAPI(event_loop=name).run_loop(which())
    assert seen == ["uvloop", "asyncio"]
