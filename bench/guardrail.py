"""`codementor bench guardrail`: does the leak filter hold, what does it cost?

- leak rate per kind of disguise: the reference solution of every exercise of the bank hidden
  each way (bench/disguises.py), judged as the gateway judges an answer (views, similarity,
  walkthrough, and code that runs graded against the hidden tests in the real sandbox), turn
  by turn with what the student received before; and other forms (`OTHER_KINDS`: code a word a
  line, in Morse, as tokens, records, with a legend for its keywords, split over two answers...),
  counted apart: the suite's matrix judges the first list only;
- false alarms on the benign set (authored hints, an error explanation, a conceptual answer,
  three other exercises' first hints, a one-line fix of the student's own code), judged alone
  and as one student who got them all, exercise after exercise, would have them judged: with
  what models told them under other exercises that holds pieces of each exercise's solution (in
  that exercise's own memory, said elsewhere, and in the memories of the others);
- the filter's time per answer, p50/p95, sandboxed runs included, and the slowest of its readers on
  answers of 64 KiB crafted to slow one down (openers never closed, runs of blanks, many short lines);
- the time to first visible text of a streamed answer through the gateway (real Postgres,
  Redis and a local vendor that streams in six pieces), with the stream guard that releases
  only what passed the filter against the earlier guard that released lines early.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from .tutor import percentile, stand_in_vendor

GOALS = {"leaks": 0, "false_alarm_rate": 0.02, "filter_p95_ms": 25.0}


def _stats(values: list[float]) -> dict:
    return {"p50": round(percentile(values, 0.5), 2), "p95": round(percentile(values, 0.95), 2), "n": len(values)} if values else {}


# --- the matrix ------------------------------------------------------------------------------
async def _kinds(gw, bank, kinds, timings: list, ran: list) -> dict:
    """Each kind of disguise of every exercise's solution, its turns in order until one is judged a leak."""
    from .disguises import disguise

    per_kind = {}
    for kind in kinds:
        missed = []
        for exercise in bank.all():
            prior, caught = "", False
            for turn in disguise(kind, exercise.solution):
                started = time.perf_counter()
                verdict = await gw.judge(exercise, turn, prior)
                timings.append((time.perf_counter() - started) * 1000)
                ran.append(verdict.passes_share is not None)
                if verdict.leaking:
                    caught = True
                    break
                prior = f"{prior}\n\n{turn}" if prior else turn
            if not caught:
                missed.append(exercise.id)
        per_kind[kind] = {"exercises": len(bank.all()), "leaks": len(missed), "missed": missed}
    return per_kind


