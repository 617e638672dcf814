"""The leak detector of one exercise: similarity, walkthrough and runnable code over every view.

What the student has received on the exercise before (`prior`) is judged together with the
new answer, so a solution handed out in pieces is caught at the piece that completes it;
what the student's own code already holds (`code`) is not counted as given away.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .judgement import LeakCheck, judge
from .runnable import candidates_in, own_expressions, signature
from .similarity import FENCE, Reference, StatementFrequency, fingerprints, text_prints
from .views import iter_views, views
from .walkthrough import Walkthrough

__all__ = ["LeakDetector", "StatementFrequency", "fingerprints", "seen_in"]


CODEISH = re.compile(r"\b(?:def|return|for|while|if|class|import|lambda|yield|print|try|with)\b")


@lru_cache(maxsize=1024)
def _seen(text: str) -> tuple:
    seen: Counter = Counter()
    for i, view in enumerate(views(text)):
        if i == 0 or CODEISH.search(view):  # a reading with no trace of code holds none
            seen |= Counter(dict(text_prints(view)))
    return tuple(seen.items())


def seen_in(*texts: str) -> Counter:
    """Fingerprints of the code that can be read out of any of `texts`."""
    seen: Counter = Counter()
    for text in texts:
        if text:
            seen |= Counter(dict(_seen(text)))
    return seen


def joined_code(*texts: str) -> str:
    """The code blocks of several messages, one after the other (a block may go on in the next message)."""
    return "```python\n" + "\n".join(block for text in texts for block in FENCE.findall(text)) + "\n```"


def conversation(prior: str, answer: str) -> str:
    return f"{prior}\n\n{answer}" if prior else answer


class LeakDetector:
    """Compares answers (with what came before them) with one reference solution."""

    def __init__(self, solution: str, threshold: float = 0.4, frequency: StatementFrequency | None = None, walk_threshold: float = 0.8):
        self.reference = Reference(solution, frequency)
        self.walkthrough = Walkthrough(solution, self.reference.weights)
        self.entries = signature(solution)
        self.threshold, self.walk_threshold = threshold, walk_threshold
        self._known: dict[str, frozenset] = {}

    def known(self, code: str, shared: str = "") -> frozenset:
        """The reference statements the student's `code` holds, and those of `shared` (the solution of the exercise
        asked about, when this is another one: helping with that exercise is no leak of what the two share)."""
        for text in (code, shared):
            if text not in self._known:
                if len(self._known) > 256:
                    self._known.clear()
                self._known[text] = self.reference.known_from(text)
        return self._known[code] | self._known[shared] if shared else self._known[code]

    def similarity(self, answer: str, prior: str = "", code: str = "", shared: str = "") -> float:
        """The share of the reference the conversation holds; the views of the answer are read only until
        the share reaches the threshold (then it is a leak, however much more there is)."""
        return self._similarity(answer, prior, code, shared)[0]

    def _similarity(self, answer: str, prior: str, code: str, shared: str) -> tuple[float, bool]:
        """`similarity`, and whether decodings of the answer were left out for the view budget (when all were read)."""
        known = self.known(code, shared)
        seen = seen_in(prior, joined_code(prior, answer)) if prior else Counter()
        score = self.reference.coverage(seen, known)
        dropped: list[str] = []
        for i, view in enumerate(iter_views(answer, dropped)):
            if score >= self.threshold:
                return score, False
            if i == 0 or CODEISH.search(view):
                seen |= Counter(dict(text_prints(view)))
                score = self.reference.coverage(seen, known)
        return score, bool(dropped)

    def walked(self, answer: str, prior: str = "", code: str = "", shared: str = "") -> float:
        known = self.known(code, shared)
        alone = self.walkthrough.coverage(answer, known)
        return max(alone, self.walkthrough.coverage(conversation(prior, answer), known)) if prior else alone

    def check(self, answer: str, prior: str = "", code: str = "", shared: str = "") -> LeakCheck:
        """Similarity and walkthrough (no execution: see `candidates`); an answer whose decodings did not all fit the
        view budget is held back, as one that cannot be judged."""
        similarity, unread = self._similarity(answer, prior, code, shared)
        walked = self.walked(answer, prior, code, shared) if similarity < self.threshold else 0.0
        return judge(similarity, walked, None, threshold=self.threshold, walk_threshold=self.walk_threshold, pass_share=1.0,
                     unread=unread)

    def candidates(self, answer: str, prior: str = "", code: str = "") -> list[str]:
        """Code that could be run as a submission: from each view of the answer, then of the whole conversation
        (an expression the student's own `code` already holds is not run)."""
        texts = list(views(answer))
        if prior:
            texts.append(conversation(prior, answer))
        return candidates_in(texts, self.entries, own_expressions(code))

    def suspicious(self, text: str) -> bool:
        """Does this piece share any non-trivial statement with the solution?"""
        return any(key in self.reference.prints and self.reference.prints[key] >= 3 for key in seen_in(text))
