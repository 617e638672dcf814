"""What a submission's code controls in its job, and what it must not be able to do with it.

The job's exit code, the observation lines it writes in the worker's place, and how long its answer
takes: none of these may restart the sandbox for everyone, make the API fail (an error leaves unheld, at
the moment the hidden job chose), or tell the time a hidden job ran; and repeating an idempotency key
must not grade more submissions than the day's cap allows.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import httpx
import pytest
import redis as redis_sync

from codementor.api.errors import Busy
from codementor.api.grader import Grader
from codementor.api.grader.observations import Observations
from codementor.api.grader.verdict import judge
from codementor.api.services.limits import RateLimiter

# the job's own description and observation channel (the worker's locals `job` and `channel`), found from the import
FIND_JOB = """
import sys, os, json
def _worker():
    frame = sys._getframe()
    while frame is not None:
        job = frame.f_locals.get("job")
        if isinstance(job, dict) and "tests" in job:
            return job, frame.f_locals.get("channel")
        frame = frame.f_back
    return None, None
_JOB, _CHANNEL = _worker()
_HIDDEN = _JOB is not None and _JOB.get("report") == "at_end"
def _forge(lines):
    _CHANNEL.write("".join(json.dumps(m) + "\\n" for m in lines))
    _CHANNEL.flush()
    os._exit(0)
"""
SET_UP_FAILED = 70  # the exit code a job process uses when its sandbox could not be set up

# the hidden job ends with the sandbox's own "set-up failed" exit code
EXIT_AS_SET_UP_FAILURE = FIND_JOB + f"""
if _HIDDEN:
    os._exit({SET_UP_FAILED})
def sum_of_evens(numbers):
    return sum(n for n in numbers if n % 2 == 0)
"""

# the hidden job writes the worker's protocol itself: every test "returned a value" but no value (or an empty one)
FORGED_OBSERVATIONS = FIND_JOB + """
if _HIDDEN:
    lines = [{"event": "loaded", "ok": True}]
    for i, _ in enumerate(_JOB["tests"]):
        lines.append({"event": "test", "index": i, "outcome": "value", **({"value": []} if i % 2 else {})})
    lines.append({"event": "done"})
    _forge(lines)
def sum_of_evens(numbers):
    return sum(n for n in numbers if n % 2 == 0)
