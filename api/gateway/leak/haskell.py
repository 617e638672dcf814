"""Haskell read as the Python it translates, definition by definition.

A Haskell solution has no braces, `end` or statements for the line readers of `languages.py` to follow: a function is
an equation (`sumOfEvens xs = sum [x | x <- xs, x `mod` 2 == 0]`), its branches guards (`| age < 12 = 6`), its locals a
`where` block, and calls are written by juxtaposition (`sum (filter even xs)`). This reader takes the equations whose
parameters are plain names, reads their expressions (list comprehensions, ranges, backquoted operators, sections,
`$`, `if then else`, lambdas, and the Prelude's common functions as their Python forms) and writes each as a `def`
that returns it; a text with no trace of Haskell is left alone.
"""

from __future__ import annotations

import re

# each line's own (blanks, not new lines, between its parts: a pattern spanning lines is quadratic on many short ones)
HINTS = re.compile(r"^[ \t]*\w+[ \t]*::[ \t]*\S|<-|`(?:mod|div|elem|notElem|rem|quot)`|^[ \t]*\|[ \t]*otherwise\b|^[ \t]*where[ \t]*$|"
                   r"\s/=\s|\\\w+\s*->|^[ \t]*\w+(?:[ \t]+\w+)+[ \t]*=[ \t]*\S|```haskell", re.M)
MIN_HINTS = 2
EQUATION = re.compile(r"^([a-z_]\w*'?)((?:\s+[a-z_]\w*'?)*)\s*(?:=(?!=)\s*(.*)|(\|.*))?$")
HOLE = "hole_of_dollar"
GUARD = re.compile(r"^\s*\|\s*(.+?)\s*(?<![=<>/!])=(?!=)\s*(.+)$")
OPERATORS = {"`mod`": "%", "`rem`": "%", "`div`": "//", "`quot`": "//", "/=": "!=", "++": "+", "&&": "and", "||": "or",
             "`elem`": "in", "`notElem`": "not in"}
# the Prelude as Python: a template per arity ({0}, {1}: the arguments)
PRELUDE = {
    "sum": (1, "sum({0})"), "product": (1, "math.prod({0})"), "length": (1, "len({0})"), "maximum": (1, "max({0})"),
    "minimum": (1, "min({0})"), "reverse": (1, "{0}[::-1]"), "sort": (1, "sorted({0})"), "words": (1, "{0}.split()"),
    "unwords": (1, "' '.join({0})"), "lines": (1, "{0}.splitlines()"), "unlines": (1, "'\\n'.join({0})"), "show": (1, "str({0})"),
    "abs": (1, "abs({0})"), "null": (1, "(len({0}) == 0)"), "not": (1, "(not {0})"), "head": (1, "{0}[0]"), "last": (1, "{0}[-1]"),
    "tail": (1, "{0}[1:]"), "init": (1, "{0}[:-1]"), "fst": (1, "{0}[0]"), "snd": (1, "{0}[1]"), "even": (1, "({0} % 2 == 0)"),
    "odd": (1, "({0} % 2 == 1)"), "toLower": (1, "{0}.lower()"), "toUpper": (1, "{0}.upper()"), "fromIntegral": (1, "{0}"),
    "round": (1, "round({0})"), "concat": (1, "[y for x in {0} for y in x]"), "and": (1, "all({0})"), "or": (1, "any({0})"),
    "isUpper": (1, "{0}.isupper()"), "isLower": (1, "{0}.islower()"), "isDigit": (1, "{0}.isdigit()"), "isSpace": (1, "{0}.isspace()"),
    "read": (1, "int({0})"), "nub": (1, "list(dict.fromkeys({0}))"), "succ": (1, "({0} + 1)"), "pred": (1, "({0} - 1)"),
    "mod": (2, "({0} % {1})"), "rem": (2, "({0} % {1})"), "div": (2, "({0} // {1})"), "quot": (2, "({0} // {1})"),
    "max": (2, "max({0}, {1})"), "min": (2, "min({0}, {1})"), "elem": (2, "({0} in {1})"), "notElem": (2, "({0} not in {1})"),
    "take": (2, "{1}[:{0}]"), "drop": (2, "{1}[{0}:]"), "zip": (2, "list(zip({0}, {1}))"), "replicate": (2, "[{1}] * {0}"),
    "map": (2, "[{0:x} for x in {1}]"), "filter": (2, "[x for x in {1} if {0:x}]"), "all": (2, "all({0:x} for x in {1})"),
    "any": (2, "any({0:x} for x in {1})"), "takeWhile": (2, "list(itertools.takewhile({0}, {1}))"),
    "lookup": (2, "dict({1}).get({0})"), "zipWith": (3, "[{0:x, y} for x, y in zip({1}, {2})]"),
    "foldl": (3, "functools.reduce({0}, {2}, {1})"), "foldr": (3, "functools.reduce(lambda a, b: ({0})(b, a), {2}[::-1], {1})"),
}


