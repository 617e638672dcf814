"""Math notation (LaTeX) read as the Python it states.

A model asked not to give the solution may give it as a recurrence: `$$f(a, i) = \\begin{cases} 1 & a = 0 \\\\ 0 & i > n
\\\\ f(a, i+1) + f(a - c_i, i) & c_i \\le a \\end{cases}$$` is a `def f(a, i)` whose cases are `if ...: return ...`
branches, equations with literal arguments (`$f(0, i) = 1$`) or a condition told after them ("= 0 when $i > n$") its
guards, and an index that only walks a sequence (`c_i`, recursing on `i+1`) the sequence's rest (`c[0]`, `c[1:]`). A
sequence defined from its previous term (`c_1 = 1, c_i = c_{i-1} + 1` when `t_i > t_{i-1}`) with `\\max_i c_i` is a loop
keeping the best; `\\sum_{x \\in xs, x \\bmod 2 = 0} x` is `sum(x for x in xs if x % 2 == 0)`; `\\bmod`, `\\lfloor a / b
\\rfloor`, `\\frac`, `\\le`, `|xs|`, `x_{i-1}` and "v is not a list" as Python's. Only math between `$$`, `\\[ \\]`, `$`
or in a `latex`/`math` fence is read, and a formula without an equation or a bound sum or extremum is left alone (`$O(n^2)$`,
`$\\sum x$`); the reading only has to be good enough for the statements' fingerprints and for a run in the sandbox.
"""

from __future__ import annotations

import ast
import re

from .similarity import parsed

SHOWN = re.compile(r"\$\$|\\\[|```(?:latex|math|tex)\b|\\begin\{cases\}|\$[^$\n]*\\(?:sum|max|min|bmod|lfloor|le|ge)\b")
MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|```(?:latex|math|tex)\n(.+?)```|\$([^$\n]+)\$", re.S)
WRAPPERS = re.compile(r"\\(?:text|mathrm|mathit|textit|mathbf|operatorname|textrm|mathsf)\s*\{([^{}]*)\}")
SYMBOLS = [(r"\\left|\\right|\\displaystyle|\\[,;:!]|\\q?quad\b|\\dots|\\ldots|\\cdots", " "), (r"\\\{", "{"), (r"\\\}", "}"),
           (r"\\(?:leq?|leqslant)\b", " <= "), (r"\\(?:geq?|geqslant)\b", " >= "), (r"\\(?:neq?)\b", " != "),
           (r"\\(?:bmod|mod)\b", " % "), (r"\\(?:cdot|times)\b", " * "), (r"\\(?:land|wedge)\b", " and "),
           (r"\\(?:lor|vee)\b", " or "), (r"\\(?:lnot|neg)\b", " not "), (r"\\notin\b", " not in "), (r"\\in\b", " in "),
           (r"\\lt\b", " < "), (r"\\gt\b", " > ")]
OTHERWISE = re.compile(r"^\s*(?:otherwise|else|sonst|sinon|en otro caso|o\.w\.)?\s*[.,]?\s*$", re.I)
TERM = r"-?\w+(?:\[[^\]]*\]|\((?:[^()]|\([^()]*\))*\))*"
CALL = re.compile(r"^\s*([A-Za-z]\w*)\s*\(([^()]*)\)\s*=(?!=)\s*(.+)$", re.S)
TERM_DEF = re.compile(r"^\s*([A-Za-z])_\{?(\w+)\}?\s*=(?!=)\s*(.+)$", re.S)
CONDITION_AFTER = re.compile(r"^[\s,]*(?:when|if|whenever|for)\s*$", re.I)


def _braced(text: str, start: int) -> int:
    """The index just past the brace group opening at `start`."""
    depth = 0
    for j in range(start, len(text)):
        depth += text[j] == "{"
        depth -= text[j] == "}"
        if depth == 0:
            return j + 1
    return len(text)


