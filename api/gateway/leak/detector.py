"""The leak detector of one exercise: similarity, walkthrough and runnable code over every view.

What the student has received on the exercise before (`prior`) is judged together with the
new answer, so a solution handed out in pieces is caught at the piece that completes it;
what the student's own code already holds (`code`) is not counted as given away, but for what
they were told before: a statement of the prior pasted into the code is still the tutor's, so
pasting the pieces back cannot launder them (the starter's own statements stay the student's).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from functools import lru_cache

from . import fixes, steplists, terse
from .blanks import filled
from .judgement import LeakCheck, judge
from .languages import as_python
from .turns import mixed
from .markup import rendered
from .memory import pasted, said_elsewhere, said_here, told_here
from .opacity import opaque_after
from .runnable import candidates_in, own_expressions, signature
from .similarity import FENCE, INLINE, UNREADABLE, Reference, StatementFrequency, fingerprints, parse, text_prints
from .views import apply_diff, diffs, iter_views, spread_readings, views
from .walkthrough import Walkthrough

__all__ = ["LeakDetector", "StatementFrequency", "fingerprints", "seen_in"]


RETOLD_NEW = 0.5  # share of the walkthrough threshold a whole walk must tell of what the student lacks to count whole
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


def _spaced(text: str) -> str:
    return " ".join(text.split())


QUOTE_MARK = "`…`"  # what a quote of the student's own code reads as: no step


@lru_cache(maxsize=1024)
def unquoted(text: str, code: str, starter: str = "", told: str = "") -> str:
    """`text` with its inline quotes of the student's own code blanked: code spans found as written in their `code` or
    the `starter`. Told back, their own lines tell them nothing: "you still append `start + amount`" points at their
    bug and is no step of the solution. A quote of their code that what they were `told` before holds is kept (pasted
    into their code, it is still the tutor's); the starter's stay theirs. Code blocks are read whole: a solution in one
    holds the starter's lines too (see `_walk`)."""
    if not (code or starter) or "`" not in text:
        return text
    mine, theirs, before = _spaced(starter), _spaced(code), _spaced(told)

    def own(match: re.Match) -> str:
        piece = _spaced(match.group(1))
        if not any(c.isalpha() for c in piece):
            return match.group(0)  # an operator alone (`//`, `>`) says which one is meant
        found = re.compile(rf"(?<!\w){re.escape(piece)}(?!\w)").search
        return QUOTE_MARK if found(mine) or found(theirs) and not found(before) else match.group(0)

    parts, start = [], 0
    for block in FENCE.finditer(text):
        parts += [INLINE.sub(own, text[start:block.start()]), block.group(0)]
        start = block.end()
    return "".join([*parts, INLINE.sub(own, text[start:])])


@lru_cache(maxsize=256)
def _statements(code: str) -> frozenset:
    """The top-level statements of `code` (its imports left out), as written in the AST: a candidate made only of the
    student's own is their code told back (a comment written beside their lines changes nothing that runs)."""
    tree = parse(code)
    if not isinstance(tree, ast.Module):
        return frozenset({code})
    return frozenset(ast.dump(node) for node in tree.body if not isinstance(node, (ast.Import, ast.ImportFrom)))


class LeakDetector:
    """Compares answers (with what came before them) with one reference solution."""

    def __init__(self, solution: str, threshold: float = 0.4, frequency: StatementFrequency | None = None, walk_threshold: float = 0.8,
                 starter: str = ""):
        self.reference = Reference(solution, frequency)
        self.walkthrough = Walkthrough(solution, self.reference.weights)
        self.entries = signature(solution)
        self.lines = terse.reference_lines(solution)
        self.threshold, self.walk_threshold = threshold, walk_threshold
        self._known: dict[tuple[str, frozenset], frozenset] = {}
        self._told: dict[str, tuple[frozenset, frozenset]] = {}
        self._steps: dict[str, frozenset] = {}
        # every student has the starter: its statements stay theirs, whoever said them
        self.starter_text = starter
        tree = parse(starter) if starter else None
        self.starter = frozenset(fingerprints(tree)) if tree is not None else frozenset()
        self.given = self.reference.known_from(starter) if starter else frozenset()

    def known(self, code: str, shared: str = "", prior: str = "") -> frozenset:
        """The reference statements the student's `code` holds but was not told in `prior` (pasted back, they are still
        what the tutor gave), and those of `shared` (the solution of the exercise asked about, when this is another
        one: helping with that exercise is no leak of what the two share). Of what `prior` holds that was said under
        another exercise, only the statements their code holds as written in it count as told (`leak.memory`)."""
        own = self._known_from(code, frozenset())
        if prior and not own <= self.given:  # only the starter's statements: nothing the tutor said can be among them
            here = said_here(prior)
            said, steps = self.told(here) if here else (frozenset(), frozenset())
            own = self._known_from(code, said | (pasted(code, said_elsewhere(prior)) - self.starter)) - steps
        return own | self._known_from(shared, frozenset()) if shared else own

    def _known_from(self, text: str, said: frozenset) -> frozenset:
        if (text, said) not in self._known:
            if len(self._known) > 256:
                self._known.clear()
            self._known[(text, said)] = self.reference.known_from(text, said)
        return self._known[(text, said)]

    def told(self, prior: str) -> tuple[frozenset, frozenset]:
        """What `prior` told but the starter holds: the fingerprints of its code (in any view), and the reference
        steps it tells in words."""
        if prior not in self._told:
            if len(self._told) > 64:
                self._told.clear()
            said = frozenset(seen_in(prior, joined_code(prior))) - self.starter
            steps = self.walkthrough.told_in(prior) - self.given
            self._told[prior] = (said, steps)
        return self._told[prior]

    def similarity(self, answer: str, prior: str = "", code: str = "", shared: str = "") -> float:
        """The share of the reference the conversation holds; the views of the answer are read only until
        the share reaches the threshold (then it is a leak, however much more there is). All of it for a
        conversation too deeply nested to read."""
        try:
            return self._similarity(answer, prior, code, shared)[0]
        except UNREADABLE:
            return 1.0

    def walked(self, answer: str, prior: str = "", code: str = "", shared: str = "") -> float:
        """The share of the reference the conversation tells in order (all of it, if it cannot be read)."""
        try:
            return self._walked(answer, prior, code, shared)
        except UNREADABLE:
            return 1.0

    def _similarity(self, answer: str, prior: str, code: str, shared: str) -> tuple[float, bool]:
        """`similarity`, and whether decodings of the answer were left out for the view budget (when all were read).
        After a `prior`, an answer whose reference statements are all the starter's adds nothing to what the student has:
        the starter's statements then weigh nothing (`x = []` in an explanation cannot complete what was told before)."""
        known = self.known(code, shared, prior)
        seen = seen_in(prior, joined_code(prior, answer)) if prior else Counter()
        before = seen_in(prior) if prior else Counter()
        added = {k for k in seen if k in self.reference.prints and k not in before}
        score = self._share(seen, known, added, prior)
        dropped: list[str] = []
        for i, view in enumerate(iter_views(answer, dropped)):
            if score >= self.threshold:
                return score, False
            if i == 0 or CODEISH.search(view):
                prints = dict(text_prints(view))
                seen |= Counter(prints)
                added.update(k for k in prints if k in self.reference.prints)
                score = self._share(seen, known, added, prior)
        return score, bool(dropped)

    def _share(self, seen: Counter, known: frozenset, added: set, prior: str) -> float:
        """The reference's share in `seen`; after a `prior`, the starter's statements count only when the answer adds one
        of its own (alone, an answer is judged whole: a prefix of the solution is no less of it for being the starter's)."""
        return self.reference.coverage(seen, known | self.given if prior and added <= self.given else known)

    def _walked(self, answer: str, prior: str, code: str, shared: str) -> float:
        known = self.known(code, shared, prior)
        own = self._answer_texts(answer, prior, code)
        mine = self._heard_elsewhere(known, prior, own) if not shared and known else frozenset()
        return max(self._walk(text, known, not shared, mine) for text in (*own, *self._conversation_texts(own[0], prior, code)))

    def _walk_texts(self, answer: str, prior: str, code: str) -> tuple[str, ...]:
        """The texts a walkthrough is read in: the answer as written and as rendered, each also read as Python from
        other languages' code, the conversation, and the conversation with the blanks of a template it answers filled
        in; each without its quotes of the student's own code (`unquoted`)."""
        own = self._answer_texts(answer, prior, code)
        return (*own, *self._conversation_texts(own[0], prior, code))

    def _answer_texts(self, answer: str, prior: str, code: str) -> tuple[str, ...]:
        """The answer (without its quotes of the student's code) as written and as rendered, each also read as Python."""
        answer = unquoted(answer, code, self.starter_text, prior)
        shown = (answer, *rendered(answer), *filter(None, (steplists.read(answer),)))
        return (*shown, *(python for text in shown for python in as_python(text)))

    def _conversation_texts(self, answer: str, prior: str, code: str) -> tuple[str, ...]:
        """The conversation (`answer` after `prior`), read as Python too, and with the blanks of a template filled in."""
        whole = unquoted(conversation(prior, answer), code, self.starter_text, prior) if prior else answer
        if prior and (listed := steplists.read(whole)) is not None:
            whole = listed
        return (*((whole,) if prior else ()), *mixed(prior, answer), *filter(None, (filled(whole),)))

    def _heard_elsewhere(self, known: frozenset, prior: str, answer: tuple[str, ...]) -> frozenset:
        """The steps of the student's code (`known`) that only the part of `prior` said under other exercises tells, not
        the answer (`answer`: its readings) nor what was said under this exercise: told of another exercise's code,
        they are no retelling of theirs (see `_walk`)."""
        elsewhere = said_elsewhere(prior)
        if not elsewhere:
            return frozenset()
        only = known & self._steps_told(elsewhere)
        if only:
            only -= self._steps_told(said_here(prior))
        for text in answer:
            if not only:
                break
            only -= self.walkthrough.told_in(text)
        return only

    def _steps_told(self, text: str) -> frozenset:
        """The reference steps some unit of `text` tells (cached: a memory comes back at every answer)."""
        if not text:
            return frozenset()
        if text not in self._steps:
            if len(self._steps) > 64:
                self._steps.clear()
            self._steps[text] = self.walkthrough.told_in(text)
        return self._steps[text]

    def _walk(self, text: str, known: frozenset, whole: bool = True, mine: frozenset = frozenset()) -> float:
        """The walkthrough of `text`: what it tells that the student lacks; or, when it tells the whole reference in order
        (what the student's code holds too, but steps of it only told of another exercise's code: `mine`) and a good part
        of what they lack (RETOLD_NEW of the threshold, or of what they
        lack when that is less: a starter holding most steps leaves little to tell), all of it: the solution
        walked through from start to end is no fix of a student's code, whatever their code holds (`whole`: only for the
        exercise asked about; judged for another one, the code is of another exercise and its statements are not this
        exercise's)."""
        new = self.walkthrough.coverage(text, known)
        if not whole or not known or not new or new >= self.walk_threshold or new < RETOLD_NEW * min(self.walk_threshold, self._lacking(known)):
            return new
        return max(new, self.walkthrough.coverage(text, mine))

    def _lacking(self, known: frozenset) -> float:
        """The weighted share of the walkthrough's steps the student's code does not hold (a starter may hold most)."""
        steps = self.walkthrough
        return sum(s.weight for s in steps.steps if s.key not in known) / steps.total

    def completes(self, answer: str, prior: str = "", code: str = "") -> bool:
        """Does the conversation tell steps the student lacks that, with the steps their `code` and the starter hold,
        make up the walkthrough threshold? (A stream waits for the final verdict on such text: the rest of the answer
        may walk through the whole solution, and a missing step shown early completes the student's code.)"""
        try:
            known = self.known(code, "", prior) | self.given
            steps = self.walkthrough
            held = sum(s.weight for s in steps.steps if s.key in known) / steps.total
            if not known or held + 1e-9 >= 1.0:
                return False
            texts = self._walk_texts(answer, prior, code)
            return any(0 < (new := steps.coverage(text, known)) and new + held >= self.walk_threshold for text in texts)
        except UNREADABLE:
            return True

    def check(self, answer: str, prior: str = "", code: str = "", shared: str = "") -> LeakCheck:
        """Similarity and walkthrough (no execution: see `candidates`); an answer too deeply nested to read, whose
        decodings did not all fit the view budget, or holding text that no view reads (`opacity`), is held back, as one
        that cannot be judged."""
        try:
            return self._check(answer, prior, code, shared)
        except UNREADABLE:
            return LeakCheck(0.0, True, reason="cannot be analysed")

    def _check(self, answer: str, prior: str, code: str, shared: str) -> LeakCheck:
        similarity, unread = self._similarity(answer, prior, code, shared)
        walked = self._walked(answer, prior, code, shared) if similarity < self.threshold else 0.0
        unreadable = similarity < self.threshold and walked < self.walk_threshold and not unread and opaque_after(prior, answer)
        return judge(similarity, walked, None, threshold=self.threshold, walk_threshold=self.walk_threshold, pass_share=1.0,
                     unread=unread, opaque=unreadable)

    def candidates(self, answer: str, prior: str = "", code: str = "", shared: str = "") -> list[str]:
        """Code that could be run as a submission: from each view of the answer, then of the whole conversation
        (an expression the student's own `code` already holds is not run, nor code made only of its statements);
        `shared`: as in `check` (then the edits told before were told of another exercise's code: see `_patched`)."""
        texts = list(views(answer))
        if prior:
            whole = conversation(prior, answer)
            texts += [*spread_readings(whole, answer), whole]  # the conversation last (see `candidates_in`)
        if (listed := terse.read(answer, self.lines)) is not None:  # a list of the reference's lines told tersely
            texts.append(listed)
        found = candidates_in(texts, self.entries, own_expressions(code), code, prior)
        told = told_here(prior) if not shared else ()
        mine = _statements(code) if code else frozenset()
        return [c for c in dict.fromkeys([*self._patched(answer, code, told)[:1], *found]) if not mine or not _statements(c) <= mine]

    def _patched(self, answer: str, code: str, told: tuple[str, ...] = ()) -> list[str]:
        """The definitions of the student's code (else the starter) with a unified diff of the answer applied, or the
        edits its prose tells made (`fixes.applied`: two or more), after those the texts `told` before on the exercise
        told that the student's code lacks (made in their code only: the starter lacks what they fixed themselves)."""
        sources = list(dict.fromkeys(s for s in (code, self.starter_text) if s))
        patched = [p for diff in diffs(answer)[:2] for source in sources if (p := apply_diff(diff, source)) is not None]
        if not patched:
            patched = [p for k, source in enumerate(sources) if (p := fixes.applied(answer, source, told if k == 0 else ())) is not None]
        return candidates_in([f"```python\n{p}```" for p in patched[:2]], self.entries) if patched else []

    def suspicious(self, text: str) -> bool:
        """Does this piece share any non-trivial statement with the solution?"""
        try:
            return any(key in self.reference.prints and self.reference.prints[key] >= 3 for key in seen_in(text))
        except UNREADABLE:
            return True
