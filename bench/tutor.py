"""`codementor bench tutor`: how fast and how cheap the tutor is.

Three figures:
- the offline `%hint` (and `%tutor`) round trip from the kernel side: the magic, its HTTP
  client, the Hub-run API, Postgres and Redis, with no LLM configured;
- the gateway's overhead over a direct call to the same local chat-completions server
  (limits, budget reserve and settle, guardrails, leak filter);
- the cache hit rate when a class's requests are replayed (many students, the same
  exercises, similar code and errors).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import random
import secrets
import sys
import shutil
import tempfile
import time
from pathlib import Path

import httpx

GOALS = {"offline_hint_p95_ms": 50.0, "overhead_p95_ms": 15.0, "cache_hit_rate": 0.30}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict:
    return {"p50": round(percentile(values, 0.5), 2), "p95": round(percentile(values, 0.95), 2), "n": len(values)}


# --- 1. the kernel side ------------------------------------------------------------------
def _hub_users(stack, count: int) -> list[str]:
    hub = httpx.Client(base_url=stack.hub_url + "/hub/api", headers={"Authorization": f"token {stack.ops_token}"}, timeout=30)
    tokens = []
    for i in range(count):
        name = f"bench{i}"
        hub.post(f"/users/{name}")
        tokens.append(hub.post(f"/users/{name}/tokens", json={"note": "bench", "expires_in": 3600}).json()["token"])
    return tokens


def _shell(notebook: Path, api_url: str):
    from IPython.core.interactiveshell import InteractiveShell

    os.environ.update({"JPY_SESSION_NAME": str(notebook), "CODEMENTOR_API_URL": api_url})
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "tutor_kernel_ext")
    import tutor_kernel_ext

    return shell, tutor_kernel_ext._magics


def kernel_round_trips(stack, bank, rounds: int) -> dict:
    """%hint and %tutor timed from the kernel side against the running API (offline tutor)."""
    import nbformat
    from IPython.utils.capture import capture_output

    from codementor.exercise_bank.render import render_notebook

    exercise = bank.all()[0]
    notebook = Path(tempfile.mkdtemp()) / "bench.ipynb"
    nbformat.write(render_notebook(exercise), notebook)
    shell, magics = _shell(notebook, stack.api_url)
    tokens = _hub_users(stack, 1 + rounds // 5)  # at most 5 requests each: under the per-minute limits
    with capture_output():
        for token in tokens:  # warm up: the API caches each token's identity after its first use
            magics.api_token = token
            shell.run_line_magic("hint", "")
    timings = {"hint": [], "tutor": []}
    for i in range(rounds):
        magics.api_token = tokens[i % len(tokens)]
        for magic, line in (("hint", ""), ("tutor", "what should I check first?")):
            started = time.perf_counter()
            with capture_output():
                shell.run_line_magic(magic, line)
            timings[magic].append((time.perf_counter() - started) * 1000)
    return {"offline_hint_ms": summary(timings["hint"]), "offline_tutor_ms": summary(timings["tutor"])}


# --- 2. gateway overhead -----------------------------------------------------------------
async def _gateway(stack, llm, **settings):
    import redis.asyncio as aioredis

    from codementor.api import db
    from codementor.api.gateway.gateway import TutorGateway
    from codementor.exercise_bank import Bank

    engine = db.make_engine(stack.database_url)
    redis = aioredis.from_url(stack.redis_url)
    gw = TutorGateway(redis=redis, sessionmaker=db.make_sessionmaker(engine), bank=Bank(), base_url=llm.base_url, api_key="bench",
                      model="local-bench", rate_limits={"student": {"per_minute": 10**6, "per_day": 10**7}},
                      daily_budget_usd={"student": 1000.0}, **settings)
    return gw, engine, redis


async def _asker(gw, name: str):
    from codementor.api.gateway.gateway import Asker
    from codementor.api.services.users import Identity, UserDirectory

    user_id = await UserDirectory(gw.sessionmaker, []).user_id(Identity(name, "student", ()))
    return Asker(user_id, name, "student")


async def overhead(stack, llm, bank, rounds: int) -> dict:
    from codementor.api.gateway.guardrails import TutorContext, build_messages
    from codementor.api.gateway.providers import ProviderRequest

    gw, engine, redis = await _gateway(stack, llm, cache_enabled=False)
    exercise = bank.get("sum-of-evens")
    asker = await _asker(gw, "bench-overhead")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, question="why is it 0?", code=exercise.starter, ladder_hint=exercise.hints[0])
    provider = gw.chain[0]
    direct, through = [], []
    for i in range(rounds + 5):
        started = time.perf_counter()
        async for _ in provider.stream(ProviderRequest(build_messages(ctx), gw.max_output_tokens, ctx)):
            pass
        mid = time.perf_counter()
        async for _ in gw.answer(asker, exercise, ctx):
            pass
        end = time.perf_counter()
        if i >= 5:
            direct.append((mid - started) * 1000)
            through.append((end - mid) * 1000)
    await gw.aclose()
    await redis.aclose()
    await engine.dispose()
    diffs = [t - d for t, d in zip(through, direct)]
    return {"direct_ms": summary(direct), "gateway_ms": summary(through), "overhead_ms": summary(diffs)}


# --- 3. cache hit rate on a replayed class ---------------------------------------------------
MISTAKES = {
    "sum-of-evens": [
        ("def sum_of_evens(numbers):\n    total = 0\n    return total\n", "AssertionError"),
        ("def sum_of_evens(numbers):\n    total = 0\n    for n in numbers:\n        total += n\n    return total\n", "AssertionError"),
        ("def sum_of_evens(numbers):\n    for n in numbers:\n        if n % 2 == 0:\n            total += n\n    return total\n", "UnboundLocalError: cannot access local variable 'total' where it is not associated with a value"),
        ("def sum_of_evens(numbers):\n    total = 0\n    for n in numbers:\n        if n % 2 = 0:\n            total += n\n    return total\n", "SyntaxError: invalid syntax"),
    ],
    "word-frequencies": [
        ("def word_frequencies(text):\n    counts = {}\n    for word in text.split():\n        counts[word] += 1\n    return counts\n", "KeyError: 'the'"),
        ("def word_frequencies(text):\n    counts = {}\n    for word in text.split():\n        counts[word] = counts.get(word, 0) + 1\n    return counts\n", "AssertionError"),
        ("def word_frequencies(text):\n    counts = {}\n    return counts\n", "AssertionError"),
    ],
    "safe-average": [
        ("def average(values):\n    return sum(values) / len(values)\n", "ZeroDivisionError: division by zero"),
        ("def average(values):\n    if not values:\n        return 0\n    return sum(values) / len(values)\n", "AssertionError"),
        ("def average(values):\n    total = 0\n    for v in values:\n        total += v\n    return total / len(values)\n", "TypeError: unsupported operand type(s) for +=: 'int' and 'str'"),
    ],
}
COMMON_QUESTIONS = ["", "", "why does this fail?", "what should I do next?", "I don't understand the error"]


def _noise(code: str, rng: random.Random) -> str:
    """How students' copies of the same mistake differ: comments, blank lines, spacing."""
    lines = code.splitlines()
    if rng.random() < 0.5:
        lines.insert(1, "    # my attempt")
    if rng.random() < 0.5:
        lines = [ln.replace(" = ", "=") for ln in lines]
    return "\n".join(lines) + ("\n\n" if rng.random() < 0.5 else "\n")


