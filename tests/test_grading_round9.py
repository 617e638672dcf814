"""Ways information left a hidden job for a visible one (each a real submission to the real grader).

- **Memory a job inherits.** A job process is a copy of the memory it was forked from. When that was the keeper's,
  which had just handled the job before (its report, `{"ended": "exit", "code": ..., "job_cpu_ms": ...}`, and without
  the private root the names of the files it left), that data was still there, freed but not overwritten: a later
  visible job read it (through `ctypes`, in its own address space) and returned it as a value. The hidden job chose
  its exit code, its time and its file names from the hidden tests. Each job is now run by a process of the keeper's
  forked for it, which ends with it.
- **State in the network namespace.** The keeper's network namespace serves its later jobs. An IPv6 flow label
  lingers there up to 150 s after its socket is closed, and a later job can ask whether a label exists: one bit per
  label. Jobs now make Unix sockets only.
- **Counts of a file system.** `ustat` read the free blocks and inodes of any mounted file system by its device
  number: the tmpfs of the job running beside, where the hidden job made files and grew one. Refused.
- **What a job leaves counted against its uid.** POSIX message queues and segments locked in memory count against the
  slot's uid until the job's IPC namespace is freed, after the job; the slot's next job counted what was left (a hidden
  input to the byte). Both are refused.
- **The clock of the next submission.** A student's submissions take turns; the next one's jobs started when the
  hidden job before them ended, and its visible job read the clock and returned it. The turn now passes on when the
  answer leaves (at its answer step).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path

import pytest

from codementor.api.grader import Grader

from .test_exploits import CORRECT, EXERCISE, SyncGrader, cheat_if
from .test_grading_channels import FIND_JOB
from .test_landlock import grade_as_pod, landlock_works, pod_layout  # noqa: F401 (a fixture)

# reads every page near the job's own objects (whether a page can be read is asked of write(2), which fails with
# EFAULT instead of a crash) and wins if one holds a name as WRITE_NAMES makes them (the pattern does not match
# itself); with PLANT, it makes one such name first, so that a scan that works wins
SCAN = r"""
import ctypes, gc, os, re
_planted = "".join(["resid", "ue-9999-", "Q" * 40]) if PLANT else ""
_libc = ctypes.CDLL(None, use_errno=True)
_libc.write.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
_libc.write.restype = ctypes.c_ssize_t
_r, _w = os.pipe()
def _readable(address):
    if _libc.write(_w, address, 4096) > 0:
        os.read(_r, 65536)
        return True
    return False
_pattern = re.compile(rb"resid" rb"ue-[0-9]{4}-Q{40}")
_seen = set()
for region in sorted({id(o) >> 20 for o in gc.get_objects()}):
    for page in range((region - 2) << 8, (region + 3) << 8):
        if page in _seen:
            continue
        _seen.add(page)
        if _readable(page << 12) and _pattern.search(ctypes.string_at(page << 12, 4096)):
            won = True
            break
    if won:
        break
