"""The exercise bank: loading, format errors, and the student notebook renderer."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from codementor.exercise_bank import Bank, ExerciseFormatError, ExerciseNotFound, load_exercise
from codementor.exercise_bank.render import METADATA_KEY, SCHEMA_VERSION, render_notebook, render_test


def test_bank_loads_every_exercise_with_a_full_ladder(bank):
    assert len(bank) >= 3
    for ex in bank.all():
        assert len(ex.hints) >= 3
        assert ex.visible_tests and ex.hidden_tests
        assert ex.topic and ex.difficulty in ("easy", "medium", "hard")


def test_unknown_exercise_raises_a_domain_error(bank):
    with pytest.raises(ExerciseNotFound):
        bank.get("does-not-exist")


def test_student_notebook_has_no_hidden_tests_or_solution(bank):
    for ex in bank.all():
        nb = render_notebook(ex, day="2026-11-27")
        nbformat.validate(nb)
        text = nbformat.writes(nb)
        assert ex.solution.strip() not in text
        assert not any(t.name in text for t in ex.hidden_tests)
        meta = nb.metadata[METADATA_KEY]
        assert meta == {"schema_version": SCHEMA_VERSION, "exercise_id": ex.id, "exercise_version": ex.version, "digest": ex.digest, "day": "2026-11-27"}
        solution_cells = [c for c in nb.cells if "codementor-solution" in c.metadata.get("tags", [])]
        assert [c.source.strip() for c in solution_cells] == [ex.starter.strip()]


def test_visible_tests_render_as_runnable_asserts(bank):
    ex = bank.get("safe-average")
    namespace: dict = {}
    exec(ex.solution, namespace)
    for test in ex.visible_tests:
        exec(render_test(test), namespace)  # the reference passes its own visible tests
    starter_ns: dict = {}
    exec(ex.starter, starter_ns)
    failures = 0
    for test in ex.visible_tests:
        try:
            exec(render_test(test), starter_ns)
        except (AssertionError, ZeroDivisionError):
            failures += 1
    assert failures >= 1



def test_a_failing_visible_test_says_what_the_code_gave(bank):
    ex = bank.get("minutes-to-hours")
    namespace: dict = {}
    exec(ex.starter, namespace)
    with pytest.raises(AssertionError) as failed:
        exec(render_test(ex.visible_tests[0]), namespace)
    assert str(failed.value) == f"{ex.visible_tests[0].name}: got (2.25, 15), expected (2, 15)"
    printing = bank.get("countdown")
    namespace = {}
    exec(printing.starter, namespace)
    with pytest.raises(AssertionError) as failed:
        exec(render_test(printing.visible_tests[0]), namespace)
    assert f"{printing.visible_tests[0].name}: printed '0" in str(failed.value)
    assert "expected '3\\n2\\n1\\nLiftoff!\\n'" in str(failed.value)

def copy_exercise(tmp_path, bank_dir, name="sum-of-evens"):
    target = tmp_path / name
    shutil.copytree(bank_dir / name, target)
    return target


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda d: (d / "solution.py").unlink(), "missing solution.py"),
        (lambda d: (d / "exercise.toml").write_text("id = [oops"), "not valid TOML"),
        (lambda d: (d / "starter.py").write_text("def f(:\n"), "not valid Python"),
        (lambda d: _replace(d, 'topic = "loops"', 'topic = "astrology"'), "unknown topic"),
        (lambda d: _replace(d, 'difficulty = "easy"', 'difficulty = "trivial"'), "difficulty"),
        (lambda d: _replace(d, 'expect = "6"', ""), "needs an 'expect'"),
        (lambda d: _replace(d, 'id = "sum-of-evens"', 'id = "other"'), "folder name"),
    ],
)
def test_format_errors_name_the_problem(tmp_path, bank, edit, problem):
    folder = copy_exercise(tmp_path, bank.root)
    edit(folder)
    with pytest.raises(ExerciseFormatError) as err:
        load_exercise(folder)
    assert problem in str(err.value)


def _replace(folder, old, new):
    path = folder / "exercise.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_digest_changes_when_an_exercise_changes(tmp_path, bank):
    folder = copy_exercise(tmp_path, bank.root)
    before = load_exercise(folder).digest
    (folder / "statement.md").write_text("A new statement.\n")
    assert load_exercise(folder).digest != before
    assert Bank(tmp_path).get("sum-of-evens").statement == "A new statement.\n"


def test_summary_is_json_ready(bank):
    for ex in bank.all():
        json.dumps(ex.summary())
        json.dumps(ex.student_view())
