"""The tutor gateway: limits, budget, cache, providers with retries and fallback, guardrails."""

from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import AsyncIterator

import httpx
from traitlets import Bool, Dict, Float, Integer, List, Unicode, default
from traitlets.config import Configurable

from .. import metrics
from ..services.clock import local_day, utcnow
from ..services.limits import RateLimiter
from . import ledger
from .breaker import CircuitBreaker
from .cache import AnswerCache, cache_key, holds_code, normalized_error
from .guardrails import PROMPT_VERSION, TutorContext, build_messages
from .leak import LeakDetector, SolutionIndex, StatementFrequency, hidden_share, judge
from .leak.memory import remembered
from .leak import runnable
from .leak.index import TOUCH
from .leak.views import views
from .privacy import PersonalDataScrubber, holds_personal_data
from .stream import GuardedStream
from .providers import AnthropicProvider, OfflineProvider, OpenAIProvider, Provider, ProviderError, ProviderRequest
from .runs import Allowance, LeakRuns

log = logging.getLogger(__name__)
MAX_CROSS = 5  # exercises judged with what the student got of them under other exercises, besides `related`


@lru_cache(maxsize=256)
def _gives_away_alone(detector: LeakDetector, memory: str, starter: str = "") -> bool:
    """Does `memory` give the exercise away by similarity or walkthrough, read as it is read before an answer
    (its code blocks joined, as a block may go on in the next message) or on its own?"""
    return detector.check(memory, code=starter).leaking or detector.check("", memory, code=starter).leaking


@lru_cache(maxsize=256)
def _found(index, text: str) -> frozenset[int]:
    """The fingerprints of the solutions `text` holds, once per text (a streamed answer is looked up at every line)."""
    return index.found(views(text))


@dataclass
class Event:
    """What the gateway streams: `delta` (more text), `replace` (show this instead: of a held-back answer, the text
    already shown followed by the next step), `done` (the whole answer, and metadata)."""

    kind: str
    text: str = ""
    meta: dict | None = None


@dataclass
class Asker:
    user_id: int
    name: str
    role: str
    sees: object = None  # the exercises the asker may see (`id in sees`: their bank view); None: every exercise


def _env(name: str, fallback: str = "") -> str:
    return os.environ.get(name, fallback)