def class_trace(students: int, seed: int = 7) -> list[tuple[int, str, str, str, str]]:
    """(student, exercise, code, error, question) in the order a class would send them."""
    rng = random.Random(seed)
    events = []
    for student in range(students):
        for exercise, mistakes in MISTAKES.items():
            for code, error in rng.sample(mistakes, k=rng.randint(1, len(mistakes))):
                if rng.random() < 0.15:  # a mistake of one's own: new names, unique code
                    code = code.replace("total", f"t{student}").replace("counts", f"c{student}").replace("values", f"v{student}")
                question = rng.choice(COMMON_QUESTIONS) if rng.random() < 0.85 else f"question {student}-{rng.random():.6f}"
                events.append((rng.random(), student, exercise, _noise(code, rng), error, question))
    events.sort()
    return [e[1:] for e in events]


async def cache_replay(stack, llm, bank, students: int) -> dict:
    from codementor.api.gateway.guardrails import TutorContext
    from codementor.api.gateway.cache import PREFIX

    gw, engine, redis = await _gateway(stack, llm)
    await redis.delete(f"{PREFIX}:stats:hits", f"{PREFIX}:stats:misses")
    askers = [await _asker(gw, f"bench-class-{i}") for i in range(students)]
    trace = class_trace(students)
    for student, exercise_id, code, error, question in trace:
        exercise = bank.get(exercise_id)
        ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, question=question, code=code, error=error,
                           ladder_hint=exercise.hints[-1], names=(askers[student].name,))
        async for _ in gw.answer(askers[student], exercise, ctx):
            pass
    stats = await gw.cache.stats()
    await gw.aclose()
    await redis.aclose()
    await engine.dispose()
    # the rate over every request (personal questions skip the cache and count as misses)
    return {"requests": len(trace), "students": students, **stats, "hit_rate_of_lookups": round(stats["hit_rate"], 3),
            "hit_rate": round(stats["hits"] / len(trace), 3)}


