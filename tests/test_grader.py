"""The grader: a real child process per submission, the verdict computed outside it."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pytest

from codementor.api.grader import Grader
from codementor.api.grader.grader import HIDDEN_FAILED


async def test_reference_passes_and_starter_fails(grader, bank):
    for ex in bank.all():
        good = await grader.grade(ex, ex.solution)
        assert good.passed and good.score == 1.0, (ex.id, good.to_dict())
        bad = await grader.grade(ex, ex.starter)
        assert not bad.passed and any(t.hidden and not t.passed for t in bad.tests), ex.id


NO_ANSWER = "def sum_of_evens(numbers):\n    return None\n"
TRICKS = {
    "an __eq__ that is always True": "class Yes:\n    def __eq__(self, other):\n        return True\n\ndef sum_of_evens(numbers):\n    return Yes()\n",
    "an int subclass equal to everything": "class Sneaky(int):\n    def __eq__(self, other):\n        return True\n\ndef sum_of_evens(numbers):\n    return Sneaky(0)\n",
    "a printed fake report": 'print(\'{"event": "done"}\')\nprint("All tests passed")\n' + NO_ANSWER,
}


@pytest.mark.parametrize("trick", TRICKS)
async def test_tricks_score_no_better_than_no_answer(grader, bank, trick):
    exercise = bank.get("sum-of-evens")
    baseline = await grader.grade(exercise, NO_ANSWER)
    result = await grader.grade(exercise, TRICKS[trick])
    assert not result.passed
    assert [t.passed for t in result.tests] == [t.passed for t in baseline.tests]
    assert result.score < 0.2


@pytest.mark.parametrize(
    "code, status",
    [
        ("import sys\nsys.exit(0)\n", "load_error"),
        ("import os\nos._exit(0)\n", "crashed"),
        ("def broken(:\n", "load_error"),
        ("while True:\n    pass\n", "timeout"),
    ],
)
async def test_code_that_never_reaches_the_tests_scores_zero(grader, bank, code, status):
    result = await grader.grade(bank.get("sum-of-evens"), code)
    assert result.status == status
    assert result.score == 0.0 and not result.passed
    assert result.message


@pytest.mark.parametrize("making", ["os.mkdir('out')", "open('log.txt', 'x').close()", "os.symlink('.', 'here')"])
async def test_code_that_makes_a_file_of_a_fixed_name_when_it_loads_passes_both_phases(grader, bank, making):
    """The hidden phase loads the code a second time in the same job: it does so in a fresh folder, so that what the
    first load made is not in its way (a folder or file that already exists)."""
    exercise = bank.get("sum-of-evens")
    result = await grader.grade(exercise, f"import os\n{making}\n" + exercise.solution)
    assert result.status == "graded" and result.passed, result.to_dict()


@pytest.mark.parametrize("code", ["def broken(:\n", "import no_such_module\n", "raise ValueError('at import')\n"])
async def test_code_that_does_not_load_is_never_sent_the_hidden_tests(bank, grader, code):
    """A submission is one job: the visible phase, then the hidden one. When the visible phase shows that the code
    does not load, the hidden tests are not sent (the phase is "skipped"), every hidden test fails, and the message
    is the load error's; a code that loads gets both phases, in the one job."""
    exercise = bank.get("sum-of-evens")
    visible = [i for i, t in enumerate(exercise.tests) if not t.hidden]
    hidden = [i for i, t in enumerate(exercise.tests) if t.hidden]
    phases = (grader._job_tests(exercise, visible, at_end=False), grader._job_tests(exercise, hidden, at_end=True))
    assert (await grader.grade(exercise, exercise.solution)).passed  # the reference run and the zygote, ready
    jobs = grader._zygote.cpu_ms["jobs"] if grader._zygote else None
    seen, unseen = await grader._run(code, phases)
    assert seen.status == "crashed" and seen.messages[0]["event"] == "loaded" and not seen.messages[0]["ok"]
    assert unseen.status == "skipped" and unseen.messages == []
    seen, unseen = await grader._run(exercise.solution, phases)
    assert seen.status == unseen.status == "graded" and len(unseen.messages) == len(hidden) + 2
    if jobs is not None:
        assert grader._zygote.cpu_ms["jobs"] == jobs + 2
    result = await grader.grade(exercise, code)
    assert result.status == "load_error" and result.message.startswith("your code stopped before any test ran")
    assert [t.message for t in result.tests if t.hidden] == [HIDDEN_FAILED] * len(hidden)


