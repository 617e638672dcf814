"""Terse step lists read back as the reference's code.

A model asked not to give the solution may list its statements one an item, with the keywords that would make them
code left out or said in words: `1. cleaned: phrase.replace(' ', '').lower()`, `2. each word of text.split()`,
`3. len(current) plus 1 plus len(word) is at most width`, `4. raise ValueError('...')`, `5. result: lines`. What is
left of each step is code, and the list is the reference with its indentation dropped; a student rebuilds it in a
minute. No reader of a language turns it back into code: the words are no language, and an item says neither whether a
condition opens an `if` or a `while` nor how deep it sits.

`read` turns each item into the code it says (an assignment `x: e` or `x becomes e`, a result `result: e` or
`give back e` in a few languages, `each x of xs` as a loop, words for operators as the operators, an
expression as a condition or a statement) and puts the items on the reference's own lines in order, one an
item, taking each line's header keyword and depth from the reference; the code comes back fenced, as a candidate for
the sandbox to run. Only an answer whose every item reads as code this way is read, and the result only counts if it
passes the exercise's tests: a plan in words, or a list of another task's code, gives nothing.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from functools import lru_cache

from .similarity import is_docstring, parsed

ITEM = re.compile(r"^[ \t]*(?:\(?\d{1,3}[.):]|[-*•+])[ \t]+(.+?)[ \t]*$", re.M)
MAX_ITEMS = 60
# what the answer's words say in code, longest first; string literals are left as they are
WORDS = [(re.compile(p, re.I), r) for p, r in [
    (r"\bis (?:less than or equal to|at most|no more than|not greater than|not more than)\b", "<="),
    (r"\bis (?:greater than or equal to|at least|no less than|not less than)\b", ">="),
    (r"\bis (?:less|smaller|fewer) than\b", "<"), (r"\bis (?:greater|larger|more|bigger) than\b", ">"),
    (r"\b(?:is not equal to|does not equal|differs from|is different from)\b", "!="),
    (r"\b(?:is equal to|equals|is the same as)\b", "=="),
    (r"\bplus\b", "+"), (r"\bminus\b", "-"), (r"\b(?:times|multiplied by)\b", "*"),
    (r"\bdivided \(whole\) by\b|\binteger-divided by\b", "//"), (r"\bdivided by\b", "/"), (r"\b(?:modulo|mod)\b", "%"),
]]
STRING = re.compile(r"""('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")""")
# a result, in English and the common languages of steps (`result = e` is code: an assignment)
RESULT = re.compile(r"^(?:(?:the )?(?:result|answer|output|return value)\s*(?::|is\b)|returns?\b:?|give back\b:?|"
                    r"hand back\b:?|restituisci\b|ritorna\b|retorne\b|devuelve\b|renvoie\b|retourne\b|gib zurück\b)\s*(.+)$",
                    re.I)
LOOP = re.compile(r"^(?:(?:go|loop|walk) (?:through|over) |for )?(?:each|every) (.+?) (?:of|in|from) (.+)$", re.I)
WHILE = re.compile(r"^(?:while|repeat (?:as long as|while)|as long as) (.+)$", re.I)
CONDITION = re.compile(r"^(?:otherwise,? )?(?:when|if|whenever) (.+?)(?:,? then)?$", re.I)
ELSE = re.compile(r"^(?:else|otherwise)\W*$", re.I)
GROWS = re.compile(r"^(.+?) (?:is increased by|grows by|goes up by) (.+)$", re.I)
SHRINKS = re.compile(r"^(.+?) (?:is decreased by|goes down by) (.+)$", re.I)
ASSIGNED = re.compile(r"^(.+?)(?: becomes |\s*:\s+| is set to )(.+)$")


@dataclass(frozen=True)
class Line:
    """One line of the reference: its kind (`for`, `while`, `if`, `elif`, `else`, `stmt`, `expr`; or `given`, a
    `def` or `class` line, which no item tells: the student has it) and depth; `text`: a given line's own."""
    kind: str
    depth: int
    text: str = ""


def reference_lines(solution: str) -> tuple[Line, ...]:
    """The lines of the reference in order (docstrings left out); () when it has a form not read here (`try`, `with`,
    `match`, a decorator) or does not parse."""
    try:
        tree = parsed(solution)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ()
    source = solution.splitlines()
    out: list[Line] = []

    def walk(body: list[ast.stmt], depth: int) -> bool:
        for node in body:
            if is_docstring(node):
                continue
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                if node.decorator_list:
                    return False
                bare = copy.copy(node)
                bare.body = [ast.Pass()]
                head = ast.unparse(bare).splitlines()[0]  # `def f(a, b=1) -> int:`, `class E(ValueError):`
                out.append(Line("given", depth, head))
                if not walk(node.body, depth + 1):
                    return False
            elif isinstance(node, (ast.For, ast.While)):
                out.append(Line("for" if isinstance(node, ast.For) else "while", depth))
                if not walk(node.body, depth + 1):
                    return False
                if node.orelse:
                    out.append(Line("else", depth))
                    if not walk(node.orelse, depth + 1):
                        return False
            elif isinstance(node, ast.If):
                if not branch(node, depth, "if"):
                    return False
            elif isinstance(node, (ast.Try, ast.With, ast.AsyncFunctionDef, ast.Match, ast.AsyncFor, ast.AsyncWith)):
                return False
            else:
                out.append(Line("expr" if isinstance(node, ast.Expr) else "stmt", depth))
        return True

    def branch(node: ast.If, depth: int, kind: str) -> bool:
        out.append(Line(kind, depth))
        if not walk(node.body, depth + 1):
            return False
        rest = node.orelse
        if len(rest) == 1 and isinstance(rest[0], ast.If) and source[rest[0].lineno - 1].lstrip().startswith("elif"):
            return branch(rest[0], depth, "elif")
        if rest:
            out.append(Line("else", depth))
            return walk(rest, depth + 1)
        return True

    return tuple(out) if walk(tree.body, 0) else ()


KEYWORD = re.compile(r"([(,]\s*)([A-Za-z_]\w*)\s*:\s+")  # `f(x, start: 1)`: a keyword argument told as `name: value`


def _in_code(text: str) -> str:
    """`text` with the words for operators as the operators (outside its string literals), its backticks dropped, and
    keyword arguments told as `name: value` as `name=value` when it reads as code only so."""
    parts = STRING.split(text.replace("`", ""))
    for i in range(0, len(parts), 2):
        for pattern, symbol in WORDS:
            parts[i] = pattern.sub(symbol, parts[i])
    code = "".join(parts).strip()
    if not _parses(code, "eval") and KEYWORD.search(code):
        keyworded = "".join(part if i % 2 else KEYWORD.sub(r"\1\2=", part) for i, part in enumerate(STRING.split(code)))
        if _parses(keyworded, "eval"):
            return keyworded
    return code


def _parses(code: str, mode: str = "exec") -> bool:
    try:
        parsed(code, mode)
        return True
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False


def _target(text: str) -> bool:
    """Can `text` be assigned to (a name, a subscript, an attribute, or a tuple of them)?"""
    return _parses(f"{text} = 0")


def _item(text: str) -> tuple[str, str] | None:
    """What one item says as code: (kind, code) with kind `for`, `while`, `cond`, `else` or `stmt` (an expression
    that could be a statement is `cond`: the reference's line says which); None when it says no code."""
    text = text.strip().rstrip(";")
    for candidate in dict.fromkeys((text, text.rstrip("."))):
        if (found := _read_item(candidate)) is not None:
            return found
    return None


def _read_item(text: str) -> tuple[str, str] | None:
    if ELSE.match(text):
        return "else", "else:"
    if m := RESULT.match(text):
        value = _in_code(m.group(1))
        return ("stmt", f"return {value}") if _parses(value, "eval") else None
    if m := LOOP.match(text):
        target, items = _in_code(m.group(1)), _in_code(m.group(2))
        header = f"for {target} in {items}:"
        return ("for", header) if _parses(header + " pass") else None
    if m := WHILE.match(text):
        test = _in_code(m.group(1))
        return ("while", f"while {test}:") if _parses(test, "eval") else None
    if m := CONDITION.match(text):
        test = _in_code(m.group(1))
        return ("cond", test) if _parses(test, "eval") else None
    for pattern, operator in ((GROWS, "+="), (SHRINKS, "-=")):
        if (m := pattern.match(text)) and _target(target := _in_code(m.group(1))) and _parses(value := _in_code(m.group(2)), "eval"):
            return "stmt", f"{target} {operator} {value}"
    code = _in_code(text)
    if _parses(code, "eval"):
        return "cond", code
    if (m := ASSIGNED.match(text)) and _target(target := _in_code(m.group(1))) and _parses(value := _in_code(m.group(2)), "eval"):
        return "stmt", f"{target} = {value}"
    if _parses(code) and "\n" not in code and not code.rstrip().endswith(":") and not ASSIGNED.match(text):
        return "stmt", code  # raise, continue, break, del, an assignment written as code
    return None


FITS = {"for": {"for"}, "while": {"while"}, "else": {"else"}, "cond": {"if", "elif", "while", "expr"}, "stmt": {"stmt"}}


def _placed(kind: str, code: str, line: Line) -> str:
    if kind == "cond":
        code = {"if": f"if {code}:", "elif": f"elif {code}:", "while": f"while {code}:"}.get(line.kind, code)
    return "    " * line.depth + code


@lru_cache(maxsize=1024)
def read(answer: str, lines: tuple[Line, ...]) -> str | None:
    """The answer's list items as the reference's code (`lines`: `reference_lines`), fenced; None when the answer has
    no list whose items all read as code, or they do not fit the reference's lines one to one (its `def` and `class`
    lines are the reference's own)."""
    told = [line for line in lines if line.kind != "given"]
    if not told or len(told) > MAX_ITEMS:
        return None
    items = ITEM.findall(answer)
    if len(items) != len(told):
        return None
    read_items = iter([_item(item) for item in items])
    code = []
    for line in lines:
        if line.kind == "given":
            code.append("    " * line.depth + line.text)
            continue
        item = next(read_items)
        if item is None or line.kind not in FITS[item[0]]:
            return None
        code.append(_placed(*item, line))
    text = "\n".join(code)
    return f"```python\n{text}\n```" if _parses(text) else None
