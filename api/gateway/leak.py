"""The leak filter: does an answer contain the reference solution, however disguised?

Every statement of the solution becomes a fingerprint: its AST with all names erased and
nested bodies left out, so renamed variables, reordered statements and code spread over
prose all map to the same fingerprints. An answer leaks when the code it contains covers
enough of the solution's fingerprints, each weighted by its size and, given the bank's
other solutions, by how rare it is among them (an inverse document frequency, as in
K. Spärck Jones, "A statistical interpretation of term specificity and its application in
retrieval", Journal of Documentation 28, 1972). So `total = 0` or `return total`, which
half the bank shares, count little, and the one line that is the exercise's real idea
counts a lot: handing out that line alone is a leak.
"""

from __future__ import annotations

import ast
import math
import re
import textwrap
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.S)
INLINE = re.compile(r"`([^`\n]+)`")
PROSE_PREFIX = re.compile(r"^\s*(?:[-*+>]|\d+[.)]|#+)\s+")
NESTED = {"body", "orelse", "finalbody", "handlers", "cases"}


class _Eraser(ast.NodeTransformer):
    """Names, arguments and function names become `_`; docstrings and bodies go."""

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id="_", ctx=ast.Load()), node)

    def visit_arg(self, node):
        return ast.arg(arg="_")

    def visit_FunctionDef(self, node):
        node = self.generic_visit(node)
        node.name = "_"
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        node = self.generic_visit(node)
        node.name = "_"
        return node


def _shallow(stmt: ast.stmt) -> ast.stmt:
    clone = ast.parse(ast.unparse(stmt)).body[0] if not isinstance(stmt, ast.Expr) else stmt
    for name in NESTED:
        if hasattr(clone, name):
            setattr(clone, name, [])
    return _Eraser().visit(clone)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def fingerprints(tree: ast.AST) -> Counter:
    """Size-weighted fingerprints of every statement in `tree`."""
    found: Counter = Counter()
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or _is_docstring(node) or isinstance(node, ast.Pass):
            continue
        shallow = _shallow(node)
        key = ast.dump(shallow, annotate_fields=False)
        found[key] += sum(1 for _ in ast.walk(shallow))
    return found


def _parse(text: str) -> ast.AST | None:
    for candidate in (text, text.rstrip() + "\n    pass" if text.rstrip().endswith(":") else None):
        if candidate is None:
            continue
        try:
            return ast.parse(candidate)
        except (SyntaxError, ValueError):
            continue
    return None


CODE_HINT = re.compile(r"[=%(\[:+*/<>]|\b(?:return|for|while|if|def|raise|import)\b")
WINDOW = 16


def _meaningful(tree: ast.AST) -> bool:
    return any(not (isinstance(s, ast.Expr) and isinstance(s.value, (ast.Name, ast.Constant))) for s in tree.body)


STARTERS = {"for", "if", "elif", "while", "return", "def", "raise", "with", "try", "else:", "import", "yield", "lambda", "assert"}
ASSIGN = re.compile(r"^(?:[-+*/%]?=|//=|\*\*=)$")


def _may_start_code(words: list[str], i: int) -> bool:
    word = words[i]
    follows = words[i + 1] if i + 1 < len(words) else ""
    return word in STARTERS or bool(ASSIGN.match(follows)) or "(" in word or "=" in word or "[" in word


def _code_in_prose(line: str):
    """Stretches of a prose line that parse as a statement ("then do acc += item.")."""
    words = line.split()
    start = 0
    while start < len(words):
        if _may_start_code(words, start):
            for end in range(min(len(words), start + WINDOW), start, -1):
                piece = " ".join(words[start:end]).rstrip(".,;!?")
                tree = _parse(piece) if piece else None
                if tree is not None and _meaningful(tree):
                    yield tree
                    start = end - 1
                    break
        start += 1


@lru_cache(maxsize=4096)
def _line_prints(raw: str) -> tuple:
    """Fingerprints of the code in one line of prose (cached: a stream checks lines twice)."""
    found: Counter = Counter()
    line = PROSE_PREFIX.sub("", raw).strip().strip("`")
    for piece in (p.strip() for p in line.split(";")):
        tree = _parse(piece) if piece else None
        if tree is not None:
            found |= fingerprints(tree)
        elif CODE_HINT.search(piece):
            for sub in _code_in_prose(piece):
                found |= fingerprints(sub)
    return tuple(found.items())


