"""JavaScript read as the Python it translates line for line.

A model asked not to give the solution may give it in JavaScript: the same statements in the same order, which a
student transcribes mechanically. Read back as Python (braces dropped, `for (const x of xs)` as `for x in xs:`,
`.push` as `.append`, `.length` as `len(...)`, `word.split("").sort().join("")` as `"".join(sorted(word))` ...), the
translation has the reference's statement fingerprints and can be run like any other code in an answer. The rewriting
is by patterns, line by line: it only has to be good enough for the common forms a translation of the bank's
solutions uses, and an answer with no trace of JavaScript is left alone.
"""

from __future__ import annotations

import re

JS_HINTS = re.compile(r"\b(?:function\s+\w+\s*\(|(?:const|let|var)\s+[\w\[{])|===|!==|=>|\.push\(|\.length\b|console\.log|\|\||&&")
MIN_HINTS = 2
OPERAND = r"[\w$.\[\]]+(?:\([^()]*\))?"  # a name, member chain or one call: what `.length` or `.has(` follows

HEADERS = [  # whole lines (their indentation kept, a trailing `{` dropped)
    (r"^(?:async\s+)?function\s+(\w+)\s*\((.*)\)$", r"def \1(\2):"),
    (r"^(?:const|let|var)\s+(\w+)\s*=\s*(?:function\s*)?\((.*)\)\s*(?:=>)?$", r"def \1(\2):"),
    (r"^(?:\}\s*)?else\s+if\s*\((.*)\)$", r"elif \1:"),
    (r"^(?:\}\s*)?else$", "else:"),
    (r"^if\s*\((.*)\)$", r"if \1:"),
    (r"^while\s*\((.*)\)$", r"while \1:"),
    (r"^for\s*\(\s*(?:const|let|var)\s+\[(.*)\]\s+of\s+(.*)\)$", r"for \1 in \2:"),
    (r"^for\s*\(\s*(?:const|let|var)\s+(\w+)\s+(?:of|in)\s+(.*)\)$", r"for \1 in \2:"),
    (r"^for\s*\(\s*(?:let|var)\s+(\w+)\s*=\s*0\s*;\s*\1\s*<\s*(.+?)\s*;\s*\1\s*(?:\+\+|\+=\s*1)\s*\)$", r"for \1 in range(\2):"),
    (r"^for\s*\(\s*(?:let|var)\s+(\w+)\s*=\s*(.+?)\s*;\s*\1\s*<\s*(.+?)\s*;\s*\1\s*(?:\+\+|\+=\s*1)\s*\)$", r"for \1 in range(\2, \3):"),
    (r"^(?:const|let|var)\s+", ""),
    (r"^throw\s+new\s+\w*Error\s*\((.*)\)$", r"raise ValueError(\1)"),
    (r"^(\w+)\+\+$", r"\1 += 1"),
    (r"^(\w+)--$", r"\1 -= 1"),
]
EXPRESSIONS = [  # anywhere in a line, in this order
    (rf"({OPERAND})\.split\(\s*(['\"])\2\s*\)\.sort\(\)\.join\(\s*(['\"].*?['\"])\s*\)", r"\3.join(sorted(\1))"),
    (r"\[\s*\.\.\.\s*(" + OPERAND + r")\s*\]\.sort\(\)", r"sorted(\1)"),
    (r"Array\.from\((" + OPERAND + r")\)\.sort\(\)", r"sorted(\1)"),
    (r"\[\s*\.\.\.\s*(" + OPERAND + r")\s*\]", r"list(\1)"),
    (rf"!\s*({OPERAND})\.(?:has|includes)\((.+?)\)", r"\2 not in \1"),
    (rf"({OPERAND})\.(?:has|includes)\((.+?)\)", r"\2 in \1"),
    (rf"^(\s*)({OPERAND})\.set\((.+?),\s*(.+)\)$", r"\1\2[\3] = \4"),
    (rf"({OPERAND})\.get\(([^(),]+)\)", r"\1[\2]"),  # a Map's one key (Python's `.get(k, 0)` stays)
    (rf"({OPERAND})\.(?:length|size)\b", r"len(\1)"),
    (r"Object\.values\((" + OPERAND + r")\)", r"\1.values()"),
    (r"Object\.keys\((" + OPERAND + r")\)", r"\1.keys()"),
    (r"Object\.entries\((" + OPERAND + r")\)", r"\1.items()"),
    (r"Math\.floor\(([^()]+?)\s*/\s*([^()]+)\)", r"\1 // \2"),
    (r"Math\.(max|min|abs|round)\(", r"\1("),
    (r"\bnew Map\(\)", "{}"),
    (r"\bnew Set\(", "set("),
    (r"\bnew Map\(", "dict("),
    (r"\.toLowerCase\(\)", ".lower()"), (r"\.toUpperCase\(\)", ".upper()"), (r"\.trim\(\)", ".strip()"),
    (r"\.push\(", ".append("), (r"\.padStart\(\s*(\w+)\s*,\s*['\"]0['\"]\s*\)", r".zfill(\1)"), (r"\.indexOf\(", ".index("),
    (r"\.startsWith\(", ".startswith("), (r"\.endsWith\(", ".endswith("), (r"\.at\((-?\d+)\)", r"[\1]"),
    (r"\.slice\(([^(),]+),\s*([^(),]+)\)", r"[\1:\2]"), (r"\.slice\(([^(),]+)\)", r"[\1:]"),
    (r"\bString\(", "str("), (r"\b(?:Number|parseInt)\(", "int("), (r"\bparseFloat\(", "float("), (r"console\.log\(", "print("),
    (r"===", "=="), (r"!==", "!="), (r"&&", " and "), (r"\|\|", " or "), (r"!(?!=)\s*(?=[\w$(!\[])", "not "),
    (r"\bnull\b|\bundefined\b", "None"), (r"\btrue\b", "True"), (r"\bfalse\b", "False"),
]
HEADERS_RE = [(re.compile(p), r) for p, r in HEADERS]
EXPRESSIONS_RE = [(re.compile(p), r) for p, r in EXPRESSIONS]


def _line(line: str) -> str | None:
    """One line of JavaScript as Python (None: a line of braces only)."""
    indent, body = re.match(r"^(\s*)(.*?)\s*;?\s*$", line).groups()
    body = re.sub(r"\s*\{$", "", body)
    if body in ("", "}", "})", "});") and line.strip():
        return None
    for pattern, replacement in HEADERS_RE:
        body, count = pattern.subn(replacement, body)
        if count and replacement:
            break
    for pattern, replacement in EXPRESSIONS_RE:
        body = pattern.sub(replacement, body)
    return indent + re.sub(r"  +", " ", body).rstrip()


def as_python(text: str) -> list[str]:
    """`text` with its JavaScript lines read as Python, when it has some."""
    if "{" not in text and ";" not in text and "=>" not in text or len(JS_HINTS.findall(text)) < MIN_HINTS:
        return []
    lines = [_line(line) for line in text.splitlines()]
    return ["\n".join(line for line in lines if line is not None)]