"""


@pytest.fixture(scope="module")
async def grader():
    g = Grader(timeout=3.0, answer_step=0)
    yield g
    await g.aclose()


async def test_a_job_exiting_with_the_set_up_failure_code_crashes_its_own_grading_only(grader, bank):
    exercise = bank.get("sum-of-evens")
    assert (await grader.grade(exercise, exercise.solution)).passed  # the sandbox is up
    zygote = grader._zygote.proc.pid
    results = await asyncio.gather(*[grader.grade(exercise, EXIT_AS_SET_UP_FAILURE) for _ in range(3)],
                                   *[grader.grade(exercise, exercise.solution) for _ in range(3)])
    print(f"\n[figure] statuses with 3 jobs exiting {SET_UP_FAILED} beside 3 correct ones: {[r.status for r in results]}")
    assert [r.status for r in results[:3]] == ["crashed"] * 3, [r.to_dict() for r in results[:3]]
    assert not any(r.passed for r in results[:3])
    assert all(r.passed for r in results[3:]), [r.to_dict() for r in results[3:]]
    assert grader._zygote.proc.pid == zygote, "the zygote was restarted because of a student's exit code"


async def test_observations_of_another_shape_fail_their_tests_and_raise_nothing(grader, bank):
    exercise = bank.get("sum-of-evens")
    result = await grader.grade(exercise, FORGED_OBSERVATIONS)
    hidden = [t for t in result.tests if t.hidden]
    assert hidden and not any(t.passed for t in hidden), result.to_dict()
    assert not result.passed
    # and the verdict reads any shape a job may write without an error
    expected = {"outcome": "value", "value": ["int", 4]}
    for observed in ({"outcome": "value"}, {"outcome": "value", "value": []}, {"outcome": "value", "value": ["list", 3]},
                     {"outcome": "value", "value": ["dict", [1]]}, {"outcome": "raised", "exception": 7},
                     {"outcome": "value", "value": ["float", "x"]}):
        for hidden_test in (True, False):
            assert judge("equal", expected, observed, hidden_test)[0] is False, observed
    assert judge("raises", {"outcome": "raised", "exception": ["ValueError"]}, {"outcome": "raised", "exception": 7}, True)[0] is False


def test_brackets_nested_thousands_deep_end_the_job_as_crashed():
    for stream in ([b"[" * 5000 + b"\n"], [b"[" * 5000, b""], [b'{"event": "loaded", "ok": true}\n', b"{\"a\": " * 3000 + b"\n"]):
        observations = Observations(1, 1 << 20)
        ended = None
        for chunk in stream:
            ended = observations.feed(chunk)
        assert ended == "crashed", stream[-1][:20]


async def test_an_error_leaves_at_an_answer_step_too(bank):
    """A grading that ends in an error (here: the grading line full) is held like an answer."""
    exercise = bank.get("sum-of-evens")
    g = Grader(timeout=3.0, answer_step=0.4, concurrency=1, queue_limit=0)
    try:
        await g.grade(exercise, exercise.solution)
        slow = asyncio.ensure_future(g.grade(exercise, "import time\ntime.sleep(1)\n" + exercise.solution))
        await asyncio.sleep(0.2)  # the slow one holds the only place in line
        started = time.perf_counter()
        with pytest.raises(Busy):
            await g.grade(exercise, exercise.solution)
        waited = time.perf_counter() - started
        await slow
        print(f"\n[figure] a busy refusal left after {waited:.3f} s (answer step 0.4 s)")
        assert waited >= 0.4 - 0.02, waited
    finally:
        await g.aclose()


async def test_a_wait_longer_than_every_step_is_still_rounded_up(bank):
    """Past the largest step below the time limit the answer used to leave at once: a grading that waited behind
    others for a long time showed their end to the millisecond. It now waits for the next doubling."""
    exercise = bank.get("sum-of-evens")
    g = Grader(timeout=1.0, answer_step=0.1, concurrency=1, queue_limit=4)
    try:
        await g.grade(exercise, exercise.solution)
        sleeper = "import time\ntime.sleep(0.9)\n" + exercise.solution  # 0.9 s a load, and its job loads it twice: to the 1 s limit
        first = asyncio.ensure_future(g.grade(exercise, sleeper))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        await g.grade(exercise, exercise.solution)  # waits for the first's job (1 s: past every step below the time limit, 1.6 s)
        waited = time.perf_counter() - started
        await first
        steps = [0.1 * 2 ** k for k in range(8)]
        print(f"\n[figure] a grading behind another left after {waited:.3f} s (steps {steps[:6]} s)")
        # at a step: not more than a few ms past one (the event loop's own delay)
        assert any(0 <= waited - step < 0.06 for step in steps), waited
    finally:
        await g.aclose()


# ---- the day's cap and idempotency keys, through the API --------------------------------------------------------------

def _cap_key(name: str, exercise_id: str) -> str:
    return RateLimiter(redis=redis_sync.Redis()).day_cap("submit", "student", exercise_id, "UTC").key("submit", name)


def test_repeating_a_key_still_grading_counts_against_the_days_cap(stack, hub):
    name = f"capkey{uuid.uuid4().hex[:6]}"
    hub.create_user(name)
    auth = {"Authorization": f"token {hub.user_token(name)}"}
    api = stack.api_url
    key = uuid.uuid4().hex
    # slow in its first load only (the visible phase): the repeats arrive while it grades
    slow = ("import builtins, time\nif not hasattr(builtins, 'loaded_once'):\n    time.sleep(2.5)\nbuiltins.loaded_once = True\n"
            "def sum_of_evens(numbers):\n    return 0\n")
    answers: dict[str, httpx.Response] = {}

    def send(label, code):
        answers[label] = httpx.post(f"{api}/submissions", headers=auth, timeout=60,
                                    json={"exercise_id": "sum-of-evens", "code": code, "idempotency_key": key})

    first = threading.Thread(target=send, args=("first", slow))
    first.start()
    time.sleep(1.0)  # the first is grading now
    repeats = [threading.Thread(target=send, args=(f"repeat{i}", f"def sum_of_evens(numbers):\n    return {i + 1}\n")) for i in range(2)]
    for t in repeats:
        t.start()
    for t in [first, *repeats]:
        t.join()
    statuses = {label: r.status_code for label, r in answers.items()}
    print(f"\n[figure] a key sent three times while its first submission graded: {statuses}")
    assert statuses["first"] == 201, answers["first"].text
    with redis_sync.Redis.from_url(stack.redis_url) as r:
        counted = int(r.get(_cap_key(name, "sum-of-evens")) or 0)
    graded_again = sum(1 for label, s in statuses.items() if label != "first" and s not in (429,))
    # each repeat that was graded (answered 201 with the stored one, or 409 for its other code) was counted too
    assert counted == 1 + graded_again, (counted, statuses)


def test_a_key_used_for_one_exercise_is_no_way_round_anothers_cap(stack, hub):
    name = f"capex{uuid.uuid4().hex[:6]}"
    hub.create_user(name)
    auth = {"Authorization": f"token {hub.user_token(name)}"}
    api = stack.api_url
    key = uuid.uuid4().hex
    first = httpx.post(f"{api}/submissions", headers=auth, timeout=60,
                       json={"exercise_id": "sum-of-evens", "code": "def sum_of_evens(numbers):\n    return 0\n", "idempotency_key": key})
    assert first.status_code == 201, first.text
    cap = RateLimiter(redis=redis_sync.Redis()).day_cap("submit", "student", "digit-sum", "UTC")
    with redis_sync.Redis.from_url(stack.redis_url) as r:
        r.set(cap.key("submit", name), cap.allowance, ex=3600)  # digit-sum's allowance used up today
    refused = httpx.post(f"{api}/submissions", headers=auth, timeout=60,
                         json={"exercise_id": "digit-sum", "code": "def digit_sum(n):\n    return 0\n", "idempotency_key": uuid.uuid4().hex})
    assert refused.status_code == 429, refused.text
    reused = httpx.post(f"{api}/submissions", headers=auth, timeout=60,
                        json={"exercise_id": "digit-sum", "code": "def digit_sum(n):\n    return 0\n", "idempotency_key": key})
    print(f"\n[figure] digit-sum at its cap: a new key {refused.status_code}, sum-of-evens' key {reused.status_code}")
    assert reused.status_code == 429, reused.text
    assert "today" in reused.json()["error"]["message"]


# ---- text a job or a model sends that Postgres or UTF-8 would refuse, or far too much of it --------------------------

RAISING = {
    "a NUL in a test's error": 'def digit_sum(n):\n    raise ValueError("a\\x00b")\n',
    "a lone surrogate in a test's error": 'def digit_sum(n):\n    raise ValueError("a\\ud800b")\n',
    "a NUL in the error at import": 'raise ValueError("x\\x00y")\n',
    # the worker's reporting replaced: a visible test's error of 30,000 characters (the worker's own are 300 at most)
    "an error of 30,000 characters": FIND_JOB + """
