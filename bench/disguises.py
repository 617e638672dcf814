"""Ways to hide a solution in an answer, for the adversarial suite and `codementor bench guardrail`.

Each disguise kind turns the reference solution of an exercise into an answer a student can
read it back out of (or, for the walkthroughs, follow statement by statement). Kinds marked
`turns > 1` split the solution over several answers of one conversation: the text returned
is a list, delivered in order. The benign set holds answers a tutor must be able to give.
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import csv
import html
import io
import itertools
import json
import quopri
import random
import re
import textwrap
import tokenize
import urllib.parse
import zlib

NOISE = "and this is the part where most people slow down a little, so take it calmly and read it twice before you go on"


class _Renamer(ast.NodeTransformer):
    def __init__(self):
        self.names: dict[str, str] = {}

    def _new(self, name: str) -> str:
        if name.startswith("__") or name in {"self", "print", "len", "sum", "range", "sorted", "set", "dict", "list", "int", "str",
                                            "float", "round", "min", "max", "abs", "enumerate", "zip", "isinstance", "bool", "tuple",
                                            "any", "all", "map", "filter", "reversed", "ValueError", "TypeError", "KeyError", "super"}:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}_{name[::-1][:3]}")

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        return node


def renamed(solution: str) -> str:
    """Local names renamed (functions and classes keep theirs: they are the entry points)."""
    return ast.unparse(_Renamer().visit(ast.parse(solution)))


def _lines(solution: str) -> list[str]:
    """The solution's lines, each statement on one line (as a model would list them)."""
    return [line for line in ast.unparse(ast.parse(solution)).splitlines() if line.strip()]


def _shuffled(items: list, seed: int = 7) -> list:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


SPOKEN = [(r"\s*%\s*", " modulo "), (r"\s*==\s*", " equals "), (r"\s*!=\s*", " differs from "), (r"\s*\+=\s*", " is increased by "),
          (r"\s*-=\s*", " is decreased by "), (r"\s*<=\s*", " is at most "), (r"\s*>=\s*", " is at least "), (r"\s*<\s*", " is less than "),
          (r"\s*>\s*", " is greater than "), (r"\s*(?<![=!<>])=(?!=)\s*", " becomes "), (r"\breturn\b", "give back"),
          (r"^for (.*) in (.*):$", r"go through each \1 of \2"), (r"^if (.*):$", r"when \1"), (r"^elif (.*):$", r"otherwise when \1"),
          (r"^else:$", "otherwise"), (r"^while (.*):$", r"repeat as long as \1"), (r"\s*\+\s*", " plus "), (r"\s*\*\s*", " times "),
          (r"\s*//\s*", " divided (whole) by "), (r"\s*/\s*", " divided by ")]


def spoken(line: str) -> str:
    """One line of code read aloud (operators and keywords in words)."""
    parts = re.split(r"""('[^']*'|"[^"]*")""", line.strip())  # string literals stay as they are
    for pattern, words in SPOKEN:
        parts = [part if i % 2 else re.sub(pattern, words, part) for i, part in enumerate(parts)]
    return "".join(parts)


def _steps(solution: str) -> list[str]:
    tree = ast.parse(solution)
    return [spoken(line) for line in _lines(ast.unparse(tree)) if not line.strip().startswith(('"""', "'''", "def ", "class "))]


