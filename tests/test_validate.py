"""`codementor exercises validate` on small banks made for the test: each check can fail."""

from __future__ import annotations

import asyncio
import textwrap

from codementor.cli import main
from codementor.api.grader import Grader
from codementor.exercise_bank.validate import MUTANT_TIMEOUT, format_table, validate_bank

import pytest


def _write_exercise(root, solution: str, hidden_call: str, visible_expect: str = "4", topic: str = "functions") -> None:
    folder = root / "double-it"
    folder.mkdir()
    (folder / "statement.md").write_text("Return twice the number.\n")
    (folder / "starter.py").write_text("def double(n):\n    return n\n")
    (folder / "solution.py").write_text(solution)
    (folder / "exercise.toml").write_text(textwrap.dedent(f'''
        id = "double-it"
        title = "Double it"
        topic = "{topic}"
        difficulty = "easy"
        version = 1
        estimated_minutes = 5
        hints = ["one", "two", "three"]
        [[tests.visible]]
        name = "two doubled"
        call = "double(2)"
        expect = "{visible_expect}"
        [[tests.hidden]]
        name = "hidden"
        call = "{hidden_call}"
    '''))


def _validate(root, **settings):
    """Validate the bank at `root` with the API's grader, as `codementor exercises validate` hands it to the validator."""
    async def run():
        grader = Grader(concurrency=2, timeout=MUTANT_TIMEOUT, queue_limit=1_000_000)
        try:
            return await validate_bank(grader.grade, root, **settings)
        finally:
            await grader.aclose()

    return asyncio.run(run())


def test_validator_fails_weak_hidden_tests(tmp_path):
    """A hidden test that only checks the sign of the answer lets mutants live: the bank must fail."""
    _write_exercise(tmp_path, "def double(n):\n    return n * 2\n", "double(1) > 1")
    report = _validate(tmp_path, max_mutants=10)
    row = report.rows[0]
    assert row.schema and row.notebook
    assert row.starter is True
    assert row.score is not None and row.score < 0.9
    assert not report.passed
    assert "below 90%" in format_table(report)


def test_a_wrong_visible_test_fails_the_notebook_and_the_schema(tmp_path):
    _write_exercise(tmp_path, "def double(n):\n    return n * 2\n", "double(5)", visible_expect="5")
    report = _validate(tmp_path, max_mutants=5)
    row = report.rows[0]
    assert row.notebook is False and row.schema is False
    assert any("reference solution fails" in p for p in row.problems)
    assert any(p.startswith("notebook: ") for p in row.problems)


def test_cli_exits_non_zero_on_a_format_error(tmp_path, capsys):
    _write_exercise(tmp_path, "def double(n):\n    return n * 2\n", "double(5)", topic="astrology")
    with pytest.raises(SystemExit) as exit_info:
        main(["exercises", "validate", "--bank", str(tmp_path)])
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "unknown topic 'astrology'" in out and "FAIL" in out


def test_a_reference_that_does_not_run_is_a_problem_of_its_row(tmp_path):
    _write_exercise(tmp_path, "import no_such_module_here\ndef double(n):\n    return n * 2\n", "double(3)")
    report = _validate(tmp_path, max_mutants=2)
    row = report.rows[0]
    assert row.schema is False and not report.passed
    assert any(p.startswith("the reference solution does not run: it does not load: ModuleNotFoundError") for p in row.problems), row.problems


def test_only_a_kernel_that_never_came_up_gets_its_notebook_run_again():
    """A kernel that died or did not answer while it started says nothing about the notebook (on a loaded machine the
    first kernel of a fresh install took over 60 s): its notebook is run once more. A failing cell is not."""
    from codementor.exercise_bank.validate import kernel_did_not_start

    assert kernel_did_not_start("Cell 0: failed on setup with \"RuntimeError: Kernel didn't respond in 60 seconds\"")
    assert kernel_did_not_start("Cell 0: Kernel died before replying to kernel_info")
    assert not kernel_did_not_start("Cell 3: AssertionError: 5 != 6")
    assert not kernel_did_not_start("")