def _fractions(text: str) -> str:
    while (match := re.search(r"\\[dt]?frac\s*\{", text)):
        top_end = _braced(text, match.end() - 1)
        bottom_end = _braced(text, top_end) if text[top_end:top_end + 1] == "{" else top_end
        text = (text[:match.start()] + f"({text[match.end():top_end - 1]}) / ({text[top_end + 1:bottom_end - 1]})"
                + text[bottom_end:])
    return text


def _bounded(text: str) -> str:
    """`\\sum_{x \\in xs, cond} body`, `\\sum_{i=1}^{n} body`, `\\max_{x \\in v} body` and `\\max_i c_i` as calls."""
    pattern = re.compile(r"\\(sum|max|min)\s*_\s*(\{[^{}]*\}|\w)\s*(?:\^\s*(\{[^{}]*\}|\w))?\s*(" + TERM + ")")
    while (match := pattern.search(text)):
        function, bound, top, body = match.group(1), match.group(2).strip("{}").strip(), match.group(3), match.group(4)
        parts = [p.strip() for p in re.split(r",", bound, maxsplit=1)]
        condition = f" if {_condition(parts[1])}" if len(parts) > 1 and parts[1] else ""
        if (member := re.fullmatch(r"(\w+)\s+in\s+(.+)", parts[0])):
            loop = f"for {member.group(1)} in {member.group(2).strip()}"
        elif (start := re.fullmatch(r"(\w+)\s*=\s*(.+)", parts[0])) and top:
            loop = f"for {start.group(1)} in range({start.group(2)}, {top.strip('{}')} + 1)"
        elif re.fullmatch(r"\w+", parts[0]) and (element := re.fullmatch(r"(\w+)\[" + parts[0] + r"\]", body)):
            text = text[:match.start()] + f"{function}({element.group(1)})" + text[match.end():]
            continue
        else:
            loop = f"for {parts[0]} in range(n)"
        text = text[:match.start()] + f"{function}({body} {loop}{condition})" + text[match.end():]
    return text


def _subscripts(text: str) -> str:
    text = re.sub(r"(?<![\\\w])([A-Za-z]\w*)_\{([^{}]+)\}", lambda m: f"{m.group(1)}[{m.group(2).strip()}]", text)
    return re.sub(r"(?<![\\\w])([A-Za-z])_(\w)", r"\1[\2]", text)


def _expression(text: str) -> str:
    """One formula as a Python expression."""
    text = WRAPPERS.sub(lambda m: f" {m.group(1)} ", text)
    text = re.sub(r"(\w+)\s+is\s+(?:not\s+a|no)\s+list\b", r"not isinstance(\1, list)", text)
    text = re.sub(r"(\w+)\s+is\s+a\s+list\b", r"isinstance(\1, list)", text)
    text = _fractions(text)
    for pattern, replacement in SYMBOLS:
        text = re.sub(pattern, replacement, text)
    text = _subscripts(text)
    text = _bounded(text)
    text = re.sub(r"\\lfloor(.+?)\\rfloor", lambda m: "(" + re.sub(r"(?<!/)/(?!/)", "//", m.group(1).strip()) + ")", text)
    text = re.sub(r"\\lceil(.+?)\\rceil", r"math.ceil(\1)", text)
    text = re.sub(r"\\(max|min|abs|log|sqrt)\b", r"\1", text)
    text = re.sub(r"\|(\w+)\|", r"len(\1)", text)
    # max(0, max(d(x) for x in v)): the bound as the empty case's default, as Python needs it
    text = re.sub(r"\b(max|min)\(\s*([^(),]+?)\s*,\s*\1\((" + TERM + r" for [^()]+)\)\s*\)", r"\1((\3), default=\2)", text)
    text = re.sub(r"\^\s*\{([^{}]*)\}|\^(\w)", r" ** \1\2", text)
    text = text.replace("{", "(").replace("}", ")")
    return re.sub(r"\s+", " ", text).strip().rstrip(".,;")


