"""Common Lisp and Scheme functions read as the Python they translate.

A model asked not to give the solution may give it as s-expressions: `(defun depth (value) (if (not (listp value)) 0
(1+ (reduce #'max (mapcar #'depth value) :initial-value 0))))` is a `def` whose tail `if` returns on both branches,
`(mapcar #'f xs)` a comprehension, `(reduce #'max ... :initial-value 0)` `max(..., default=0)`, the arithmetic and
comparisons infix, `cond` as `if`/`elif`/`else` and `let` as assignments. Only a text fenced as Lisp or Scheme or holding
a `(defun` or `(define (` is read; the reading only has to be good enough for the statements' fingerprints.
"""

from __future__ import annotations

import re

SHOWN = re.compile(r"```(?:lisp|common-lisp|scheme|racket|clojure|elisp)\b|\(defun\s+[\w-]+\s*\(|\(define\s+\(", re.I)
TOKEN = re.compile(r"\"(?:\\.|[^\"\\])*\"|#'|'|[()]|[^\s()']+")
INFIX = {"+": "+", "-": "-", "*": "*", "/": "/", "=": "==", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "/=": "!=",
         "eq": "==", "eql": "==", "equal": "==", "mod": "%", "rem": "%", "and": "and", "or": "or"}
CALLS = {"listp": "isinstance({0}, list)", "consp": "isinstance({0}, list)", "list?": "isinstance({0}, list)",
         "pair?": "isinstance({0}, list)", "null": "not {0}", "null?": "not {0}", "not": "not {0}", "car": "{0}[0]",
         "first": "{0}[0]", "cdr": "{0}[1:]", "rest": "{0}[1:]", "length": "len({0})", "1+": "{0} + 1", "1-": "{0} - 1",
         "add1": "{0} + 1", "sub1": "{0} - 1", "zerop": "{0} == 0", "zero?": "{0} == 0", "reverse": "{0}[::-1]",
         "abs": "abs({0})", "floor": "{0} // {1}", "truncate": "{0} // {1}", "quotient": "{0} // {1}", "modulo": "{0} % {1}",
         "string-downcase": "{0}.lower()", "string-upcase": "{0}.upper()", "max": "max({args})", "min": "min({args})"}


def _parse(tokens: list[str], i: int = 0):
    if tokens[i] == "(":
        items, i = [], i + 1
        while i < len(tokens) and tokens[i] != ")":
            item, i = _parse(tokens, i)
            items.append(item)
        return items, i + 1
    if tokens[i] in ("'", "#'"):
        item, i = _parse(tokens, i + 1)
        return ("fn", item) if tokens[i - 1] != "'" or isinstance(item, str) else ("quote", item), i
    return tokens[i], i + 1


def _name(atom) -> str:
    if isinstance(atom, tuple):
        atom = atom[1]
    if not isinstance(atom, str):
        return _expression(atom)
    return {"t": "True", "nil": "None", "#t": "True", "#f": "False"}.get(atom.lower(), re.sub(r"[-?]", "_", atom).strip("_"))


def _function(form) -> tuple[list[str], str]:
    """A function argument (`#'f`, `(lambda (x) body)`): its parameters and body for a comprehension."""
    if isinstance(form, list) and form and form[0] == "lambda" and len(form) >= 3:
        return [_name(p) for p in form[1]], _expression(form[-1])
    return ["x"], f"{_name(form)}(x)"


