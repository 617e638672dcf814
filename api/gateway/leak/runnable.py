"""The code in an answer that could be run as the student's submission.

A model may hand over a *different* correct solution, which no similarity to the reference
shows, or hand it over in pieces; running what the answer (and the conversation before it)
defines against the tests catches that. A candidate is a module of the definitions found
in one view, with a function that can be called as the entry point is (its number of
arguments, or a signature that accepts them: defaults, `*args`, `**kwargs`) renamed to the
entry point. A single expression that uses the entry point's parameter names (an inline
code span, or a line of its own) is a candidate too, as the body of the entry point:
`return sum(x for x in numbers if x % 2 == 0)` told as prose is a solution.
"""

from __future__ import annotations

import ast
import re
import textwrap

from dataclasses import dataclass
from functools import lru_cache

from .similarity import FENCE, INLINE, PROSE_PREFIX, parse

INDENTED = re.compile(r"(?:^(?: {4}|\t).*\n?)+", re.M)
KEEP = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Assign)
MAX_CANDIDATES = 3
MAX_EXPRESSIONS = 3  # expressions run as the entry point's body, per answer
MAX_EXPRESSION_CHARS = 400
# an expression worth running computes something (a name or a subscript alone does not)
COMPUTES = (ast.Call, ast.BinOp, ast.BoolOp, ast.Compare, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
            ast.Lambda, ast.IfExp, ast.UnaryOp)


@dataclass(frozen=True)
class Entry:
    """How the exercise's entry point is called: its positional parameters and how many are required."""

    params: tuple[str, ...]
    required: int
    arguments: str  # the parameter list as written in the reference (defaults included)

    def __len__(self) -> int:
        return len(self.params)


def _accepts(args: ast.arguments, entry: Entry) -> bool:
    """Can a function with `args` be called with the positional arguments the entry point takes?"""
    positional = len(args.posonlyargs) + len(args.args)
    required = positional - len(args.defaults)
    if any(default is None for default in args.kw_defaults):
        return False  # a keyword-only parameter the tests never pass
    most = float("inf") if args.vararg else positional
    return required <= len(entry.params) and most >= entry.required


class _Rename(ast.NodeTransformer):
    def __init__(self, old: str, new: str):
        self.old, self.new = old, new

    def visit_Name(self, node):
        if node.id == self.old:
            node.id = self.new
        return node


def signature(solution: str) -> dict[str, Entry | None]:
    """Entry point -> how it is called (None for a class)."""
    found = {}
    for node in ast.parse(solution).body:
        if isinstance(node, ast.FunctionDef):
            params = tuple(a.arg for a in (*node.args.posonlyargs, *node.args.args))
            found[node.name] = Entry(params, len(params) - len(node.args.defaults), ast.unparse(node.args))
        elif isinstance(node, ast.ClassDef):
            found[node.name] = None
    return found


def code_blocks(text: str) -> list[str]:
    """Fenced blocks, indented blocks and the whole text, each as it could be pasted into a cell."""
    outside = FENCE.sub("", text)
    return [*FENCE.findall(text), *(textwrap.dedent(b) for b in INDENTED.findall(outside)), textwrap.dedent(text)]


def _defines(tree: ast.Module, entry: str, call: Entry | None) -> list[str]:
    """Names of the definitions in `tree` that could stand in for `entry` (the same number of arguments first)."""
    kind = ast.ClassDef if call is None else ast.FunctionDef
    defs = [(n.name, None if call is None else n.args) for n in tree.body if isinstance(n, kind)]
    defs += [(t.id, n.value.args) for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Lambda)
             for t in n.targets if isinstance(t, ast.Name) and call is not None]
    exact = [name for name, _ in defs if name == entry]
    if exact or call is None:
        return exact
    same = [name for name, args in defs if len(args.posonlyargs) + len(args.args) == len(call) and _accepts(args, call)]
    return same + [name for name, args in defs if name not in same and _accepts(args, call)]


def expressions(text: str, call: Entry) -> list[str]:
    """Single expressions in `text` (inline code spans, lines of their own) that use the entry point's parameters."""
    found: dict[str, None] = {}
    outside = FENCE.sub("\n", text)
    pieces = [*INLINE.findall(outside), *(PROSE_PREFIX.sub("", line).strip().rstrip(".;,") for line in text.splitlines())]
    params = set(call.params)
    for piece in pieces:
        piece = piece.strip()
        if not piece or len(piece) > MAX_EXPRESSION_CHARS or not params.intersection(re.findall(r"\w+", piece)):
            continue
        try:
            tree = ast.parse(piece, mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        if isinstance(tree.body, ast.Call) and isinstance(tree.body.func, ast.Name) and tree.body.func.id == "print":
            continue  # `print(...)` to look at a value returns None: never a solution
        nodes = list(ast.walk(tree.body))
        if any(isinstance(n, COMPUTES) for n in nodes) and params.intersection(n.id for n in nodes if isinstance(n, ast.Name)):
            found[ast.unparse(tree.body)] = None
    return list(found)


@lru_cache(maxsize=256)
def own_expressions(code: str) -> frozenset[str]:
    """The expressions of the student's own code (telling them back gives nothing away)."""
    tree = parse(code) if code else None
    if tree is None:
        return frozenset()
    return frozenset(ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.expr))


def candidates_in(texts, entries: dict[str, Entry | None], known: frozenset[str] = frozenset()) -> list[str]:
    """Modules built from `texts` that define the exercise's first entry point (renamed if need be), then the
    expressions of `texts` (but those in `known`) made into its body."""
    if not entries:
        return []
    entry, call = next(iter(entries.items()))
    found: dict[str, None] = {}
    texts = list(texts)
    found.update(dict.fromkeys(_definitions(texts, entry, call)))
    if call is not None:
        made = [f"def {entry}({call.arguments}):\n    return {expr}\n" for text in texts for expr in expressions(text, call)
                if expr not in known]
        found.update(dict.fromkeys(list(dict.fromkeys(made))[:MAX_EXPRESSIONS]))
    return list(found)


def _definitions(texts, entry: str, call: Entry | None) -> list[str]:
    found: dict[str, None] = {}
    for text in texts:
        for block in code_blocks(text):
            tree = parse(block) if "def " in block or "class " in block or "lambda" in block else None
            if tree is None:
                continue
            kept = ast.Module(body=[n for n in tree.body if isinstance(n, KEEP)], type_ignores=[])
            for name in _defines(tree, entry, call):
                module = ast.parse(ast.unparse(kept))
                if name != entry:
                    module = _Rename(name, entry).visit(module)
                    for node in module.body:
                        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
                            node.name = entry
                found[ast.unparse(module)] = None
                if len(found) >= MAX_CANDIDATES:
                    return list(found)
    return list(found)
