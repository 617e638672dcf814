"""A general function and the call the prose tells, read as the function the exercise asks for.

A model asked not to give the solution may give a more general one (the reference under other names, with a parameter
added) and one sentence saying how to call it: `def names_where(rows, keep)` and "call it with your results and
`keep = lambda s: s >= pass_mark`", or `def split_units(amount, size)` and "for hours call it with size=60". The call is
the rest of the solution: each function of the answer's code whose parameters the prose gives values (`size=60`,
`` `keep = lambda ...` ``, "size of 60", "size set to 60") is read with a wrapper that makes that call
(`def split_units_called(amount): return split_units(amount, size=60)`), taking the parameters left unbound and the
names the values use (`pass_mark`) as its own, which the execution check then runs as the entry point. A wrapper whose
call solves nothing (a generic `is_multiple(x, k)` with `k=2`) fails the hidden tests like any other example.
"""

from __future__ import annotations

import ast
import builtins
import re

from .similarity import FENCE, INLINE, parsed

LITERAL = r"-?\d+(?:\.\d+)?|'[^'\n]*'|\"[^\"\n]*\"|True|False|None"
MAX_WRAPPERS = 3
BOUND = re.compile(r"\w\s*=(?!=)|\b(?:of|set to|equal to|as)\s+(?:" + LITERAL + r")(?!\w|\.\w)")


def _functions(text: str) -> list[ast.FunctionDef]:
    found = []
    for block in FENCE.findall(text):
        try:
            tree = parsed(block)
        except (SyntaxError, ValueError):
            continue
        found += [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    return found


def _value(text: str) -> str | None:
    try:
        parsed(text.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return None
    return text.strip()


def _bindings(prose: str, params: list[str]) -> dict[str, str]:
    """The values the prose gives the parameters: in inline code (`keep = lambda s: ...`) or as literals."""
    found = {}
    for span in INLINE.findall(prose):
        for match in re.finditer(r"\b(\w+)\s*=(?!=)\s*(.+?)(?=,\s*\w+\s*=(?!=)|$)", span):
            if match.group(1) in params and (value := _value(match.group(2))):
                found.setdefault(match.group(1), value)
    outside = INLINE.sub(" ", prose)
    for name in params:
        match = re.search(rf"\b{re.escape(name)}\b\s*(?:=(?!=)|\bof\b|\bset to\b|\bequal to\b|\bas\b)?\s*({LITERAL})(?!\w|\.\w)", outside)
        if match and name not in found:
            found[name] = match.group(1)
    return found


def _free(values: list[str], known: set[str]) -> list[str]:
    names = []
    for value in values:
        tree = parsed(value, mode="eval")
        bound = {a.arg for node in ast.walk(tree) if isinstance(node, ast.Lambda) for a in node.args.args}
        bound |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        names += [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in bound | known
                  and not hasattr(builtins, n.id)]
    return list(dict.fromkeys(names))


def read(text: str) -> str | None:
    """The answer's functions with a wrapper making each call its prose tells, or None when it tells none."""
    if "```" not in text:
        return None
    prose = FENCE.sub(" ", text)
    if not BOUND.search(prose):
        return None
    defined = _functions(text)
    out = []
    for node in defined:
        params = [a.arg for a in node.args.args]
        bound = _bindings(prose, params)
        if not bound or len(bound) == len(params):
            continue
        unbound = [p for p in params if p not in bound]
        extra = _free(list(bound.values()), set(params) | {f.name for f in defined})
        call = ", ".join(f"{p}={bound.get(p, p)}" for p in params)
        out += [ast.unparse(node), f"def {node.name}_called({', '.join(unbound + extra)}):",
                f"    return {node.name}({call})"]
        if len(out) >= 3 * MAX_WRAPPERS:
            break
    return "\n".join(out) or None
