"""The code in an answer that could be run as the student's submission.

A model may hand over a *different* correct solution, which no similarity to the reference
shows, or hand it over in pieces; running what the answer (and the conversation before it)
defines against the tests catches that. A candidate is a module of the definitions found
in one view, with a function of the entry point's arity renamed to the entry point.
"""

from __future__ import annotations

import ast
import re
import textwrap

from .similarity import FENCE, parse

INDENTED = re.compile(r"(?:^(?: {4}|\t).*\n?)+", re.M)
KEEP = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Assign)
MAX_CANDIDATES = 3


class _Rename(ast.NodeTransformer):
    def __init__(self, old: str, new: str):
        self.old, self.new = old, new

    def visit_Name(self, node):
        if node.id == self.old:
            node.id = self.new
        return node


def signature(solution: str) -> dict[str, int | None]:
    """Entry point -> number of arguments (None for a class)."""
    found = {}
    for node in ast.parse(solution).body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = len(node.args.args)
        elif isinstance(node, ast.ClassDef):
            found[node.name] = None
    return found


def code_blocks(text: str) -> list[str]:
    """Fenced blocks, indented blocks and the whole text, each as it could be pasted into a cell."""
    outside = FENCE.sub("", text)
    return [*FENCE.findall(text), *(textwrap.dedent(b) for b in INDENTED.findall(outside)), textwrap.dedent(text)]


def _defines(tree: ast.Module, entry: str, arity: int | None) -> list[str]:
    """Names of the definitions in `tree` that could stand in for `entry`."""
    kind = ast.ClassDef if arity is None else ast.FunctionDef
    defs = [(n.name, None if arity is None else len(n.args.args)) for n in tree.body if isinstance(n, kind)]
    defs += [(t.id, len(n.value.args.args)) for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Lambda)
             for t in n.targets if isinstance(t, ast.Name) and arity is not None]
    exact = [name for name, _ in defs if name == entry]
    return exact or [name for name, args in defs if args == arity]


def candidates_in(texts, entries: dict[str, int | None]) -> list[str]:
    """Modules built from `texts` that define the exercise's first entry point (renamed if need be)."""
    if not entries:
        return []
    entry, arity = next(iter(entries.items()))
    found: dict[str, None] = {}
    for text in texts:
        for block in code_blocks(text):
            tree = parse(block) if "def " in block or "class " in block or "lambda" in block else None
            if tree is None:
                continue
            kept = ast.Module(body=[n for n in tree.body if isinstance(n, KEEP)], type_ignores=[])
            for name in _defines(tree, entry, arity):
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
