"""API CPU per request: `codementor bench request-cost`.

Assumptions:
- the whole stack started in a temporary folder, the API as ONE worker (so its CPU is one
  process's), called on its own port by `--clients` concurrent clients (8), each with its own
  keep-alive connection;
- one phase per endpoint, `--requests` calls each, spread over enough students to stay under
  the per-student limits (the tutor's 6 a minute is the tightest): GET /me (a cached read:
  the Hub-token cache and the user's id are warm after the first call), GET /exercises/today
  twice (once per student, the day's first call, which chooses and stores the day's exercises;
  then `--requests` calls that read what was stored), POST /submissions of
  a passing solution (a new idempotency key each), POST /hints, GET /progress,
  GET /submissions (a page of the student's history) and POST /tutor/ask (the offline tutor:
  no model is configured);
- CPU is utime + stime of the API worker from /proc, before and after each phase, divided by
  the requests; the grader (zygote and jobs) is counted apart, so "API CPU per submission"
  excludes grading, as the goal does. `--py-spy FILE` records the worker with py-spy (if
  installed) during each phase (FILE.get-me, FILE.post-submissions, ...; raw "folded" stacks), for the top entries.

Reference row: see README, Benchmarks (bench/README.md for every run).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from ..exercise_bank import Bank
from ..hub_config.stack import Stack, free_port
from .classroom import _children, _cmd, _cpu, _tree, create_students, percentile

REQUESTS_PER_STUDENT = 5  # per phase: under the tutor's default 6 a minute (and 6 submissions a student, under the 30 a day per exercise)
QUESTION = "why does my loop skip the last number?"
WRONG_CODE = "def sum_of_evens(n):\n    return sum(range(0, n, 2))\n"


def api_worker(stack: Stack) -> int:
    hub = stack._procs[-1].pid
    return next(p for p in _children(hub) if " api" in _cmd(p))


def phase(stack: Stack, tokens: list[str], requests: int, clients: int, make) -> tuple[float, list[float]]:
    """Run `requests` calls made by `make(i)` -> (token, method, path, body); wall seconds and latencies."""
    latencies = []
    conns = [httpx.Client(base_url=stack.api_url, timeout=60) for _ in range(clients)]

    def one(i: int):
        token, method, path, body = make(i)
        start = time.perf_counter()
        resp = conns[i % clients].request(method, path, json=body, headers={"Authorization": f"token {token}"})
        latencies.append(time.perf_counter() - start)
        if resp.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text[:200]}")

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(requests)))
    wall = time.perf_counter() - start
    for c in conns:
        c.close()
    return wall, latencies


def main(requests: int = 400, clients: int = 8, as_json: bool = False, py_spy: str = "") -> None:
    ops = secrets.token_hex(16)
    bank = Bank()
    exercise = bank.get("sum-of-evens")
    result = {}
    with tempfile.TemporaryDirectory(prefix="codementor-bench-cost-") as tmp:
        env = {"CODEMENTOR_OPS_TOKEN": ops, "CODEMENTOR_CULL_TIMEOUT": "0", "CODEMENTOR_API_WORKERS": "1"}
        stack = Stack(state_dir=Path(tmp), hub_port=free_port(), extra_env=env)
        try:
            stack.start(log_file=Path(tmp) / "hub.log")
            names = [f"cost{i:04d}" for i in range(max(clients, requests // REQUESTS_PER_STUDENT + 1))]
            tokens = list(create_students(stack.hub_url, ops, names).values())
            worker = api_worker(stack)
            # warm up: every student's token and id cached, the grader's reference run done
            phase(stack, tokens, len(tokens), clients, lambda i: (tokens[i], "GET", "/me", None))
            phase(stack, tokens, clients, clients, lambda i: (tokens[i], "POST", "/submissions",
                                                              {"exercise_id": exercise.id, "code": exercise.solution, "idempotency_key": uuid.uuid4().hex}))
            for name, count, make in (
                ("GET /me", requests, lambda i: (tokens[i % len(tokens)], "GET", "/me", None)),
                ("GET /exercises/today", len(tokens), lambda i: (tokens[i], "GET", "/exercises/today", None)),  # the student's first of the day
                ("GET /exercises/today again", requests, lambda i: (tokens[i % len(tokens)], "GET", "/exercises/today", None)),
                ("POST /submissions", requests, lambda i: (tokens[i % len(tokens)], "POST", "/submissions",
                                                 {"exercise_id": exercise.id, "code": exercise.solution, "idempotency_key": uuid.uuid4().hex})),
                ("POST /hints", requests, lambda i: (tokens[i % len(tokens)], "POST", "/hints", {"exercise_id": exercise.id})),
                ("GET /progress", requests, lambda i: (tokens[i % len(tokens)], "GET", "/progress", None)),
                ("GET /submissions", requests, lambda i: (tokens[i % len(tokens)], "GET", "/submissions?limit=20", None)),
                ("POST /tutor/ask", requests, lambda i: (tokens[i % len(tokens)], "POST", "/tutor/ask",
                                               {"exercise_id": exercise.id, "question": QUESTION, "code": WRONG_CODE})),
            ):
                spy = None
                if py_spy and shutil.which("py-spy"):
                    out = f"{py_spy}.{name.lower().replace(' /', '-').replace('/', '-').replace(' ', '-')}"
                    spy = subprocess.Popen(["py-spy", "record", "--pid", str(worker), "--format", "raw", "--output", out, "--rate", "200", "--nonblocking"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(1)
                api0 = _cpu(worker, False)
                grader0 = sum(_cpu(p, True) for z in _children(worker) for p in _tree(z))
                wall, lat = phase(stack, tokens, count, clients, make)
                api1 = _cpu(worker, False)
                grader1 = sum(_cpu(p, True) for z in _children(worker) for p in _tree(z))
                if spy is not None:
                    spy.send_signal(2)
                    spy.wait(30)
                result[name] = {"requests": count, "requests_per_s": count / wall, "api_cpu_ms_per_request": 1000 * (api1 - api0) / count,
                                "grader_cpu_ms_per_request": 1000 * (grader1 - grader0) / count,
                                "p50_ms": percentile(lat, 50) * 1000, "p95_ms": percentile(lat, 95) * 1000}
        finally:
            stack.stop()
    if as_json:
        print(json.dumps(result, indent=2))
        return
    print(f"\n{'endpoint':<28}{'requests':>9}{'req/s':>8}{'API CPU ms/req':>16}{'grader CPU ms/req':>19}{'p50 ms':>8}{'p95 ms':>8}")
    for name, row in result.items():
        print(f"{name:<28}{row['requests']:>9}{row['requests_per_s']:>8.1f}{row['api_cpu_ms_per_request']:>16.2f}"
              f"{row['grader_cpu_ms_per_request']:>19.2f}{row['p50_ms']:>8.1f}{row['p95_ms']:>8.1f}")
