"""The string and map idioms of Go, Swift and Dart read as Python's, for the line reader of `languages`.

A word count in these languages is the Python reference line for line once their library calls are read:
`strings.Fields(strings.ToLower(s))`, `s.lowercased().split(whereSeparator: { $0.isWhitespace })` and
`s.toLowerCase().split(RegExp(r'\\s+'))` split on whitespace; `strings.Trim(w, cs)`,
`w.trimmingCharacters(in: CharacterSet(charactersIn: cs))` and `w.replaceAll(RegExp(r'^[cs]+|[cs]+$'), '')` strip `cs`
from both ends; `counts[w]++` (Go's map of zeros), `counts[w, default: 0] += 1` and
`counts.update(w, (c) => c + 1, ifAbsent: () => 1)` count with a default of zero, which Python writes
`counts[w] = counts.get(w, 0) + 1`.
"""

from __future__ import annotations

import re

HINTS = r"|^\s*proc\s+\w+|\.toLowerAscii\b|\.splitWhitespace\b|\bmgetOrPut\(|\bstrings\.[A-Z]\w*\(|\.isNotEmpty\b|\bifAbsent:|<String,\s*\w+>|\[:\]|\bdefault:|\.trimmingCharacters\(|\bRegExp\("
ARGUMENT = r"[^()]*(?:\([^()]*\)[^()]*)*"  # one level of calls inside
GO_STRINGS = {"Trim": "strip", "TrimLeft": "lstrip", "TrimRight": "rstrip", "Split": "split", "HasPrefix": "startswith",
              "HasSuffix": "endswith", "Count": "count", "Index": "find"}
EXPRESSIONS = [  # anywhere in a line, before the readers' other expressions
    (rf"\bstrings\.(Fields|ToLower|ToUpper|TrimSpace)\(({ARGUMENT})\)",
     lambda m: m.group(2) + {"Fields": ".split()", "ToLower": ".lower()", "ToUpper": ".upper()", "TrimSpace": ".strip()"}[m.group(1)]),
    (rf"\bstrings\.({'|'.join(GO_STRINGS)})\(\s*([^,()]+(?:\([^()]*\))?)\s*,\s*({ARGUMENT})\)",
     lambda m: f"{m.group(2)}.{GO_STRINGS[m.group(1)]}({m.group(3)})"),
    (r"\.split\(\s*(?:whereSeparator:\s*\{\s*\$?0\.isWhitespace\s*\}|RegExp\(\s*r?(['\"])\\s\+\1\s*\))\s*\)", ".split()"),
    (r"\.trimmingCharacters\(\s*in:\s*CharacterSet\(\s*charactersIn:\s*(\"[^\"]*\")\s*\)\s*\)", r".strip(\1)"),
    (r"\.trimmingCharacters\(\s*in:\s*\.whitespaces(?:AndNewlines)?\s*\)", ".strip()"),
    (r"\.replaceAll\(\s*RegExp\(\s*r?(['\"])\^\[([^\]]+)\]\+\|\[\2\]\+\$\1\s*\)\s*,\s*(['\"])\3\s*\)", r'.strip("\2")'),
    # counts with a default of zero as `+=`, which `zero_default` then reads with `.get(k, 0)`
    (r"(\w+)\[([^\[\],]+),\s*default:\s*0\s*\]\s*([+-]=)", r"\1[\2] \3"),
    (r"(\w+)\.update\(\s*([^,]+?)\s*,\s*\(?(\w+)\)?\s*=>\s*\3\s*\+\s*([^,]+?)\s*,\s*ifAbsent:\s*\(\)\s*=>\s*\4\s*\)", r"\1[\2] += \4"),
    (r"(\w+\[[^\[\]]+\])\+\+", r"\1 += 1"), (r"(\w+\[[^\[\]]+\])--", r"\1 -= 1"),
    (r"\[:\]", "{}"), (r"<[\w\s,?]+>\s*(?=\{)", ""), (r"([\w.\[\]]+)\.isNotEmpty\b", r"len(\1) > 0"),
]
DICT = re.compile(r"^\s*(\w+) = \{\}\s*$", re.M)


