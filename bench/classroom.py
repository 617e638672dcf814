"""A class working at once against the real stack: `codementor bench class --students N`.

Assumptions (change them with the options):
- the whole stack on this machine (Hub, proxy, API workers, grader, Postgres, Redis), started
  in a temporary folder; the API is called on its own port, as student servers' kernels do;
- every student is created through the Hub's REST API and gets a Hub token of their own;
- one lab session per student, all at once, started evenly over `--ramp` seconds: who am I,
  today's exercise, a hint, the offline tutor (no LLM vendor configured), a failing then a
  passing submission, the history, the progress page; `--think` seconds (5-15 by default)
  between steps, so a session lasts about a minute and a half;
- each simulated student has its own HTTP connection (keep-alive), so it stays with one API
  worker (the kernel's urllib client opens one per request and lands on any worker: the
  workers share the Hub's token confirmations through Redis, so either way a token is
  checked with the Hub about once per c.TutorAPI.auth_cache_seconds);
- the load generator runs in one process (asyncio); its own CPU is reported, so that a
  saturated generator is seen rather than mistaken for a slow API; the Hub's CPU (its token
  checks) and the proxy's are reported too, and the grading jobs' mean time in a slot and
  waiting for one (from the API's metrics); the whole machine's busy CPU is reported beside
  them (what the named parts miss is mostly the grading jobs, which no counted process reaps,
  and the kernel's work for them), with its busiest 10 s: a class whose p95 grows while that
  stays near 100 % is short of cores, not waiting on a lock;
- errors are counted by status and, for a 5xx, the envelope's code: `503 busy` is a full
  grading queue or no free Postgres connection (both with Retry-After), `503 unavailable` a
  backend (the Hub, Postgres, Redis) not answering; `--grader-slots` and `--auth-cache` set
  c.Grader.concurrency and c.TutorAPI.auth_cache_seconds for a run.

Reference row (2 cores shared with other work, load average about 5; 2 API workers):
  see README, Benchmarks, for the latest figures (bench/README.md for every run).
`--find-limit` searches for the largest class within the goal (p95 at most 250 ms on every
endpoint, no error), on the same stack: it doubles the class until one misses the goal (or
halves it until one meets it), then bisects between the largest class that met it and the
smallest that missed it until the two are within 10 % (on a grid of 25 students), and prints
both. Each class is a fresh set of students; a search from 1,000 runs five or six classes.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import shutil
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import httpx

from ..exercise_bank import Bank
from ..hub_config.stack import Stack, free_port
from .lean_http import LeanClient, TransportError

P95_GOAL_MS = 250.0


def create_students(hub_url: str, token: str, names: list[str]) -> dict[str, str]:
    """Create the students in the Hub (group `students`); their tokens, by name."""
    with httpx.Client(base_url=f"{hub_url}/hub/api", headers={"Authorization": f"token {token}"}, timeout=120) as hub:
        for i in range(0, len(names), 200):
            hub.post("/users", json={"usernames": names[i:i + 200]}).raise_for_status()
        hub.post("/groups/students/users", json={"users": names}).raise_for_status()
        tokens = {}
        for name in names:
            resp = hub.post(f"/users/{name}/tokens", json={"note": "bench", "expires_in": 7200})
            resp.raise_for_status()
            tokens[name] = resp.json()["token"]
        return tokens


class Recorder:
    def __init__(self):
        self.latency = defaultdict(list)  # endpoint -> seconds
        self.statuses = Counter()  # (endpoint, status)

    def add(self, endpoint: str, status: int | str, seconds: float) -> None:
        self.statuses[(endpoint, status)] += 1
        if status != "connection":
            self.latency[endpoint].append(seconds)


async def call(client: LeanClient, rec: Recorder, endpoint: str, method: str, path: str, body: dict | None = None) -> dict:
    start = time.perf_counter()
    try:
        resp = await client.request(method, path, body)
    except TransportError:
        rec.add(endpoint, "connection", time.perf_counter() - start)
        return {}
    status: int | str = resp.status_code
    try:
        data = resp.json()
    except ValueError:
        data = {}
    if status >= 500:  # the envelope's code tells a full grader (busy) from a backend down (unavailable) or a bug
        status = f"{status} {(data.get('error') or {}).get('code', '?') if isinstance(data, dict) else '?'}"
    rec.add(endpoint, status, time.perf_counter() - start)
    return data if resp.status_code < 300 and isinstance(data, dict) else {}


async def session(api_url: str, token: str, bank: Bank, rec: Recorder, delay: float, think: tuple[float, float], rng: random.Random) -> None:
    await asyncio.sleep(delay)
    async with LeanClient(api_url, {"Authorization": f"token {token}"}, timeout=60) as client:
        async def pause():
            await asyncio.sleep(rng.uniform(*think))

        await call(client, rec, "GET /me", "GET", "/me")
        await pause()
        today = await call(client, rec, "GET /exercises/today", "GET", "/exercises/today")
        items = today.get("exercises") or [{"id": bank.all()[0].id}]
        exercise = bank.get(items[0]["id"])
        await pause()
        await call(client, rec, "POST /hints", "POST", "/hints", {"exercise_id": exercise.id})
        await pause()
        await call(client, rec, "POST /tutor/ask", "POST", "/tutor/ask", {"exercise_id": exercise.id, "question": "Where do I start?", "code": "pass\n"})
        await pause()
        await call(client, rec, "POST /submissions", "POST", "/submissions", {"exercise_id": exercise.id, "code": "pass\n", "idempotency_key": uuid.uuid4().hex})
        await pause()
        await call(client, rec, "POST /submissions", "POST", "/submissions", {"exercise_id": exercise.id, "code": exercise.solution, "idempotency_key": uuid.uuid4().hex})
        await pause()
        await call(client, rec, "GET /submissions", "GET", "/submissions")
        await pause()
        await call(client, rec, "GET /progress", "GET", "/progress")
        await call(client, rec, "GET /me", "GET", "/me")


# ---- CPU of the parts, from /proc -------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _cmd(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _cpu(pid: int, with_children: bool) -> float:
    """CPU seconds of a process (and of its reaped children when asked)."""
    try:
        f = _stat(pid)
    except OSError:
        return 0.0
    ticks = int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if with_children else 0)
    return ticks / TICKS


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def cpu_snapshot(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of the API workers, their graders (zygotes and jobs), Postgres, the Hub (its token checks) and its proxy."""
    hub = stack._procs[-1].pid
    api, grader = 0.0, 0.0
    for sup in (p for p in _children(hub) if " api" in _cmd(p)):
        workers = [p for p in _children(sup) if "listen_fd" in _cmd(p)] or [sup]
        for w in workers:
            api += _cpu(w, False)
            for z in _children(w):
                grader += sum(_cpu(p, True) for p in _tree(z))
        api += _cpu(sup, False)
    pg_root = int(Path(stack.state_dir / "postgres" / "postmaster.pid").read_text().split()[0]) if (stack.state_dir / "postgres" / "postmaster.pid").exists() else 0
    postgres = sum(_cpu(p, True) for p in _tree(pg_root)) if pg_root else 0.0
    proxy = sum(_cpu(p, False) for p in _children(hub) if "configurable-http-proxy" in _cmd(p))
    t = os.times()
    return {"api": api, "grader": grader, "postgres": postgres, "hub": _cpu(hub, False), "proxy": proxy, "load generator": t.user + t.system,
            "machine": machine_busy()}