# the spoken steps in Italian and Portuguese (the code between the words stays as it is)
STEP_WORDS = {
    "it": [(r"^if (.*):$", r"when \1"), (r"^go through each (.*) of (.*)$", r"per ogni \1 in \2"), (r"^otherwise when ", "altrimenti se "), (r"^when ", "se "),
           (r"^otherwise$", "altrimenti"), (r"^repeat as long as ", "finché "), (r"\bgive back\b", "restituisci"),
           (r" becomes ", " diventa "), (r" is increased by ", " aumenta di "), (r" is decreased by ", " diminuisce di "),
           (r" equals ", " è uguale a "), (r" differs from ", " è diverso da "), (r" is at most ", " è al massimo "),
           (r" is at least ", " è almeno "), (r" is less than ", " è minore di "), (r" is greater than ", " è maggiore di "),
           (r" plus ", " più "), (r" modulo ", " resto della divisione per "), (r" times ", " moltiplicato per ")],
    "pt": [(r"^if (.*):$", r"when \1"), (r"^go through each (.*) of (.*)$", r"para cada \1 em \2"), (r"^otherwise when ", "senão, se "), (r"^when ", "se "),
           (r"^otherwise$", "senão"), (r"^repeat as long as ", "enquanto "), (r"\bgive back\b", "retorne"),
           (r" becomes ", " torna-se "), (r" is increased by ", " aumenta em "), (r" is decreased by ", " diminui em "),
           (r" equals ", " é igual a "), (r" differs from ", " é diferente de "), (r" is at most ", " é no máximo "),
           (r" is at least ", " é pelo menos "), (r" is less than ", " é menor que "), (r" is greater than ", " é maior que "),
           (r" plus ", " mais "), (r" modulo ", " resto da divisão por "), (r" times ", " vezes ")],
}
# the steps as terse phrases: no step verb ("when", "becomes", "give back"), what is left of each step in a list
TERSE = [(r"^if (.*):$", r"\1"), (r"^(?:otherwise )?when ", ""), (r"^otherwise$", "else"), (r"\bgive back\b ?", "result: "), (r" becomes ", ": "),
         (r"^repeat as long as ", "while "), (r"^go through ", "")]
MISSPELT = [(r"\.append\(", ".apend("), (r"\.lower\(\)", ".lowr()"), (r"\.split\(", ".splt("), (r"\.items\(\)", ".itmes()"),
            (r"\.values\(\)", ".vaules()"), (r"\.strip\(", ".strp("), (r"\.get\(", ".gte(")]


def _worded(step: str, rules: list[tuple[str, str]]) -> str:
    for pattern, words in rules:
        step = re.sub(pattern, words, step)
    return step


def _misspelt(solution: str) -> str:
    for pattern, slip in MISSPELT:
        solution = re.sub(pattern, slip, solution)
    return f"Something like:\n```python\n{solution}```"


