"""What a job's process inherits from the zygote, as far as it costs every job something.

Each grading forks twice from the zygote's keepers (a process per job that watches it, and the job).
A fork of a process that has imported `threading` runs threading's after-fork handler in Python in
the child: about 0.35 ms of CPU per fork on this kind of machine, twice a job. The zygote's own
code needs no thread, so it imports nothing that imports `threading` (`subprocess`,
`ctypes.util`); a submission that imports it still can.
"""

from __future__ import annotations

import pytest

from .test_exploits import EXERCISE, SyncGrader, cheat_if


@pytest.fixture(scope="module")
def grader(bank):
    g = SyncGrader(bank.get(EXERCISE))
    yield g
    g.close()


def test_a_job_starts_without_threading_imported(grader):
    assert grader.grade(cheat_if("import sys\nwon = 'threading' not in sys.modules and 'subprocess' not in sys.modules")).score == 1


def test_a_submission_can_still_use_threads(grader):
    code = ("import threading\nseen = []\nt = threading.Thread(target=seen.append, args=(1,))\nt.start()\nt.join()\n"
            "won = seen == [1]")
    assert grader.grade(cheat_if(code)).score == 1
