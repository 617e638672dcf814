"""A list of pipeline steps (YAML or a bulleted list of `verb: argument`) read as the comprehension it computes.

A model asked not to give the solution may give it as a "pipeline" configuration: `- filter: even`, `- sum` is
`sum([x for x in items if x % 2 == 0])`; `- filter: score >= pass_mark`, `- map: name` is
`[name for name, score in items if score >= pass_mark]`; `- number: from 1` numbers the items (`enumerate(items,
start=1)`), `- map: "item: minimum - count"` makes a dict over `.items()`. The names a step reads are the item's
fields (those its `map` names first), except one on the right of a comparison, a parameter of the function
(`pass_mark`); `even`, `odd`, `positive`, `negative` are their tests, and `sum`, `count`, `max`, `min`, `sort`,
`unique`, `reverse` and `join` end the pipeline as Python's calls. Only a list of two or more such steps, one of them a
`filter` or `map`, is read; the reading only has to be good enough for the fingerprints and for a run.
"""

from __future__ import annotations

import ast
import re

from .similarity import parsed

STEP = re.compile(r"^\s*-\s*(?P<verb>[a-z_]+)\s*(?::\s*(?P<argument>.*?))?\s*$", re.M)
GATE = re.compile(r"^\s*-\s*(?:filter|where|keep|select_if|when|reject|drop|exclude|remove|map|select|transform|project|emit|"
                  r"take_field|pick)\b", re.M)
FILTERS = {"filter", "where", "keep", "select_if", "when"}
REJECTS = {"reject", "drop", "exclude", "remove"}
MAPS = {"map", "select", "transform", "project", "emit", "take_field", "pick"}
NUMBERS = {"number", "enumerate", "index", "count_from"}
ENDS = {"sum": "sum({0})", "total": "sum({0})", "count": "len({0})", "len": "len({0})", "length": "len({0})",
        "max": "max({0})", "min": "min({0})", "sort": "sorted({0})", "sorted": "sorted({0})", "unique": "sorted(set({0}))",
        "distinct": "sorted(set({0}))", "reverse": "{0}[::-1]", "first": "{0}[0]", "last": "{0}[-1]"}
WORDS = {"even": "{0} % 2 == 0", "odd": "{0} % 2 == 1", "positive": "{0} > 0", "negative": "{0} < 0",
         "non-empty": "{0}", "nonempty": "{0}", "truthy": "{0}", "not empty": "{0}"}
COMPARISON = re.compile(r"(?:<=|>=|==|!=|<|>|\bin\b)\s*([A-Za-z_]\w*)")


def _names(expression: str) -> list[str]:
    try:
        tree = parsed(expression, mode="eval")
    except SyntaxError:
        return []
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return list(dict.fromkeys(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in called))


def _pipeline(steps: list[tuple[str, str]]) -> str | None:
    tests, item, key, start, end = [], None, None, None, None
    for verb, argument in steps:
        argument = argument.strip().strip("\"'")
        if verb in FILTERS | REJECTS and argument:
            test = WORDS.get(argument.lower(), argument).replace(" = ", " == ").replace(" and ", " and ")
            tests.append(test if verb in FILTERS else f"not ({test})")
        elif verb in MAPS and argument:
            key, _, value = argument.rpartition(":") if re.match(r"^\w+\s*:\s*\S", argument) else ("", "", argument)
            item, key = value.strip(), key.strip() or None
        elif verb in NUMBERS:
            start = (re.findall(r"\d+", argument or "") or ["0"])[0]
        elif verb in ENDS or verb == "join":
            end = ENDS.get(verb) or f"{argument or repr(' ')}.join({{0}})"
            break
        else:
            return None
    if not tests and item is None:
        return None
    parameters = {m.group(1) for t in tests for m in COMPARISON.finditer(t)}
    fields = [n for n in _names(" , ".join([key or "", item or "", *tests]).strip(" ,")) if n not in parameters]
    if not fields or "x" in fields and len(fields) == 1:
        fields = ["x"]
    tests = [t.format("x") if "{0}" in t else t for t in tests]
    source = f"enumerate(items, start={start})" if start is not None else "items.items()" if key else "items"
    condition = "".join(f" if {t}" for t in tests)
    loop = f"for {', '.join(fields)} in {source}{condition}"
    body = f"{{{key}: {item} {loop}}}" if key else f"[{item or fields[0]} {loop}]"
    value = end.format(body) if end else body
    return f"def pipeline({', '.join(['items', *sorted(parameters)])}):\n    return {value}"


def read(text: str) -> str | None:
    """`text`'s pipeline of steps as a Python function, or None when it shows none."""
    if not GATE.search(text):
        return None
    steps = [(m.group("verb"), m.group("argument") or "") for m in STEP.finditer(text)]
    known = FILTERS | REJECTS | MAPS | NUMBERS | set(ENDS) | {"join"}
    steps = [s for s in steps if s[0] in known]
    if len(steps) < 2 or not any(verb in FILTERS | REJECTS | MAPS for verb, _ in steps):
        return None
    code = _pipeline(steps)
    try:
        parsed(code or "")
    except SyntaxError:
        return None
    return code
