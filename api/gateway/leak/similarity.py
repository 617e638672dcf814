"""How much of the reference solution a text contains: statement fingerprints weighted by rarity.

Every statement of the solution becomes a fingerprint: its AST with all names erased and
nested bodies left out, so renamed variables, reordered statements and code spread over
prose all map to the same fingerprints. A text covers the solution's fingerprints it
contains, each weighted by its size and, given the bank's other solutions, by how rare it
is among them (an inverse document frequency, as in K. Spärck Jones, "A statistical
interpretation of term specificity and its application in retrieval", Journal of
Documentation 28, 1972). So `total = 0` or `return total`, which half the bank shares,
count little, and the one line that is the exercise's real idea counts a lot.
"""

from __future__ import annotations

import ast
import copy
import difflib
import math
import re
import textwrap
import warnings
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.S)
INLINE = re.compile(r"`([^`\n]+)`")
PROSE_PREFIX = re.compile(r"^\s*(?:[-*+>•]|\(?\d+[.):]|#+|step\s+\d+[.:)]?)\s+", re.I)
NESTED = {"body", "orelse", "finalbody", "handlers", "cases"}
CODE_HINT = re.compile(r"[=%(\[:+*/<>]|\b(?:return|for|while|if|def|raise|import|yield|del|assert)\b")
STARTERS = {"for", "if", "elif", "while", "return", "def", "raise", "with", "try", "else:", "import", "yield", "lambda", "assert", "del", "class"}
ASSIGN = re.compile(r"^(?:[-+*/%]?=|//=|\*\*=)$")
CODE_START = re.compile(r"^[ \t]*(?:def|class|for|while|if|return|import|from|@)\b", re.M)
JOINERS = {"and", "then", "which", "so", "to", "that", "after", "before", "inside", "in", "at", "when", "is", "or", "but", "with"}
MAX_TRIES = 6  # parses per possible start of code inside a line of prose
# what reading a parsed tree may raise (`ast.unparse`, `ast.dump` and copies recurse): code nested too deeply to read
UNREADABLE = (RecursionError, MemoryError)


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
    clone = ast.parse(ast.unparse(stmt)).body[0] if not isinstance(stmt, ast.Expr) else copy.deepcopy(stmt)
    for name in NESTED:
        if hasattr(clone, name):
            setattr(clone, name, [])
    return _Eraser().visit(clone)


def is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def statements(tree: ast.AST):
    """The statements that carry meaning (no docstrings, no `pass`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not is_docstring(node) and not isinstance(node, ast.Pass):
            yield node


def fingerprints(tree: ast.AST) -> Counter:
    """Size-weighted fingerprints of every statement in `tree`."""
    found: Counter = Counter()
    for node in statements(tree):
        shallow = _shallow(node)
        found[ast.dump(shallow, annotate_fields=False)] += sum(1 for _ in ast.walk(shallow))
    return found


def parse(text: str) -> ast.AST | None:
    """The module `text` is, if it is Python (a trailing `if x:` gets a body)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # an invalid escape (`"\<"`) before Python 3.12
        return _parse(text)