"""
# the hidden job's data in the names of files in its folder: the keeper removes the folder after the job, reading
# each name (without the private root, where the folder is a tmpfs unmounted at once)
WRITE_NAMES = "for i in range(400):\n    open(f'residue-{i:04d}-' + 'Q' * 40, 'w').close()\n" + CORRECT


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/setpriv").exists() or not Path("/usr/bin/python3").exists(),
                    reason="needs root to become an unprivileged uid, and the system's Python")
@pytest.mark.skipif(not landlock_works(), reason="Landlock is not available here")
def test_a_job_finds_nothing_of_the_jobs_before_it_in_its_memory(pod_layout):
    """A grader without the private root (an unprivileged API, as in a pod): the keeper reads the names of the
    files a job leaves when it removes its folder, and the next job process is forked after that."""
    scan, planted = cheat_if("PLANT = False\n" + SCAN), cheat_if("PLANT = True\n" + SCAN)
    result = grade_as_pod(pod_layout, [WRITE_NAMES, scan, scan, scan, scan, planted], True, True)
    print(f"\n[figure] scores: the writer, four scans for its file names, a scan for a name of its own: {result['scores']}")
    assert result["scores"][0] == 1 and result["scores"][-1] == 1, result  # the scan reads its process's memory
    assert result["scores"][1:5] == [0, 0, 0, 0], result


@pytest.fixture
def one_slot(bank):
    g = SyncGrader(bank.get(EXERCISE), concurrency=1, answer_step=0)
    yield g
    g.close()


FLOW_LABEL = '''
import socket, struct
def _label_request(label, flags, linger):
    # struct in6_flowlabel_req: destination ::1, the label (big-endian), action GET, share ANY, flags, linger, expiry
    return b"\\0" * 15 + b"\\1" + struct.pack("!I", label) + struct.pack("=BBHHHI", 0, 255, flags, linger, linger, 0)
def _create(label, linger):
    """1: made now, 0: it existed (EEXIST), -1: refused."""
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        s.setsockopt(41, 32, _label_request(label, 1 | 2, linger))  # IPV6_FLOWLABEL_MGR, CREATE | EXCL
        return 1
    except OSError as exc:
        return 0 if exc.errno == 17 else -1
    finally:
        s.close()
'''
WRITE_LABEL = FLOW_LABEL + "_create(0x4D2A1, 150)\n" + "def sum_of_evens(numbers):\n    return 0\n"
LABEL_LEFT = cheat_if(FLOW_LABEL + "won = _create(0x4D2A1, 5) == 0")
IP_SOCKET = cheat_if("import socket\nsocket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()\n"
                     "socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()\nwon = True")


def test_a_job_leaves_no_flow_label_for_the_next_one(one_slot):
    for _ in range(2):
        one_slot.grade(WRITE_LABEL)
        read = [one_slot.grade(LABEL_LEFT) for _ in range(2)]  # one of them on the writer's keeper
        assert [r.score for r in read] == [0, 0], [r.to_dict() for r in read]
    assert one_slot.grade(IP_SOCKET).score == 0  # no IP socket at all
    # a Unix socket pair still works (asyncio's event loop makes one)
    assert one_slot.grade(cheat_if("import socket\na, b = socket.socketpair()\na.sendall(b'x')\nwon = b.recv(1) == b'x'")).passed


CLOCK = "import time\n_STARTED = time.time()\ndef sum_of_evens(numbers):\n    return repr(_STARTED)\n"


def _sleeping_hidden(seconds: float, solution: str) -> str:
    return FIND_JOB + f"\nimport time\nif _HIDDEN:\n    time.sleep({seconds})\n" + solution


async def test_the_next_submission_starts_when_the_answer_before_it_leaves(bank):
    """The hidden job of the first submission sleeps 0.3 s, so its answer leaves at the 0.512 s step; the second
    one, sent 50 ms after it, reads the clock when its visible job starts: no earlier than that answer."""
    exercise = bank.get(EXERCISE)
    g = Grader(timeout=3.0, answer_step=0.016, concurrency=2)
    try:
        await g.grade(exercise, exercise.solution)
        readings = []
        for _ in range(2):
            slow = asyncio.ensure_future(g.grade(exercise, _sleeping_hidden(0.3, exercise.solution), owner="clock"))
            answered: list[float] = []
            slow.add_done_callback(lambda _: answered.append(time.time()))
            await asyncio.sleep(0.05)
            probe = await g.grade(exercise, CLOCK, owner="clock")
            assert (await slow).passed
            started = {float(m.group(1)) for t in probe.tests if not t.hidden
                       for m in [re.search(r"returned '(\d+\.\d+)'", t.message or "")] if m}
            assert len(started) == 1, probe.to_dict()
            readings.append(round(started.pop() - answered[0], 3))
        print(f"\n[figure] the next submission's jobs started this many s after the answer before it: {readings}")
        assert all(r >= -0.005 for r in readings), readings
    finally:
        await g.aclose()


# the free blocks and inodes of a file system named by its device number: the job's own /tmp, or the one of a job
# running beside it (a few device numbers away), where the other job's files count
USTAT = cheat_if("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nbuf = ctypes.create_string_buffer(64)\n"
                 "won = libc.syscall(136, ctypes.c_uint(os.stat('.').st_dev), buf) == 0")


def test_a_job_cannot_read_the_counts_of_a_file_system_by_its_device_number(one_slot):
    assert one_slot.grade(USTAT).score == 0


# what a job leaves counted against its uid, which the slot's next job shares, until its IPC namespace is freed (after
# the job has ended): bytes of POSIX message queues (RLIMIT_MSGQUEUE), a shared memory segment locked (RLIMIT_MEMLOCK)
MESSAGE_QUEUE = cheat_if("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                         "won = libc.syscall(240, b'q', 0o100 | 0o2, 0o600, None) >= 0")
LOCKED_SEGMENT = cheat_if("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                          "segment = libc.shmget(0, 4096, 0o1000 | 0o600)\nwon = segment >= 0 and libc.shmctl(segment, 11, None) == 0")


def test_a_job_leaves_nothing_counted_against_its_uid(one_slot):
    assert one_slot.grade(MESSAGE_QUEUE).score == 0
    assert one_slot.grade(LOCKED_SEGMENT).score == 0
    # System V shared memory of the job's own IPC namespace still works (it goes with the namespace)
    assert one_slot.grade(cheat_if("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                                   "won = libc.shmget(0, 4096, 0o1000 | 0o600) >= 0")).passed


async def test_a_grading_given_up_keeps_its_slot_until_its_job_has_ended(bank):
    """A grading whose caller stops waiting (cancelled) while its job runs: the keeper runs the job on, so the slot
    stays taken until it ends; the next job in it would otherwise run beside it, under the same uid."""
    exercise = bank.get(EXERCISE)
    g = Grader(timeout=3.0, answer_step=0, concurrency=1)
    try:
        await g.grade(exercise, exercise.solution)
        sent = time.time()
        given_up = asyncio.ensure_future(g.grade(exercise, "import time\ntime.sleep(1.0)\n" + CORRECT))
        await asyncio.sleep(0.3)
        given_up.cancel()
        await asyncio.gather(given_up, return_exceptions=True)
        probe = await g.grade(exercise, CLOCK)
        started = {float(m.group(1)) for t in probe.tests if not t.hidden
                   for m in [re.search(r"returned '(\d+\.\d+)'", t.message or "")] if m}
        assert len(started) == 1, probe.to_dict()
        waited = started.pop() - sent
        print(f"\n[figure] the next job started {waited:.2f} s after a 1 s job given up at 0.3 s")
        assert waited >= 0.95, waited
    finally:
        await g.aclose()