def zero_default(code: str) -> str:
    """`m[k] += v` as `m[k] = m.get(k, 0) + v` for a dict `m` (a name set to `{}`): what a map whose missing keys read as
    zero (Go's, a Swift or Dart count) does, and what a plain Python dict needs for it."""
    for name in set(DICT.findall(code)):
        code = re.sub(rf"(?<![\w.]){name}\[([^\]\n]+)\] ([+-])= (.+)$", rf"{name}[\1] = {name}.get(\1, 0) \2 \3", code, flags=re.M)
    return code


NIM_HINTS = re.compile(r"```nim\b|^\s*proc\s+\w+\*?\s*\(.*\)[^=\n]*=\s*$|\.toLowerAscii\b|\.splitWhitespace\b|\bmgetOrPut\(", re.M)
NIM_PROC = re.compile(r"^([ \t]*)proc\s+(\w+)\*?\s*\(([^)]*)\)(?:\s*:\s*([^=\n]+?))?\s*=[ \t]*$", re.M)
NIM_EMPTY = (("Table", "{}"), ("CountTable", "{}"), ("HashSet", "set()"), ("seq", "[]"), ("string", '""'), ("int", "0"),
             ("float", "0.0"), ("bool", "False"))
NIM_EXPRESSIONS = [(re.compile(p, re.M), r) for p, r in [
    (r"\.toLowerAscii\b(?:\(\))?|\.toLower\b(?:\(\))?", ".lower()"), (r"\.toUpperAscii\b(?:\(\))?", ".upper()"),
    (r"\.splitWhitespace\b(?:\(\))?", ".split()"),
    (r"\.strip\(\s*chars\s*=\s*\{([^}]*)\}\s*\)", lambda m: '.strip("' + "".join(re.findall(r"'(\\?.)'", m.group(1))) + '")'),
    (r"(\w+)\.mgetOrPut\(\s*([^,]+?)\s*,\s*0\s*\)\.inc\b(?:\(\))?", r"\1[\2] += 1"),
    (r"^([ \t]*)inc\(?\s*([\w.\[\]]+)\s*\)?[ \t]*$", r"\1\2 += 1"), (r"^([ \t]*)dec\(?\s*([\w.\[\]]+)\s*\)?[ \t]*$", r"\1\2 -= 1"),
    (r"([\w.\[\]]+)\.len\b(?!\()", r"len(\1)"), (r"\s+div\s+", " // "), (r"\s+mod\s+", " % "),
]]


def _nim_proc(text: str, match: re.Match) -> tuple[str, int]:
    """A `proc` as a `def`, with its implicit `result` set first and returned last when the body uses it; and where
    its body ends."""
    indent, name, params, kind = match.group(1), match.group(2), match.group(3), (match.group(4) or "").strip()
    names = ", ".join(p.split(":")[0].strip() for p in re.split(r"[,;]", params) if p.split(":")[0].strip())
    end = re.compile(rf"^(?!{indent}[ \t]+\S|\s*$)", re.M).search(text, match.end() + 1)
    stop = end.start() if end else len(text)
    body = text[match.end():stop].rstrip("\n")
    if re.search(r"\bresult\b", body):
        empty = next((value for prefix, value in NIM_EMPTY if kind.startswith(prefix)), "None")
        inner = re.match(r"\n*([ \t]*)", body).group(1) or indent + "    "
        body = f"\n{inner}result = {empty}{body}\n{inner}return result"
    return f"{indent}def {name}({names}):{body}\n", stop


def nim(text: str) -> str:
    """Nim read as Python (see the module's docstring)."""
    out, at = [], 0
    for match in NIM_PROC.finditer(text):
        if match.start() < at:
            continue
        out.append(text[at:match.start()])
        proc, at = _nim_proc(text, match)
        out.append(proc)
    text = "".join(out) + text[at:]
    for pattern, replacement in NIM_EXPRESSIONS:
        text = pattern.sub(replacement, text)
    return text
