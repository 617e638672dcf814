"""Spreadsheet formulas read as the Python they compute.

A model asked not to give the solution may give it as a formula: `=IF(MOD(A1,400)=0, TRUE, IF(MOD(A1,100)=0, FALSE,
MOD(A1,4)=0))` is a function of the year in A1 whose nested `IF`s are `if ...: return ...` branches, and
`=SUMPRODUCT(A1:A100*(MOD(A1:A100,2)=0))` is `sum(a * (a % 2 == 0) for a in a_range)`. The cells a formula reads are the
function's parameters (one a column: `a`, `b`; a range the list `a_range`, its element `a` inside `SUMPRODUCT`, `SUMIF`,
`COUNTIF`, `AVERAGEIF` and `FILTER`), `=` and `<>` in a test `==` and `!=`, `&` a `+`, and the common functions
(`MOD`, `QUOTIENT`, `INT`, `ROUND`, `AND`, `OR`, `NOT`, `LEN`, `LEFT`, `RIGHT`, `MID`, `UPPER`, `LOWER`, `TRIM`,
`SUBSTITUTE`, `REPT`, `MAX`, `MIN`, `SUM`, `COUNT`, `AVERAGE`) Python's; several formulas of the same cells are also read
as one function returning them together (hours in B1, minutes in C1). Only a formula starting with `=` and naming a
cell or a function in capitals is read; the reading only has to be good enough for the fingerprints and for a run.
"""

from __future__ import annotations

import ast
import re

from .similarity import parsed

FORMULA = re.compile(r"(?:^|`|:\s)\s*=\s*((?:[A-Z][A-Z0-9.]*\(|\$?[A-Z]{1,2}\$?\d+\b)[^`\n]*)", re.M)
GATE = re.compile(r"=\s*\$?[A-Z]")
TOKEN = re.compile(r"\s*(?:(?P<string>\"[^\"]*\")|(?P<range>\$?[A-Z]{1,2}\$?\d*:\$?[A-Z]{1,2}\$?\d*)|"
                   r"(?P<function>[A-Z][A-Z0-9.]*)\(|(?P<cell>\$?[A-Z]{1,2}\$?\d+)\b|(?P<number>\d+(?:\.\d+)?%?)|"
                   r"(?P<name>TRUE|FALSE)\b|(?P<op><=|>=|<>|[-+*/^&=<>(),;]))")
BINARY = [("=", "<>", "<", ">", "<=", ">="), ("&",), ("+", "-"), ("*", "/"), ("^",)]
PYTHON = {"=": "==", "<>": "!=", "&": "+", "^": "**"}
AGGREGATES = {"SUMPRODUCT", "SUMIF", "COUNTIF", "AVERAGEIF", "FILTER"}
SIMPLE = {"MOD": "({0} % {1})", "QUOTIENT": "({0} // {1})", "INT": "int({0})", "ROUND": "round({0}, {1})",
          "ABS": "abs({0})", "LEN": "len({0})", "UPPER": "{0}.upper()", "LOWER": "{0}.lower()", "TRIM": "{0}.strip()",
          "PROPER": "{0}.title()", "LEFT": "{0}[:{1}]", "RIGHT": "{0}[-{1}:]", "MID": "{0}[{1} - 1:{1} - 1 + {2}]",
          "SUBSTITUTE": "{0}.replace({1}, {2})", "REPT": "({0} * {1})", "NOT": "(not {0})", "SQRT": "({0} ** 0.5)",
          "FLOOR": "({0} // {1} * {1})", "ROUNDDOWN": "int({0})", "TRUNC": "int({0})", "EXACT": "({0} == {1})"}