def _line_trees(text: str):
    for raw in text.splitlines():
        prints = _line_prints(raw)
        if prints:
            yield Counter(dict(prints))


def code_prints(answer: str):
    """Fingerprints of every piece of the answer that parses as Python: fenced blocks, inline code, lines of prose."""
    for block in FENCE.findall(answer):
        tree = _parse(block)
        if tree is not None:
            yield fingerprints(tree)
        else:
            yield from _line_trees(block)
    outside = FENCE.sub("\n", answer)
    for span in INLINE.findall(outside):
        tree = _parse(span)
        if tree is not None:
            yield fingerprints(tree)
    # unfenced code: the whole text, or a paragraph of it, may parse as a module as it stands
    # (a multi-line statement never parses line by line)
    for chunk in [outside, *re.split(r"\n\s*\n", outside)]:
        tree = _parse(textwrap.dedent(chunk)) if chunk.strip() else None
        if tree is not None and _meaningful(tree):
            yield fingerprints(tree)
    yield from _line_trees(INLINE.sub(lambda m: m.group(1), outside))


def _seen(text: str) -> Counter:
    seen: Counter = Counter()
    for prints in code_prints(text):
        seen |= prints
    return seen


@dataclass
class LeakCheck:
    similarity: float
    leaking: bool


@dataclass(frozen=True)
class StatementFrequency:
    """In how many of a bank's solutions each fingerprint occurs."""

    counts: Counter
    solutions: int

    @classmethod
    def of(cls, solutions) -> "StatementFrequency":
        counts: Counter = Counter()
        n = 0
        for solution in solutions:
            try:
                counts.update(fingerprints(ast.parse(solution)).keys())
            except SyntaxError:
                continue
            n += 1
        return cls(counts, n)

    def weight(self, key: str) -> float:
        """1 for a statement no other solution has, falling towards 1/ln(...) for one all share."""
        return math.log((1 + self.solutions) / (1 + self.counts.get(key, 0))) + 1


class LeakDetector:
    """Compares answers with one reference solution."""

    def __init__(self, solution: str, threshold: float = 0.4, frequency: StatementFrequency | None = None):
        self.reference = fingerprints(ast.parse(solution))
        rarity = frequency.weight if frequency else (lambda key: 1.0)
        self.weights = {key: size * rarity(key) for key, size in self.reference.items()}
        self.total = sum(self.weights.values()) or 1
        self.threshold = threshold

    def similarity(self, answer: str) -> float:
        seen = _seen(answer)
        return sum(weight * min(1.0, seen[key] / self.reference[key]) for key, weight in self.weights.items()) / self.total

    def check(self, answer: str) -> LeakCheck:
        score = self.similarity(answer)
        return LeakCheck(score, score >= self.threshold)

    def suspicious(self, text: str) -> bool:
        """Does this piece share any non-trivial statement with the solution? (used to hold back a stream)"""
        return any(key in self.reference and self.reference[key] >= 3 for key in _seen(text))


INDENTED = re.compile(r"(?:^(?: {4}|\t).*\n?)+", re.M)


class _Rename(ast.NodeTransformer):
    def __init__(self, old: str, new: str):
        self.old, self.new = old, new

    def visit_Name(self, node):
        if node.id == self.old:
            node.id = self.new
        return node


def runnable_candidates(answer: str, entry_point: str, arity: int) -> list[str]:
    """Each function in the answer's code that could stand in for `entry_point`, renamed to it.

    A model may hand over a *different* correct solution, which no similarity to the
    reference shows; running these candidates against the tests catches that.
    """
    blocks = FENCE.findall(answer) + [textwrap.dedent(b) for b in INDENTED.findall(FENCE.sub("", answer))]
    found = []
    for block in blocks:
        tree = _parse(block)
        if tree is None:
            continue
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and len(n.args.args) == arity]
        for fn in defs:
            module = ast.Module(body=[n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.Import, ast.ImportFrom, ast.Assign))], type_ignores=[])
            module = _Rename(fn.name, entry_point).visit(ast.parse(ast.unparse(module)))
            for node in module.body:
                if isinstance(node, ast.FunctionDef) and node.name == fn.name:
                    node.name = entry_point
            found.append(ast.unparse(module))
    return found[:3]


def entry_arity(solution: str, entry_point: str) -> int | None:
    for node in ast.parse(solution).body:
        if isinstance(node, ast.FunctionDef) and node.name == entry_point:
            return len(node.args.args)
    return None