def split_top(text: str, separator: str, brackets: str = "()[]") -> list[str]:
    """`text` cut at each `separator` outside brackets (`brackets`: opening and closing pairs) and strings (a `'`
    after a letter or digit is a Haskell prime, not a quote)."""
    opening, closing = brackets[::2], brackets[1::2]
    parts, depth, current, quote, i = [], 0, "", "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'" and not (ch == "'" and i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            quote = ch
        elif ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
        elif depth == 0 and text.startswith(separator, i):
            parts.append(current)
            current, i = "", i + len(separator)
            continue
        current += ch
        i += 1
    return [*parts, current]


def _atoms(text: str) -> list[str]:
    """`text` as atoms (names, numbers, strings, bracket groups) and operators, outside brackets."""
    atoms, i = [], 0
    pattern = re.compile(r"\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)'|`\w+`|[A-Za-z_][\w.']*|\d+(?:\.\d+)?|[-+*/<>=!&|.$:^]+|[(\[,])")
    while i < len(text):
        match = pattern.match(text, i)
        if not match:
            i += 1
            continue
        token = match.group(1)
        if token in "([":
            start = match.end() - 1
            depth, j = 0, start
            while j < len(text):
                depth += text[j] in "(["
                depth -= text[j] in ")]"
                if depth == 0:
                    break
                j += 1
            atoms.append(text[start:j + 1])
            i = j + 1
        else:
            atoms.append(token)
            i = match.end()
    return atoms


def _function(atom: str, arity: int = 1) -> str:
    """An atom used as a function value (an argument of `map`, `filter`), as a Python callable's text."""
    name = atom.strip()
    if name in PRELUDE and PRELUDE[name][0] == 1:
        return "lambda x: " + PRELUDE[name][1].format("x")
    return expression(name)


def _call(template: str, arguments: list[str]) -> str:
    """A Prelude template filled in; `{0:x}` is the first argument applied to the comprehension's `x`."""
    def apply(function: str, names: str) -> str:
        if function.startswith("(") and function.endswith(")") and split_top(function[1:-1], ")") == [function[1:-1]]:
            function = function[1:-1]
        if (lam := re.match(r"^lambda ([\w, ]+): (.*)$", function, re.S)):
            body = lam.group(2)
            for old, new in zip([n.strip() for n in lam.group(1).split(",")], [n.strip() for n in names.split(",")]):
                body = re.sub(rf"\b{re.escape(old)}\b", new, body)
            return body
        return f"{function}({names})"
    return re.sub(r"\{(\d)(?::([\w, ]+))?\}", lambda m: apply(arguments[int(m.group(1))], m.group(2)) if m.group(2)
                  else arguments[int(m.group(1))], template)


def _application(atoms: list[str]) -> str:
    """Atoms written side by side: a function applied to its arguments."""
    head, rest = atoms[0], atoms[1:]
    if head == "map" and len(rest) == 2 and rest[0] in ("toLower", "toUpper"):  # a string's letters: the string's method
        return f"{_atom(rest[1])}.{rest[0][2:].lower()}()"
    if head in PRELUDE and rest:
        arity, template = PRELUDE[head]
        if len(rest) >= arity:
            arguments = [_function(a) if "{%d:" % k in template else _atom(a) for k, a in enumerate(rest[:arity])]
            called = _call(template, arguments)
            return called if len(rest) == arity else f"({called})({', '.join(_atom(a) for a in rest[arity:])})"
    if not rest:
        return _atom(head)
    return f"{_atom(head)}({', '.join(_atom(a) for a in rest)})"


def _section(inner: str) -> str | None:
    """`(+ 1)`, `(* 2)`, `(`mod` 2)`, `(2 *)` as a lambda (None: not a section)."""
    if (m := re.match(r"^([-+*/<>=!]+|`\w+`)\s*(.+)$", inner)) and m.group(1) != "-":
        return f"lambda x: x {OPERATORS.get(m.group(1), m.group(1))} {expression(m.group(2))}"
    if (m := re.match(r"^(.+?)\s*([-+*/<>=!]+|`\w+`)$", inner)):
        return f"lambda x: {expression(m.group(1))} {OPERATORS.get(m.group(2), m.group(2))} x"
    return None


def _atom(atom: str) -> str:
    if atom.startswith("("):
        inner = atom[1:-1].strip()
        if not inner:
            return "()"
        if (section := _section(inner)) is not None:
            return f"({section})"
        parts = split_top(inner, ",")
        return "(" + ", ".join(expression(p) for p in parts) + ")"
    if atom.startswith("["):
        return _list(atom[1:-1])
    if atom in PRELUDE and PRELUDE[atom][0] == 1:
        return f"(lambda x: {PRELUDE[atom][1].format('x')})"
    return {"True": "True", "False": "False", "otherwise": "True", "Nothing": "None"}.get(atom, atom.replace("'", "_"))


def _list(inner: str) -> str:
    """A list: literal, range (`[1..n]`) or comprehension (`[e | x <- xs, cond]`)."""
    if len(halves := split_top(inner, "|")) == 2 and "<-" in halves[1]:
        clauses = []
        for part in split_top(halves[1], ","):
            if "<-" in part:
                target, source = part.split("<-", 1)
                clauses.append(f"for {expression(target).strip('()') or '_'} in {expression(source)}")
            elif part.strip().startswith("let "):
                name, value = part.strip()[4:].split("=", 1)
                clauses.append(f"for {name.strip()} in [{expression(value)}]")
            else:
                clauses.append(f"if {expression(part)}")
        return f"[{expression(halves[0])} {' '.join(clauses)}]"
    if (rng := re.match(r"^\s*(.+?)\s*\.\.\s*(.*?)\s*$", inner)):
        if not rng.group(2):
            return f"itertools.count({expression(rng.group(1))})"
        return f"list(range({expression(rng.group(1))}, {expression(rng.group(2))} + 1))"
    return "[" + ", ".join(expression(p) for p in split_top(inner, ",") if p.strip()) + "]"


def expression(text: str) -> str:
    """One Haskell expression as Python."""
    text = text.strip()
    if not text:
        return ""
    if (lam := re.match(r"^\\\s*([\w\s]+?)\s*->\s*(.+)$", text, re.S)):
        return f"(lambda {', '.join(lam.group(1).split())}: {expression(lam.group(2))})"
    if (cond := re.match(r"^if\s+(.+?)\s+then\s+(.+?)\s+else\s+(.+)$", text, re.S)):
        return f"({expression(cond.group(2))} if {expression(cond.group(1))} else {expression(cond.group(3))})"
    if len(parts := split_top(text, " $ ")) > 1:  # `f $ g $ x`: f (g (x)), the inner value put in after reading
        inner = expression(parts[-1])
        for part in reversed(parts[:-1]):
            inner = expression(f"{part} {HOLE}").replace(HOLE, f"({inner})")
        return inner
    atoms, out, group = _atoms(text), [], []
    for atom in atoms + [None]:
        if atom is None or re.fullmatch(r"[-+*/<>=!&|.^]+|`\w+`|:", atom):
            if group:
                out.append(_application(group))
                group = []
            if atom is not None:
                out.append(OPERATORS.get(atom, atom))
        else:
            group.append(atom)
    return " ".join(out)


def _parameters(names: str) -> str:
    return ", ".join(n.replace("'", "_") for n in names.split())


def _definitions(lines: list[str]) -> list[tuple[str, str, list[str], list[str]]]:
    """Each equation (name, parameters, its guard or body lines, its `where` lines), in order."""
    found, current, in_where = [], None, False
    for line in lines:
        if not line.strip() or re.match(r"^\s*(?:--|import\b|module\b|```)", line) or re.match(r"^\s*[a-z_]\w*'?\s*::", line):
            continue
        if not line[0].isspace() and (equation := EQUATION.match(line.rstrip())):
            name, params, body, guard = equation.groups()
            current = (name, params, [], [])
            found.append(current)
            in_where = False
            (current[2].append(body) if body else current[2].append(guard) if guard else None)
        elif current is not None:
            stripped = line.strip()
            if stripped.startswith("where"):
                in_where = True
                stripped = stripped[5:].strip()
                if not stripped:
                    continue
            (current[3] if in_where else current[2]).append(stripped)
    return found


def _define(name: str, params: str, body: list[str], where: list[str]) -> list[str]:
    lines = [f"def {name.replace(chr(39), '_')}({_parameters(params)}):"]
    guarded: list[tuple[str, list[str]]] = []  # `base | age < 12 = 6` and the `| ...` lines after it
    for local in where:
        if (eq := re.match(r"^([a-z_]\w*'?)\s*=(?!=)\s*(.+)$", local)):
            lines.append(f"    {eq.group(1)} = {expression(eq.group(2))}")
        elif (head := re.match(r"^([a-z_]\w*'?)\s*(\|.+)$", local)):
            guarded.append((head.group(1), [head.group(2)]))
        elif local.startswith("|") and guarded:
            guarded[-1][1].append(local)
    for local, cases in guarded:
        for i, guard in enumerate(GUARD.match(case) for case in cases):
            if guard is None:
                break
            if guard.group(1).strip() in ("otherwise", "True"):
                lines += ["    else:" if i else "    if True:", f"        {local} = {expression(guard.group(2))}"]
                break
            lines += [f"    {'if' if i == 0 else 'elif'} {expression(guard.group(1))}:", f"        {local} = {expression(guard.group(2))}"]
    guards = [GUARD.match(b) for b in body]
    if body and all(guards):
        for i, guard in enumerate(guards):
            condition = guard.group(1).strip()
            if condition in ("otherwise", "True"):
                lines.append(f"    return {expression(guard.group(2))}")
                break
            lines.append(f"    {'if' if i == 0 else 'elif'} {expression(condition)}:")
            lines.append(f"        return {expression(guard.group(2))}")
    elif body:
        lines.append(f"    return {expression(' '.join(body))}")
    return lines


def read(text: str) -> str | None:
    """`text` with its Haskell equations read as Python functions, or None when it holds none."""
    if len(HINTS.findall(text)) < MIN_HINTS:
        return None
    out = []
    for name, params, body, where in _definitions(text.splitlines()):
        try:
            out.extend(_define(name, params, body, where))
        except (IndexError, ValueError, KeyError, re.error, RecursionError):
            continue
    needs = [m for m in ("math", "itertools", "functools") if any(f"{m}." in line for line in out)]
    return "\n".join([*(f"import {m}" for m in needs), *out]) if out else None
