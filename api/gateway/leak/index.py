"""Which exercises' reference solutions an answer overlaps: one index of the whole bank per process.

An answer is judged in full against the exercise it was asked under, but a student may name
any exercise and ask for another one's solution. Every reference solution (docstrings left
out) becomes a set of fingerprints: hashes of its token k-grams with names erased (keywords,
builtins, operators, attribute names and constants kept), as MOSS does (S. Schleimer,
D. S. Wilkerson, A. Aiken, "Winnowing: local algorithms for document fingerprinting",
SIGMOD 2003; the bank is small enough to keep every k-gram rather than a winnowed sample).
One inverted index maps each fingerprint to the exercises whose solution has it, weighted by
how rare it is among them. The k-grams of an answer's views (the same decodings the detector
reads) are looked up in it, and the exercises with a notable share of their fingerprints in
the answer, whose entry point the answer defines by name, or whose parameters (names few
exercises use) a single expression of the answer computes with, are judged in full as well.

The two kinds of signal have separate quotas: the exercises found by overlap (most overlapped
first) are never displaced by names, so padding an answer with definitions named after other
exercises cannot push out the one whose solution it holds. A definition that does nothing
(a body of `pass`, `...`, a constant or a `raise`) does not count as defining its name.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import math
import re
import warnings
from collections import defaultdict

from .runnable import Entry, expressions, signature
from .similarity import is_docstring

K = 5  # tokens per k-gram
RELATED = 0.3  # weighted share of a solution's fingerprints that makes an answer worth judging against it
# exercises judged in full besides the one asked under, at most: found by fingerprint overlap, then by name or
# parameters (each full check may run the answer's code in the sandbox, so the total stays small)
MAX_OVERLAPPED = 5
MAX_NAMED = 3
MAX_TOKENS = 20_000  # tokens of one answer's views that are read
# an answer holding this weighted share of another exercise's solution is remembered for that exercise too
# (`touched`): pieces of one solution asked for under different exercises add up there; at most MAX_TOUCHED per answer
TOUCH = 0.05
MAX_TOUCHED = 8

TOKEN = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|[A-Za-z_]\w*|\d+(?:\.\d+)?|\*\*|//|==|!=|<=|>=|[-+*/%<>=()\[\]{}:,.&|^~]")
KEPT = set(keyword.kwlist) | {name for name in dir(builtins) if not name.startswith("_")}
DEFINES = re.compile(r"\b(?:def|class)\s+([A-Za-z_]\w*)")
LINE_START = re.compile(r"^[ \t]*", re.M)
NAME = re.compile(r"[A-Za-z_]\w*")
SPECIFIC = 2  # a parameter name used by at most this many exercises (and of 4 characters or more) points at them


def tokens(text: str) -> list[str]:
    """`text` as normalised tokens: names become `v`, strings `s`; keywords, builtins, attributes, numbers, operators stay."""
    out, after_dot = [], False
    for token in TOKEN.findall(text):
        if token[0] in "\"'":
            out.append("s")
        elif token[0].isalpha() or token[0] == "_":
            out.append(token if token in KEPT or after_dot else "v")
        else:
            out.append(token)
        after_dot = token == "."
    return out


def kgrams(toks: list[str]) -> set[int]:
    return {hash(gram) for gram in zip(*(toks[i:] for i in range(K)))}


def _trivial(statement: ast.stmt) -> bool:
    """A statement that computes nothing: `pass`, `...`, a constant (or docstring), `return` of a constant, a `raise`,
    a definition made only of those."""
    if isinstance(statement, (ast.Pass, ast.Raise)):
        return True
    if isinstance(statement, (ast.Expr, ast.Return)):
        return statement.value is None or isinstance(statement.value, ast.Constant)
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return all(_trivial(s) for s in statement.body)  # a stub within a stub
    return False


def _body_of(text: str, start: int) -> bool | None:
    """Does the definition at `start` of `text` do something? False: a stub (its body only trivial statements, or
    none); None: it cannot be read as code. Its body is read by indentation."""
    line_start = text.rfind("\n", 0, start) + 1
    indent = len(LINE_START.match(text, line_start).group())
    end = text.find("\n", start)
    lines = [text[start:] if end < 0 else text[start:end]]
    for line in ([] if end < 0 else text[end + 1:].split("\n")):
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        lines.append(line[indent:] if line.strip() else "")
        if len(lines) > 200:
            return None
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    # a header with no body (its lines in another order, say) defines nothing either
    for code in ("\n".join(lines), *([f"{lines[0]}\n    pass"] if len(lines) == 1 else [])):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # an answer's odd string escapes are no concern here
                tree = ast.parse(code)
            break
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
    else:
        return None
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return None
    return not all(_trivial(s) for s in node.body)


def defined_names(*texts: str) -> set[str]:
    """The names `texts` define (`def` or `class`) with a body that does something. A name defined only as a stub
    where it can be read (and elsewhere in a form that cannot be read as code) does not count."""
    real, stub, unread = set(), set(), set()
    for text in texts:
        for m in DEFINES.finditer(text):
            does = _body_of(text, m.start())
            (unread if does is None else real if does else stub).add(m.group(1))
    return real | (unread - stub)


def _code_of(solution: str) -> tuple[str, list[str]]:
    """The solution without its docstrings, and the names it defines at the top."""
    tree = ast.parse(solution)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and is_docstring(body[0]):
            node.body = body[1:] or [ast.Pass()]
    names = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    return ast.unparse(tree), names


class SolutionIndex:
    """Fingerprints of every exercise's reference solution, looked up all at once."""

    def __init__(self, exercises):
        grams: dict[str, set[int]] = {}
        self.entries: dict[str, set[str]] = defaultdict(set)
        calls: dict[str, frozenset[str]] = {}  # exercise -> the parameters a call must pass
        for exercise in exercises:
            try:
                code, names = _code_of(exercise.solution)
                entry = next(iter(signature(exercise.solution).values()), None)
            except SyntaxError:
                continue
            grams[exercise.id] = kgrams(tokens(code))
            for name in names:
                self.entries[name].add(exercise.id)
            if entry is not None:
                calls[exercise.id] = frozenset(entry.params[: max(entry.required, 1)])
        users: dict[str, int] = defaultdict(int)
        for params in calls.values():
            for param in params:
                users[param] += 1
        # exercises whose (required) parameters include a name few others use: an expression with all of them may be a solution
        self.calls = {ex_id: params for ex_id, params in calls.items()
                      if any(users[p] <= SPECIFIC and len(p) >= 4 and p not in KEPT for p in params)}
        self.specific = frozenset(p for params in self.calls.values() for p in params)
        frequency: dict[int, int] = defaultdict(int)
        for prints in grams.values():
            for gram in prints:
                frequency[gram] += 1
        n = len(grams)
        weight = {gram: math.log((1 + n) / (1 + count)) + 1 for gram, count in frequency.items()}
        self.postings: dict[int, list[tuple[str, float]]] = defaultdict(list)
        self.totals: dict[str, float] = {}
        for ex_id, prints in grams.items():
            self.totals[ex_id] = sum(weight[g] for g in prints) or 1.0
            for gram in prints:
                self.postings[gram].append((ex_id, weight[gram]))
        self.keys = frozenset(self.postings)

    def __len__(self) -> int:
        return len(self.totals)

    def found(self, texts) -> frozenset[int]:
        """The solutions' fingerprints in `texts` (their first MAX_TOKENS tokens)."""
        found: set[int] = set()
        budget = MAX_TOKENS
        for text in texts:
            if budget <= 0:
                break
            toks = tokens(text)[:budget]
            budget -= len(toks)
            found |= kgrams(toks) & self.keys
        return frozenset(found)

    def shares(self, found) -> dict[str, float]:
        """Exercise id -> the weighted share of its solution's fingerprints among `found` (only those with any)."""
        scores: dict[str, float] = defaultdict(float)
        for gram in found:
            for ex_id, weight in self.postings[gram]:
                scores[ex_id] += weight
        return {ex_id: score / self.totals[ex_id] for ex_id, score in scores.items()}

    def overlaps(self, texts) -> dict[str, float]:
        """Exercise id -> the weighted share of its solution's fingerprints found in `texts` (only those with any)."""
        return self.shares(self.found(texts))

    def related(self, texts, exclude: str = "", within=None) -> list[str]:
        """The exercises (ids) an answer should be judged against besides `exclude`: first those whose solution it
        overlaps notably (most overlapped first, at most MAX_OVERLAPPED), then those whose entry point it defines
        by name (a definition that does something) or whose parameters an expression of it computes with (most
        overlapped first, at most MAX_NAMED). Names never take the place of an exercise found by overlap.
        `within`: the exercises the asker may see (None: all); no other one is judged, nor takes a place."""
        texts = list(texts)
        scores = self.overlaps(texts)
        order = lambda ex_id: (-scores.get(ex_id, 0.0), ex_id)  # noqa: E731
        overlapped = sorted((ex_id for ex_id, score in scores.items() if ex_id != exclude and score >= RELATED
                             and (within is None or ex_id in within)), key=order)
        overlapped = overlapped[:MAX_OVERLAPPED]
        named = {ex_id for name in defined_names(*texts) for ex_id in self.entries.get(name, ())}
        named |= self.computed_with(texts)
        named -= {exclude, *overlapped}
        if within is not None:
            named = {ex_id for ex_id in named if ex_id in within}
        return overlapped + sorted(named, key=order)[:MAX_NAMED]

    def touched(self, texts, exclude: str = "", scores: dict[str, float] | None = None, within=None) -> list[str]:
        """The exercises (ids, besides `exclude`, of those in `within` if given) of whose solution `texts` hold at
        least TOUCH, most first (at most MAX_TOUCHED): a piece of a solution, asked for under another exercise, is
        remembered under them too."""
        scores = self.overlaps(texts) if scores is None else scores
        found = [ex_id for ex_id, score in scores.items() if ex_id != exclude and score >= TOUCH and (within is None or ex_id in within)]
        return sorted(found, key=lambda ex_id: (-scores[ex_id], ex_id))[:MAX_TOUCHED]

    def computed_with(self, texts) -> set[str]:
        """Exercises whose parameters a single expression in `texts` (inline code, a line of its own) uses, all of them."""
        found: set[str] = set()
        for text in texts:
            mentioned = self.specific.intersection(NAME.findall(text))
            if not mentioned:
                continue
            for expr in expressions(text, Entry(tuple(mentioned), 0, "")):
                names = set(NAME.findall(expr))
                found |= {ex_id for ex_id, params in self.calls.items() if params <= names}
        return found
