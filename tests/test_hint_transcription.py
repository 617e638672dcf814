"""Authored hints that are the solution in pseudocode: the validator's hint check (the tutor's own leak filter)
must refuse a last rung whose steps, taken literally, are the reference's statements in order, and must still
let honest hints through."""

from __future__ import annotations

import asyncio
import json
import re
import shutil

from codementor.api.gateway.leak import LeakDetector, StatementFrequency
from codementor.api.grader import Grader
from codementor.cli.bank import bank_solutions, hint_checker
from codementor.exercise_bank import Bank
from codementor.exercise_bank.loader import default_bank_dir, load_exercise
from codementor.exercise_bank.validate import MUTANT_TIMEOUT, Row, check_hints

import pytest

# the third rungs as they were published: each one, transcribed line by line into Python, passes every hidden test
MERGE_MEETINGS_HINT = ("Near-pseudocode: periods = []; for start, end in sorted(meetings): if periods is not empty and start <= end "
                       "of the last period: replace the last period by (its start, max(its end, end)); else: append (start, end). "
                       "Return periods.")
MERGE_MEETINGS_TRANSCRIBED = """\
def busy_periods(meetings):
    periods = []
    for start, end in sorted(meetings):
        if periods and start <= periods[-1][1]:
            periods[-1] = (periods[-1][0], max(periods[-1][1], end))
        else:
            periods.append((start, end))
    return periods
"""
NESTING_DEPTH_HINT = ("Near-pseudocode: if value is not a list, return 0; deepest = 0; for each item in value: deepest = the larger "
                      "of deepest and depth(item); return deepest + 1.")
FOLDER_SIZE_HINT = ("Near-pseudocode: total = 0; for each entry in folder.values(): if it is a dict, add folder_size(entry) to "
                    "total, else add entry itself; return total.")
RETRY_HINT = ("Near-pseudocode: if attempts < 1: raise ValueError. Repeat attempts - 1 times: try: return action(); except "
              "ConnectionError: do nothing. After the loop: return action() (no try, so its error goes up unchanged). Any other "
              "exception is never caught.")

# honest tutoring about the same exercise, in the words the stricter reading now understands
HONEST = [
    "Sort first, then walk through the meetings once. If the list of periods is empty, there is nothing to merge with yet.",
    "Compare each meeting's start with the end of the last period you built: touching (equal) counts as overlapping.",
    "When a meeting overlaps, replace nothing by hand yet: first ask which end the merged period should keep.",
    "A short meeting can sit entirely inside a long one, so the merged end is the larger of the two ends, not the new one.",
]


def _exercise(tmp_path, exercise_id: str, hint: str):
    """A copy of a bank exercise in a course folder of its own, whose last rung is `hint`."""
    folder = tmp_path / exercise_id
    shutil.copytree(default_bank_dir() / exercise_id, folder, ignore=shutil.ignore_patterns("__pycache__"))
    toml = folder / "exercise.toml"
    source = toml.read_text()
    hints = re.search(r"(?ms)^hints = \[\n(.*?)^\]\n", source)
    lines = hints.group(1).splitlines()
    lines[-1] = f"    {json.dumps(hint)},"  # one rung a line; a JSON string is a TOML basic string
    toml.write_text(source[:hints.start(1)] + "\n".join(lines) + "\n" + source[hints.end(1):])
    return load_exercise(folder)


def _check(exercise) -> Row:
    """The validator's hint check with the tutor's filter, as `codementor exercises validate` runs it."""
    async def run():
        grader = Grader(concurrency=2, timeout=MUTANT_TIMEOUT, queue_limit=1_000_000)
        try:
            row = Row(exercise.id, schema=True)
            await check_hints(hint_checker(bank_solutions(None), grader.grade), exercise, row)
            return row
        finally:
            await grader.aclose()

    return asyncio.run(run())


def test_the_published_merge_meetings_hint_is_the_solution():
    """The premise: its literal transcription passes every hidden test."""
    async def run():
        grader = Grader(concurrency=1, timeout=MUTANT_TIMEOUT)
        try:
            return await grader.grade(Bank().get("merge-meetings"), MERGE_MEETINGS_TRANSCRIBED)
        finally:
            await grader.aclose()

    result = asyncio.run(run())
    assert result.status == "graded" and all(t.passed for t in result.tests if t.hidden)


def test_the_validator_refuses_merge_meetings_pseudocode(tmp_path):
    row = _check(_exercise(tmp_path, "merge-meetings", MERGE_MEETINGS_HINT))
    assert row.hints is False
    assert any(p.startswith("hint 3: the tutor would block it") and "walkthrough" in p for p in row.problems), row.problems
    assert not any(p.startswith(("hint 1", "hint 2")) for p in row.problems)


@pytest.mark.parametrize("exercise_id, hint", [
    ("nesting-depth", NESTING_DEPTH_HINT), ("folder-size", FOLDER_SIZE_HINT), ("retry-connection", RETRY_HINT),
])
def test_the_walkthrough_reads_pseudocode_with_words_for_calls(exercise_id, hint):
    """'the larger of', 'is a dict', 'repeat ... times', 'raise ValueError' written in prose tell those statements."""
    bank = Bank()
    frequency = StatementFrequency.of(ex.solution for ex in bank.all())
    detector = LeakDetector(bank.get(exercise_id).solution, 0.4, frequency, 0.8)
    assert detector.walked(hint) >= 0.8


def test_the_bank_hints_and_honest_answers_pass(tmp_path):
    """Every published rung of merge-meetings (its rewritten third one included) and honest answers that use the
    words the walkthrough now reads ('last', 'replace', 'is empty', 'the larger of') are no walkthrough."""
    exercise = Bank().get("merge-meetings")
    row = _check(exercise)
    assert row.hints is True, row.problems
    bank = Bank()
    frequency = StatementFrequency.of(ex.solution for ex in bank.all())
    detector = LeakDetector(exercise.solution, 0.4, frequency, 0.8)
    for answer in HONEST:
        assert not detector.check(answer).leaking, answer
    assert not detector.check(" ".join(HONEST)).leaking
