"""%submit is safe to send again: a submission whose answer never arrived is stored once.

The kernel's magics in an IPython shell against the real API service: a client timeout
shorter than the grading (the submission sleeps) loses the first answer, as a slow network or
a busy grader would; the retry, inside the same %submit or as the student's next %submit,
carries the same idempotency key.
"""

from __future__ import annotations

import json

import httpx
import pytest
from IPython.core.error import UsageError

from codementor.exercise_bank.render import render_notebook
from tutor_kernel_ext.magics import TutorMagics
from tutor_kernel_ext.notebook import SOLUTION_TAG

pytestmark = pytest.mark.e2e

SLOW_SOLUTION = (
    "import time\n"
    "time.sleep({seconds})  # longer than the client waits for an answer\n"
    "def sum_of_evens(numbers):\n"
    "    return sum(n for n in numbers if n % 2 == 0)\n"
)


def open_notebook(tmp_path, monkeypatch, bank, code: str):
    """Today's sum-of-evens notebook, saved with `code` in its solution cell, as this kernel's notebook."""
    nb = json.loads(json.dumps(render_notebook(bank.get("sum-of-evens"))))
    cell = next(c for c in nb["cells"] if SOLUTION_TAG in c.get("metadata", {}).get("tags", []))
    cell["source"] = code
    path = tmp_path / "sum-of-evens.ipynb"
    path.write_text(json.dumps(nb))
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))


@pytest.fixture
def student(stack, hub, ipython_shell, request):
    name = "retry-" + request.node.name.rsplit("_", 1)[-1][:10]
    hub.create_user(name)
    token = hub.user_token(name)
    magics = TutorMagics(shell=ipython_shell, api_url=stack.api_url, api_token=token, retry_backoff=0.25)
    ipython_shell.register_magics(magics)
    return magics, token


def stored_submissions(stack, token: str) -> list[dict]:
    resp = httpx.get(f"{stack.api_url}/submissions", params={"exercise_id": "sum-of-evens"},
                     headers={"Authorization": f"token {token}"}, timeout=30)
    resp.raise_for_status()
    return resp.json()["items"]


def test_a_timed_out_submit_sent_again_by_the_student_is_stored_once(stack, student, bank, tmp_path, monkeypatch, capsys):
    magics, token = student
    open_notebook(tmp_path, monkeypatch, bank, SLOW_SOLUTION.format(seconds=1.5))
    magics.timeout, magics.submit_retries = 0.5, 0
    with pytest.raises(UsageError, match="not reachable.*run %submit again, it is stored once"):
        magics.shell.run_line_magic("submit", "")
    magics.timeout = 60
    magics.shell.run_line_magic("submit", "")  # the student tries again: the answer arrives
    assert "passed" in capsys.readouterr().out.lower()
    assert len(stored_submissions(stack, token)) == 1


def test_submit_retries_by_itself_with_the_same_key(stack, student, bank, tmp_path, monkeypatch, capsys):
    magics, token = student
    open_notebook(tmp_path, monkeypatch, bank, SLOW_SOLUTION.format(seconds=1.5))
    magics.timeout, magics.submit_retries = 1.0, 5  # the first attempts time out, a later one finds it stored
    magics.shell.run_line_magic("submit", "")
    assert "passed" in capsys.readouterr().out.lower()
    assert len(stored_submissions(stack, token)) == 1


def test_after_an_answer_the_same_code_is_a_new_submission(stack, student, bank, tmp_path, monkeypatch):
    magics, token = student
    open_notebook(tmp_path, monkeypatch, bank, SLOW_SOLUTION.format(seconds=0))
    magics.shell.run_line_magic("submit", "")
    magics.shell.run_line_magic("submit", "")
    assert len(stored_submissions(stack, token)) == 2