def parsed(text: str, mode: str = "exec") -> ast.AST:
    """`ast.parse`, quiet about what a model's text may hold (an invalid escape, `1st`); raises SyntaxError as it does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return ast.parse(text, mode=mode)


def _parse(text: str) -> ast.AST | None:
    if text.lstrip().startswith("elif "):  # a branch told on its own is read as the test it makes
        text = text.lstrip()[2:]
    for candidate in (text, text.rstrip() + "\n    pass" if text.rstrip().endswith(":") else None):
        if candidate is None:
            continue
        try:
            return ast.parse(candidate)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
    return None


def _error_column(piece: str) -> int | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            ast.parse(piece)
    except SyntaxError as err:
        return (err.offset or 1) - 1 if (err.lineno or 1) == 1 else None
    except (ValueError, MemoryError, RecursionError):
        return None
    return len(piece)


def meaningful(tree: ast.AST) -> bool:
    return any(not (isinstance(s, ast.Expr) and isinstance(s.value, (ast.Name, ast.Constant))) for s in tree.body)


def _may_start_code(words: list[str], i: int) -> bool:
    word = words[i]
    follows = words[i + 1] if i + 1 < len(words) else ""
    return word in STARTERS or bool(ASSIGN.match(follows)) or "(" in word or "=" in word or "[" in word


def _ends(words: list[str], start: int) -> list[int]:
    """Where a stretch of code that starts at `start` may end: after the longest prefix that parses, and
    after any word that closes a bracket or is followed by a connecting word of prose (none past the
    first syntax error: what does not parse up to there does not parse further on)."""
    line = " ".join(words[start:])
    if line.startswith("elif "):
        line = line[2:]  # read as the test it makes, as `parse` does
    column = _error_column(line)
    limit = len(words)
    ends = []
    if column is not None:
        inside_word = 0 < column < len(line) and not line[column - 1].isspace()
        limit = start + len(line[:column].split()) - inside_word
        ends.append(limit)
    for end in range(start + 1, limit + 1):
        word = words[end - 1]
        if word[-1:] in ")]}:,.;" or (end < len(words) and words[end].lower() in JOINERS):
            ends.append(end)
    # code does not end on a word that joins prose ("... and then")
    return sorted({e for e in ends if e > start and words[e - 1].lower() not in JOINERS}, reverse=True)[:MAX_TRIES]


def code_in_prose(line: str):
    """Stretches of a prose line of any length that parse as statements ("then do acc += item.")."""
    words = line.split()
    start = 0
    while start < len(words):
        if _may_start_code(words, start):
            for end in _ends(words, start):
                piece = " ".join(words[start:end]).rstrip(".,;!?")
                tree = parse(piece) if piece else None
                if tree is not None and meaningful(tree):
                    yield tree
                    start = end - 1
                    break
        start += 1


@lru_cache(maxsize=16384)
def line_prints(raw: str) -> tuple:
    """Fingerprints of the code in one line of prose (cached: streams and conversations check lines again)."""
    found: Counter = Counter()
    line = PROSE_PREFIX.sub("", raw).strip().strip("`")
    for piece in (p.strip() for p in line.split(";")):
        tree = parse(piece) if piece else None
        if tree is not None:
            found |= fingerprints(tree)
        elif CODE_HINT.search(piece):
            for sub in code_in_prose(piece):
                found |= fingerprints(sub)
    return tuple(found.items())


@lru_cache(maxsize=4096)
def text_prints(text: str) -> tuple:
    """Fingerprints of every piece of `text` that parses as Python: fenced blocks, inline code, paragraphs, lines."""
    seen: Counter = Counter()
    for block in FENCE.findall(text):
        tree = parse(block)
        if tree is not None:
            seen |= fingerprints(tree)
        else:
            for raw in block.splitlines():
                seen |= Counter(dict(line_prints(raw)))
    outside = FENCE.sub("\n", text)
    for span in INLINE.findall(outside):
        tree = parse(span)
        if tree is not None:
            seen |= fingerprints(tree)
    # unfenced code: the whole text, or a paragraph of it, may parse as a module as it stands
    # (a multi-line statement never parses line by line)
    for chunk in [outside, *re.split(r"\n\s*\n", outside)]:
        tree = parse(textwrap.dedent(chunk)) if chunk.strip() else None
        if tree is None and (start := CODE_START.search(chunk)):
            tree = parse(textwrap.dedent(chunk[start.start():]))  # code after a line of prose
        if tree is not None and meaningful(tree):
            seen |= fingerprints(tree)
    for raw in INLINE.sub(lambda m: m.group(1), outside).splitlines():
        seen |= Counter(dict(line_prints(raw)))
    return tuple(seen.items())


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


class Reference:
    """The reference solution's fingerprints and their weights."""

    def __init__(self, solution: str, frequency: StatementFrequency | None = None):
        self.prints = fingerprints(ast.parse(solution))
        rarity = frequency.weight if frequency else (lambda key: 1.0)
        self.weights = {key: size * rarity(key) for key, size in self.prints.items()}
        self.total = sum(self.weights.values()) or 1

    def coverage(self, seen: Counter, known: frozenset = frozenset()) -> float:
        """The weighted share of the reference in `seen` that the student did not have already (`known`)."""
        return sum(w * min(1.0, seen[k] / self.prints[k]) for k, w in self.weights.items() if k not in known) / self.total

    def known_from(self, code: str, told: frozenset = frozenset()) -> frozenset:
        """The reference statements the student's own code already holds, exactly or but for a small slip; the
        code's statements in `told` (fingerprints of what the tutor said) are not the student's own."""
        tree = parse(code or "")
        if tree is None:
            return frozenset()
        try:
            theirs = [key for key in fingerprints(tree) if key not in told]
        except UNREADABLE:  # code too deeply nested to read: the student is taken to know nothing
            return frozenset()
        known = set()
        for key in self.prints:
            if key in theirs or any(difflib.SequenceMatcher(None, key, other).ratio() >= 0.9 for other in theirs):
                known.add(key)
        return frozenset(known)
