"""One job's observation stream, checked as it arrives: a pure line splitter, no I/O.

The worker writes JSON lines in protocol order: ``loaded``, ``test`` 0..n-1, ``done``. Whatever
the pipe brings (a chunk at a time, lines split anywhere) is fed to `Observations.feed`; the
first thing out of order, not JSON, or past the output cap ends the job as "crashed", and the
``done`` line ends it as "graded". Both the zygote's pipes (``pool.py``) and the fallback
subprocess's stdout (``grader.py``) are read through it.
"""

from __future__ import annotations

import json
import time

MAX_LINE = 1024 * 1024  # bytes of one observation line, whatever the output cap


class Observations:
    """The messages of one job so far, and how its observations ended (None while they go on)."""

    __slots__ = ("test_count", "room", "max_line", "messages", "ended", "started_at", "ended_at", "_partial")

    def __init__(self, test_count: int, max_bytes: int, max_line: int = MAX_LINE):
        self.test_count = test_count
        self.room = max_bytes  # bytes of complete lines still allowed
        self.max_line = max_line
        self.messages: list[dict] = []
        self.ended: str | None = None
        self.started_at = time.perf_counter()  # made just before its job is handed out
        self.ended_at: float | None = None  # time.perf_counter() when they ended
        self._partial = b""

    def feed(self, data: bytes) -> str | None:
        """Take the next bytes of the stream (b"" at its end); "graded" or "crashed" once that is decided.

        Bytes after the line that ends them are not read here (in a job of several phases, `pool.JobPipes` feeds
        what comes in later reads to the next phase)."""
        if self.ended is not None:
            return self.ended
        ended = self._feed(data)
        if ended is not None:
            self.ended_at = time.perf_counter()
        return ended

    def _feed(self, data: bytes) -> str | None:
        if not data:  # the end: a last line without its newline still counts, then nothing more comes
            if self._partial:
                self._line(self._partial)
            self.ended = self.ended or "crashed"
            return self.ended
        buffer = self._partial + data if self._partial else data
        *lines, self._partial = buffer.split(b"\n")
        for line in lines:
            if self._line(line, 1):
                return self.ended
        if len(self._partial) > min(self.max_line, self.room):
            self.ended = "crashed"  # one line longer than allowed: no need to wait for its end
        return self.ended

    def _line(self, line: bytes, newline: int = 0) -> bool:
        """Check one line in protocol order; True once the job's observations have ended."""
        self.room -= len(line) + newline
        if self.room < 0 or len(line) > self.max_line:
            self.ended = "crashed"
            return True
        try:
            message = json.loads(line.decode())  # the worker writes ASCII; str parses faster than bytes
        except (ValueError, RecursionError):  # UnicodeDecodeError included; RecursionError: brackets nested thousands deep
            self.ended = "crashed"
            return True
        position = len(self.messages)
        wanted = "loaded" if position == 0 else "test" if position <= self.test_count else "done"
        if not isinstance(message, dict) or message.get("event") != wanted:
            if isinstance(message, dict) and message.get("event") == "setup_failed":
                self.messages.append(message)
            self.ended = "crashed"
            return True
        if wanted == "test" and message.get("index") != position - 1:
            self.ended = "crashed"
            return True
        self.messages.append(message)
        if wanted == "done":
            self.ended = "graded"
        return self.ended is not None