def _expression(form) -> str:
    if not isinstance(form, list):
        return _name(form)
    if not form:
        return "[]"
    head, args = form[0], form[1:]
    head = head[1] if isinstance(head, tuple) else head
    if not isinstance(head, str):
        return _expression(head) + f"({', '.join(_expression(a) for a in args)})"
    keywords = {args[k][1:]: args[k + 1] for k in range(len(args) - 1) if isinstance(args[k], str) and args[k].startswith(":")}
    args = [a for k, a in enumerate(args) if not (isinstance(a, str) and a.startswith(":"))
            and not (k and isinstance(args[k - 1], str) and args[k - 1].startswith(":"))]
    if head in ("mapcar", "map") and len(args) == 2:
        names, body = _function(args[0])
        return f"[{body} for {', '.join(names)} in {_expression(args[1])}]"
    if head in ("reduce", "foldl", "fold") and args:
        function, rest = _name(args[0]), [_expression(a) for a in args[1:]]
        start = f", default={_expression(keywords['initial-value'])}" if "initial-value" in keywords else ""
        if function in ("max", "min"):
            return f"{function}({rest[-1]}{start})"
        if function == "+":
            return f"sum({rest[-1]})"
    if head == "if" and len(args) >= 2:
        other = _expression(args[2]) if len(args) > 2 else "None"
        return f"({_expression(args[1])} if {_expression(args[0])} else {other})"
    if head in INFIX and args:
        if head == "-" and len(args) == 1:
            return f"-{_expression(args[0])}"
        return "(" + f" {INFIX[head]} ".join(_expression(a) for a in args) + ")"
    if head.lower() in CALLS:
        values = [_expression(a) for a in args]
        template = CALLS[head.lower()]
        return template.format(*values, args=", ".join(values)) if len(values) >= template.count("{") - template.count("{args}") else template
    return f"{_name(head)}({', '.join(_expression(a) for a in args)})"


def _statements(form, indent: str, tail: bool) -> list[str]:
    """A form as statements: a tail `if`/`cond` as branches returning, `let` as assignments, the last value returned."""
    if isinstance(form, list) and form and form[0] == "if" and len(form) >= 3 and tail:
        lines = [f"{indent}if {_expression(form[1])}:", *_statements(form[2], indent + "    ", True)]
        return lines + (_statements(form[3], indent, True) if len(form) > 3 else [])
    if isinstance(form, list) and form and form[0] == "cond" and tail:
        lines = []
        for k, clause in enumerate(form[1:]):
            if not isinstance(clause, list) or not clause:
                continue
            test = _expression(clause[0])
            head = "else:" if test in ("True", "else") else f"{'if' if k == 0 else 'elif'} {test}:"
            lines.append(indent + head)
            for j, part in enumerate(clause[1:]):
                lines += _statements(part, indent + "    ", j == len(clause) - 2)
        return lines
    if isinstance(form, list) and form and form[0] in ("let", "let*") and len(form) >= 3 and isinstance(form[1], list):
        lines = [f"{indent}{_name(b[0])} = {_expression(b[1])}" for b in form[1] if isinstance(b, list) and len(b) == 2]
        for j, part in enumerate(form[2:]):
            lines += _statements(part, indent, tail and j == len(form) - 3)
        return lines
    return [f"{indent}{'return ' if tail else ''}{_expression(form)}"]


def read(text: str) -> str | None:
    """`text`'s Lisp or Scheme functions as Python `def`s, or None when it shows none."""
    if not SHOWN.search(text):
        return None
    out = []
    for start in re.finditer(r"\((defun|define)\s", text):
        tokens = TOKEN.findall(text[start.start():])
        depth = 0
        for end, token in enumerate(tokens):
            depth += token == "("
            depth -= token == ")"
            if depth == 0:
                break
        try:
            form, _ = _parse(tokens[:end + 1])
        except IndexError:
            continue
        if form[0] == "defun" and len(form) >= 4 and isinstance(form[2], list):
            name, params, body = form[1], form[2], form[3:]
        elif form[0] == "define" and len(form) >= 3 and isinstance(form[1], list) and form[1]:
            name, params, body = form[1][0], form[1][1:], form[2:]
        else:
            continue
        body = [b for b in body if not (isinstance(b, str) and b.startswith('"'))] or ["nil"]
        out.append(f"def {_name(name)}({', '.join(_name(p) for p in params)}):")
        for j, part in enumerate(body):
            out += _statements(part, "    ", j == len(body) - 1)
    return "\n".join(out) or None
