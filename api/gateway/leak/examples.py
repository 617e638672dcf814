"""An expression shown on an example input: the entry point's body once the example's name is its parameter's.

A REPL session or doctest (`>>> xs = [1, 2, 3, 4]`, then `>>> sum(v for v in xs if not v & 1)`) or a block that binds
an example and computes on it tells the body of a solution with the example's name where the parameter goes: the
student writes `return <expression>` with `numbers` for `xs`. `bodies_on_examples` gives such expressions as the
entry point's body, the names bound to literal examples renamed to its parameters in order (MAX_EXAMPLES an answer).
"""

from __future__ import annotations

import ast
import builtins
import re

from .similarity import FENCE

PROMPT = re.compile(r"^\s*(?:>>>|\.\.\.)(?: |$)", re.M)
MAX_EXAMPLES = 1
MAX_CHARS = 2000
BUILTINS = frozenset(dir(builtins))
COMPUTES = (ast.Call, ast.BinOp, ast.BoolOp, ast.Compare, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.IfExp)


def _sessions(text: str) -> list[str]:
    """The code of `text`'s fenced blocks, and of its REPL lines, with the prompts taken off (output lines dropped)."""
    found = []
    for block in FENCE.findall(text):
        if PROMPT.search(block):
            block = "\n".join(PROMPT.sub("", line) for line in block.splitlines() if PROMPT.match(line))
        found.append(block)
    outside = FENCE.sub("\n", text)
    if PROMPT.search(outside):
        found.append("\n".join(PROMPT.sub("", line) for line in outside.splitlines() if PROMPT.match(line)))
    return [b for b in found if b.strip() and len(b) <= MAX_CHARS]


def _literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


class _Rename(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]):
        self.names = names

    def visit_Name(self, node):
        if node.id in self.names:
            node.id = self.names[node.id]
        return node


def bodies_on_examples(text: str, entry: str, params: tuple[str, ...], arguments: str) -> list[str]:
    """`def entry(arguments): return <expression>` for the expressions of `text` computed on its literal examples."""
    found: list[str] = []
    for session in _sessions(text):
        try:
            tree = ast.parse(session)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        examples: list[str] = []
        imported = {(a.asname or a.name).split(".")[0] for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and _literal(node.value):
                examples.append(node.targets[0].id)
                continue
            if not isinstance(node, ast.Expr) or not isinstance(node.value, COMPUTES):
                continue
            value = node.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("print", entry):
                continue  # looking at a value, or calling the entry point on the example
            bound = {n.id for n in ast.walk(value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            free = [n.id for n in ast.walk(value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in bound]
            used = [name for name in examples if name in free]
            if not used or len(used) > len(params) or any(n not in examples and n not in BUILTINS and n not in imported for n in free):
                continue
            renamed = _Rename(dict(zip(used, params))).visit(value)
            imports = "".join(f"{ast.unparse(n)}\n" for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
            found.append(f"{imports}def {entry}({arguments}):\n    return {ast.unparse(renamed)}\n")
            if len(found) >= MAX_EXAMPLES:
                return found
    return found