async def test_system_exit_inside_a_test_fails_only_that_test(grader, bank):
    code = "def sum_of_evens(numbers):\n    if not numbers:\n        raise SystemExit(0)\n    return sum(n for n in numbers if n % 2 == 0)\n"
    result = await grader.grade(bank.get("sum-of-evens"), code)
    failed = [t.name for t in result.tests if not t.passed]
    assert failed == ["an empty list adds up to zero"]


async def test_messages_help_on_visible_tests_only(grader, bank):
    code = "def sum_of_evens(numbers):\n    return 0\n"
    result = await grader.grade(bank.get("sum-of-evens"), code)
    visible = next(t for t in result.tests if not t.hidden and not t.passed)
    assert visible.message == "returned 0, expected 6"
    assert all(t.message == HIDDEN_FAILED for t in result.tests if t.hidden and not t.passed)


async def test_hidden_inputs_cannot_leak_through_error_messages(grader, bank):
    exercise = bank.get("sum-of-evens")
    code = (
        "import sys\n"
        "def sum_of_evens(numbers):\n"
        "    raise ValueError('inputs: ' + repr(numbers))\n"
    )
    result = await grader.grade(exercise, code)
    hidden = [t for t in result.tests if t.hidden]
    assert hidden and all(t.message == HIDDEN_FAILED for t in hidden)
    made_up = "def sum_of_evens(numbers):\n    raise type('Leak' + str(len(numbers)), (Exception,), {})()\n"
    result = await grader.grade(exercise, made_up)
    assert all(t.message == HIDDEN_FAILED for t in result.tests if t.hidden)
    visible = next(t for t in result.tests if not t.hidden)
    assert "Leak4" in visible.message


def test_a_missing_cgroup_hierarchy_is_an_error_that_names_it():
    from codementor.isolation import cgroups

    with pytest.raises(OSError, match="no cgroup v1 'nonesuch' hierarchy is mounted"):
        cgroups.cgroup_group("nonesuch", "codementor-test", "x", {})


async def test_pass_fail_only_grading_runs_one_job_and_says_nothing_else(grader, bank):
    """For the leak filter: every test in one job, only which passed comes back."""
    exercise = bank.get("sum-of-evens")
    code = ("def sum_of_evens(numbers):\n    if len(numbers) > 3:\n        raise ValueError('inputs: ' + repr(numbers))\n"
            "    return sum(n for n in numbers if n % 2 == 0)\n")
    full = await grader.grade(exercise, code)
    quiet = await grader.grade(exercise, code, feedback=False)
    assert [(t.name, t.hidden, t.passed) for t in quiet.tests] == [(t.name, t.hidden, t.passed) for t in full.tests]
    assert any(t.passed for t in quiet.tests) and any(not t.passed for t in quiet.tests)
    assert all(t.message == ("" if t.passed else HIDDEN_FAILED) for t in quiet.tests)