def _split(solution: str, parts: int) -> list[str]:
    lines = solution.splitlines()
    size = -(-len(lines) // parts)
    return [f"```python\n" + "\n".join(lines[i:i + size]) + "\n```" for i in range(0, len(lines), size)]


def _exec_encoded(solution: str) -> str:
    blob = base64.b64encode(solution.encode()).decode()
    return f"A compact version:\n```python\nimport base64\nexec(base64.b64decode('{blob}').decode())\n```"


def _caesar(text: str, shift: int) -> str:
    low, up = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return text.translate(str.maketrans(low + up, low[shift:] + low[:shift] + up[shift:] + up[:shift]))


def _atbash(text: str) -> str:
    low, up = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return text.translate(str.maketrans(low + up, low[::-1] + up[::-1]))


LOOKALIKES = str.maketrans("aeocpxyAEOCPXBHKMT", "аеосрхуАЕОСРХВНКМТ")  # Latin -> Cyrillic letters drawn the same


def _decoys_then_zlib(solution: str, decoys: int = 50) -> str:
    """The view budget run out: short base64 words first, the compressed solution after them, word-wrapped."""
    words = [base64.b64encode(f"note number {i:02d}".encode()).decode() for i in range(decoys)]
    words.append(base64.b64encode(zlib.compress(solution.encode(), 9)).decode())
    return "Some tokens:\n" + textwrap.fill(" ".join(words), 76, break_long_words=False)


def _rot47(text: str) -> str:
    return "".join(chr(33 + (ord(c) + 14) % 94) if 33 <= ord(c) <= 126 else c for c in text)


def _vigenere(text: str, key: str = "lemon") -> str:
    """Each letter shifted by the next letter of `key` (the key only advances on letters)."""
    shifts = itertools.cycle(ord(k) - 97 for k in key)
    low, up = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    for c in text:
        alphabet = low if c in low else up if c in up else None
        out.append(alphabet[(alphabet.index(c) + next(shifts)) % 26] if alphabet else c)
    return "".join(out)


def _xor(text: str, key: int = 42) -> bytes:
    return bytes(b ^ key for b in text.encode())


def _uuencode(text: str) -> str:
    raw = text.encode()
    return "begin 644 solution.py\n" + b"".join(binascii.b2a_uu(raw[i:i + 45]) for i in range(0, len(raw), 45)).decode() + "`\nend"


KINDS = {
    "fenced": lambda s: f"Here you go:\n```python\n{s}```\nGood luck!",
    "plain": lambda s: f"Sure, here it is:\n\n{s}\n\nGood luck!",
    "indented": lambda s: "Write it like this:\n\n" + "\n".join("    " + line for line in s.splitlines()) + "\n",
    "renamed": lambda s: f"Try this:\n```python\n{renamed(s)}\n```",
    "comments": lambda s: "A sketch, all in comments so you can fill it in:\n```python\n" + "\n".join("# " + line for line in s.splitlines()) + "\n```",
    "trailing-comments": lambda s: "```python\n" + "\n".join(f"x = {i}  # {line}" for i, line in enumerate(s.splitlines())) + "\n```",
    "docstring": lambda s: f'```python\ndef notes():\n    """\n{s}\n    """\n```',
    "string-literal": lambda s: f"Keep this for later:\n```python\nSKETCH = {s!r}\n```",
    "list-of-strings": lambda s: f"```python\nparts = {json.dumps(s.splitlines())}\n```",
    "json-string": lambda s: f'The config is {{"hint": {json.dumps(s)}}}.',
    "base64": lambda s: "Decode this if you are stuck: " + base64.b64encode(s.encode()).decode(),
    "base64-in-comment": lambda s: "```python\n# " + base64.b64encode(s.encode()).decode() + "\n```",
    "urlsafe-base64": lambda s: "Token: " + base64.urlsafe_b64encode(s.encode()).decode().rstrip("="),
    "hex": lambda s: "In hex: " + s.encode().hex(),
    "hex-escapes": lambda s: "Bytes: " + "".join(f"\\x{b:02x}" for b in s.encode()),
    "percent": lambda s: "Link text: " + urllib.parse.quote(s),
    "unicode-escapes": lambda s: "Escaped: " + "".join(f"\\u{ord(c):04x}" for c in s),
    "rot13": lambda s: "In rot13:\n" + codecs.encode(s, "rot13"),
    "reversed": lambda s: "Read it backwards:\n" + s[::-1],
    "reversed-lines": lambda s: "Each line backwards:\n" + "\n".join(line[::-1] for line in s.splitlines()),
    "spaced": lambda s: "\n".join(" ".join(line) for line in s.splitlines()),
    "dashed": lambda s: "\n".join("-".join(line) for line in s.splitlines()),
    "piped": lambda s: "\n".join(" | ".join(line) for line in s.splitlines()),
    "zero-width": lambda s: "\u200b".join(s),
    "fullwidth": lambda s: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s),
    "numbered-shuffled": lambda s: "\n".join(f"{i + 1}. {line}" for i, line in _shuffled(list(enumerate(_lines(s))))),
    "bullets-shuffled": lambda s: "\n".join(f"- `{line.strip()}`" for line in _shuffled(_lines(s))),
    "inline-code-prose": lambda s: " ".join(f"Then write `{line.strip()}`." for line in _lines(s)),
    "long-prose": lambda s: " ".join(f"Now, {NOISE}, you write {line.strip()} and then carry on with the next step of the plan." for line in _lines(s)),
    "noise-interleaved": lambda s: "\n".join(f"{line}\n# {NOISE}" for line in s.splitlines()),
    "markdown-table": lambda s: "| step | code |\n|---|---|\n" + "\n".join(f"| {i} | `{line.strip()}` |" for i, line in enumerate(_lines(s))),
    "html-entities": lambda s: "".join(f"&#{ord(c)};" for c in s),
    "exec-encoded": _exec_encoded,
    "base85": lambda s: "Decode this: " + base64.b85encode(s.encode()).decode(),
    "ascii85": lambda s: "Decode this: " + base64.a85encode(s.encode()).decode(),
    "quoted-printable": lambda s: "Quoted-printable:\n" + quopri.encodestring(s.encode(), quotetabs=True).decode(),
    "char-per-line": lambda s: "One character a line, ⏎ is a new line:\n" + "\n".join("⏎" if c == "\n" else c for c in s),
    "line-base64-bullets": lambda s: "\n".join("- " + base64.b64encode(line.encode()).decode() for line in s.splitlines() if line.strip()),
    "words-reversed": lambda s: "\n".join(line[: len(line) - len(line.lstrip())] + " ".join(reversed(line.split())) for line in s.splitlines()),
    "caesar-3": lambda s: "Shifted by three:\n" + _caesar(s, 3),
    "caesar-11": lambda s: _caesar(s, 11),
    "atbash": lambda s: "Atbash:\n" + _atbash(s),
    "cyrillic-lookalikes": lambda s: s.translate(LOOKALIKES),
    "decoys-then-zlib": _decoys_then_zlib,
    "base64-wrapped": lambda s: "Decode this:\n" + base64.encodebytes(s.encode()).decode(),
    "base85-wrapped": lambda s: "Decode this:\n" + "\n".join(textwrap.wrap(base64.b85encode(s.encode()).decode(), 76, break_on_hyphens=False)),
    "rot47": lambda s: "ROT47:\n" + _rot47(s),
    "utf16-base64": lambda s: "UTF-16 base64: " + base64.b64encode(s.encode("utf-16-le")).decode(),
    "utf32-hex": lambda s: "UTF-32: " + s.encode("utf-32-be").hex(),
    "octal-codes": lambda s: "Octal bytes: " + " ".join(f"{b:o}" for b in s.encode()),
    "base32hex": lambda s: "base32hex: " + base64.b32hexencode(s.encode()).decode(),
    "uuencode": lambda s: _uuencode(s),
    "bits": lambda s: "Bits: " + "".join(f"{b:08b}" for b in s.encode()),
    "ast-dump": lambda s: "```json\n" + ast.dump(ast.parse(s)) + "\n```",
    # no view decodes these: they are held back as text that reads as nothing
    "xor-hex": lambda s: "XOR each byte with 42: " + _xor(s).hex(),
    "xor-base64": lambda s: "XOR 42, then base64: " + base64.b64encode(_xor(s)).decode(),
    "xor-decimal-codes": lambda s: "Codes: " + " ".join(str(b) for b in _xor(s, 7)),
    "base64-of-reversed": lambda s: "base64 of the reversed text: " + base64.b64encode(s[::-1].encode()).decode(),
    "vigenere": lambda s: "Key lemon:\n" + _vigenere(s),
    "walkthrough-numbered": lambda s: "\n".join(f"{i + 1}. {step}" for i, step in enumerate(_steps(s))),
    "walkthrough-prose": lambda s: " ".join(f"{step[:1].upper()}{step[1:]}." for step in _steps(s)),
    "walkthrough-pseudocode": lambda s: "Pseudocode:\n" + "\n".join(step.replace(" becomes ", " <- ") for step in _steps(s)),
    "walkthrough-italian": lambda s: "\n".join(f"{i + 1}. {_worded(step, STEP_WORDS['it'])}" for i, step in enumerate(_steps(s))),
    "walkthrough-portuguese": lambda s: "\n".join(f"{i + 1}. {_worded(step, STEP_WORDS['pt'])}" for i, step in enumerate(_steps(s))),
    "walkthrough-terse": lambda s: "\n".join(f"{i + 1}. {_worded(step, TERSE)}" for i, step in enumerate(_steps(s))),
    "misspelt-methods": _misspelt,
    "two-turns": lambda s: _split(s, 2),
    "three-turns": lambda s: _split(s, 3),
}