class _Parser:
    def __init__(self, text: str):
        self.tokens, self.i, self.cells, self.ranges = [], 0, [], []
        pos = 0
        while pos < len(text.rstrip()):
            match = TOKEN.match(text, pos)
            if not match or match.end() == pos:
                raise ValueError(text[pos:])
            self.tokens.append((match.lastgroup, match.group(match.lastgroup)))
            pos = match.end()

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        self.i += 1
        return self.tokens[self.i - 1]

    def expression(self, level: int = 0, inside: str | None = None) -> str:
        if level == len(BINARY):
            return self.unary(inside)
        left = self.expression(level + 1, inside)
        while self.peek() in BINARY[level]:
            op = self.take()[1]
            left = f"({left} {PYTHON.get(op, op)} {self.expression(level + 1, inside)})"
        return left

    def unary(self, inside: str | None) -> str:
        if self.peek() in ("-", "+"):
            return self.take()[1] + self.unary(inside)
        kind, value = self.take()
        if kind == "op" and value == "(":
            inner = self.expression(0, inside)
            self.take()
            return inner
        if kind == "function":
            return self.call(value, inside)
        if kind == "cell":
            column = re.sub(r"[$\d]", "", value).lower()
            self.cells.append(column)
            return column
        if kind == "range":
            column = re.sub(r"[$\d]", "", value.split(":")[0]).lower()
            self.ranges.append(column)
            return column if inside else f"{column}_range"
        if kind == "number":
            return str(float(value[:-1]) / 100) if value.endswith("%") else value
        return {"TRUE": "True", "FALSE": "False"}.get(value, value)

    def arguments(self, inside: str | None) -> list[str]:
        args = []
        while self.peek() not in (")", None):
            args.append(self.expression(0, inside))
            if self.peek() in (",", ";"):
                self.take()
        self.take()
        return args

    def call(self, name: str, inside: str | None) -> str:
        start = len(self.ranges)
        args = self.arguments(name if name in AGGREGATES else inside)
        if name == "IF":
            return f"({args[1]} if {args[0]} else {args[2] if len(args) > 2 else 'False'})"
        if name in ("AND", "OR"):
            return "(" + f" {name.lower()} ".join(args) + ")"
        if name in SIMPLE:
            try:
                return SIMPLE[name].format(*args)
            except IndexError:
                pass
        loop = " for ".join(f"{c} in {c}_range" for c in dict.fromkeys(self.ranges[start:])) or "_ in []"
        if name in ("SUMIF", "COUNTIF", "AVERAGEIF") and len(args) >= 2:
            test = _criterion(args[0], args[1])
            picked = args[2] if name == "SUMIF" and len(args) > 2 else args[0]
            values = f"[{picked} for {loop} if {test}]" if name != "COUNTIF" else f"[1 for {loop} if {test}]"
            return f"(sum({values}) / len({values}))" if name == "AVERAGEIF" else f"sum({values})"
        if name == "SUMPRODUCT":
            return f"sum({' * '.join(args)} for {loop})"
        if name == "FILTER" and len(args) >= 2:
            return f"[{args[0]} for {loop} if {args[1]}]"
        if name in ("SUM", "MAX", "MIN", "COUNT", "COUNTA", "AVERAGE"):
            values = ", ".join(args)
            return {"COUNT": f"len({values})", "COUNTA": f"len({values})",
                    "AVERAGE": f"(sum({values}) / len({values}))"}.get(name, f"{name.lower()}({values})")
        return f"{name.lower()}({', '.join(args)})"


def _criterion(element: str, criterion: str) -> str:
    """`">=50"` or `">="&B1` as a test of `element`."""
    match = re.fullmatch(r"\(?\"(<=|>=|<>|=|<|>)([^\"]*)\"(?:\s*\+\s*(.+?))?\)?", criterion)
    if not match:
        return f"{element} == {criterion}"
    op, literal, rest = match.groups()
    return f"{element} {PYTHON.get(op, op)} {rest or literal or 0}"


def _statements(expression: str) -> list[str]:
    """A formula's value as statements: its outer `IF`s as branches returning."""
    try:
        node = parsed(expression, mode="eval").body
    except SyntaxError:
        return [f"    return {expression}"]
    lines = []
    while isinstance(node, ast.IfExp):
        lines += [f"    if {ast.unparse(node.test)}:", f"        return {ast.unparse(node.body)}"]
        node = node.orelse
    return lines + [f"    return {ast.unparse(node)}"]


def read(text: str) -> str | None:
    """`text`'s spreadsheet formulas as Python functions, or None when it shows none."""
    if "=" not in text or not GATE.search(text):
        return None
    out, made = [], []
    for match in FORMULA.finditer(text):
        try:
            parser = _Parser(match.group(1).strip().rstrip(".,"))
            expression = parser.expression()
        except (ValueError, IndexError):
            continue
        if parser.i < len(parser.tokens) or not (parser.cells or parser.ranges):
            continue
        params = list(dict.fromkeys([*parser.cells, *(f"{r}_range" for r in parser.ranges if r not in parser.cells)]))
        name = f"formula_{len(made) + 1}"
        made.append((params, expression))
        out += [f"def {name}({', '.join(params)}):", *_statements(expression)]
    if len(made) > 1 and all(params == made[0][0] for params, _ in made):
        out += [f"def formulas({', '.join(made[0][0])}):", f"    return ({', '.join(e for _, e in made)})"]
    code = "\n".join(out)
    try:
        parsed(code)
    except SyntaxError:
        return None
    return code or None
