"""Mutants of a reference solution: small, plausible bugs made by rewriting its syntax tree.

Good hidden tests notice when a solution is subtly wrong. To measure that, we make many
slightly wrong copies of the reference solution (mutants) and check that the hidden tests
fail on each one ("kill" it). The kinds of change follow classic mutation testing:

- ``arithmetic``: ``+ - * / // % **`` swapped for a neighbour (also in ``x += 1``)
- ``boolean``: ``and``/``or`` swapped, ``not`` dropped
- ``comparison``: ``< <= > >= == != in is`` swapped for their near misses
- ``constant``: numbers +1 / -1 (0 and 1 swap), ``''`` and ``'x'``, ``True``/``False``
- ``return``: ``return None`` and ``return not (...)``
- ``boundary``: arguments of ``range(...)`` and slice bounds moved by one
- ``statement``: one statement removed from the body of an ``if``, ``for``, ``while`` or ``try``

A mutant that does not compile, or whose source is the same as the original or as an earlier
mutant (equivalent by construction), is skipped. Docstrings and the messages of raised
exceptions are not mutated: no test observes them. Everything here is deterministic.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from itertools import zip_longest
from typing import Callable, Iterator

KINDS = ("arithmetic", "boolean", "comparison", "constant", "return", "boundary", "statement")

ARITHMETIC = {
    ast.Add: (ast.Sub,), ast.Sub: (ast.Add,), ast.Mult: (ast.Add, ast.FloorDiv), ast.Div: (ast.Mult, ast.FloorDiv),
    ast.FloorDiv: (ast.Div, ast.Mod), ast.Mod: (ast.FloorDiv,), ast.Pow: (ast.Mult,),
}
COMPARISON = {
    ast.Lt: (ast.LtE, ast.Gt), ast.LtE: (ast.Lt, ast.GtE), ast.Gt: (ast.GtE, ast.Lt), ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,), ast.In: (ast.NotIn,), ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,),
}
SYMBOL = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.And: "and", ast.Or: "or",
}
BLOCKS = (ast.If, ast.For, ast.While, ast.Try, ast.With)


@dataclass(frozen=True)
class Mutant:
    """One changed copy of the source: what kind of change, where, and the new source."""

    kind: str
    line: int
    description: str
    source: str


# An edit is found on the original tree by node position, then applied to a fresh copy.
Edit = Callable[[ast.AST, dict], None]


def _parents(tree: ast.AST) -> dict[int, tuple[ast.AST, str, int | None]]:
    """Map id(child) -> (parent, field name, index in a list field or None)."""
    parents = {}
    for node in ast.walk(tree):
        for name, value in ast.iter_fields(node):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        parents[id(item)] = (node, name, i)
            elif isinstance(value, ast.AST):
                parents[id(value)] = (node, name, None)
    return parents


def _replace(node: ast.AST, parents: dict, new: ast.AST | None) -> None:
    """Put `new` where `node` is in its parent (None removes a statement from its list)."""
    parent, name, index = parents[id(node)]
    if index is None:
        setattr(parent, name, new)
    elif new is None:
        getattr(parent, name).pop(index)
    else:
        getattr(parent, name)[index] = new


def _shift(expr: ast.expr, by: int) -> ast.expr:
    op = ast.Add() if by > 0 else ast.Sub()
    return ast.BinOp(left=copy.deepcopy(expr), op=op, right=ast.Constant(abs(by)))


def _unobserved_constants(tree: ast.AST) -> set[int]:
    """Constants no test can observe: docstrings and the arguments of raised exceptions."""
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                skip.add(id(first.value))
        if isinstance(node, (ast.Raise, ast.JoinedStr)):
            skip.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))
    return skip


def _constant_values(value) -> list:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [1] if value == 0 else [0] if value == 1 else [value + 1, value - 1]
    if isinstance(value, float):
        return [value + 1.0, value - 1.0]
    if isinstance(value, str):
        return ["x"] if value == "" else [""]
    return []


def _set_attr(attr: str, value) -> Edit:
    return lambda node, parents: setattr(node, attr, value)


def _edits_for(node: ast.AST, skip: set[int]) -> Iterator[tuple[str, str, Edit]]:
    """(kind, description, edit) for every mutation of this one node."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in ARITHMETIC:
        for new in ARITHMETIC[type(node.op)]:
            yield "arithmetic", f"{SYMBOL[type(node.op)]} -> {SYMBOL[new]}", _set_attr("op", new())
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield "boolean", f"{SYMBOL[type(node.op)]} -> {SYMBOL[new]}", _set_attr("op", new())
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "boolean", "not dropped", lambda n, parents: _replace(n, parents, n.operand)
    elif isinstance(node, ast.Compare):
        yield from _compare_edits(node)
    elif isinstance(node, ast.Constant) and id(node) not in skip:
        for value in _constant_values(node.value):
            yield "constant", f"{node.value!r} -> {value!r}", _set_attr("value", value)
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield "return", "return None", _set_attr("value", ast.Constant(None))
            yield "return", "return not (...)", lambda n, parents: setattr(n, "value", ast.UnaryOp(ast.Not(), n.value))
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
        yield from _range_edits(node)
    elif isinstance(node, ast.Slice):
        yield from _slice_edits(node)
    if isinstance(node, BLOCKS):
        yield from _statement_edits(node)