if not _HIDDEN and _JOB is not None:
    lines = [{"event": "loaded", "ok": True}]
    for i, _ in enumerate(_JOB["tests"]):
        lines.append({"event": "test", "index": i, "outcome": "raised", "exception": ["ValueError"], "error": "E" * 30_000})
    lines.append({"event": "done"})
    _forge(lines)
def digit_sum(n):
    return 0
""",
}


@pytest.mark.parametrize("case", RAISING)
def test_what_a_job_reports_is_stored_and_shown_whatever_its_characters_or_size(stack, hub, case):
    name = f"text{uuid.uuid4().hex[:6]}"
    hub.create_user(name)
    auth = {"Authorization": f"token {hub.user_token(name)}"}
    answer = httpx.post(f"{stack.api_url}/submissions", headers=auth, timeout=60,
                        json={"exercise_id": "digit-sum", "code": RAISING[case], "idempotency_key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.text
    stored = httpx.get(f"{stack.api_url}/submissions/{answer.json()['id']}", headers=auth, timeout=30)
    assert stored.status_code == 200 and len(stored.content) < 20_000, len(stored.content)
    texts = [answer.json()["message"]] + [t["message"] for t in answer.json()["tests"]]
    assert all("\x00" not in t and len(t) <= 400 for t in texts), texts
    if "NUL" in case:
        assert any("\\x00" in t for t in texts), texts  # shown, escaped


def test_a_model_answer_with_nul_or_lone_surrogates_is_answered_and_stored(stack, hub, llm):
    from .fake_llm import set_mode

    name = f"nul{uuid.uuid4().hex[:6]}"
    hub.create_user(name)
    auth = {"Authorization": f"token {hub.user_token(name)}"}
    set_mode(llm.base_url, mode="normal", reply="Look at the loop\u0000 and at \ud800 what it adds.\n")
    asked = httpx.post(f"{stack.api_url}/tutor/ask", headers=auth, timeout=60,
                       json={"exercise_id": "sum-of-evens", "question": "why is it wrong?", "stream": False})
    assert asked.status_code == 200, asked.text
    assert "\x00" not in asked.json()["answer"] and "what it adds" in asked.json()["answer"]
    export = httpx.get(f"{stack.api_url}/me/export", headers=auth, timeout=60)
    assert export.status_code == 200
