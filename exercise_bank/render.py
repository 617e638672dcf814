"""Render the student notebook of an exercise with nbformat.

The notebook carries its identity under one namespaced metadata key (``codementor``) with a
schema version, both defined by the shared client's schema (codementor.client.notebook), so
that the server extension and the kernel extension read what the bank writes without
importing the bank. It never contains hidden tests or the reference solution
(unless ``with_solution=True``, which authors use to check that the notebook runs clean).
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from codementor.client.notebook import METADATA_KEY, SCHEMA_VERSION, SOLUTION_TAG, cell_metadata, exercise_metadata

from .model import Exercise, TestCase

__all__ = ["METADATA_KEY", "SCHEMA_VERSION", "SOLUTION_TAG", "notebook_json", "render_notebook", "render_test"]

SOLUTION_CELL_ID = "codementor-solution"
VISIBLE_TESTS_TAG = "codementor-visible-tests"

HOW_TO = """\
**How to work:** write your code in the next cell and run it (Shift+Enter), then run the
checks below. Stuck? Type `%hint` in any cell for the next hint, or ask `%tutor` a question.
Done? Type `%submit` in a new cell: your solution cell is graded on the server against
hidden tests too."""


def render_test(test: TestCase) -> str:
    """One visible test as plain Python a beginner can read."""
    lines = [test.setup.rstrip()] if test.setup.strip() else []
    label = repr(test.name)
    if test.check == "raises":
        lines.append(
            f"try:\n    {test.call}\nexcept {test.expect}:\n    pass\n"
            f"else:\n    raise AssertionError({label} + ': expected {test.expect}')"
        )
    elif test.check == "stdout":
        lines.append(
            "import contextlib, io\n_out = io.StringIO()\n"
            f"with contextlib.redirect_stdout(_out):\n    {test.call}\n"
            f"_got = _out.getvalue()\n_expected = {test.expect}\n{_assert_equal(label, 'printed')}"
        )
    else:
        lines.append(f"_got = {test.call}\n_expected = {test.expect}\n{_assert_equal(label, 'got')}")
    return "\n".join(lines)


def _assert_equal(label: str, verb: str) -> str:
    """The assert of a visible test: a failure says what the code gave and what was expected."""
    return f'assert _got == _expected, {label} + f": {verb} {{_got!r}}, expected {{_expected!r}}"'



def _code_cell(source: str, cell_id: str, tag: str, role: str):
    cell = new_code_cell(source)
    cell["id"] = cell_id
    cell.metadata["tags"] = [tag]
    cell.metadata[METADATA_KEY] = cell_metadata(role)
    return cell


def render_notebook(exercise: Exercise, *, day: str | None = None, with_solution: bool = False):
    """Build the student notebook for an exercise (an nbformat NotebookNode)."""
    header = f"# {exercise.title}\n\n*{exercise.topic} · {exercise.difficulty} · about {exercise.estimated_minutes} minutes*\n\n"
    intro = new_markdown_cell(header + exercise.statement)
    intro["id"] = "codementor-statement"
    how_to = new_markdown_cell(HOW_TO)
    how_to["id"] = "codementor-how-to"
    code = exercise.solution if with_solution else exercise.starter
    solution_cell = _code_cell(code.rstrip() + "\n", SOLUTION_CELL_ID, SOLUTION_TAG, "solution")
    checks_header = new_markdown_cell(
        "## Check your work\n\nThese are the visible tests; the grader also runs hidden ones. Until your "
        "solution is right, this cell stops with an `AssertionError` saying which test failed and what your code gave."
    )
    checks_header["id"] = "codementor-checks-header"
    tests_source = "\n\n".join(render_test(t) for t in exercise.visible_tests) + '\nprint("All visible tests passed.")'
    tests_cell = _code_cell(tests_source, "codementor-visible-tests", VISIBLE_TESTS_TAG, "visible-tests")
    nb = new_notebook(cells=[intro, how_to, solution_cell, checks_header, tests_cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata[METADATA_KEY] = exercise_metadata(exercise.id, exercise.version, exercise.digest, day)
    nbformat.validate(nb)
    return nb


def notebook_json(exercise: Exercise, *, day: str | None = None) -> dict:
    """The student notebook as a JSON-ready dict."""
    return dict(render_notebook(exercise, day=day))