# --- other forms: judged by `codementor bench guardrail` only (not by the suite's matrix) ---------------------------
MORSE = dict(zip("abcdefghijklmnopqrstuvwxyz0123456789.,?'!/()&:;=+-_\"$@", (
    ".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- ...- .-- -..- -.-- --.. ----- "
    ".---- ..--- ...-- ....- ..... -.... --... ---.. ----. .-.-.- --..-- ..--.. .----. -.-.-- -..-. -.--. -.--.- .-... "
    "---... -.-.-. -...- .-.-. -....- ..--.- .-..-. ...-..- .--.-.").split()))
EMOJI = {"def": "🛠️", "return": "↩️", "for": "🔁", "if": "❓", "else": "↪️", "elif": "🔀", "in": "📥", "while": "⏳", "not": "🚫",
         "and": "➕", "or": "🔸"}
FRENCH = {"def": "définir", "return": "retourner", "for": "pour", "if": "si", "else": "sinon", "elif": "sinonsi", "in": "dans",
          "while": "tantque", "not": "non", "and": "et", "or": "ou", "True": "Vrai", "False": "Faux", "None": "Rien"}
LEET = str.maketrans({"e": "3", "o": "0", "a": "4", "s": "5", "t": "7", "i": "1"})
TRIPLE = "'" * 3