async def sample_machine(samples: list[tuple[float, float]]) -> None:
    """(time, the machine's busy CPU seconds) about once a second, into `samples` (until cancelled)."""
    while True:
        samples.append((time.monotonic(), machine_busy()))
        await asyncio.sleep(1.0)


def busiest(samples: list[tuple[float, float]], seconds: int) -> float:
    """The machine's busiest `seconds` (from the samples, each window as long as it really was), in % of all its cores."""
    if len(samples) <= seconds:
        return float("nan")
    return 100 * max((b - a) / (tb - ta) for (ta, a), (tb, b) in zip(samples, samples[seconds:])) / (os.cpu_count() or 1)


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every core, /proc/stat): what the parts above miss shows as the
    difference, mostly grading jobs (reaped by no process that is counted) and the kernel's own work for them."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICKS  # all but idle and iowait


# ---- the grader's own view, from the API's metrics ----------------------------------------

GRADING_SERIES = {"codementor_grading_duration_seconds": "job", "codementor_grading_queue_wait_seconds": "wait"}


def grading_totals(stack: Stack, metrics_token: str) -> dict[str, float]:
    """Grading jobs so far, and their total seconds in a slot and waiting for one (summed over the workers)."""
    url = stack.api_url.rsplit("/api/v1", 1)[0] + "/metrics"
    try:
        text = httpx.get(url, headers={"Authorization": f"Bearer {metrics_token}"}, timeout=30).text
    except httpx.HTTPError:
        return {}
    out: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        for series, short in GRADING_SERIES.items():
            if name in (series + "_sum", series + "_count"):
                out[f"{short}_{name.rsplit('_', 1)[1]}"] = float(value)
    return out


