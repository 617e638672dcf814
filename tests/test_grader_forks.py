"""What a job's process inherits from the zygote, as far as it costs every job something.

Each grading forks twice from the zygote's keepers (a process per job that watches it, and the job).
A fork of a process that has imported `threading` runs threading's after-fork handler in Python in
the child: about 0.35 ms of CPU per fork on this kind of machine, twice a job. The zygote's own
code needs no thread, so it imports nothing that imports `threading` (`subprocess`,
`ctypes.util`); a submission that imports it still can.
"""

from __future__ import annotations

import pytest

from .test_exploits import CORRECT, EXERCISE, SyncGrader, cheat_if
from .test_grading_round9 import SCAN


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


# how the kernel writes a child's end into a siginfo: SIGCHLD, no errno, CLD_EXITED, the pid and uid, then the exit
# code; the scan of test_grading_round9 (every readable page near the job's objects) looks for it with the code 167
SIGINFO_OF_EXIT_167 = SCAN.replace(
    '_planted = "".join(["resid", "ue-9999-", "Q" * 40]) if PLANT else ""',
    "_planted = ctypes.create_string_buffer(bytes([17, 0, 0, 0, 0, 0, 0, 0, 1]) + bytes(15) + bytes([167, 0, 0, 0])) if PLANT else None",
).replace('_pattern = re.compile(rb"resid" rb"ue-[0-9]{4}-Q{40}")',
          '_pattern = re.compile(b"\\x11" + bytes(7) + b"\\x01" + bytes(3) + b".{12}" + b"\\xa7" + bytes(3), re.S)')


def test_a_job_cannot_read_how_the_job_before_it_on_its_keeper_ended(bank):
    """The exit code a job chose is not in the memory of the next jobs forked from its keeper (one slot: its two
    keepers take the jobs in turn, so four scans run on both)."""
    one = SyncGrader(bank.get(EXERCISE), concurrency=1, answer_step=0)
    try:
        assert SIGINFO_OF_EXIT_167 != SCAN
        scan, planted = cheat_if("PLANT = False\n" + SIGINFO_OF_EXIT_167), cheat_if("PLANT = True\n" + SIGINFO_OF_EXIT_167)
        assert one.grade(planted).score == 1  # the control: the scan finds a siginfo of its own
        scores = []
        for _ in range(2):
            one.grade("import os\nos._exit(167)\n" + CORRECT)
            scores += [one.grade(scan).score, one.grade(scan).score]
        assert scores == [0, 0, 0, 0]
        assert one.grade(planted).score == 1
    finally:
        one.close()