def crafted(size: int = 64 * 1024) -> dict:
    """The slowest reading (of every view's reader) of answers made to slow a reader down: openers never closed, long
    runs of blanks, many short lines, deep nesting (what a student could ask a model to write). Milliseconds."""
    from codementor.api.gateway.leak import views

    cases = {
        "block comments never closed": "<!--" * (size // 4), "Morse and a run of blanks": ".- " * 30 + " " * size + ".-",
        "flowchart labels never closed": 'a["x ' * (size // 5), "a line of blanks": "x" + " " * size + "y",
        "a token list never closed": "[" + ", ".join(['"a"'] * (size // 5)), "a word a line": "w\n" * (size // 2),
        "openers a line": "if x:\n" * (size // 6), "a table of pipes": "| a | b | c |\n" * (size // 14),
        "legend words": "x means for " * (size // 12), "CSV rows": ("a," * 50 + "\n") * (size // 101),
        "semicolons after an opener": "def f():" + "; x" * (size // 3), "backslashes a line": "x \\\n" * (size // 4),
        "code blocks": "```\nx\n```\n" * (size // 10), "template literals never closed": "= `\n" * (size // 4),
        "leet words": "r3 f0r " * (size // 7), "an SQL row of quotes": "(1, '" + "''" * (size // 2),
        "a table of base64 cells": "| QUJD |\n" * (size // 9),
    }
    slowest = {}
    for name, text in cases.items():
        times = {}
        for reader in (*views.TRANSFORMS, views.spread_readings):
            started = time.perf_counter()
            reader(text)
            times[reader.__name__] = (time.perf_counter() - started) * 1000
        worst = max(times, key=times.get)
        slowest[name] = {"reader": worst, "ms": round(times[worst], 1)}
    return slowest


async def matrix(gw, bank) -> dict:
    from .disguises import KINDS, OTHER_KINDS, benign, disguise, one_line_fix
    from codementor.exercise_bank.mutation import mutants_of

    timings, ran = [], []
    per_kind = await _kinds(gw, bank, KINDS, timings, ran)
    other = await _kinds(gw, bank, OTHER_KINDS, [], [])  # not in the timings: those stay comparable from release to release
    from codementor.api.services.tutoring import leak_memory

    alarms, total, exercises = [], 0, bank.all()
    said: dict[str, list[str]] = {}  # one student's memory across exercises, as the API keeps it (`touches`)
    remembered = []
    for i, exercise in enumerate(exercises):
        others = [exercises[(i + k) % len(exercises)] for k in (1, 7, 19)]
        pairs = [(m.source, f) for m in mutants_of(exercise.solution, 10) if (f := one_line_fix(exercise.solution, m.source))][:1]
        student, fix = pairs[0] if pairs else (exercise.starter, None)
        for label, answer in benign(exercise, others, fix).items():
            started = time.perf_counter()
            verdict = await gw.judge(exercise, answer, "", student if label == "one-line-fix" else exercise.starter)
            timings.append((time.perf_counter() - started) * 1000)
            ran.append(verdict.passes_share is not None)
            total += 1
            if verdict.leaking:
                alarms.append(f"{exercise.id}: {label} ({verdict.reason})")
            cross = {x: leak_memory(texts, gw.detector(gw.solutions[x])) for x, texts in said.items() if x != exercise.id}
            # what was said under other exercises that touches this one is in its own memory too, said elsewhere
            told = said.get(exercise.id, [])
            prior = leak_memory(told, gw.detector(exercise), elsewhere=frozenset(told))
            if (cross or prior) and (await gw.judge(exercise, answer, prior, student if label == "one-line-fix" else exercise.starter,
                                                    cross)).leaking:
                if not verdict.leaking:
                    remembered.append(f"{exercise.id}: {label}")
            for x in gw.touched(exercise, answer):
                said.setdefault(x, []).append(answer)
    return {"kinds": per_kind, "other_kinds": other, "benign": {"answers": total, "false_alarms": len(alarms), "rate": round(len(alarms) / total, 4), "which": alarms,
                                          "false_alarms_with_memory": len(remembered), "which_with_memory": remembered,
                                          "remembered_for": sum(map(len, said.values()))},
            "filter_ms": _stats(timings), "filter_ms_without_run": _stats([t for t, r in zip(timings, ran) if not r]),
            "filter_ms_with_run": _stats([t for t, r in zip(timings, ran) if r])}


# --- streaming: time to first visible text ----------------------------------------------------
class LineGuard:
    """The earlier stream guard, for comparison: lines went out at once unless one looked like the solution."""

    def __init__(self, detector, prior: str = "", code: str = "", cross=None):
        self.detector, self.prior, self.code, self.cross, self.more = detector, prior, code, cross, None
        self.text, self.sent, self.holding = "", 0, False

    def feed(self, piece: str) -> str:
        self.text += piece
        if self.holding:
            return ""
        cut = self.text.rfind("\n") + 1
        if self.text[:cut].count("```") % 2 == 1:
            self.holding = True
            cut = self.text.rfind("\n", 0, self.text.rfind("```", 0, cut)) + 1
        if cut <= self.sent:
            return ""
        pending = self.text[self.sent:cut]
        if "```" in pending or re.search(r"^\s*def\s", pending, re.M) or self.detector.suspicious(pending):
            self.holding = True
            return ""
        self.sent = cut
        return pending

    def rest(self) -> str:
        out, self.sent = self.text[self.sent:], len(self.text)
        return out


async def first_text(gw, asker, bank, llm, answers: list[tuple]) -> list[float]:
    from codementor.api.gateway.guardrails import TutorContext

    delays = []
    for exercise, answer in answers:
        llm.state.reset(mode="slow", delay=0.03, reply=answer)
        ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, question="what next?", code=exercise.starter)
        started = time.perf_counter()
        first = None
        async for event in gw.answer(asker, exercise, ctx):
            if first is None and event.kind in ("delta", "replace") and event.text:
                first = (time.perf_counter() - started) * 1000
        delays.append(first if first is not None else (time.perf_counter() - started) * 1000)
    return delays


async def streaming(stack, llm, bank, count: int) -> dict:
    import redis.asyncio as aioredis

    from codementor.api import db
    from codementor.api.gateway.gateway import Asker, TutorGateway
    from codementor.api.grader import Grader
    from codementor.api.services.users import Identity, UserDirectory

    engine = db.make_engine(stack.database_url)
    redis = aioredis.from_url(stack.redis_url)
    sessionmaker = db.make_sessionmaker(engine)
    settings = dict(redis=redis, sessionmaker=sessionmaker, grader=Grader(), bank=bank, base_url=llm.base_url, api_key="bench", model="local-bench",
                    cache_enabled=False, rate_limits={"student": {"per_minute": 10**6, "per_day": 10**7}}, daily_budget_usd={"student": 1000.0})

    class Before(TutorGateway):
        def guard(self, exercise, ctx, prior="", cross=None, more=None, sees=None):
            return LineGuard(self.detector(exercise), prior, ctx.code, cross)

    exercises = bank.all()
    answers = [(ex, text) for i, ex in enumerate(exercises) for text in (
        ex.hints[0] + "\n\nTry it on the first example of the statement. " + ex.hints[1] + "\n",
        "Good question! Look at **what your code does** for the smallest input.\n\nWhich value do you expect there? Print it and compare.\n",
    )][:count]
    results = {}
    for label, cls in (("before", Before), ("after", TutorGateway)):
        gw = cls(**settings)
        name = f"bench-guard-{label}-{secrets.token_hex(3)}"
        asker = Asker(await UserDirectory(sessionmaker, []).user_id(Identity(name, "student", ())), name, "student")
        await first_text(gw, asker, bank, llm, answers[:5])  # warm up
        results[label] = _stats(await first_text(gw, asker, bank, llm, answers))
        await gw.aclose()
    await settings["grader"].aclose()
    await redis.aclose()
    await engine.dispose()
    return results


# --- running it ----------------------------------------------------------------------------------
async def measure(stack, llm, bank, streams: int) -> dict:
    import redis.asyncio as aioredis

    from codementor.api import db
    from codementor.api.gateway.gateway import TutorGateway
    from codementor.api.grader import Grader

    engine = db.make_engine(stack.database_url)
    redis = aioredis.from_url(stack.redis_url)
    gw = TutorGateway(redis=redis, sessionmaker=db.make_sessionmaker(engine), grader=Grader(), bank=bank)
    try:
        results = await matrix(gw, bank)
    finally:
        await gw.grader.aclose()
        await redis.aclose()
        await engine.dispose()
    results["first_text_ms"] = await streaming(stack, llm, bank, streams)
    results["crafted_64k"] = crafted()
    return results



def run(streams: int = 60) -> dict:
    from codementor.exercise_bank import Bank
    from codementor.hub_config.stack import Stack

    bank = Bank()
    LocalLLM = stand_in_vendor()
    stack = Stack(state_dir=Path(tempfile.mkdtemp(prefix="codementor-bench-guardrail-")))
    llm = LocalLLM().start()
    try:
        stack.start_postgres()
        stack.start_redis()
        stack.migrate()

        results = asyncio.run(measure(stack, llm, bank, streams))
    finally:
        llm.stop()
        stack.stop()
        shutil.rmtree(stack.state_dir, ignore_errors=True)  # its Postgres and Redis: 40 MB a run
    leaks = sum(k["leaks"] for k in results["kinds"].values())
    results["goals"] = {"leaks": [leaks, GOALS["leaks"]], "false_alarm_rate": [results["benign"]["rate"], GOALS["false_alarm_rate"]],
                        "filter_p95_ms": [results["filter_ms"]["p95"], GOALS["filter_p95_ms"]]}
    return results


def table(results: dict) -> str:
    kinds = results["kinds"]
    width = max(len(k) for k in kinds) + 2
    lines = [f"{'disguise':<{width}}  leaks / exercises  leak rate  missed", "-" * (width + 60)]
    for kind, row in kinds.items():
        missed = ", ".join(row["missed"][:4]) + (" ..." if len(row["missed"]) > 4 else "")
        lines.append(f"{kind:<{width}}  {row['leaks']:>5} / {row['exercises']:<9}  {row['leaks'] / row['exercises']:>8.1%}  {missed}")
    leaks = sum(r["leaks"] for r in kinds.values())
    total = sum(r["exercises"] for r in kinds.values())
    b, f, s = results["benign"], results["filter_ms"], results["first_text_ms"]
    ok = lambda value, goal: "met" if value <= goal else "MISSED"  # noqa: E731
    other = results["other_kinds"]
    other_leaks, other_total = sum(r["leaks"] for r in other.values()), sum(r["exercises"] for r in other.values())
    missing = "; ".join(f"{kind} {', '.join(row['missed'][:3])}" for kind, row in other.items() if row["leaks"])
    lines += [
        "-" * (width + 60),
        f"{'all kinds':<{width}}  {leaks:>5} / {total:<9}  {leaks / total:>8.1%}  goal 0: {ok(leaks, 0)}",
        f"other forms ({len(other)} kinds, judged by this bench only): {other_leaks} / {other_total} shown"
        + (f": {missing}" if missing else ""),
        f"benign answers: {b['false_alarms']} false alarms of {b['answers']} ({b['rate']:.1%}; goal <= 2 %: {ok(b['rate'], 0.02)})"
        + (f": {'; '.join(b['which'][:6])}" if b["which"] else "")
        + f"; with one student's memory across exercises {b['false_alarms_with_memory']} more ({b['remembered_for']} answers "
        f"remembered for other exercises){': ' + '; '.join(b['which_with_memory']) if b['which_with_memory'] else ''}",
        f"filter time per answer (sandboxed runs included): p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms over {f['n']} answers "
        f"(goal p95 <= 25 ms: {ok(f['p95'], 25)})",
        f"  answers judged without a sandboxed run: p50 {results['filter_ms_without_run']['p50']:.1f} ms, "
        f"p95 {results['filter_ms_without_run']['p95']:.1f} ms over {results['filter_ms_without_run']['n']}",
        f"  answers whose code was graded in the sandbox: p50 {results['filter_ms_with_run'].get('p50', 0):.1f} ms, "
        f"p95 {results['filter_ms_with_run'].get('p95', 0):.1f} ms over {results['filter_ms_with_run'].get('n', 0)}",
        "slowest reading of a crafted 64 KiB answer: " + "; ".join(
            f"{name} {row['ms']:.0f} ms ({row['reader']})" for name, row in results["crafted_64k"].items()),
        f"time to first visible text, streamed ({s['after']['n']} answers, vendor pieces every 30 ms): "
        f"before (lines released early) p50 {s['before']['p50']:.0f} ms, p95 {s['before']['p95']:.0f} ms; "
        f"after (only what passed the filter) p50 {s['after']['p50']:.0f} ms, p95 {s['after']['p95']:.0f} ms",
    ]
    return "\n".join(lines)


def main(as_json: bool = False, streams: int = 60) -> None:
    results = run(streams)
    print(json.dumps(results, indent=2) if as_json else table(results))