@pytest.mark.parametrize("solution, problem", [
    ("import no_such_module_for_this_test\n", "does not load: ModuleNotFoundError"),
    ("import os\nos._exit(3)\n", "crashed"),
])
async def test_a_broken_reference_is_a_clear_error_not_a_crash(grader, bank, solution, problem):
    """A reference that does not run makes every submission of that exercise a 503 in the envelope, saying why."""
    from dataclasses import replace

    from codementor.api.errors import ReferenceBroken, as_domain_error, status_of

    broken = replace(bank.get("sum-of-evens"), solution=solution, digest="broken-" + str(len(solution)))
    outcomes = await asyncio.gather(*(grader.grade(broken, NO_ANSWER) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(o, ReferenceBroken) for o in outcomes), outcomes
    error = as_domain_error(outcomes[0])
    assert (status_of(error), error.code, error.details) == (503, "exercise_unavailable", {"exercise_id": "sum-of-evens"})
    assert "reference solution does not run" in error.message and "no_such_module" not in error.message
    assert problem in outcomes[0].problem  # the operator's log gets the reason
    good = await grader.grade(bank.get("sum-of-evens"), NO_ANSWER)  # the other exercises are not affected
    assert good.status == "graded"


async def test_the_zygotes_stderr_goes_to_the_api_log(caplog):
    """What the zygote writes on stderr (here the traceback of a set-up that fails) is a JSON line of the API's log."""
    import json
    import logging
    import sys

    from codementor.api.grader.pool import PoolUnavailable, Zygote
    from codementor.api.logs import JsonFormatter

    config = Grader()._zygote_config()
    del config["isolate"]  # the zygote's set-up fails at once
    zygote = Zygote(sys.executable, config)
    with caplog.at_level(logging.WARNING, logger="codementor.grader"):
        with pytest.raises(PoolUnavailable, match="KeyError"):
            await zygote.start()
        await zygote.aclose()
    lines = [r for r in caplog.records if r.getMessage().startswith("grader zygote: ")]
    assert any("KeyError: 'isolate'" in r.getMessage() for r in lines), [r.getMessage() for r in caplog.records]
    entry = json.loads(JsonFormatter().format(lines[-1]))
    assert entry["zygote_pid"] == zygote.proc.pid and entry["level"] == "warning" and entry["logger"] == "codementor.grader"


@pytest.mark.parametrize("stop", ["import os\n        os._exit(0)", "while True:\n            pass"])
async def test_a_job_that_stops_in_a_later_test_still_reports_the_earlier_ones(grader, bank, stop):
    """The worker holds observation lines back to write several at once, but never past the next test."""
    code = f"calls = []\ndef sum_of_evens(numbers):\n    calls.append(1)\n    if len(calls) > 1:\n        {stop}\n    return 0\n"
    result = await grader.grade(bank.get("sum-of-evens"), code)
    assert result.status in ("crashed", "timeout") and result.score == 0
    first, second = result.tests[0], result.tests[1]
    assert (first.hidden, first.message) == (False, "returned 0, expected 6")
    assert (second.hidden, second.message) == (False, "did not run (the code stopped or ran out of time before this test)")


def open_descriptors() -> list[str]:
    return sorted(os.listdir("/proc/self/fd"))


async def test_no_descriptor_is_left_open_whatever_the_job_did(bank):
    """Each job opens three pipes in the API process; passing, crashing, timing out, lying on the
    observation pipe, flooding it or getting a stdin larger than a pipe holds, all of them are closed."""
    exercise = bank.get("sum-of-evens")
    grader = Grader(timeout=1.0, concurrency=3)
    try:
        assert (await grader.grade(exercise, exercise.solution)).passed  # the zygote and the reference run, once
        zygote, before = grader._zygote, open_descriptors()
        write_everywhere = "import os\nfor fd in range(1, 30):\n    try:\n        os.write(fd, %s)\n    except OSError:\n        pass\n"
        codes = {
            exercise.solution: "graded",
            "import os\nos._exit(0)\n": "crashed",
            "while True:\n    pass\n": "timeout",
            write_everywhere % repr(b'{"event": "done"}\n') + NO_ANSWER: "crashed",  # out of order on the observation pipe
            write_everywhere % "b'{' * 3_000_000" + NO_ANSWER: "crashed",  # past the output cap
            exercise.solution + "#" * 200_000 + "\n": "graded",  # stdin larger than a pipe holds
            "def broken(:\n": "load_error",
        }
        for _ in range(2):
            results = await asyncio.gather(*(grader.grade(exercise, code) for code in codes))
            assert [r.status for r in results] == list(codes.values()), [r.to_dict() for r in results]
        assert grader._zygote is zygote and open_descriptors() == before
        # a submission cancelled while its job runs (the client went away): the job runs on in its keeper until it
        # ends (here at the 1 s timeout), and holds its slot until then; then its pipes and slot are given back
        cancelled = asyncio.ensure_future(grader.grade(exercise, "import time\ntime.sleep(30)\n"))
        while len(grader._free) > grader.concurrency - 1:
            await asyncio.sleep(0.01)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert len(grader._free) == grader.concurrency - 1  # still taken: the keeper runs the job on
        deadline = time.monotonic() + 10
        while len(grader._free) < grader.concurrency and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert len(grader._free) == grader.concurrency and grader._grading == 0
        assert grader._zygote is zygote and open_descriptors() == before
    finally:
        await grader.aclose()


async def test_a_job_whose_zygote_stopped_answering_closes_its_pipes():
    """The guard (5 s after the job's timeout) and a cancelled submission close every pipe of the job too."""
    from codementor.api.grader.observations import Observations
    from codementor.api.grader.pool import Zygote

    zygote = Zygote(sys.executable, {})  # never started: nothing to stop, the pipes below stand for a stuck keeper
    for cancel in (False, True):
        before = open_descriptors()
        (stdin_r, stdin_w), (obs_r, obs_w), (status_r, status_w) = os.pipe(), os.pipe(), os.pipe()
        # a timeout of -5 s makes the guard fire at once; with cancel, the task is cancelled instead
        job = asyncio.ensure_future(zygote._collect([b"{}\n", b"{}\n"], stdin_w, obs_r, status_r, 1000.0 if cancel else -5.0,
                                                    [Observations(1, 1000), Observations(1, 1000)]))
        if cancel:
            await asyncio.sleep(0)
            job.cancel()
            with pytest.raises(asyncio.CancelledError):
                await job
        else:
            assert await job == ["timeout", "skipped"]
        for fd in (stdin_r, obs_w, status_w):
            os.close(fd)
        assert open_descriptors() == before


async def test_a_hidden_line_the_job_does_not_take_never_blocks_the_event_loop():
    """The hidden tests are written after the student's code ran, and a job may shrink the pipe they come on
    (`F_SETPIPE_SZ`, here to one page) and stop reading: the API writes them as the pipe takes them, and its
    event loop goes on meanwhile (a blocking write of 8 KiB held it, every request with it, until the job ended)."""
    import fcntl
    import threading

    from codementor.api.grader.observations import Observations
    from codementor.api.grader.pool import Zygote

    zygote = Zygote(sys.executable, {})  # never started: the pipes below stand for a job and its keeper
    before = open_descriptors()
    (stdin_r, stdin_w), (obs_r, obs_w), (status_r, status_w) = os.pipe(), os.pipe(), os.pipe()
    fcntl.fcntl(stdin_r, fcntl.F_SETPIPE_SZ, 4096)
    hidden = b'{"then": true, "tests": [], "pad": "' + b"x" * 8192 + b'"}\n'
    os.write(obs_w, observation_lines(LOADED, TEST_0, DONE))  # the visible phase, then nothing is read any more
    job_ended = threading.Event()

    def end_the_job() -> None:  # its keeper's report, 2 s on: the pipes close, a blocked write ends with EPIPE
        os.write(status_w, b'{"ended": "timeout"}\n')
        for fd in (status_w, obs_w, stdin_r):
            os.close(fd)
        job_ended.set()

    timer = threading.Timer(2.0, end_the_job)
    timer.start()
    try:
        job = asyncio.ensure_future(zygote._collect([b"{}\n", hidden], stdin_w, obs_r, status_r, 30.0,
                                                    [Observations(1, 1 << 20), Observations(0, 1 << 20)]))
        ticks_while_the_job_ran = 0
        while not job.done():
            await asyncio.sleep(0.01)
            ticks_while_the_job_ran += not job_ended.is_set()
        assert ticks_while_the_job_ran >= 10  # the loop ran other tasks while the line waited for the pipe
        assert await job == ["graded", "timeout"]
    finally:
        timer.join()
    assert open_descriptors() == before


def observation_lines(*messages: dict) -> bytes:
    import json

    return b"".join(json.dumps(m).encode() + b"\n" for m in messages)


LOADED, DONE = {"event": "loaded", "ok": True}, {"event": "done"}
TEST_0, TEST_1 = ({"event": "test", "index": i, "outcome": "returned", "value": ["int", i]} for i in range(2))


@pytest.mark.parametrize("chunk", [1, 5, 4096])
def test_observations_give_the_same_messages_however_the_pipe_splits_them(chunk):
    from codementor.api.grader.observations import Observations

    stream = observation_lines(LOADED, TEST_0, TEST_1, DONE) + b"anything after done is not read"
    observations = Observations(2, 1 << 20)
    for start in range(0, len(stream), chunk):
        observations.feed(stream[start:start + chunk])
    assert observations.feed(b"") == "graded"
    assert observations.messages == [LOADED, TEST_0, TEST_1, DONE]


@pytest.mark.parametrize("stream, kept", [
    (observation_lines(LOADED, TEST_1, DONE), 1),  # a test out of order
    (observation_lines(LOADED, TEST_0, TEST_1, TEST_1, DONE), 3),  # one test too many
    (observation_lines(LOADED, TEST_0), 2),  # the pipe ends before done
    (observation_lines(LOADED) + b"not json\n" + observation_lines(TEST_0, TEST_1, DONE), 1),
    (observation_lines(LOADED) + b"\n", 1),
    (observation_lines({"event": "setup_failed", "error": "why"}), 1),  # kept: the grader reports why
    (observation_lines(DONE), 0),
])
def test_observations_out_of_protocol_order_end_the_job_as_crashed(stream, kept):
    from codementor.api.grader.observations import Observations

    observations = Observations(2, 1 << 20)
    assert (observations.feed(stream) or observations.feed(b"")) == "crashed"
    assert len(observations.messages) == kept


def test_observations_past_the_output_cap_or_the_line_limit_end_the_job_as_crashed():
    from codementor.api.grader.observations import Observations

    stream = observation_lines(LOADED, TEST_0, TEST_1, DONE)
    assert Observations(2, len(stream)).feed(stream) == "graded"
    assert Observations(2, len(stream) - 1).feed(stream) == "crashed"
    long_line = Observations(2, 1 << 20, max_line=100)
    assert long_line.feed(observation_lines(LOADED)) is None
    assert long_line.feed(b'{"event": "test", "index": 0, "stdout": "' + b"x" * 100) == "crashed"  # before its end comes
    last = Observations(2, 1 << 20)  # a last line without its newline still counts
    assert last.feed(stream[:-1]) is None and last.feed(b"") == "graded"


async def test_how_long_the_hidden_tests_ran_shows_only_as_the_step_the_answer_reached(bank):
    """Code that sleeps in the hidden tests for as long as an input says: the answer still leaves at
    the first step (doubling from c.Grader.answer_step) past the grading's time, not at the run's end."""
    exercise = bank.get("sum-of-evens")
    visible = [t.call for t in exercise.tests if not t.hidden]
    assert visible, "the exercise has visible tests"
    sleeper = ("import time\n"
               "SLEPT = []\n"
               "def sum_of_evens(numbers):\n"
               "    if not SEEN.get(tuple(numbers)) and not SLEPT:  # the first hidden test only\n"
               "        SLEPT.append(True)\n"
               "        time.sleep({pause})\n"
               "    return sum(n for n in numbers if n % 2 == 0)\n")
    # the visible tests' inputs never sleep: only the hidden phase's time varies
    seen = "SEEN = {%s}\n" % ", ".join(f"tuple({call.partition('(')[2].rpartition(')')[0]}): True" for call in visible)
    grader = Grader(timeout=3.0, answer_step=0.5)
    try:
        await grader.grade(exercise, exercise.solution)  # the reference's expectations and the sandbox, ready
        times = {}
        for pause in (0.0, 0.05, 0.6):
            started = asyncio.get_running_loop().time()
            result = await grader.grade(exercise, seen + sleeper.format(pause=pause))
            times[pause] = asyncio.get_running_loop().time() - started
            assert result.passed, (pause, result.to_dict())
        assert 0.5 <= times[0.0] < 1.0 and 0.5 <= times[0.05] < 1.0, times  # a hidden run 50 ms longer: the same step
        assert times[0.6] >= 1.0, times  # past the first step: the next one
    finally:
        await grader.aclose()
