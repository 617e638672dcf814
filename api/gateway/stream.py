"""Streaming with a guard: nothing is shown that the leak filter has not passed.

Text is released in whole lines (or sentences, for a model that writes long lines), and
only after the text so far, with what the student received before, has passed the filter:
similarity and walkthrough over every view, each with a margin. Nor is a step shown early that, with the
steps the student's code and the starter hold, tells the solution (`LeakDetector.completes`): the rest of the answer
may walk through all of it, and the final verdict decides. Code that could run (a definition, an open code
fence) needs the sandbox, which judges the whole answer: from there on everything is held
back until the end, as it is from an open display formula (`$$`, `\\[`: a recurrence is read whole). So is
everything after a check that failed, and after a line holding text that reads as nothing (a blob is judged whole).
The text is checked against the exercise asked about and against every other exercise whose solution it overlaps
(`related`: each with what the student was told of it before).
"""

from __future__ import annotations

import re

from .leak import LeakDetector
from .leak.opacity import opaque_chars

RUNNABLE = re.compile(r"^\s*(?:def|class|async\s+def)\s|\blambda\b", re.M)
# a line is shown as it streams only while the text is clearly under the leak threshold; nearer, the rest waits
# for the final verdict (then shown whole if it passes), so weights that differ a little cannot show a leak
STREAM_MARGIN = 0.85
BOUNDARY = re.compile(r"\n|(?<=[.!?:])\s")
# characters of text that reads as nothing (`leak.opacity`) from which the rest waits for the final verdict: a blob is
# judged whole, never shown a line at a time while it is still short of the bound
STREAM_OPAQUE = 16


class GuardedStream:
    def __init__(self, detector: LeakDetector | None, prior: str = "", code: str = "", related=None, shared: str = "",
                 cross: dict[str, str] | None = None, must_hold=None, alone: bool = False):
        """`related(text)`: (detector, what the student was told of that exercise before) of the other exercises
        `text` may give away; `cross`: that memory by exercise, kept for the judgement of the whole answer; `alone`:
        `prior` gives the exercise away by itself, so the text is judged against it without that memory."""
        self.detector, self.alone = detector, alone
        self.related, self.shared = related or (lambda text: []), shared
        self.prior, self.code, self.cross = prior, code, cross
        self.more = None  # the gateway's loader of memories `cross` lacks, used at the final judgement
        self.must_hold = must_hold or (lambda text: False)  # text that only the final judgement may release
        self.text = ""
        self.sent = 0
        self.holding = detector is None

    def _cut(self) -> int:
        """The end of the last whole line (or sentence) received."""
        ends = [m.end() for m in BOUNDARY.finditer(self.text, self.sent)]
        return ends[-1] if ends else 0

    def feed(self, piece: str) -> str:
        """Add a piece; return what may be shown now."""
        self.text += piece
        if self.holding:
            return ""
        cut = self._cut()
        code = self._code_start(self.text[:cut])
        if code is not None:  # what comes before the code may still go out, if it passes
            self.holding = True
            cut = self.text.rfind("\n", 0, code) + 1
        if cut <= self.sent:
            return ""
        shown = self.text[:cut]
        if self.must_hold(shown) or opaque_chars(self.text[self.sent:cut]) >= STREAM_OPAQUE:
            self.holding = True
            return ""
        checks = [(self.detector, "", "" if self.alone else self.prior), *((other, self.shared, memory) for other, memory in self.related(shown))]
        for detector, shared, prior in checks:
            if detector.candidates(shown, prior, self.code, shared):
                self.holding = True
                return ""
            verdict = detector.check(shown, prior, self.code, shared)
            if (verdict.leaking or verdict.similarity >= STREAM_MARGIN * detector.threshold
                    or verdict.walkthrough >= STREAM_MARGIN * detector.walk_threshold
                    or not shared and detector.completes(shown, prior, self.code)):
                self.holding = True
                return ""
        pending = self.text[self.sent:cut]
        self.sent = cut
        return pending

    @staticmethod
    def _code_start(text: str) -> int | None:
        """Where code that could run starts (an open code fence or a definition), if anywhere."""
        starts = [m.start() for m in RUNNABLE.finditer(text)][:1]
        if text.count("```") % 2 == 1:
            starts.append(text.rfind("```"))
        if text.count("$$") % 2 == 1:  # a formula is read whole (`leak.latex`): an open one waits like an open fence
            starts.append(text.rfind("$$"))
        if (opened := text.rfind("\\[")) > text.rfind("\\]"):
            starts.append(opened)
        return min(starts) if starts else None

    def rest(self) -> str:
        """What was held back (call after the whole answer passed the filter)."""
        out = self.text[self.sent:]
        self.sent = len(self.text)
        return out