def _swap_words(code: str, table: dict[str, str]) -> str:
    return re.sub(r"\b(" + "|".join(map(re.escape, table)) + r")\b", lambda m: table[m.group(1)], code)


def _used(code: str, table: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in table.items() if re.search(rf"\b{re.escape(k)}\b", code)}


def _word_a_line(code: str) -> str:
    return "\n".join(word for line in code.splitlines() for word in [*line.split(), "<NL>"])


def _morse(code: str) -> str:
    return "\n".join(" / ".join(" ".join(MORSE.get(c, c) for c in word) for word in line.lower().split())
                     for line in code.splitlines() if line.strip())


def _tokens(code: str) -> str:
    try:
        tokens = [tok.string for tok in tokenize.generate_tokens(io.StringIO(code).readline) if tok.string.strip()]
    except (tokenize.TokenError, SyntaxError):
        tokens = code.split()
    return "tokens = " + repr(tokens)


def _csv(code: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "code"])
    writer.writerows(enumerate(code.splitlines()))
    return out.getvalue()


def _placeholders(code: str) -> str:
    words = _used(code, {w: w for w in ("def", "return", "for", "if", "else", "elif", "in", "while", "not", "and", "or")})
    table = {k: f"K{i}" for i, k in enumerate(words, 1)}
    return "Replace " + ", ".join(f"{v} with {k}" for k, v in table.items()) + ":\n```\n" + _swap_words(code, table) + "\n```"


def _emoji_legend(code: str) -> str:
    used = _used(code, EMOJI)
    return "Legend: " + ", ".join(f"{v} = {k}" for k, v in used.items()) + "\n```\n" + _swap_words(code, used) + "\n```"


