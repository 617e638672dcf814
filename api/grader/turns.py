"""Grading turns per student: a burst of one student's submissions waits behind its own, not in front of everyone's."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from ..errors import GradingLineFull


class _Line:
    __slots__ = ("admitted", "running", "turn", "answered_at")

    def __init__(self, running: int):
        self.admitted = 0  # gradings of this owner running or waiting for their turn
        self.running = running
        self.turn = asyncio.Semaphore(running)
        # when the answer of the owner's grading that last gave up its turn leaves (time.perf_counter()): the one
        # after it, which waited for that turn, answers no earlier and counts its answer step from there
        self.answered_at = 0.0


class OwnerTurns:
    """At most `running` gradings of one owner at once; more wait in the owner's own line (FIFO), and one more than
    `waiting` of them is refused. An owner's line is dropped as soon as nothing of it is running or waiting."""

    def __init__(self):
        self._lines: dict[object, _Line] = {}

    def __len__(self) -> int:
        return len(self._lines)

    def waiting(self, owner) -> int:
        """How many of `owner`'s gradings wait for their turn (not yet running)."""
        line = self._lines.get(owner)
        return 0 if line is None else max(0, line.admitted - line.running)

    @asynccontextmanager
    async def turn(self, owner, running: int, waiting: int, retry_after: int):
        """Hold one of `owner`'s `running` turns; GradingLineFull when `waiting` of theirs wait already."""
        line = self._lines.get(owner)
        if line is None:
            line = self._lines[owner] = _Line(running)
        elif line.admitted >= line.running + waiting:
            raise GradingLineFull(
                f"{line.admitted - line.running} of your submissions are waiting to be graded already; wait for their "
                "results, then submit again", retry_after=retry_after)
        line.admitted += 1
        try:
            async with line.turn:
                yield line
        finally:
            line.admitted -= 1
            if not line.admitted:
                del self._lines[owner]
