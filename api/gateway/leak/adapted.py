"""Code as a student adapts it in a minute before submitting it.

A model told not to hand over a submission can write one that the tests cannot call as it stands, and that the
student fixes without thinking: keyword-only parameters (`def f(*, numbers)`: they delete `*,`), a positional-only
marker, type annotations that do not load (`List[int]` without its import), or the solution written "for tuples" where
the tests pass lists (they swap `tuple` for `list` in its type tests). `adapted` gives the module as the student would make it, with
all of these undone at once; None when there is nothing to undo (the code is run as written anyway). The renamed
function, defaults and other orders of the arguments are read where candidates are made (`runnable._ways`).
"""

from __future__ import annotations

import ast
import builtins
import re

BUILTINS = frozenset(dir(builtins))
# a block that may need adapting: a `*` marker or `*args` before other parameters, an annotation, a test of a sequence type
ADAPTABLE = re.compile(r"\blambda\s*\*\s*,|[(,]\s*\*\s*[,)]|\*\w+\s*,|->|\w\s*:\s*[A-Za-z_][\w.]*\[|:\s*[A-Z]\w*\s*[,)=]|(?:isinstance|type)\(.*\btuple\b")


def _positional(args: ast.arguments) -> ast.arguments | None:
    """`args` with keyword-only parameters (and the positional-only marker) made plain positional ones, in the order
    written; defaults kept on the trailing run of parameters that have one. None if it has no keyword-only parameter
    (a positional-only marker alone changes nothing for tests that pass arguments by position)."""
    if not args.kwonlyargs:
        return None
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    params = positional + list(args.kwonlyargs)
    defaults += list(args.kw_defaults)
    kept: list[ast.expr] = []
    for default in reversed(defaults):
        if default is None:
            break
        kept.insert(0, default)
    return ast.arguments(posonlyargs=[], args=params, vararg=args.vararg, kwonlyargs=[], kw_defaults=[],
                         kwarg=args.kwarg, defaults=kept)


def _known(tree: ast.Module) -> set[str]:
    """Names a module binds at its top level or imports, with the builtins."""
    names = set(BUILTINS)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _sequence_test(node: ast.AST) -> ast.expr | None:
    """The type argument of a type test: `isinstance(x, tuple)`, `type(x) is tuple`, `type(x) == tuple`."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance"
            and len(node.args) == 2):
        return node.args[1]
    if (isinstance(node, ast.Compare) and len(node.comparators) == 1 and isinstance(node.ops[0], (ast.Is, ast.Eq))
            and isinstance(node.left, ast.Call) and isinstance(node.left.func, ast.Name) and node.left.func.id == "type"):
        return node.comparators[0]
    return None


def _for_tuples(kind: ast.expr | None) -> bool:
    """Does a type test name `tuple` and not `list` (code written for tuples, where the tests pass lists)?"""
    names = [e for e in (kind.elts if isinstance(kind, ast.Tuple) else [kind]) if isinstance(e, ast.Name)]
    return any(n.id == "tuple" for n in names) and not any(n.id == "list" for n in names)


class _Adapt(ast.NodeTransformer):
    def __init__(self, known: set[str]):
        self.known, self.changed = known, False

    def _function(self, node):
        self.generic_visit(node)
        args = _positional(node.args)
        if args is not None:
            node.args, self.changed = args, True
        if node.returns is not None and self._unloadable(node.returns):
            node.returns, self.changed = None, True
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node):
        self.generic_visit(node)
        args = _positional(node.args)
        if args is not None:
            node.args, self.changed = args, True
        return node

    def visit_arg(self, node):
        if node.annotation is not None and self._unloadable(node.annotation):
            node.annotation, self.changed = None, True
        return node

    def visit_AnnAssign(self, node):
        self.generic_visit(node)
        if self._unloadable(node.annotation) and node.value is not None:
            self.changed = True
            return ast.copy_location(ast.Assign(targets=[node.target], value=node.value), node)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if _sequence_test(node) is not None and _for_tuples(node.args[1]):
            node.args[1], self.changed = _to_list(node.args[1]), True
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if _sequence_test(node) is not None and _for_tuples(node.comparators[0]):
            node.comparators[0], self.changed = _to_list(node.comparators[0]), True
        return node

    def _unloadable(self, annotation: ast.expr) -> bool:
        """Would this annotation fail to load (a name neither bound, imported nor built in)?"""
        return any(isinstance(n, ast.Name) and n.id not in self.known for n in ast.walk(annotation))


def _to_list(kind: ast.expr) -> ast.expr:
    """The type test's `tuple` made `list`."""
    if isinstance(kind, ast.Tuple):
        return ast.Tuple(elts=[_to_list(e) for e in kind.elts], ctx=ast.Load())
    return ast.Name(id="list", ctx=ast.Load()) if isinstance(kind, ast.Name) and kind.id == "tuple" else kind


def adapted(tree: ast.Module) -> ast.Module | None:
    """`tree` as the student would adapt it to be called as the tests call it (see the module's doc); None if it
    needs no adapting. `tree` itself is not changed."""
    copy = ast.parse(ast.unparse(tree))
    adapt = _Adapt(_known(copy))
    copy = adapt.visit(copy)
    if not adapt.changed:
        return None
    return ast.fix_missing_locations(copy)
