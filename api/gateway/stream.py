"""Streaming with a guard: text goes out as it arrives until something looks like the solution.

From the first piece that shares a statement with the reference solution (or an unclosed
code fence), everything is held back until the full answer has passed the leak filter.
"""

from __future__ import annotations

import re

from .leak import LeakDetector

DEF_LINE = re.compile(r"^\s*def\s", re.M)


class GuardedStream:
    def __init__(self, detector: LeakDetector | None):
        self.detector = detector
        self.text = ""
        self.sent = 0
        self.holding = detector is None

    def feed(self, piece: str) -> str:
        """Add a piece; return what may be shown now."""
        self.text += piece
        if self.holding:
            return ""
        # release whole lines only, and never the inside of an open code fence
        cut = self.text.rfind("\n") + 1
        if self.text[:cut].count("```") % 2 == 1:
            self.holding = True
            cut = self.text.rfind("\n", 0, self.text.rfind("```", 0, cut)) + 1
        if cut <= self.sent:
            return ""
        pending = self.text[self.sent:cut]
        if "```" in pending or DEF_LINE.search(pending) or self.detector.suspicious(pending):
            self.holding = True
            return ""
        self.sent = cut
        return pending

    def rest(self) -> str:
        """What was held back (call after the whole answer passed the filter)."""
        out = self.text[self.sent:]
        self.sent = len(self.text)
        return out
