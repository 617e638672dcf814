"""The kernel extension in a real IPython shell (no server): loading, and one-line errors."""

from __future__ import annotations

import json

import pytest
from IPython.core.error import UsageError

from codementor.exercise_bank.render import render_notebook
from tutor_kernel_ext.notebook import current_code, notebook_path


@pytest.fixture(scope="module")
def ip(ipython_shell):
    shell = ipython_shell
    shell.run_line_magic("load_ext", "tutor_kernel_ext")
    yield shell
    shell.run_line_magic("unload_ext", "tutor_kernel_ext")


@pytest.fixture
def unreachable_api(ip, monkeypatch, tmp_path, bank):
    """Today's exercise notebook open in the shell, with the API address pointing nowhere."""
    path = tmp_path / "today.ipynb"
    path.write_text(json.dumps(render_notebook(bank.get("sum-of-evens"))))
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    monkeypatch.setenv("CODEMENTOR_API_URL", "http://127.0.0.1:9/api/v1")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "x")
    ip.run_line_magic("unload_ext", "tutor_kernel_ext")
    ip.run_line_magic("load_ext", "tutor_kernel_ext")
    return path


def test_magics_are_registered(ip):
    magics = ip.magics_manager.lsmagic()["line"]
    assert {"hint", "submit"} <= set(magics)


def test_outside_an_exercise_notebook_the_student_gets_one_line(ip, monkeypatch, tmp_path):
    (tmp_path / "scratch.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "scratch.ipynb"))
    with pytest.raises(UsageError) as err:
        ip.run_line_magic("hint", "")
    assert "not a CodeMentor exercise" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_renamed_notebook_tells_the_student_to_restart_the_kernel(ip, monkeypatch, tmp_path):
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "renamed-since.ipynb"))
    with pytest.raises(UsageError) as err:
        ip.run_line_magic("submit", "")
    assert "restart the kernel" in str(err.value) and "\n" not in str(err.value)


def test_without_an_api_the_student_is_told_what_to_do(ip, unreachable_api):
    with pytest.raises(UsageError) as err:
        ip.run_line_magic("submit", "")
    assert "not reachable" in str(err.value)


def test_the_last_run_of_the_solution_cell_wins_over_the_saved_file(bank, tmp_path):
    nb = json.loads(json.dumps(render_notebook(bank.get("sum-of-evens"))))
    assert current_code(nb, {}).strip() == bank.get("sum-of-evens").starter.strip()
    ran = "def sum_of_evens(numbers):\n    return 42\n"
    assert current_code(nb, {"codementor-solution": ran}) == ran



def test_magics_typed_in_the_solution_cell_are_not_graded(bank):
    nb = json.loads(json.dumps(render_notebook(bank.get("sum-of-evens"))))
    ran = "%hint\ndef sum_of_evens(numbers):\n    return 42\n!ls\n%tutor why?\n"
    code = current_code(nb, {"codementor-solution": ran})
    assert code == "\ndef sum_of_evens(numbers):\n    return 42\n"
    compile(code, "<submission>", "exec")
    assert current_code(nb, {"codementor-solution": "%%tutor\nwhy does it fail?\n"}) == "\n"

def test_notebook_path_resolves_relative_session_names(tmp_path):
    (tmp_path / "exercises").mkdir()
    nb = tmp_path / "exercises" / "x.ipynb"
    nb.write_text("{}")
    assert notebook_path({"JPY_SESSION_NAME": "exercises/x.ipynb"}, cwd=tmp_path) == nb
    assert notebook_path({"JPY_SESSION_NAME": str(nb)}) == nb
    assert notebook_path({}) is None


def test_a_tutor_question_that_fails_does_not_leave_the_tutor_thinking(ip, unreachable_api):
    from IPython.utils.capture import capture_output

    with capture_output() as shown, pytest.raises(UsageError) as err:
        ip.run_line_magic("tutor", "why does my code fail?")
    assert "not reachable" in str(err.value)
    assert "thinking" in shown.outputs[0].data["text/plain"]
    last = shown._outputs[-1]
    assert last["update"] and "No answer from the tutor" in last["data"]["text/markdown"]


def test_a_mistyped_magic_does_not_replace_the_students_last_error(ip, monkeypatch, tmp_path):
    import tutor_kernel_ext

    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "scratch.ipynb"))
    ip.run_cell("assert 1 == 2, 'the example from the statement'", cell_id="checks")
    magics = tutor_kernel_ext._magics
    assert magics.last_error == "AssertionError: the example from the statement"
    ip.run_cell("%tutor --foo", cell_id="question")
    ip.run_cell("%hint", cell_id="question")  # not an exercise here: a UsageError too
    assert magics.last_error == "AssertionError: the example from the statement"
    assert "assert 1 == 2" in magics.last_traceback
    ip.run_cell("assert 1 == 1", cell_id="checks")
    assert magics.last_error == ""