class TutorGateway(Configurable):
    """Where every tutor answer comes from. Provider keys live here, in the API only."""

    providers = List(Unicode(), ["openai", "anthropic", "offline"], help="Providers to try, in order; 'offline' always answers and ends the chain.").tag(config=True)
    base_url = Unicode(help="Base URL of an OpenAI-compatible chat-completions API ($CODEMENTOR_LLM_BASE_URL), e.g. http://localhost:11434/v1 for Ollama.").tag(config=True)
    api_key = Unicode(help="API key of that provider ($CODEMENTOR_LLM_API_KEY). With neither key nor base URL the provider is skipped.").tag(config=True)
    model = Unicode(help="Model name for the OpenAI-compatible provider ($CODEMENTOR_LLM_MODEL).").tag(config=True)
    anthropic_api_key = Unicode(help="Key for the Anthropic Messages API ($CODEMENTOR_ANTHROPIC_API_KEY); empty skips it.").tag(config=True)
    anthropic_base_url = Unicode("https://api.anthropic.com", help="Base URL of the Anthropic API.").tag(config=True)
    anthropic_model = Unicode("claude-haiku-4-5", help="Model for the Anthropic provider.").tag(config=True)
    connect_timeout = Float(3.0, help="Seconds to connect to a provider.").tag(config=True)
    read_timeout = Float(20.0, help="Seconds to wait for the next piece of a provider's answer.").tag(config=True)
    max_retries = Integer(1, help="Retries per provider after a retryable failure (before any text arrived).").tag(config=True)
    retry_backoff = Float(0.25, help="First backoff in seconds; doubles at each retry.").tag(config=True)
    breaker_threshold = Integer(3, help="Consecutive failures that open a provider's circuit.").tag(config=True)
    breaker_cooldown = Float(30.0, help="Seconds a provider with an open circuit is skipped.").tag(config=True)
    max_output_tokens = Integer(400, help="Largest answer requested from a provider (bounds the cost reserved).").tag(config=True)
    prices = Dict(
        {"*": {"input": 0.15, "output": 0.60}},
        help="USD per million tokens by model name ('*' for any other): {'model': {'input': ..., 'output': ...}}.",
    ).tag(config=True)
    daily_budget_usd = Dict({"student": 0.05, "instructor": 0.50, "admin": 2.00}, help="LLM spend allowed per user per day, by role (USD).").tag(config=True)
    rate_limits = Dict(
        help="Older setting, still honoured: tutor requests allowed per user, by role ({'student': {'per_minute': n, "
        "'per_day': n}}). Prefer c.RateLimiter.limits['tutor'].",
    ).tag(config=True)
    cache_enabled = Bool(True, help="Share answers to identical, non-personal requests through Redis.").tag(config=True)
    cache_ttl = Integer(7 * 86400, help="Seconds a shared answer is kept.").tag(config=True)
    leak_threshold = Float(
        0.4, help="Share of the reference solution's statements (weighted by size and by rarity across the bank's "
        "solutions) at which an answer counts as a leak.",
    ).tag(config=True)
    leak_walk_threshold = Float(
        0.8, help="Share of the reference solution's steps (weighted as for leak_threshold) that an answer may tell in "
        "order, in code, pseudocode or prose, before it counts as a walkthrough (a leak).",
    ).tag(config=True)
    leak_pass_share = Float(
        0.25, help="Share of the hidden tests (of those the starter code fails) that code read out of an answer may pass "
        "when graded in the sandbox; more is a leak.",
    ).tag(config=True)
    leak_max_runs = Integer(
        12, help="Sandbox runs the leak filter spends on one answer's code, over every exercise it is judged against; an "
        "answer that would need more is held back (replaced) unverified, so no answer can occupy the grader for long.",
    ).tag(config=True)
    leak_daily_runs = Integer(
        30, help="Sandbox runs the leak filter may spend on one student's answers about one exercise in a course day "
        "(each tells the student something of its hidden tests, like a submission: see c.RateLimiter.daily_caps); code "
        "judged for them before is not counted again. Past it, or with Redis not answering, an answer whose code would "
        "need a run is held back (replaced) unverified. Instructors and admins are not counted; 0 runs nothing for students.",
    ).tag(config=True)
    leak_run_timeout = Float(
        3.0, help="Wall-clock seconds one of the leak filter's sandbox runs may take (at most c.Grader.timeout); a "
        "solution runs in well under a second, and slow code holds the asking student's grading turn only this long.",
    ).tag(config=True)
    leak_run_cache = Integer(
        2048, help="Results of the leak filter's sandbox runs kept per API process (by exercise version and code; least "
        "recently used dropped): code remembered from earlier answers is not run again at every ask.",
    ).tag(config=True)
    answer_wait = Float(
        30.0, help="Seconds a student's tutor question (or model hint) waits for their previous answer to end (one "
        "at a time, so the leak filter judges each with the ones before); longer gets a 429.",
    ).tag(config=True)
    answer_hold = Float(
        180.0, help="Seconds after which a student's answer in progress no longer holds up their next one (an API "
        "process that died mid-answer); keep it above the longest answer.",
    ).tag(config=True)
    history_turns = Integer(6, help="Recent conversation messages sent verbatim; older ones are summarised.").tag(config=True)
    course_timezone = Unicode("UTC", help="Time zone in which a budget day starts.").tag(config=True)

    @default("base_url")
    def _default_base_url(self):
        return _env("CODEMENTOR_LLM_BASE_URL")

    @default("api_key")
    def _default_api_key(self):
        return _env("CODEMENTOR_LLM_API_KEY")

    @default("model")
    def _default_model(self):
        return _env("CODEMENTOR_LLM_MODEL", "gpt-4o-mini")

    @default("anthropic_api_key")
    def _default_anthropic_key(self):
        return _env("CODEMENTOR_ANTHROPIC_API_KEY")

    def __init__(self, *, redis, sessionmaker, grader=None, clock=utcnow, bank=None, limiter: RateLimiter | None = None, **kwargs):
        super().__init__(**kwargs)
        self.redis, self.sessionmaker, self.grader, self.clock = redis, sessionmaker, grader, clock
        # how common each statement is among the bank's solutions, for the leak filter's weights; and every
        # solution's fingerprints, to find the exercises an answer may give away besides the one asked about
        self.frequency, self.index, self.solutions = None, SolutionIndex(()), {}
        self._detectors: dict[tuple[str, str], LeakDetector] = {}
        if bank is not None:
            self.use_bank(bank)
        # the API hands its one limiter over; alone (tests, benchmarks) the gateway makes its own
        self.limiter = limiter or RateLimiter(parent=self, redis=redis, clock=lambda: self.clock().timestamp())
        if self.rate_limits:
            self.limiter.set_action("tutor", self.rate_limits)
        self.cache = AnswerCache(redis, self.cache_ttl)
        self.scrubber = PersonalDataScrubber(parent=self)
        self.chain = self._build_chain()
        self.breakers = {p.name: CircuitBreaker(self.breaker_threshold, self.breaker_cooldown) for p in self.chain}
        self._starter_passes: dict[tuple[str, str], tuple[set[str], frozenset[str]]] = {}
        self.runs = LeakRuns(grader, self.limiter, daily=self.leak_daily_runs, timeout=self.leak_run_timeout,
                             cache_size=self.leak_run_cache, timezone=self.course_timezone, clock=self.clock)
        self._memory_verdicts: dict[tuple, bool] = {}  # (exercise, digest, memory, code, shared) -> gives it away alone

    def _build_chain(self) -> list[Provider]:
        timeout = httpx.Timeout(self.read_timeout, connect=self.connect_timeout)
        chain: list[Provider] = []
        for name in self.providers:
            if name == "openai" and (self.api_key or self.base_url):
                chain.append(OpenAIProvider(self.base_url or "https://api.openai.com/v1", self.api_key, self.model, timeout))
            elif name == "anthropic" and self.anthropic_api_key:
                chain.append(AnthropicProvider(self.anthropic_base_url, self.anthropic_api_key, self.anthropic_model, timeout))
            elif name not in ("openai", "anthropic", "offline"):
                raise ValueError(f"unknown provider {name!r} in c.TutorGateway.providers (known: openai, anthropic, offline)")
        chain.append(OfflineProvider())
        return chain

    @property
    def has_paid_provider(self) -> bool:
        return any(p.paid for p in self.chain)

    async def aclose(self) -> None:
        for provider in self.chain:
            await provider.aclose()

    def use_bank(self, bank) -> None:
        """Weigh the leak filter's statements by the bank now served, and index every solution it holds (hidden
        built-ins and course exercises too): again after a course bank reload."""
        self.frequency = StatementFrequency.of(ex.solution for ex in bank.all())
        hidden = bank.hidden() if hasattr(bank, "hidden") else []
        self.solutions = {ex.id: ex for ex in [*bank.all(), *(bank.get(i) for i in hidden)]}
        self.index = SolutionIndex(self.solutions.values())
        self._detectors = {}

    def detector(self, exercise) -> LeakDetector:
        key = (exercise.id, exercise.digest)
        if key not in self._detectors:
            self._detectors[key] = LeakDetector(exercise.solution, self.leak_threshold, self.frequency, self.leak_walk_threshold,
                                                 starter=exercise.starter)
        return self._detectors[key]

    def related(self, exercise, text: str, prior: str = "", sees=None) -> list:
        """The other exercises the conversation may give away: their solution overlaps it notably, it defines their
        entry point by name, or a single expression in it computes with their parameters (see `leak.index`:
        those found by overlap come first and are never displaced by names). `sees`: the exercises the student may
        see (None: all); no other course's exercise is judged, so no answer tells anything of its hidden tests."""
        texts = [*views(text), *(views(prior) if prior else ())]
        return [self.solutions[i] for i in self.index.related(texts, exclude=exercise.id, within=sees) if i in self.solutions]

    def touched(self, exercise, text: str, sees=None) -> list[str]:
        """The other exercises (of those the student may see, `sees`) of whose solution a model's answer holds a piece
        (`leak.index.TOUCH`): the answer is remembered for them too, so pieces of one solution asked for under
        different exercises add up."""
        return self.index.touched((), exclude=exercise.id, scores=self.overlapped(text), within=sees)

    def others(self, exercise, text: str, prior: str = "", cross: dict[str, str] | None = None, sees=None) -> list[tuple]:
        """The other exercises an answer is judged against, each with the memory it is judged with: those `related`
        finds (with `prior`, what the student got on the exercise asked about), and those of `cross` (exercise id ->
        what models told the student that holds pieces of its solution, under whatever exercise it was asked) whose
        solution the answer overlaps at all, those whose solution the memory and the answer together hold most
        first (at most MAX_CROSS: padding an answer with other code cannot push out the one it completes). A memory
        that gives its exercise away by itself is not used: the answers in it were judged one by one, and every later
        answer would be refused for it; nor is one to which the answer adds less than TOUCH of that exercise's
        solution (a common idiom the two share is no piece that completes it). Only exercises in `sees` (None: all)."""
        others = {ex.id: (ex, "" if prior and _gives_away_alone(self.detector(ex), prior) else prior)
                  for ex in self.related(exercise, text, prior, sees)}
        if cross:
            found = _found(self.index, text)
            scores = self.index.shares(found)
            together = {x: self.index.shares(found | _found(self.index, memory)).get(x, 0.0) for x, memory in cross.items()
                        if x != exercise.id and x in self.solutions and (sees is None or x in sees) and scores.get(x, 0.0) > 0.0
                        and self._adds(found, memory, x)}
            for x in sorted(together, key=lambda x: (-together[x], x))[:MAX_CROSS]:
                detector = self.detector(self.solutions[x])
                if not _gives_away_alone(detector, cross[x]):
                    others[x] = (self.solutions[x], remembered(cross[x], prior))
        return list(others.values())

    def _adds(self, found: frozenset[int], memory: str, exercise_id: str) -> bool:
        """Do the solution fingerprints `found` in an answer hold at least TOUCH of an exercise's solution beyond
        what `memory` (what the student got of it) holds?"""
        return self.index.shares(found - _found(self.index, memory)).get(exercise_id, 0.0) >= TOUCH

    def overlapped(self, text: str) -> dict[str, float]:
        """Exercise id -> the share of its solution `text` holds (any at all)."""
        return self.index.shares(_found(self.index, text))

    def guard(self, exercise, ctx: TutorContext, prior: str = "", cross: dict[str, str] | None = None, more=None, sees=None) -> GuardedStream:
        """The stream guard of one answer: what the student got before and their own code are part of the judgement,
        and so is every other exercise whose solution the text so far overlaps (with what the student got of it).
        Text holding a piece of an exercise whose memory was not read before the answer (`more.unloaded`) waits for
        the final judgement, which reads it."""
        unloaded = getattr(more, "unloaded", frozenset())

        def must_hold(text: str) -> bool:
            if not unloaded:
                return False
            shares = self.overlapped(text)
            return any(shares.get(x, 0.0) >= TOUCH for x in unloaded)

        guard = GuardedStream(self.detector(exercise), prior=prior, code=ctx.code, shared=exercise.solution, cross=cross,
                              related=lambda text: [(self.detector(ex), memory) for ex, memory in self.others(exercise, text, prior, cross, sees)],
                              must_hold=must_hold, alone=self._told_everything(exercise, prior))
        guard.more = more
        return guard

    # --- money ---------------------------------------------------------------------------
    def price(self, model: str) -> dict:
        return self.prices.get(model) or self.prices.get("*") or {"input": 0.0, "output": 0.0}

    def worst_case_micro(self, provider: Provider, messages: list[dict]) -> int:
        """An upper bound of a call's cost: a token is at least one byte, and the answer is capped."""
        price = self.price(provider.model)
        prompt_tokens = sum(len(m["content"].encode()) + 8 for m in messages)
        return int(-(-(prompt_tokens * price["input"] + self.max_output_tokens * price["output"]) // 1))

    def cost_micro(self, provider: Provider, usage, request: ProviderRequest | None = None, text: str = "") -> int:
        if request is not None and not usage.output_tokens and text:
            # a server that reports no usage is charged by size (about 4 bytes a token)
            usage.input_tokens = sum(len(m["content"].encode()) for m in request.messages) // ledger.BYTES_PER_TOKEN
            usage.output_tokens = -(-len(text.encode()) // ledger.BYTES_PER_TOKEN)
        price = self.price(provider.model)
        return int(-(-(usage.input_tokens * price["input"] + usage.output_tokens * price["output"]) // 1))

    def cap_micro(self, role: str) -> int:
        return ledger.to_micro(float(self.daily_budget_usd.get(role, self.daily_budget_usd.get("student", 0.0))))

    def today(self):
        return local_day(self.course_timezone, self.clock())

    async def budget(self, asker: Asker) -> dict:
        spent, reserved = await ledger.usage(self.sessionmaker, asker.user_id, self.today())
        cap = self.cap_micro(asker.role)
        return {
            "role": asker.role, "day": self.today().isoformat(), "limit_usd": cap / ledger.MICRO, "spent_usd": spent / ledger.MICRO,
            "reserved_usd": reserved / ledger.MICRO, "remaining_usd": max(0, cap - spent - reserved) / ledger.MICRO,
            "renews_in_s": ledger.seconds_to_midnight(self.clock(), self.course_timezone), "llm": self.has_paid_provider,
        }

    # --- answering -----------------------------------------------------------------------
    def _cache_key(self, exercise, ctx: TutorContext, rung: int) -> str | None:
        if not self.cache_enabled or ctx.history or ctx.summary or not self.has_paid_provider:
            return None
        # shared only when nothing of the prompt is personal, judged by the scrubber that guards the vendor
        if holds_personal_data((ctx.question, ctx.code, ctx.error, ctx.traceback, ctx.failing_tests), ctx.names, ctx.privacy):
            return None
        return cache_key(
            exercise_id=exercise.id, exercise_version=exercise.version, code=ctx.code, error=normalized_error(ctx.error, ctx.traceback), failing_tests=ctx.failing_tests,
            rung=rung, question=ctx.question, purpose=ctx.purpose, prompt_version=PROMPT_VERSION, model=self.chain[0].model,
        )

    def _shareable(self, exercise, text: str, code: str) -> bool:
        """May an answer go to other students through the cache? Not one holding code (see `cache`)."""
        return not holds_code(text) and not self.detector(exercise).candidates(text, "", code)

    async def answer(self, asker: Asker, exercise, ctx: TutorContext, rung: int = 0, prior: str = "",
                     cross: dict[str, str] | None = None, more=None) -> AsyncIterator[Event]:
        """Stream an answer: limits first, then the cache, then providers in order.

        `prior`: what the student has received from a model on this exercise before (judged with the answer);
        `cross`: what they received that holds pieces of other exercises' solutions, by exercise (see `others`);
        `more`: async, {exercise id: share of its solution the answer holds} -> the memories of those exercises that
        `cross` does not hold yet (it holds the ones touched last), read before the answer's final judgement.
        """
        await self.limiter.hit("tutor", asker.name, asker.role)
        key = self._cache_key(exercise, ctx, rung) if not prior else None  # a shared answer was judged alone
        if key:
            hit = await self.cache.get(key)
            metrics.TUTOR_CACHE.labels("hit" if hit else "miss").inc()
            if hit and not self._shareable(exercise, hit["text"], ctx.code):
                hit = None  # stored before answers holding code were kept out: the models answer this student anew
            if hit and (cross or more) and await self._completes(exercise, hit["text"], ctx.code, await self._with_more(hit["text"], cross, more), asker):
                hit = key = None  # with what this student got elsewhere it gives an exercise away: the models answer anew
            if hit:
                yield Event("delta", hit["text"])
                yield Event("done", hit["text"], {"source": hit["source"], "cached": True, "leak_blocked": False})
                return
        messages = build_messages(ctx)
        async with aclosing(self._from_providers(asker, exercise, ctx, messages, prior, cross, more)) as events:
            async for event in events:
                if (event.kind == "done" and key and event.meta["source"] not in ("offline", "guardrail")
                        and self._shareable(exercise, event.text, ctx.code)):
                    await self.cache.put(key, {"text": ctx.clean(event.text), "source": event.meta["source"]}, owner=asker.user_id)
                yield event

    async def _from_providers(self, asker, exercise, ctx, messages, prior: str = "", cross=None, more=None) -> AsyncIterator[Event]:
        for provider in self.chain:
            breaker = self.breakers[provider.name]
            if not breaker.allows():
                continue
            reservation = None
            if provider.paid:
                reservation = await self._reserve(asker, provider, messages, ctx)
                if reservation is None:
                    continue
            request = ProviderRequest(messages, self.max_output_tokens, ctx)
            guard = self.guard(exercise, ctx, prior, cross, more, sees=asker.sees)
            try:
                async with aclosing(self._call_with_retries(provider, request, guard)) as pieces:
                    async for text in pieces:
                        yield Event("delta", text)
            except ProviderError as err:
                breaker.failure()
                metrics.TUTOR_CALLS.labels(provider.name, "error").inc()
                metrics.TUTOR_FALLBACKS.labels(provider.name).inc()
                log.warning("tutor provider %s failed: %s; trying the next one", provider.name, err)
                await self._settle(reservation, provider, request, guard.text)
                if guard.sent:  # taken off the screen, not out of the student's mind: the next answer is judged with it
                    prior = remembered(prior, guard.text[:guard.sent])  # said under this exercise
                    yield Event("replace", "")
                continue
            except BaseException:
                # cancelled or broken mid-call: what the vendor billed is unknown, so charge the worst case
                if reservation:
                    await ledger.settle(self.sessionmaker, reservation, reservation.micro, provider=provider.name)
                raise
            breaker.success()
            metrics.TUTOR_CALLS.labels(provider.name, "ok").inc()
            await self._settle(reservation, provider, request, guard.text)
            async for event in self._finish(provider, exercise, ctx, guard, asker):
                yield event
            return

    async def _settle(self, reservation, provider, request, text: str) -> None:
        if reservation:
            cost = self.cost_micro(provider, request.usage, request, text)
            await ledger.settle(self.sessionmaker, reservation, cost, request.usage.input_tokens, request.usage.output_tokens, provider.name)
            metrics.count_llm_usage(provider.name, request.usage.input_tokens, request.usage.output_tokens, cost / ledger.MICRO)

    async def _reserve(self, asker, provider, messages, ctx):
        retry = ledger.seconds_to_midnight(self.clock(), self.course_timezone)
        try:
            return await ledger.reserve(
                self.sessionmaker, asker.user_id, self.today(), self.worst_case_micro(provider, messages), self.cap_micro(asker.role),
                role=asker.role, purpose=ctx.purpose, provider=provider.name, model=provider.model, retry_after=retry,
            )
        except ledger.OverBudget:
            metrics.REFUSALS.labels("budget").inc()
            if ctx.purpose == "hint":
                return None  # hints fall back to the offline help
            raise

    async def _call_with_retries(self, provider, request, guard) -> AsyncIterator[str]:
        # a paid stream is counted as it arrives and stopped at what was reserved for it, whatever the vendor does
        allowance = request.max_tokens * ledger.BYTES_PER_TOKEN if provider.paid else None
        for attempt in range(self.max_retries + 1):
            try:
                async with aclosing(provider.stream(request)) as stream:
                    async for piece in stream:
                        if allowance is not None:
                            piece = ledger.fit(piece, allowance - len(guard.text.encode()))
                        shown = guard.feed(piece)
                        if shown:
                            yield shown
                        if allowance is not None and len(guard.text.encode()) >= allowance:
                            log.warning("tutor provider %s went past the %d tokens reserved (max_tokens ignored?): answer cut there",
                                        provider.name, request.max_tokens)
                            return
                return
            except ProviderError as err:
                if guard.text or not err.retryable or attempt == self.max_retries:
                    raise
                await asyncio.sleep(self.retry_backoff * 2**attempt)

    async def _starter_baseline(self, exercise) -> tuple[set[str], frozenset[str]]:
        """The tests the starter code passes already (passing them again gives nothing away), and those code doing no
        work passes (returning a constant, an argument or a copy of one: `hidden_share`). Graded once per exercise version."""
        key = (exercise.id, exercise.digest)
        if key not in self._starter_passes:
            results = await asyncio.gather(*(self.grader.grade(exercise, code, feedback=False)
                                             for code in [exercise.starter, *runnable.trivial_answers(exercise.solution)]))
            passed = [{t.name for t in r.tests if t.passed} if r.status == "graded" else set() for r in results]
            self._starter_passes[key] = passed[0], frozenset().union(*passed[1:])
        return self._starter_passes[key]

    def allowance(self, asker: Asker | None = None) -> Allowance:
        """The sandbox runs one answer may spend (c.TutorGateway.leak_max_runs), in the asker's grading turn and, for
        a student, within their daily runs (see `runs`)."""
        if asker is None:
            return Allowance(self.leak_max_runs)
        return Allowance(self.leak_max_runs, asker.user_id, asker.name, capped=asker.role == "student")

    async def passes_share(self, exercise, text: str, prior: str = "", code: str = "", runs: Allowance | None = None,
                           shared: str = "") -> float | None:
        """The largest share of the open hidden tests that code read out of the answer passes (None: no such code;
        `shared`: the solution of the exercise asked about, when this is another one).

        `runs`: the sandbox runs left for this answer (shared by the exercises it is judged against) and whose they
        are; code that would need more than are left, or more than the student's runs of the day, counts as passing
        every test (held back: it cannot be vouched for)."""
        if self.grader is None:
            return None
        candidates = self.detector(exercise).candidates(text, prior, code, shared)
        if not candidates:
            return None
        if runs is not None:
            if len(candidates) > runs.left:
                log.warning("leak filter: an answer's code needs more than c.TutorGateway.leak_max_runs (%d) sandbox runs; held back",
                            self.leak_max_runs)
                return 1.0
            runs.left -= len(candidates)  # before the first await: the exercises judged side by side draw in turn
        try:  # the starter's own passes (graded once per exercise) alongside the answer's code
            (baseline, trivial), results = await asyncio.gather(self._starter_baseline(exercise), self.runs.results(exercise, candidates, runs))
        except Exception as err:  # the sandbox could not say: an answer that may run is not shown unverified
            log.warning("leak filter: grading an answer's code failed (%r); the answer is held back", err)
            return 1.0
        if results is None:  # past the student's runs of the day
            if runs is not None:
                runs.refused = True
            return 1.0
        raises = frozenset(t.name for t in exercise.tests if t.check == "raises")
        return max(hidden_share(result, baseline, raises, trivial) for result in results)

    async def judge(self, exercise, text: str, prior: str = "", code: str = "", cross: dict[str, str] | None = None,
                    asker: Asker | None = None):
        """The full verdict on an answer: similarity, walkthrough and, for code that runs, the hidden tests; against
        the exercise asked about and every other exercise it may give away that the asker may see (`others`: the
        student names the exercise, so asking under one for another's solution, whole or in pieces, is no way
        around the filter). `asker`: whose runs these are (`allowance`); None for an answer nobody asked."""
        runs = self.allowance(asker)
        verdict = await self._judge_one(exercise, text, "" if self._told_everything(exercise, prior) else prior, code, runs=runs)
        if verdict.leaking:
            return verdict
        sees = asker.sees if asker is not None else None
        found = await self._judge_others(exercise, text, self.others(exercise, text, prior, cross, sees), code, cross, runs)
        return found or verdict

    async def _judge_others(self, exercise, text: str, others: list[tuple], code: str, cross, runs: Allowance):
        """The first verdict of a leak among the `others` (exercise, memory) an answer is judged against, with the
        exercise it gives away; None if none. A leak with a memory (from `cross`, or the asked exercise's for one
        `related` finds) counts only if that memory alone does not give its exercise away, judged as the answer is
        (execution included: `_memory_gives_away`); if it does, the answer is judged against that exercise without it:
        an honest fix told under that exercise, which the student's code for it held most of, is no leak of it when
        they ask about another."""
        if not others:
            return None
        verdicts = await asyncio.gather(*(self._judge_one(other, text, memory, code, exercise.solution, runs) for other, memory in others))
        for found, (other, memory) in zip(verdicts, others):
            if not found.leaking:
                continue
            if memory and await self._memory_gives_away(other, memory, code, exercise.solution, runs):
                found = await self._judge_one(other, text, "", code, exercise.solution, runs)
                if not found.leaking:
                    continue
            found.exercise_id = other.id
            return found
        return None

    async def _memory_gives_away(self, exercise, memory: str, code: str, shared: str, runs: Allowance | None = None) -> bool:
        """Does what the student got of another exercise give it away by itself (a leak before a fix), with every
        means the final judgement uses, the sandbox included (own run bound, the student's turn and runs of the day;
        cached, as the memory comes back)? A memory whose code the student's runs could not cover does not."""
        key = (exercise.id, exercise.digest, memory, code, shared)
        if key not in self._memory_verdicts:
            if len(self._memory_verdicts) > 256:
                self._memory_verdicts.clear()
            alone = _gives_away_alone(self.detector(exercise), memory)
            if not alone:
                own = Allowance(self.leak_max_runs, *((runs.owner, runs.name, runs.capped, runs.turn) if runs is not None else ()))
                alone = (await self._judge_one(exercise, memory, "", code, shared, own)).leaking
                if own.refused:
                    return False  # unknown, and not kept: judged with the memory, the answer is held back
            self._memory_verdicts[key] = alone
        return self._memory_verdicts[key]

    def _told_everything(self, exercise, prior: str) -> bool:
        """Does what the student was told of the exercise give it away by itself, to a student with the starter
        (answers judged one by one, before a fix)? Then an answer is judged against it alone: with that memory, every answer would be refused, and one
        that adds nothing of the solution gives nothing away."""
        return bool(prior) and _gives_away_alone(self.detector(exercise), prior, exercise.starter)

    async def _with_more(self, text: str, cross: dict[str, str] | None, more) -> dict[str, str] | None:
        """`cross` with the memories of the other exercises `text` overlaps that it did not hold yet (`more`)."""
        if more is None:
            return cross
        loaded = await more(self.overlapped(text))
        return {**(cross or {}), **loaded} if loaded else cross

    async def _completes(self, exercise, text: str, code: str, cross: dict[str, str] | None, asker: Asker | None = None) -> bool:
        """Does `text` (a shared answer, judged alone when it was cached) give an exercise away with what the student
        got of it under other exercises?"""
        if not cross:
            return False
        sees = asker.sees if asker is not None else None
        others = [(other, memory) for other, memory in self.others(exercise, text, "", cross, sees) if other.id in cross]
        return await self._judge_others(exercise, text, others, code, cross, self.allowance(asker)) is not None

    async def _judge_one(self, exercise, text: str, prior: str, code: str, shared: str = "", runs: Allowance | None = None):
        """One exercise's verdict; `shared`: the solution of the exercise asked about, when this is another one;
        `runs`: the sandbox runs left for the answer."""
        detector = self.detector(exercise)
        settings = dict(threshold=detector.threshold, walk_threshold=detector.walk_threshold, pass_share=self.leak_pass_share)
        verdict = detector.check(text, prior, code, shared)
        if verdict.leaking:
            return verdict  # no need to run it
        return judge(verdict.similarity, verdict.walkthrough, await self.passes_share(exercise, text, prior, code, runs, shared), **settings)

    async def _finish(self, provider, exercise, ctx, guard, asker: Asker | None = None) -> AsyncIterator[Event]:
        meta = {"source": provider.name, "cached": False, "leak_blocked": False, "model": provider.model}
        if provider.paid:
            check = await self.judge(exercise, guard.text, guard.prior, guard.code, await self._with_more(guard.text, guard.cross, guard.more),
                                     asker)
            meta["similarity"] = round(check.similarity, 3)
            if check.leaking:
                meta["passes_tests"] = bool(check.passes_share and check.passes_share > self.leak_pass_share)
                log.warning("leak filter replaced an answer of %s for %s (%s%s; similarity %.2f, walkthrough %.2f, hidden tests %s)",
                            provider.name, exercise.id, check.reason, f" of {check.exercise_id}" if check.exercise_id else "",
                            check.similarity, check.walkthrough, check.passes_share)
                # what the student has read stays on their screen (and in the filter's memory); the next step follows it
                text = _blocked_text(ctx, guard.text[:guard.sent].rstrip() if ctx.streamed else "")
                meta.update(source="guardrail", leak_blocked=True)
                metrics.LEAK_BLOCKS.labels(provider.name).inc()
                yield Event("replace", text)
                yield Event("done", text, meta)
                return
        rest = guard.rest()
        if rest:
            yield Event("delta", rest)
        yield Event("done", guard.text, meta)


def _blocked_text(ctx: TutorContext, shown: str = "") -> str:
    """What replaces a held-back answer: the next step, after the text of it the student has read (`shown`)."""
    step = f"**Next step:** {ctx.ladder_hint}" if ctx.ladder_hint else (
        "Run your function on the smallest example from the statement and check each line's result with `print`.")
    if shown:
        return f"{shown}\n\n*The rest of this answer came too close to the solution.* {step}"
    return f"Let's keep you doing the thinking. {step}"
