"""The leak filter's sandbox runs: whose they are, how long they may take, which need not run again.

Running the code of an answer against every test of an exercise tells the student who asked a little about
the hidden tests (whether the answer was held back, and how long it took). So, for a student's answer:

- each run is counted per student, exercise and course day (`TutorGateway.leak_daily_runs`, in Redis like the
  submission cap); code judged for the student before whose result is at hand is not counted again (it tells
  them nothing new). Past the allowance, or when Redis does not answer, an answer that would need a run cannot
  be vouched for and is held back: what the filter tells a student about an exercise's hidden tests in a day is
  bounded by that many runs, as what their submissions tell is by the submission cap;
- runs take the student's grading turn (`Grader.per_user_jobs`, shared with their submissions), one at a time per
  answer, each stopped after `TutorGateway.leak_run_timeout` seconds, so one answer's slow code holds one
  grading slot for a few seconds at a time, never the grader;
- results are kept per exercise version and code (`TutorGateway.leak_run_cache` of them, least recently used
  dropped): code remembered from earlier answers is judged at each ask without running again.

An instructor's or admin's answers are not counted (they read the hidden tests anyway); runs without an asker
(an authored hint's check, the benchmarks) have no owner and no allowance.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field

from ..services.limits import CAP_REACHED, day_cap

log = logging.getLogger(__name__)
ACTION = "leakrun"  # the Redis keys' action name (codementor:cap:leakrun:<user>:<exercise>:<day>)
KEPT = ("graded", "timeout", "load_error")  # outcomes the code decides; a crash may be the host's, and runs again


@dataclass
class Allowance:
    """The runs one answer may still spend (`left`, over every exercise it is judged against) and whose they are:
    `owner` (a user id) takes that user's grading turn; `name` is counted under the daily allowance, when `capped`."""

    left: int
    owner: int | None = None
    name: str = ""
    capped: bool = False
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)  # the answer's runs, one at a time
    refused: bool = False  # some code could not run: past the student's runs of the day


def digest(exercise, code: str) -> str:
    return hashlib.sha256(f"{exercise.id}\0{exercise.digest}\0{code}".encode()).hexdigest()[:32]


class LeakRuns:
    """Runs candidates of an answer in the grader for the leak filter (see the module docstring)."""

    def __init__(self, grader, limiter, *, daily: int, timeout: float, cache_size: int, timezone: str, clock):
        self.grader, self.limiter = grader, limiter
        self.daily, self.timeout, self.cache_size, self.timezone, self.clock = daily, timeout, cache_size, timezone, clock
        self._results: OrderedDict[str, object] = OrderedDict()

    def cached(self, key: str):
        result = self._results.get(key)
        if result is not None:
            self._results.move_to_end(key)
        return result

    def keep(self, key: str, result) -> None:
        self._results[key] = result
        self._results.move_to_end(key)
        while len(self._results) > self.cache_size:
            self._results.popitem(last=False)

    async def charge(self, exercise, keys: list[str], allowance: Allowance) -> bool:
        """Count the runs of `keys` under the student's daily allowance for `exercise`; False: past it (or Redis
        did not answer), nothing may run."""
        if not allowance.capped:
            return True
        if self.daily <= 0:
            return False
        cap = day_cap(exercise.id, self.daily, self.timezone, self.clock().timestamp())
        charged = await self.limiter.take_runs(ACTION, allowance.name, cap, [(k, k in self._results) for k in keys])
        if charged is None or charged == CAP_REACHED:
            log.warning("leak filter: %s for a student on %s; an answer that needs a sandbox run is held back",
                        "Redis did not answer" if charged is None else "c.TutorGateway.leak_daily_runs used today", exercise.id)
            return False
        return True

    async def results(self, exercise, candidates: list[str], allowance: Allowance | None) -> list | None:
        """The grader's results (pass/fail of every test) for each candidate, in order; None when the student's
        allowance does not cover the runs (the answer cannot be vouched for)."""
        keys = [digest(exercise, code) for code in candidates]
        allowance = allowance or Allowance(len(candidates))
        if not await self.charge(exercise, keys, allowance):
            return None
        found = []
        for key, code in zip(keys, candidates):
            result = self.cached(key)
            if result is None:
                async with allowance.turn:  # the exercises judged side by side take turns too
                    result = await self.grader.grade(exercise, code, feedback=False, owner=allowance.owner, timeout=self.timeout)
                if result.status in KEPT:
                    self.keep(key, result)
            found.append(result)
        return found
