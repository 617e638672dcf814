"""What models told a student before an answer (the leak filter's `prior`), and under which exercise.

The memory of an exercise spans exercises on purpose: a piece of its solution told under another
exercise counts when the next piece is asked for. It is judged whole with the new answer. What it
takes away from the student's own code (`LeakDetector.known`: a statement the tutor told is not the
student's, even once pasted into their code) depends on where each text was said:

- said under the exercise the student's code is for: every statement of their code it tells, however
  named, and every step it tells in words;
- said under another exercise: only the statements of their code written as that text has them, names
  and all (pasted back). An idiom said of another exercise's code (`for meeting in meetings:`) takes
  nothing away from what the student wrote for this one (`for n in numbers:`).

A `Memory` is a `str` (the texts joined, oldest first), so everything that reads a prior reads it
unchanged; the part said elsewhere rides along. A plain `str` prior counts as said under the exercise.
"""

from __future__ import annotations

import ast
import copy
from functools import lru_cache
from typing import Iterable

from .index import TOKEN
from .similarity import NESTED, UNREADABLE, _shallow, parse, statements
from .views import views

SEPARATOR = "\n\n"


class Memory(str):
    """Texts models told a student, joined; `elsewhere`: those said under another exercise than the one whose code
    the student sends, joined; `here`: the others."""

    pieces: tuple[tuple[str, bool], ...]

    def __new__(cls, pieces: Iterable[tuple[str, bool]] = ()):
        pieces = tuple((text, bool(away)) for text, away in pieces if text)
        memory = super().__new__(cls, SEPARATOR.join(text for text, _ in pieces))
        memory.pieces = pieces
        return memory

    @property
    def here(self) -> str:
        return SEPARATOR.join(text for text, away in self.pieces if not away)

    @property
    def elsewhere(self) -> str:
        return SEPARATOR.join(text for text, away in self.pieces if away)


def said_here(prior: str) -> str:
    """The part of `prior` said under the exercise the student's code is for (a plain `str`: all of it)."""
    return prior.here if isinstance(prior, Memory) else prior


def said_elsewhere(prior: str) -> str:
    """The part of `prior` said under other exercises (a plain `str`: none)."""
    return prior.elsewhere if isinstance(prior, Memory) else ""


def told_here(prior: str) -> tuple[str, ...]:
    """The texts of `prior` said under the exercise the student's code is for, oldest first (a plain `str`: one text)."""
    if isinstance(prior, Memory):
        return tuple(text for text, away in prior.pieces if not away)
    return (prior,) if prior else ()


def remembered(*parts: str) -> Memory:
    """Memories (or plain texts, said under the exercise) one after the other, each text keeping where it was said."""
    return Memory(piece for part in parts if part
                  for piece in (part.pieces if isinstance(part, Memory) else ((part, False),)))


def _written(text: str) -> str:
    """`text` as its tokens, names kept (strings as `s`: a quote's style is no change), one space apart."""
    return " ".join("s" if token[0] in "\"'" else token for token in TOKEN.findall(text))


@lru_cache(maxsize=64)  # a memory is the same at every line of a stream and every exercise an answer is judged against
def _heard(text: str) -> str:
    """Every view of `text` (the decodings a student can read out of it) as tokens, names kept."""
    return " " + " | ".join(_written(view) for view in views(text)) + " "


def _line(statement: ast.stmt) -> str:
    """A statement as written (names kept), without the bodies it nests: `for n in numbers:`."""
    clone = copy.copy(statement)
    for name in NESTED:
        if hasattr(clone, name):
            setattr(clone, name, [])
    return ast.unparse(clone)


@lru_cache(maxsize=256)
def pasted(code: str, text: str) -> frozenset[str]:
    """The fingerprints of the statements of the student's `code` that `text` (or a view of it) holds as written, names
    and all: pieces of it pasted back."""
    tree = parse(code or "") if text else None
    if tree is None:
        return frozenset()
    heard, found = _heard(text), set()
    try:
        for statement in statements(tree):
            if f" {_written(_line(statement))} " in heard:
                found.add(ast.dump(_shallow(statement), annotate_fields=False))
    except UNREADABLE:  # code too deeply nested to read: the student is taken to know nothing anyway (`known_from`)
        return frozenset()
    return frozenset(found)
