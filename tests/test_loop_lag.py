"""The grader never stalls the event loop it runs on (the API's): a loop-lag probe during grading bursts.

A probe coroutine sleeps 5 ms in a loop and records how late each wake-up is, while about 20
submissions are graded at once by the real grader (zygote start-up and its probes included, a
zygote killed and replaced in the middle, and the fallback path without a zygote). Lateness the
loop's thread spent waiting for a CPU (the machine's other load, read from the kernel's
``/proc/thread-self/schedstat``) is not a stall of the loop and is subtracted; forking, waiting
for a child or heavy work on the loop is not, and counts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from codementor.api import app as _api_app  # noqa: F401  (the API process: its modules loaded, as where the grader runs)
from codementor.api.grader import Grader

TICK = 0.005
STALL_LIMIT_MS = 50.0
BURST = 20
SCHEDSTAT = Path("/proc/thread-self/schedstat")


def cpu_queue_seconds() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (0 where the kernel does not say)."""
    try:
        return int(SCHEDSTAT.read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class LoopLagProbe:
    """Wakes up every TICK seconds and keeps the worst lateness: raw, and without the CPU queue wait."""

    def __init__(self):
        self.max_late_ms = 0.0
        self.max_stall_ms = 0.0
        self.ticks = 0
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            started, queued = time.perf_counter(), cpu_queue_seconds()
            await asyncio.sleep(TICK)
            late = time.perf_counter() - started - TICK
            waited = cpu_queue_seconds() - queued
            self.max_late_ms = max(self.max_late_ms, late * 1000)
            self.max_stall_ms = max(self.max_stall_ms, (late - waited) * 1000)
            self.ticks += 1

    async def around(self, work):
        """Run the probe while `work` (a coroutine) runs; return its result."""
        probe = asyncio.create_task(self.run())
        await asyncio.sleep(TICK * 2)
        try:
            return await work
        finally:
            self._stop.set()
            await probe


def burst(grader: Grader, bank, count: int = BURST):
    """`count` submissions at once: references and starters of several exercises, a crash among them."""
    exercises = bank.all()[:7]
    codes = []
    for i in range(count):
        exercise = exercises[i % len(exercises)]
        code = exercise.solution if i % 2 else exercise.starter
        codes.append((exercise, "import os\nos._exit(3)\n" if i == 5 else code))
    return asyncio.gather(*(grader.grade(exercise, code) for exercise, code in codes))


def report(mode: str, probe: LoopLagProbe) -> None:
    print(f"\nloop lag during a grading burst ({mode}): max stall {probe.max_stall_ms:.1f} ms "
          f"(max lateness {probe.max_late_ms:.1f} ms with the wait for a CPU; {probe.ticks} ticks)")


async def test_a_grading_burst_never_stalls_the_event_loop(bank):
    grader = Grader(timeout=5.0)
    probe = LoopLagProbe()

    async def work():
        first = await burst(grader, bank)
        os.kill(grader._zygote.proc.pid, signal.SIGKILL)  # a zygote that dies is replaced on the loop too
        second = await burst(grader, bank)
        return first + second

    try:
        results = await probe.around(work())
    finally:
        await grader.aclose()
    report("zygote pool, start-up and one replacement", probe)
    assert sum(r.passed for r in results) >= BURST - 2 and any(r.status == "crashed" for r in results)
    assert probe.max_stall_ms <= STALL_LIMIT_MS


@pytest.mark.skipif(os.geteuid() != 0, reason="the fallback's namespaces and uids need root")
async def test_the_fallback_without_a_zygote_never_stalls_the_event_loop(bank):
    grader = Grader(timeout=5.0, use_pool=False, allow_root_fallback=True)
    probe = LoopLagProbe()
    try:
        results = await probe.around(burst(grader, bank))
    finally:
        await grader.aclose()
    report("one fresh interpreter per job", probe)
    assert sum(r.passed for r in results) >= BURST // 2 - 1
    assert probe.max_stall_ms <= STALL_LIMIT_MS