def _compare_edits(node: ast.Compare) -> Iterator[tuple[str, str, Edit]]:
    for i, op in enumerate(node.ops):
        for new in COMPARISON.get(type(op), ()):
            def edit(n, parents, i=i, new=new):
                n.ops[i] = new()
            yield "comparison", f"{SYMBOL[type(op)]} -> {SYMBOL[new]}", edit


def _range_edits(node: ast.Call) -> Iterator[tuple[str, str, Edit]]:
    for i in range(min(len(node.args), 2)):
        for by in (1, -1):
            def edit(n, parents, i=i, by=by):
                n.args[i] = _shift(n.args[i], by)
            yield "boundary", f"range argument {i + 1} {by:+d}", edit


def _slice_edits(node: ast.Slice) -> Iterator[tuple[str, str, Edit]]:
    for field in ("lower", "upper"):
        if getattr(node, field) is not None:
            for by in (1, -1):
                def edit(n, parents, field=field, by=by):
                    setattr(n, field, _shift(getattr(n, field), by))
                yield "boundary", f"slice {field} bound {by:+d}", edit


def _statement_edits(node: ast.AST) -> Iterator[tuple[str, str, Edit]]:
    for field in ("body", "orelse", "finalbody"):
        block = getattr(node, field, None) or []
        for i, stmt in enumerate(block):
            if isinstance(stmt, ast.Pass):
                continue
            def edit(n, parents, field=field, i=i):
                block = getattr(n, field)
                if len(block) == 1:
                    block[0] = ast.Pass()
                else:
                    block.pop(i)
            yield "statement", f"statement on line {stmt.lineno} removed ({field})", edit


def all_mutants(source: str) -> list[Mutant]:
    """Every distinct, compiling mutant of `source`, in the order of the syntax tree."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    skip = _unobserved_constants(tree)
    seen = {original}
    mutants = []
    for position, node in enumerate(ast.walk(tree)):
        for kind, description, edit in _edits_for(node, skip):
            mutant_source = _apply(source, position, edit)
            if mutant_source is None or mutant_source in seen:
                continue
            seen.add(mutant_source)
            mutants.append(Mutant(kind, getattr(node, "lineno", 0), description, mutant_source))
    return mutants


def _apply(source: str, position: int, edit: Edit) -> str | None:
    """Apply `edit` to the node at `position` (ast.walk order) of a fresh tree; None if it breaks."""
    tree = ast.parse(source)
    target = next(n for i, n in enumerate(ast.walk(tree)) if i == position)
    edit(target, _parents(tree))
    ast.fix_missing_locations(tree)
    try:
        text = ast.unparse(tree)
        compile(text, "<mutant>", "exec")
    except (SyntaxError, ValueError, TypeError, RecursionError):
        return None
    return text


def select_mutants(mutants: list[Mutant], cap: int) -> list[Mutant]:
    """At most `cap` mutants, taken in turn from each kind so every kind is represented."""
    by_kind = [[m for m in mutants if m.kind == kind] for kind in KINDS]
    interleaved = [m for row in zip_longest(*by_kind) for m in row if m is not None]
    return interleaved[:cap] if cap > 0 else interleaved


def mutants_of(source: str, cap: int = 40) -> list[Mutant]:
    """The mutants of `source` that the validator grades (deterministic)."""
    return select_mutants(all_mutants(source), cap)