# --- running it ----------------------------------------------------------------------------
def run(rounds: int = 200, students: int = 30) -> dict:
    from codementor.exercise_bank import Bank
    from codementor.hub_config.stack import Stack, free_port

    LocalLLM = stand_in_vendor()
    for name in ("CODEMENTOR_LLM_BASE_URL", "CODEMENTOR_LLM_API_KEY", "CODEMENTOR_ANTHROPIC_API_KEY"):
        os.environ.pop(name, None)  # the kernel figure is the offline tutor
    bank = Bank()
    state = Path(tempfile.mkdtemp(prefix="codementor-bench-"))
    ops = secrets.token_hex(16)
    stack = Stack(state_dir=state, hub_port=free_port(), extra_env={"CODEMENTOR_OPS_TOKEN": ops})
    stack.ops_token = ops
    llm = LocalLLM().start()
    try:
        stack.start(log_file=state / "jupyterhub.log")
        results = {"kernel": kernel_round_trips(stack, bank, rounds)}
        results["gateway"] = asyncio.run(overhead(stack, llm, bank, rounds))
        results["cache"] = asyncio.run(cache_replay(stack, llm, bank, students))
    finally:
        llm.stop()
        stack.stop()
        shutil.rmtree(state, ignore_errors=True)
    results["goals"] = {
        "offline_hint_p95_ms": [results["kernel"]["offline_hint_ms"]["p95"], GOALS["offline_hint_p95_ms"]],
        "overhead_p95_ms": [results["gateway"]["overhead_ms"]["p95"], GOALS["overhead_p95_ms"]],
        "cache_hit_rate": [results["cache"]["hit_rate"], GOALS["cache_hit_rate"]],
    }
    return results


def table(results: dict) -> str:
    k, g, c = results["kernel"], results["gateway"], results["cache"]
    ok = lambda value, goal, lower=True: "met" if (value <= goal if lower else value >= goal) else "MISSED"  # noqa: E731
    rows = [
        ("offline %hint round trip (kernel side)", f"{k['offline_hint_ms']['p50']:.1f} ms", f"{k['offline_hint_ms']['p95']:.1f} ms", f"p95 <= 50 ms: {ok(k['offline_hint_ms']['p95'], 50)}"),
        ("offline %tutor round trip (streamed)", f"{k['offline_tutor_ms']['p50']:.1f} ms", f"{k['offline_tutor_ms']['p95']:.1f} ms", ""),
        ("direct call to the local provider", f"{g['direct_ms']['p50']:.1f} ms", f"{g['direct_ms']['p95']:.1f} ms", ""),
        ("same call through the gateway", f"{g['gateway_ms']['p50']:.1f} ms", f"{g['gateway_ms']['p95']:.1f} ms", ""),
        ("gateway overhead (paired)", f"{g['overhead_ms']['p50']:.1f} ms", f"{g['overhead_ms']['p95']:.1f} ms", f"p95 <= 15 ms: {ok(g['overhead_ms']['p95'], 15)}"),
        (f"cache hit rate ({c['requests']} requests, {c['students']} students)", f"{c['hit_rate']:.0%}", "", f">= 30 %: {ok(c['hit_rate'], 0.30, lower=False)}"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'measure':<{width}}  {'p50':>9}  {'p95':>9}  goal", "-" * (width + 40)]
    lines += [f"{a:<{width}}  {b:>9}  {c_:>9}  {d}" for a, b, c_, d in rows]
    return "\n".join(lines)


def stand_in_vendor():
    """The tests' stand-in LLM vendor (tests/local_llm.py): this benchmark runs from a source checkout."""
    path = Path(__file__).resolve().parents[1] / "tests" / "local_llm.py"
    if not path.is_file():
        sys.exit(f"codementor bench tutor: run it from a source checkout (make install): {path} is missing")
    spec = importlib.util.spec_from_file_location("codementor_bench_local_llm", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LocalLLM


def main(as_json: bool = False, rounds: int = 200, students: int = 30) -> None:
    results = run(rounds, students)
    print(json.dumps(results, indent=2) if as_json else table(results))
