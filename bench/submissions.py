"""`POST /submissions` alone, end to end: `codementor bench submissions`.

Assumptions:
- the whole stack started in a temporary folder, the API with its default workers (one per
  core) or `--workers`, called on its own port, as kernels do;
- at each concurrency in `--concurrency` (32 and 8), that many clients in a closed loop, each
  with its own keep-alive connection, send `--requests` submissions in all: the reference
  solution of one exercise (graded in the sandbox, progress recorded), each with a new
  idempotency key, spread over enough students to stay under the submit limits (15 a student;
  the daily cap is 30 per exercise);
- CPU per submission is the API workers', the grader's (zygotes and jobs) and Postgres'
  CPU seconds from /proc over the phase, divided by the submissions; the load generator's own
  CPU is shown too (it shares the machine's cores).

Goals (issue 13): at least 200 submissions/s at 32 concurrent, p95 at most 100 ms at 8.
Reference row: see README, Benchmarks (bench/README.md for every run).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path


from ..exercise_bank import Bank
from ..hub_config.stack import Stack, free_port
from .classroom import cpu_snapshot, create_students, percentile
from .lean_http import LeanClient, TransportError

SUBMITS_PER_STUDENT = 15  # under the default 20 a minute, and with the warm-up (2 a student) under the 30 a day per exercise


async def closed_loop(api_url: str, tokens: list[str], exercise, requests: int, concurrency: int) -> tuple[float, list[float], Counter]:
    """`requests` submissions by `concurrency` clients; wall seconds, latencies, statuses."""
    latencies, statuses, next_one = [], Counter(), iter(range(requests))

    async def client():
        async with LeanClient(api_url, timeout=60) as http:
            for i in next_one:
                body = {"exercise_id": exercise.id, "code": exercise.solution, "idempotency_key": uuid.uuid4().hex}
                start = time.perf_counter()
                try:
                    resp = await http.request("POST", "/submissions", body, headers={"Authorization": f"token {tokens[i % len(tokens)]}"})
                    statuses[resp.status_code] += 1
                except TransportError:
                    statuses["connection"] += 1
                latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies, statuses


def run_phase(stack: Stack, tokens: list[str], exercise, requests: int, concurrency: int) -> dict:
    before = cpu_snapshot(stack)
    wall, latencies, statuses = asyncio.run(closed_loop(stack.api_url, tokens, exercise, requests, concurrency))
    after = cpu_snapshot(stack)
    return {
        "concurrency": concurrency, "requests": requests, "submissions_per_s": requests / wall,
        "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
        "errors": {str(k): n for k, n in statuses.items() if k == "connection" or k >= 300},
        "cpu_ms_per_submission": {k: 1000 * (after[k] - before[k]) / requests for k in after},
        "load_average": os.getloadavg()[0],
    }


def main(requests: int = 600, concurrency: tuple[int, ...] = (32, 8), workers: int = 0, as_json: bool = False) -> None:
    ops = secrets.token_hex(16)
    exercise = Bank().get("sum-of-evens")
    rows = []
    with tempfile.TemporaryDirectory(prefix="codementor-bench-submissions-") as tmp:
        env = {"CODEMENTOR_OPS_TOKEN": ops, "CODEMENTOR_CULL_TIMEOUT": "0"}
        if workers:
            env["CODEMENTOR_API_WORKERS"] = str(workers)
        stack = Stack(state_dir=Path(tmp), hub_port=free_port(), extra_env=env)
        try:
            stack.start(log_file=Path(tmp) / "hub.log")
            for round_no, clients in enumerate(concurrency):
                names = [f"sub{round_no}-{i:05d}" for i in range(max(clients, requests // SUBMITS_PER_STUDENT + 1))]
                tokens = list(create_students(stack.hub_url, ops, names).values())
                asyncio.run(closed_loop(stack.api_url, tokens, exercise, clients * 2, clients))  # warm: tokens, ids, connections
                rows.append(run_phase(stack, tokens, exercise, requests, clients))
        finally:
            stack.stop()
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    print(f"\nPOST /submissions alone, end to end (grading included), {requests} per row")
    print(f"{'clients':>8}{'subs/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'API ms':>9}{'grader ms':>11}{'Postgres ms':>13}{'loadgen ms':>12}{'load':>6}  errors")
    for r in rows:
        cpu = r["cpu_ms_per_submission"]
        print(f"{r['concurrency']:>8}{r['submissions_per_s']:>9.1f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{cpu['api']:>9.2f}"
              f"{cpu['grader']:>11.2f}{cpu['postgres']:>13.2f}{cpu['load generator']:>12.2f}{r['load_average']:>6.1f}  "
              + (", ".join(f"{k}: {n}" for k, n in r["errors"].items()) or "none"))
    print("(CPU columns: milliseconds of CPU per submission; load: the machine's 1-minute load average after the row)")
