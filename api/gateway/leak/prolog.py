"""Prolog clauses read as the Python function they define.

A model asked not to give the solution may give it as clauses: `sum_evens([], 0).` and `sum_evens([H|T], S) :- 0 is
H mod 2, !, sum_evens(T, S1), S is S1 + H.` are the branches of a `def sum_evens(xs)` whose last argument is what it
returns: a head's `[]` an empty test, `[H|T]` a non-empty one with `h = xs[0]` and `t = xs[1:]`, a literal an equality;
in a body, `X is E` an assignment (a test when `X` is already known: `0 is H mod 2`), a comparison (`=<`, `=:=`,
`=\\=`) or `\\+ is_list(V)` a test that guards the rest, a call of a defined predicate an assignment of its result, and
`fail` a `return False`; `[C|Cs]` as an argument is `[c, *cs]`. A predicate of one argument (`leap(Y)`) returns
whether a clause holds. Only a text fenced as Prolog or holding a clause with `:-` is read; the reading only has to be
good enough for the fingerprints and a run.
"""

from __future__ import annotations

import ast
import re

from .haskell import split_top
from .similarity import parsed

SHOWN = re.compile(r"```prolog\b|^\s*[a-z]\w*\([^()\n]*(?:\([^()\n]*\)[^()\n]*)*\)\s*:-", re.M)
CLAUSE = re.compile(r"^\s*([a-z]\w*)\s*\((.*?)\)\s*(?::-\s*(.*?))?\.\s*(?:%.*)?$", re.S)
OPERATORS = [(r"=<", "<="), (r"=:=", "=="), (r"=\\=", "!="), (r"\\==", "!="), (r"\bmod\b", "%"), (r"\brem\b", "%"),
             (r"\bdiv\b", "//"), (r"\btrue\b", "True"), (r"\bfalse\b", "False")]


def _split(text: str) -> list[str]:
    """`text` split at its commas outside brackets and quotes."""
    return [part.strip() for part in split_top(text, ",", "()[]{}") if part.strip()]


def _clauses(text: str) -> list[str]:
    """The clauses of `text`: each ends with a full stop outside brackets that is not a decimal point."""
    out, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "." and depth == 0 and not (i + 1 < len(text) and text[i + 1].isdigit()):
            out.append(text[start:i + 1].strip())
            start = i + 1
    return out


def _var(name: str) -> str:
    return name.lower() if name[:1].isupper() or name[:1] == "_" else name


def _expression(text: str) -> str:
    for pattern, replacement in OPERATORS:
        text = re.sub(pattern, replacement, text)
    text = re.sub(r"\\\+\s*", "not ", text)
    text = re.sub(r"\[\s*(\w+)\s*\|\s*(\w+)\s*\]", r"[\1, *\2]", text)  # a list built from a head and a tail
    text = re.sub(r"\bis_list\((\w+)\)", r"isinstance(\1, list)", text)
    text = re.sub(r"\bnumber\((\w+)\)", r"isinstance(\1, (int, float))", text)
    return re.sub(r"(?<![\w'\"])([A-Z_]\w*)", lambda m: _var(m.group(1)), text.strip())


class _Function:
    def __init__(self, name: str, arity: int, predicates: dict[str, int]):
        self.name, self.arity, self.predicates = name, arity, predicates
        self.returns = arity > 1
        self.params = [f"arg{k}" for k in range(arity - self.returns)]
        self.lines = []

    def clause(self, args: list[str], body: list[str]) -> None:
        known, tests, steps = set(self.params), [], []
        for param, arg in zip(self.params, args):
            arg = arg.strip()
            if arg == "[]":
                tests.append(f"{param} == []")
            elif (pair := re.fullmatch(r"\[\s*(\w+)\s*\|\s*(\w+)\s*\]", arg)):
                tests.append(f"isinstance({param}, list) and {param}")
                steps += [f"{_var(v)} = {param}{part}" for v, part in zip(pair.groups(), ("[0]", "[1:]")) if v != "_"]
                known |= {_var(v) for v in pair.groups()}
            elif re.fullmatch(r"[A-Z]\w*", arg):
                steps.append(f"{_var(arg)} = {param}")
                known.add(_var(arg))
            elif arg != "_":
                tests.append(f"{param} == {_expression(arg)}")
        lines, indent = [f"    if {' and '.join(tests)}:"] if tests else [], "        " if tests else "    "
        lines += [indent + s for s in steps]
        for goal in body:
            line, test = self._goal(goal, known)
            if line is None:
                continue
            if test:
                lines.append(f"{indent}if {line}:")
                indent += "    "
            else:
                lines.append(indent + line)
            if line.startswith("return"):
                break
        else:
            result = _expression(args[-1]) if self.returns else "True"
            lines.append(f"{indent}return {result}")
        self.lines += lines

    def _goal(self, goal: str, known: set[str]) -> tuple[str | None, bool]:
        goal = goal.strip()
        if goal in ("!", "true", ""):
            return None, False
        if goal == "fail":
            return "return False" if not self.returns else "return None", False
        if (call := re.fullmatch(r"([a-z]\w*)\((.*)\)", goal)) and call.group(1) in self.predicates:
            args = [_expression(a) for a in _split(call.group(2))]
            if self.predicates[call.group(1)] > 1 and args and args[-1] not in known:
                known.add(args[-1])
                return f"{args[-1]} = {call.group(1)}({', '.join(args[:-1])})", False
            return f"{call.group(1)}({', '.join(args)})", True
        if (assign := re.fullmatch(r"([A-Z_]\w*)\s+is\s+(.+)", goal)) and _var(assign.group(1)) not in known:
            known.add(_var(assign.group(1)))
            return f"{_var(assign.group(1))} = {_expression(assign.group(2))}", False
        if (same := re.fullmatch(r"(.+?)\s+is\s+(.+)", goal)):
            return f"{_expression(same.group(1))} == {_expression(same.group(2))}", True
        if (unify := re.fullmatch(r"([A-Z_]\w*)\s*=\s*([^=<>].*)", goal)) and _var(unify.group(1)) not in known:
            known.add(_var(unify.group(1)))
            return f"{_var(unify.group(1))} = {_expression(unify.group(2))}", False
        return re.sub(r"(?<![<>!=])=(?!=)", "==", _expression(goal)), True

    def code(self) -> str:
        ending = ["    return False"] if not self.returns else []
        return "\n".join([f"def {self.name}({', '.join(self.params)}):", *self.lines, *ending])


def read(text: str) -> str | None:
    """`text`'s Prolog predicates as Python functions, or None when it shows none."""
    if ":-" not in text and "```prolog" not in text or not SHOWN.search(text):
        return None
    fenced = re.findall(r"```prolog\n(.*?)```", text, re.S)
    source = "\n".join(fenced) if fenced else "\n".join(l for l in text.splitlines() if re.match(r"\s*[a-z]\w*\(", l))
    clauses = []
    for clause in _clauses(source):
        if (match := CLAUSE.match(clause)):
            clauses.append((match.group(1), _split(match.group(2)), _split(match.group(3) or "")))
    predicates = {name: len(args) for name, args, _ in clauses}
    functions: dict[str, _Function] = {}
    for name, args, body in clauses:
        if len(args) == predicates[name]:
            functions.setdefault(name, _Function(name, len(args), predicates)).clause(args, body)
    code = "\n".join(f.code() for f in functions.values())
    try:
        parsed(code)
    except SyntaxError:
        return None
    return code or None