def _condition(text: str) -> str:
    text = re.sub(r"^\s*(?:if|when)\b", "", _expression(text)).strip()
    return re.sub(r"(?<![<>!=])=(?!=)", "==", text)


def _valid(code: str) -> bool:
    try:
        parsed(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _cases(rhs: str) -> list[tuple[str, str | None]] | None:
    """The rows of a `cases` environment: (value, condition or None for otherwise)."""
    match = re.search(r"\\begin\{[dr]?cases\}(.+?)\\end\{[dr]?cases\}", rhs, re.S)
    if not match:
        return None
    rows = []
    for row in re.split(r"\\\\", match.group(1)):
        if not row.strip():
            continue
        value, _, condition = row.partition("&")
        plain = WRAPPERS.sub(lambda m: m.group(1), condition)
        rows.append((_expression(value), None if OTHERWISE.match(plain) else _condition(condition)))
    return rows


def _segments(text: str) -> list[tuple[str, str]]:
    """The formulas of `text`, each with the prose that follows it (up to the next formula)."""
    found = [(m, next(g for g in m.groups() if g is not None)) for m in MATH.finditer(text)]
    out = []
    for k, (match, math) in enumerate(found):
        after = text[match.end():found[k + 1][0].start()] if k + 1 < len(found) else text[match.end():]
        parts = [p for p in re.split(r"\\q?quad|,\s*(?=[A-Za-z](?:_\{?\w+\}?|\s*\([^()]*\))\s*=)", math) if p.strip()]
        out += [(part, after if j == len(parts) - 1 else "") for j, part in enumerate(parts)]
    return out


def _conditions_after(segments, k: int) -> str | None:
    """A condition told in prose after an equation: "= 0 when $a < 0$ or $i > n$"."""
    if not CONDITION_AFTER.match(segments[k][1]):
        return None
    conditions = [_condition(segments[k + 1][0])] if k + 1 < len(segments) else []
    j = k + 1
    while j + 1 < len(segments) and re.fullmatch(r"\s*or\s*", segments[j][1]):
        conditions.append(_condition(segments[j + 1][0]))
        j += 1
    return " or ".join(f"({c})" for c in conditions) or None


def _function(name: str, params: list[str], equations: list[tuple[list[str], str, str | None]]) -> list[str]:
    body = []
    for args, rhs, condition in equations:
        tests = [f"{p} == {a}" for p, a in zip(params, args) if a != p]
        if condition:
            tests.append(condition)
        rows = _cases(rhs)
        if rows is None:
            rows = [(_expression(rhs), None)]
        prefix = "    " if tests else ""
        if tests:
            body.append(f"    if {' and '.join(tests)}:")
        for value, row_condition in rows:
            if row_condition:
                body += [f"{prefix}    if {row_condition}:", f"{prefix}        return {value}"]
            else:
                body.append(f"{prefix}    return {value}")
    return _walked([f"def {name}({', '.join(params)}):", *body])


def _walked(lines: list[str]) -> list[str]:
    """An index that only walks a sequence (`c[i]`, recursing on `i + 1`, ended by `i > n`) as the sequence's rest."""
    header = re.match(r"def (\w+)\((.*)\):", lines[0])
    name, params = header.group(1), [p.strip() for p in header.group(2).split(",")]
    code = "\n".join(lines[1:])
    for index in params:
        walked = set(re.findall(r"\b([A-Za-z]\w*)\[" + index + r"\]", code)) - set(params)
        if len(walked) != 1 or not re.search(rf"\b{name}\([^()]*\b{index}\s*\+\s*1\b", code):
            continue
        sequence = walked.pop()
        code = re.sub(rf"\b{index}\s*\+\s*1\b", f"{sequence}[1:]", code)
        code = re.sub(rf"\b{sequence}\[{index}\]", f"{sequence}[0]", code)
        code = re.sub(rf"\b{index}\s*(?:>|>=|==)\s*(?:n|len\({sequence}\))", f"not {sequence}", code)
        code = re.sub(rf"\b{index}\b", sequence, code)
        return [f"def {name}({', '.join(sequence if p == index else p for p in params)}):", *code.splitlines()]
    return lines


def _sequence(term: str, start: str, rhs: str, text: str) -> list[str] | None:
    """`c_1 = 1, c_i = ... c_{i-1} ...` and `\\max_i c_i` as a loop over the other sequences it reads."""
    rows = _cases(rhs) or [(_expression(rhs), None)]
    previous = re.compile(rf"\b{term}\[\s*i\s*-\s*1\s*\]")
    read = sorted({s for value, condition in rows for s in re.findall(r"\b([A-Za-z]\w*)\[i", f"{value} {condition or ''}")} - {term})
    if not read or not any(previous.search(value) for value, _ in rows):
        return None
    lines = [f"def {term}_of({', '.join(read)}):", f"    {term} = {start}"]
    final = re.search(rf"\\(max|min|sum)\s*_\s*\{{?i\}}?\s*{term}_\{{?i\}}?", text)
    if final and final.group(1) != "sum":
        lines.append(f"    best = {term}")
    lines.append(f"    for i in range(1, len({read[0]})):")
    for k, (value, condition) in enumerate(rows):
        value = previous.sub(term, value)
        if condition:
            lines += [f"        {'if' if k == 0 else 'elif'} {previous.sub(term, condition)}:", f"            {term} = {value}"]
        elif k:
            lines += ["        else:", f"            {term} = {value}"]
        else:
            lines.append(f"        {term} = {value}")
    if final and final.group(1) != "sum":
        lines += [f"        best = {final.group(1)}(best, {term})", "    return best"]
    else:
        lines.append(f"    return {term}")
    return lines


def read(text: str) -> str | None:
    """`text`'s formulas as Python functions, or None when it states none."""
    if not SHOWN.search(text):
        return None
    segments = _segments(text)
    functions: dict[str, tuple[list[str], list]] = {}
    terms: dict[str, str] = {}
    out: list[str] = []
    for k, (math, _) in enumerate(segments):
        if (call := CALL.match(math)) and not re.match(r"(?:sum|max|min|O)$", call.group(1)):
            name, args = call.group(1), [_expression(a) for a in call.group(2).split(",")]
            entry = functions.setdefault(name, (args if all(re.fullmatch(r"[A-Za-z]\w*", a) for a in args) else [], []))
            if not entry[0] and all(re.fullmatch(r"[A-Za-z]\w*", a) for a in args):
                entry[0][:] = args
            entry[1].append((args, call.group(3), _conditions_after(segments, k)))
        elif (term := TERM_DEF.match(math)):
            if re.fullmatch(r"\d+", term.group(2)):
                terms[term.group(1)] = _expression(term.group(3))
            elif (lines := _sequence(term.group(1), terms.get(term.group(1), "1"), term.group(3), text)):
                out += lines
        elif re.search(r"\\(?:sum|max|min)\s*_", math) and _valid(expression := _expression(math)):
            out += [f"def expression({', '.join(_free(expression))}):", f"    return {expression}"]
    for name, (params, equations) in functions.items():
        if params and len(equations) + sum(_cases(rhs) is not None for _, rhs, _ in equations) > 1:
            # the general equation last: guards (literal arguments, a condition told after) first
            equations.sort(key=lambda e: e[0] == params and e[2] is None and _cases(e[1]) is None)
            out += _function(name, params, equations)
    code = "\n".join(out)
    return code if out and _valid(code) else None


def _free(expression: str) -> list[str]:
    tree = parsed(expression, mode="eval")
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    names = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in bound | called]
    return list(dict.fromkeys(names))