def grading_report(before: dict, after: dict) -> dict:
    jobs = after.get("job_count", 0) - before.get("job_count", 0)
    if not jobs:
        return {"jobs": 0}
    return {"jobs": int(jobs), "mean_job_ms": 1000 * (after["job_sum"] - before["job_sum"]) / jobs,
            "mean_wait_ms": 1000 * (after["wait_sum"] - before["wait_sum"]) / jobs}


# ---- one run, the report ----------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def run_class(stack: Stack, tokens: dict[str, str], ramp: float, think: tuple[float, float], seed: int, metrics_token: str = "") -> dict:
    bank = Bank()
    rec = Recorder()
    rng = random.Random(seed)
    names = list(tokens)
    graded_before = grading_totals(stack, metrics_token) if metrics_token else {}
    before, start = cpu_snapshot(stack), time.monotonic()
    samples: list[tuple[float, float]] = []
    sampler = asyncio.ensure_future(sample_machine(samples))
    await asyncio.gather(*(session(stack.api_url, tokens[n], bank, rec, ramp * i / max(1, len(names)), think, random.Random(rng.random()))
                           for i, n in enumerate(names)))
    wall = time.monotonic() - start
    sampler.cancel()
    after = cpu_snapshot(stack)
    grading = grading_report(graded_before, grading_totals(stack, metrics_token)) if metrics_token else {}
    total = sum(rec.statuses.values())
    endpoints = {}
    for ep, values in sorted(rec.latency.items()):
        endpoints[ep] = {"requests": len(values), "p50_ms": percentile(values, 50) * 1000, "p95_ms": percentile(values, 95) * 1000,
                         "p99_ms": percentile(values, 99) * 1000}
    errors = {f"{ep} {status}": n for (ep, status), n in sorted(rec.statuses.items(), key=str) if isinstance(status, str) or status >= 400}
    return {
        "students": len(names), "seconds": wall, "requests": total, "requests_per_s": total / wall, "endpoints": endpoints,
        "errors": errors, "cpu_percent_of_a_core": {k: 100 * (after[k] - before[k]) / wall for k in after},
        "cores": os.cpu_count(), "busiest_10s_percent_of_machine": busiest(samples, 10),
        "cpu_ms_per_request": {k: 1000 * (after[k] - before[k]) / max(1, total) for k in after},
        "grading": grading, "load_average": os.getloadavg()[0],
    }