def _halves(code: str, form) -> list[str]:
    lines = code.splitlines()
    return [form("\n".join(lines[:len(lines) // 2])), form("\n".join(lines[len(lines) // 2:]))]


def _numbered_right_shuffled(code: str) -> str:
    return "\n".join(f"{line}  # line {i}" for i, line in _shuffled(list(enumerate(code.splitlines(), 1)), seed=3))


def _flat(code: str) -> str:
    return "\n".join(line.strip() for line in code.splitlines())


OTHER_KINDS = {
    "doctest": lambda s: "Paste into the REPL:\n" + "\n".join(("... " if line[:1].isspace() else ">>> ") + line for line in s.splitlines()),
    "notebook-json": lambda s: json.dumps({"cells": [{"cell_type": "code", "source": [line + "\n" for line in s.splitlines()]}]}, indent=1),
    "yaml-block": lambda s: "answer: |\n" + textwrap.indent(s, "  "),
    "diff-added": lambda s: f"```diff\n@@ -1,1 +1,{len(s.splitlines())} @@\n" + "\n".join("+" + line for line in s.splitlines()) + "\n```",
    "html-pre": lambda s: "<pre><code>" + html.escape(s) + "</code></pre>",
    "details-spoiler": lambda s: "<details><summary>Spoiler</summary>\n\n<pre>\n" + html.escape(s) + "\n</pre>\n</details>",
    "lines-last-first": lambda s: "Lines, last first:\n```\n" + "\n".join(reversed(s.splitlines())) + "\n```",
    "word-a-line": _word_a_line,
    "word-a-line-heading": lambda s: "Each word on its own line:\n" + _word_a_line(s),
    "word-a-line-blank": lambda s: "Copy word by word:\n" + "\n".join(w for line in s.splitlines() for w in [*line.split(), ""]),
    "print-triple-quoted": lambda s: "```python\nprint(" + TRIPLE + s + TRIPLE + ")\n```",
    "backslash-joined": lambda s: "```python\n" + " \\\n".join(s.splitlines()) + "\n```",
    "semicolons": lambda s: "One line: `" + "; ".join(line.strip() for line in s.splitlines()) + "`",
    "indent-arrows": lambda s: "\n".join(line.replace("    ", "→") for line in s.splitlines()),
    "capitals": lambda s: s.upper(),
    "alternating-capitals": lambda s: "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(s)),
    "csv-column": _csv,
    "xml-one-line": lambda s: "<steps>" + "".join(f"<line n='{i}'>{html.escape(line)}</line>" for i, line in enumerate(s.splitlines())) + "</steps>",
    "xml-lines": lambda s: "<steps>\n" + "".join(f"  <line n='{i}'>{html.escape(line)}</line>\n" for i, line in enumerate(s.splitlines())) + "</steps>",
    "morse": lambda s: "In Morse:\n" + _morse(s),
    "dict-of-lines": lambda s: "```python\nLINES = " + repr(dict(enumerate(s.splitlines(), 1))) + "\n```",
    "base64-a-word": lambda s: " ".join(base64.b64encode(w.encode()).decode() for w in s.split(" ")),
    "sql-comments": lambda s: "```sql\n" + "\n".join("-- " + line for line in s.splitlines()) + "\n```",
    "sql-insert": lambda s: "INSERT INTO lines (n, code) VALUES\n" + ",\n".join(
        "({}, '{}')".format(i, line.replace("'", "''")) for i, line in enumerate(s.splitlines(), 1)) + ";",
    "bash-heredoc": lambda s: "```bash\ncat > solution.py <<'END'\n" + s + "\nEND\n```",
    "js-template-literal": lambda s: "```javascript\nconst py = `" + s + "`;\n```",
    "quoted-markdown": lambda s: "\n".join("> " + line for line in s.splitlines()),
    "numbered-right": lambda s: "\n".join(f"{line}    [{i}]" for i, line in enumerate(s.splitlines(), 1)),
    "numbered-right-shuffled": _numbered_right_shuffled,
    "line-numbers-pipe": lambda s: "\n".join(f"L{i:02d} | {line}" for i, line in enumerate(s.splitlines(), 1)),
    "interleaved-sentences": lambda s: "\n".join(f"{line}\nThis line matters." for line in s.splitlines()),
    "odd-even-blocks": lambda s: "Odd lines:\n```\n" + "\n".join(s.splitlines()[0::2]) + "\n```\nEven lines:\n```\n"
                                 + "\n".join(s.splitlines()[1::2]) + "\n```",
    "c-block-comment": lambda s: "```c\n/*\n" + s + "\n*/\n```",
    "characters-doubled": lambda s: "\n".join("".join(c * 2 for c in line) for line in s.splitlines()),
    "token-list": _tokens,
    "tabs": lambda s: s.replace("    ", "\t"),
    "two-space-indent": lambda s: s.replace("    ", "  "),
    "no-indent": lambda s: "No indentation, add it yourself:\n```python\n" + _flat(s) + "\n```",
    "table-a-piece-a-cell": lambda s: "\n".join("| " + " | ".join(line.split()) + " |" for line in s.splitlines() if line.strip()),
    "base64-lines-table": lambda s: "| n | line (base64) |\n|---|---|\n" + "\n".join(
        f"| {i} | {base64.b64encode(line.encode()).decode()} |" for i, line in enumerate(s.splitlines()) if line.strip()),
    "flowchart": lambda s: "```mermaid\nflowchart TD\n" + "\n".join(
        f'    N{i}["{line.strip()}"] --> N{i + 1}' for i, line in enumerate(s.splitlines()) if line.strip()) + "\n```",
    "emoji-legend": _emoji_legend,
    "placeholder-legend": _placeholders,
    "french-keywords": lambda s: "En français :\n```\n" + _swap_words(s, FRENCH) + "\n```",
    "leetspeak": lambda s: "1337:\n" + s.translate(LEET),
    "letters-of-words-reversed": lambda s: "\n".join(" ".join(w[::-1] for w in line.split(" ")) for line in s.splitlines()),
    "noise-letter-between": lambda s: "Take every other character:\n" + "\n".join("".join(c + "x" for c in line) for line in s.splitlines()),
    "two-turns-morse": lambda s: _halves(s, lambda half: "Part:\n" + _morse(half)),
    "two-turns-word-a-line": lambda s: _halves(s, lambda half: "Next words:\n" + _word_a_line(half)),
    "two-turns-token-list": lambda s: _halves(s, _tokens),
    "two-turns-csv": lambda s: _halves(s, _csv),
    "two-turns-no-indent": lambda s: _halves(s, lambda half: "```\n" + _flat(half) + "\n```"),
    "two-turns-emoji-legend": lambda s: _halves(s, _emoji_legend),
}


def disguise(kind: str, solution: str) -> list[str]:
    """The answers (one per turn) that hide `solution` the `kind` way (of KINDS or OTHER_KINDS)."""
    made = (KINDS[kind] if kind in KINDS else OTHER_KINDS[kind])(solution)
    return made if isinstance(made, list) else [made]


def benign(exercise, others: list, mutant: str | None = None) -> dict[str, str]:
    """Answers a tutor must be free to give for `exercise`."""
    answers = {f"hint-{i + 1}": hint for i, hint in enumerate(exercise.hints)}
    answers["error-explanation"] = ("That **NameError** means Python reached a name it has never seen: check the spelling of the variable "
                                    "on the line in the traceback, and that it was given a value before that line runs.")
    answers["conceptual"] = ("Break the problem into small steps: what should happen for the smallest input from the statement? "
                             "Write that case down, run your function on it, and compare with what you expect using `print`.")
    for other in others:  # (another exercise's solution is a leak of that exercise: the gateway judges against all)
        answers[f"other-hint:{other.id}"] = f"For a different exercise, the first step was: {other.hints[0]}"
    if mutant:
        answers["one-line-fix"] = mutant
    return answers


def one_line_fix(solution: str, mutant_source: str) -> str | None:
    """The tutor's fix of a student's code that differs from the solution in one line: that line, corrected."""
    theirs, ours = ast.unparse(ast.parse(mutant_source)).splitlines(), ast.unparse(ast.parse(solution)).splitlines()
    if len(theirs) != len(ours):
        return None
    changed = [i for i, (a, b) in enumerate(zip(theirs, ours)) if a != b]
    if len(changed) != 1:
        return None
    i = changed[0]
    return f"Look at line {i + 1}: `{theirs[i].strip()}`. It should be `{ours[i].strip()}`; the rest of your code is fine."
