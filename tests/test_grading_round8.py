"""Two ways a submission's code reached past the verdict and the answer hold.

- A forged observation of a float too large for one (`["float", 10**400]`) made the verdict raise OverflowError:
  an unheld 500, and from the hidden job one that answered a question about the hidden inputs.
- A student's submissions take turns. A probe sent right behind a submission (of any exercise) started when that
  submission's hidden job ended, and its own answer step, counted from the probe's request, showed that moment:
  a reading of the hidden job's time paid from another exercise's daily cap. The probe now answers no earlier than
  the submission before it and counts its step from that answer.
"""

from __future__ import annotations

import asyncio
import time

from codementor.api.grader import Grader
from codementor.api.grader.verdict import judge

from .test_grading_channels import FIND_JOB

HUGE_FLOAT = FIND_JOB + """
lines = [{"event": "loaded", "ok": True}]
for i, _ in enumerate(_JOB["tests"]):
    lines.append({"event": "test", "index": i, "outcome": "value", "value": ["float", 10 ** 400], "stdout": ""})
lines.append({"event": "done"})
_forge(lines)
"""


async def test_a_float_too_large_for_one_fails_its_test_and_raises_nothing(bank):
    exercise = bank.get("celsius-to-fahrenheit")
    g = Grader(timeout=3.0, answer_step=0)
    try:
        result = await g.grade(exercise, HUGE_FLOAT)
        every_test = await g.grade(exercise, HUGE_FLOAT, feedback=False)  # one phase, every test judged as a hidden one
    finally:
        await g.aclose()
    # the forged visible phase is judged; the process ended after it, so its hidden phase found none
    assert result.status == "crashed" and not result.passed, result.to_dict()
    assert not any(t.passed for t in result.tests)
    assert {t.message for t in result.tests if not t.hidden} == {"its result could not be read"}
    assert every_test.status == "graded" and not any(t.passed for t in every_test.tests), every_test.to_dict()
    for value in (10 ** 400, -(10 ** 400), [1], {"a": 1}):
        for hidden in (True, False):
            assert judge("equal", {"outcome": "value", "value": ["float", "212.0"]},
                         {"outcome": "value", "value": ["float", value]}, hidden) == (False, "its result could not be read")


def _sleeping_hidden_job(seconds: float, solution: str) -> str:
    return FIND_JOB + f"""
import time
if _HIDDEN:
    time.sleep({seconds})
""" + solution


async def _probe_after(g: Grader, exercise, probe_exercise, hidden_seconds: float) -> tuple[float, float]:
    """(when the slow submission's answer came, when the probe's came), both from the slow one's request."""
    start = time.perf_counter()
    slow = asyncio.ensure_future(g.grade(exercise, _sleeping_hidden_job(hidden_seconds, exercise.solution), owner="probing"))
    answered: list[float] = []
    slow.add_done_callback(lambda _: answered.append(time.perf_counter() - start))
    await asyncio.sleep(0.3)
    probe = await g.grade(probe_exercise, probe_exercise.solution, owner="probing")
    probed = time.perf_counter() - start
    first = await slow
    assert first.passed and probe.passed, (first.to_dict(), probe.to_dict())
    return answered[0], probed


async def test_a_probe_behind_a_submission_does_not_time_its_hidden_job(bank):
    exercise, other = bank.get("sum-of-evens"), bank.get("celsius-to-fahrenheit")
    g = Grader(timeout=3.0, answer_step=0.016, concurrency=2)
    try:
        await g.grade(exercise, exercise.solution)
        await g.grade(other, other.solution)
        readings = {}
        # both hidden jobs end inside the same answer step of the slow submission (0.512-1.024 s), but the probe,
        # sent 0.3 s after it, used to wait about 0.3 s or 0.55 s for its turn: its own steps 0.512 and 1.024
        for hidden_seconds in (0.6, 0.85):
            answers = [await _probe_after(g, exercise, other, hidden_seconds) for _ in range(2)]
            readings[hidden_seconds] = answers
        print(f"\n[figure] (slow answer, probe answer) in s from the slow one's request, by the hidden job's sleep: {readings}")
        for answers in readings.values():
            for answered, probed in answers:
                assert probed >= answered - 0.005, "the probe answered before the submission it waited for"
        probe_times = [probed for answers in readings.values() for _, probed in answers]
        # one step of the probe past the same slow answer, whichever sleep: no more than a step and the loop's delay apart
        assert max(probe_times) - min(probe_times) < 0.1, readings
    finally:
        await g.aclose()