def print_report(result: dict) -> None:
    print(f"\n{result['students']} students, {result['seconds']:.0f} s, {result['requests']} requests, {result['requests_per_s']:.1f} requests/s "
          f"(load average at the end {result['load_average']:.1f})")
    print(f"{'endpoint':<24}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for ep, row in result["endpoints"].items():
        print(f"{ep:<24}{row['requests']:>9}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}")
    print("errors: " + (", ".join(f"{k}: {n}" for k, n in result["errors"].items()) or "none"))
    print("CPU, % of one core: " + ", ".join(f"{k} {v:.1f} %" for k, v in result["cpu_percent_of_a_core"].items()))
    peak = result["busiest_10s_percent_of_machine"]
    print(f"the machine ({result['cores']} cores) in its busiest 10 s: " + ("(the run was shorter)" if peak != peak else f"{peak:.0f} % busy"))
    grading = result.get("grading") or {}
    if grading.get("jobs"):
        print(f"grading jobs: {grading['jobs']}, mean {grading['mean_job_ms']:.1f} ms in a slot, mean wait for a slot {grading['mean_wait_ms']:.1f} ms")
    print("CPU per request (all endpoints), ms: " + ", ".join(f"{k} {v:.2f}" for k, v in result["cpu_ms_per_request"].items()))


def within_goal(result: dict) -> bool:
    return not result["errors"] and all(row["p95_ms"] <= P95_GOAL_MS for row in result["endpoints"].values())


LIMIT_PRECISION = 0.10  # --find-limit stops when the classes that met and missed the goal are this close
LIMIT_GRID = 25  # class sizes it tries are multiples of this
LIMIT_ROUNDS = 8  # and it runs at most this many classes


def limit_bounds(met: list[int], missed: list[int]) -> tuple[int, int]:
    """(largest class that met the goal below the smallest that missed it, that smallest); 0 for none.

    A larger class that met the goal above a smaller one that missed it (a noisy run) does not count."""
    high = min(missed, default=0)
    low = max((n for n in met if not high or n < high), default=0)
    return low, high


def next_class(met: list[int], missed: list[int]) -> int | None:
    """The next class size `--find-limit` tries, or None once the limit is known closely enough."""
    low, high = limit_bounds(met, missed)
    if not high:
        return low * 2
    if not low:
        half = high // 2 // LIMIT_GRID * LIMIT_GRID
        return half or None
    middle = round((low + high) / 2 / LIMIT_GRID) * LIMIT_GRID
    if high - low <= LIMIT_PRECISION * low or not low < middle < high:
        return None
    return middle


def search_limit(start: int, meets, rounds: int = LIMIT_ROUNDS) -> tuple[int, int]:
    """Run classes from `start` (`meets(size)` runs one and says whether it met the goal) as
    `--find-limit` does, at most `rounds` of them; the bounds found (`limit_bounds`)."""
    met: list[int] = []
    missed: list[int] = []
    size = start
    for _ in range(rounds):
        (met if meets(size) else missed).append(size)
        size = next_class(met, missed)
        if not size:
            break
    return limit_bounds(met, missed)


def main(students: int, as_json: bool = False, find_limit: bool = False, ramp: float = 30.0, think: tuple[float, float] = (5.0, 15.0),
         workers: int = 0, log_to: str = "", grader_slots: int = 0, auth_cache: int = 0) -> None:
    ops = secrets.token_hex(16)
    results = []
    with tempfile.TemporaryDirectory(prefix="codementor-bench-class-") as tmp:
        metrics_token = secrets.token_hex(16)
        env = {"CODEMENTOR_OPS_TOKEN": ops, "CODEMENTOR_CULL_TIMEOUT": "0", "CODEMENTOR_METRICS_TOKEN": metrics_token}
        if workers:
            env["CODEMENTOR_API_WORKERS"] = str(workers)
        settings = ([f"c.Grader.concurrency = {int(grader_slots)}"] if grader_slots else []) + (  # per worker
            [f"c.TutorAPI.auth_cache_seconds = {int(auth_cache)}"] if auth_cache else [])
        if settings:
            (Path(tmp) / "api_config.py").write_text("\n".join(settings) + "\n")
            env["CODEMENTOR_API_CONFIG"] = str(Path(tmp) / "api_config.py")
        stack = Stack(state_dir=Path(tmp), hub_port=free_port(), extra_env=env)
        try:
            stack.start(log_file=Path(tmp) / "hub.log")

            def one_class(size: int) -> bool:
                round_no = len(results)  # each class is a fresh set of students
                tokens = create_students(stack.hub_url, ops, [f"cls{round_no}-{i:05d}" for i in range(size)])
                result = asyncio.run(run_class(stack, tokens, ramp, think, seed=round_no, metrics_token=metrics_token))
                results.append(result)
                if not as_json:
                    print_report(result)
                return within_goal(result)

            largest, smallest_missed = search_limit(students, one_class, LIMIT_ROUNDS if find_limit else 1)
        finally:
            stack.stop()
            if log_to:
                shutil.copyfile(Path(tmp) / "hub.log", log_to)
    if as_json:
        print(json.dumps({"runs": results, "largest_class_within_goal": largest if find_limit else None,
                          "smallest_class_missing_goal": (smallest_missed or None) if find_limit else None}, indent=2))
    elif find_limit:
        print(f"\nlargest class with p95 <= {P95_GOAL_MS:.0f} ms on every endpoint and no error: {largest or 'none'}"
              + (f"; the smallest that missed: {smallest_missed}" if smallest_missed else "; none missed"))
