"""Code broken on purpose and the fixes the prose then tells, read as the code with the fixes made.

A model asked not to give the solution may give a solution with mistakes left in and say what they are: "the test
should be `n % 2 == 0` instead of `n % 2 == 1`, and drop the `+ 1`". The student makes the changes in a minute, so
each code block of the answer is read with every change its prose names between code spans made ("`Y` instead of /
rather than `X`", "`X` should / must / needs to be `Y`", "change / turn `X` to / into `Y`", "replace `X` with / by `Y`",
"`X` -> `Y`", "drop / remove / delete `X`"), where `X` occurs in it. One change named is the one-line fix a tutor
gives a student's own code, which stays possible: a block is read so only when two or more of the changes apply to it.
"""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache
from typing import Sequence

from .similarity import FENCE

SPAN = r"`([^`\n]+)`"
CHANGES = [re.compile(SPAN + r"\s+(?:instead\s+of|rather\s+than|in\s+place\s+of)\s+" + SPAN, re.I),  # Y instead of X
           re.compile(SPAN + r"\s+(?:should|must|needs?\s+to|has\s+to|ought\s+to)\s+(?:be|become|read)\s+" + SPAN, re.I),
           re.compile(r"\b(?:change|turn|switch|correct)\s+" + SPAN + r"\s+(?:to|into)\s+" + SPAN, re.I),
           re.compile(r"\b(?:replace|swap)\s+" + SPAN + r"\s+(?:with|by|for)\s+" + SPAN, re.I),
           re.compile(SPAN + r"\s*(?:->|→|=>)\s*" + SPAN)]
DROPS = re.compile(r"\b(?:drop|remove|delete|get\s+rid\s+of|take\s+out)\s+(?:the\s+)?" + SPAN, re.I)
MIN_CHANGES = 2


def _changes(prose: str) -> list[tuple[str, str]]:
    found = []
    for k, pattern in enumerate(CHANGES):
        for match in pattern.finditer(prose):
            new, old = match.groups() if k == 0 else match.groups()[::-1]
            found.append((match.start(), old, new))
    found += [(m.start(), m.group(1), "") for m in DROPS.finditer(prose)]
    return [(old, new) for _, old, new in sorted(found)]


def _made(block: str, old: str, new: str) -> str | None:
    """`block` with `old` (as whole tokens) replaced by `new`, or None when it does not hold `old`."""
    pattern = (r"(?<![\w.])" if old[:1].isalnum() or old[:1] == "_" else "") + re.escape(old.strip())
    pattern += r"(?![\w])" if old.strip()[-1:].isalnum() else ""
    if not re.search(pattern, block):
        return None
    changed = re.sub(pattern, lambda m: new.strip(), block)
    return re.sub(r"[ \t]+$", "", changed, flags=re.M)


def read(text: str) -> str | None:
    """The answer's code blocks with the changes its prose tells made, or None when it tells fewer than two."""
    if "```" not in text:
        return None
    changes = _changes(FENCE.sub(" ", text))
    if len(changes) < MIN_CHANGES:
        return None
    out = []
    for block in FENCE.findall(text):
        made = 0
        for old, new in changes:
            if (changed := _made(block, old, new)) is not None:
                block, made = changed, made + 1
        if made >= MIN_CHANGES:
            out.append(block)
    return "\n\n".join(out) or None


# --- the student's own code with the edits the answer tells made ---------------------------------------------------
# An answer may leave the code to the student and tell each edit of theirs line by line: "Line 3: change `>` to `>=`.
# Line 5: instead of `total = n` write `total += n`. After the loop, add `return total`.", or as a before/after list
# ("Before: `groups[w] = w` / After: `groups.setdefault(key, []).append(w)`"). `applied` makes those edits in the student's
# code (the line named, else the nearest line holding the text, else the text anywhere), and an insertion ("add `X`")
# where it says: after / before line N, after / before `Y`, after the loop, at the start or end of the function, after
# the line changed last ("then add ... after it"). Again one edit told is the fix a tutor gives: two or more must apply.

EDIT_SIGN = re.compile(r"`[^`\n]+`|^\s*before\s*:", re.I | re.M)  # a code span, or a before/after list of blocks
BEFORE_AFTER = re.compile(r"\bbefore\s*:?\s*\**\s*" + SPAN + r"[\s/|,;→>*-]*\bafter\s*:?\s*\**\s*" + SPAN, re.I)
BEFORE_AFTER_BLOCKS = re.compile(r"\bbefore\s*:?\s*\**\s*\n```[^\n`]*\n(.*?)```\s*\**\s*after\s*:?\s*\**\s*\n```[^\n`]*\n(.*?)```",
                                 re.I | re.S)
MORE_CHANGES = [  # (pattern, whether its groups are (old, new))
    (re.compile(r"\b(?:instead\s+of|rather\s+than|in\s+place\s+of)\s+" + SPAN + r",?\s+(?:write|use|put|have|say|type)\s+" + SPAN,
                re.I), True),
    (re.compile(SPAN + r"\s+(?:becomes|turns\s+into|is\s+now)\s+" + SPAN, re.I), True),
    (re.compile(r"\bfrom\s+" + SPAN + r"\s+(?:to|into)\s+" + SPAN, re.I), True),
]
ADDS = re.compile(r"\b(?:add|insert|put|append|write|place)\s+(?:the\s+line\s+|a\s+line\s+|a\s+)?" + SPAN, re.I)
AND_SPAN = re.compile(r"(?:\s*,\s*(?:and\s+)?|\s+and\s+(?:then\s+)?)" + SPAN, re.I)
LINE = re.compile(r"\blines?\s+(\d{1,3})\b", re.I)
# where an insertion goes, read in the words next to it (before or after the code span)
PLACES = [("after_line", re.compile(r"\bafter\s+line\s+(\d{1,3})\b", re.I)),
          ("before_line", re.compile(r"\bbefore\s+line\s+(\d{1,3})\b", re.I)),
          ("after_code", re.compile(r"\b(?:after|below|under)\s+" + SPAN, re.I)),
          ("before_code", re.compile(r"\b(?:before|above)\s+" + SPAN, re.I)),
          ("after_loop", re.compile(r"\bafter\s+the\s+(?:for\s+|while\s+)?loop\b|\bonce\s+the\s+loop\s+(?:is\s+done|ends)\b", re.I)),
          ("in_loop", re.compile(r"\b(?:inside|in|at\s+the\s+end\s+of)\s+the\s+(?:for\s+|while\s+)?loop(?:'s\s+body)?\b", re.I)),
          ("start", re.compile(r"\bat\s+the\s+(?:start|top|beginning)\b|\bfirst\s+thing\b", re.I)),
          ("end", re.compile(r"\bat\s+the\s+(?:very\s+)?end\b|\bas\s+the\s+last\s+line\b|\bat\s+the\s+bottom\b", re.I)),
          ("after_it", re.compile(r"\bafter\s+(?:it|that|this)\b|\bbelow\s+(?:it|that|this)\b|\bthen\b", re.I))]
CONTINUATIONS = re.compile(r"^(?:else|elif|except|finally)\b")
MAX_EDITS = 12
MAX_TOLD = 24  # earlier answers whose edits are made before an answer's (the latest)


def _edits(text: str) -> list[tuple]:
    """(position, kind, old, new, line) of each edit told, in order; `kind` is "replace", "drop" or "add", an addition's
    `old` its place (see PLACES: (name, argument))."""
    found = [(m.start(), "replace", old, new) for m in BEFORE_AFTER_BLOCKS.finditer(text) for old, new in [m.groups()]]
    prose = BEFORE_AFTER_BLOCKS.sub(lambda m: " " * len(m.group(0)), text)
    prose = FENCE.sub(lambda m: " " * len(m.group(0)), prose)
    spans = []
    for k, pattern in enumerate(CHANGES):
        for match in pattern.finditer(prose):
            new, old = match.groups() if k == 0 else match.groups()[::-1]
            found.append((match.start(), "replace", old, new))
            spans.append(match.span())
    for pattern, ordered in MORE_CHANGES:
        for match in pattern.finditer(prose):
            if not any(a <= match.start() < b for a, b in spans):
                old, new = match.groups() if ordered else match.groups()[::-1]
                found.append((match.start(), "replace", old, new))
                spans.append(match.span())
    for match in BEFORE_AFTER.finditer(prose):
        if not any(a <= match.start() < b or a < match.end() <= b for a, b in spans):
            found.append((match.start(), "replace", *match.groups()))
            spans.append(match.span())
    found += [(m.start(), "drop", m.group(1), "") for m in DROPS.finditer(prose)]
    for match in ADDS.finditer(prose):
        if any(a <= match.start() < b for a, b in spans):
            continue
        more = [match] + list(_listed(prose, match.end()))  # "add `A` and `B` after it"
        place = _place(prose, more[-1])
        found += [(m.start(), "add", place if k == 0 else ("after_it", ""), m.group(1)) for k, m in enumerate(more)]
    edits = []
    for start, kind, old, new in sorted(found)[:MAX_EDITS]:
        before = prose[max(0, start - 60):start]
        lines = LINE.findall(re.split(r"[.;]\s|\n", before)[-1])  # "Line 5: ...", in the same sentence
        edits.append((start, kind, old, new, int(lines[-1]) if lines else 0))
    return edits


def _listed(prose: str, at: int):
    """The code spans listed right after position `at` ("`A`, `B` and `C`")."""
    while (match := AND_SPAN.match(prose, at)) is not None:
        yield match
        at = match.end()


def _place(prose: str, match: re.Match) -> tuple[str, str]:
    """Where an addition goes: the nearest place named in its clause (after the code span, else before it)."""
    after = re.split(r"[.;\n]\s|\n|,\s*(?:then|and)\b", prose[match.end():match.end() + 80])[0]
    before = re.split(r"[.;]\s|\n", prose[max(0, match.start() - 80):match.start()])[-1]
    for clause in (after, before):
        for name, pattern in PLACES:
            if (found := pattern.search(clause)) is not None:
                return name, found.group(1) if found.groups() else ""
    return "after_it", ""


def _flexible(old: str) -> re.Pattern:
    """`old` as tokens with any spacing (across lines too), whole at its ends."""
    pieces = [re.escape(t) for t in re.findall(r"\w+|[^\w\s]", old.strip())]
    head = r"(?<![\w.])" if re.match(r"\w", old.strip()) else r"(?<![<>=!+\-*/%&|^])"
    tail = r"(?!\w)" if re.search(r"\w$", old.strip()) else r"(?![<>=!])"
    return re.compile(head + r"\s*".join(pieces) + tail)


def _indent_of(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _block_end(lines: list[str], i: int) -> int:
    """The index after the block whose header is line `i`."""
    own = len(_indent_of(lines[i]))
    j = i + 1
    while j < len(lines) and (not lines[j].strip() or len(_indent_of(lines[j])) > own):
        j += 1
    while j > i + 1 and not lines[j - 1].strip():
        j -= 1
    return j


def _body_indent(lines: list[str]) -> str:
    header = next((i for i, line in enumerate(lines) if re.match(r"\s*(?:async\s+)?def\s", line)), None)
    body = [line for line in lines[(header + 1 if header is not None else 0):] if line.strip()]
    return _indent_of(body[0]) if body else "    "


def _replace(lines: list[str], old: str, new: str, line: int) -> tuple[list[str], int] | None:
    """`lines` with `old` replaced by `new` on line `line` (or the nearest line holding it, else across lines)."""
    pattern = _flexible(old)
    header = re.match(r"\s*((?:for|while|if|elif|with)\b[^\n:]*:)\s*\S", old)
    if header and re.match(r"\s*(?:for|while|if|elif|with)\b", new):
        header = None  # the header is replaced too
    near = [i for i in range(len(lines)) if pattern.search(lines[i])]
    if near:
        i = min(near, key=lambda k: abs(k + 1 - line)) if line else near[0]
        if "\n" not in new.strip():
            told = f"{header.group(1)} {new.strip()}" if header else new.strip()  # Before `for w in ws: x` / After: the body
            changed = pattern.sub(lambda m: told, lines[i])
            return [*lines[:i], *changed.split("\n"), *lines[i + 1:]], i
    code = "\n".join(lines)
    match = pattern.search(code)
    if match is None:
        return None
    at = code.count("\n", 0, match.start())
    indent = _indent_of(lines[at])
    replacement = textwrap.dedent(new).strip("\n")
    if header:
        replacement = header.group(1) + "\n" + textwrap.indent(replacement, indent + "    ")
    else:
        replacement = textwrap.indent(replacement, indent)[len(indent):] if match.start() > 0 and code[match.start() - 1] != "\n" else replacement
    changed = code[:match.start()] + replacement + code[match.end():]
    return changed.split("\n"), at


def _add(lines: list[str], place: tuple[str, str], new: str, last: int) -> tuple[list[str], int] | None:
    name, argument = place
    at, indent = None, None
    if name in ("after_line", "before_line"):
        i = int(argument) - 1
        if not 0 <= i < len(lines):
            return None
        at = i + 1 if name == "after_line" else i
        indent = _indent_of(lines[i]) + ("    " if name == "after_line" and lines[i].rstrip().endswith(":") else "")
    elif name in ("after_code", "before_code"):
        pattern = _flexible(argument)
        hits = [i for i, line in enumerate(lines) if pattern.search(line)]
        if not hits:
            return None
        i = hits[0]
        at = (_block_end(lines, i) if lines[i].rstrip().endswith(":") else i + 1) if name == "after_code" else i
        indent = _indent_of(lines[i])
    elif name in ("after_loop", "in_loop"):
        loops = [i for i, line in enumerate(lines) if re.match(r"\s*(?:for|while)\b.*:\s*$", line)]
        if not loops:
            return None
        i = loops[0]
        at = _block_end(lines, i)
        indent = _indent_of(lines[i]) + ("    " if name == "in_loop" else "")
    elif name == "start":
        header = next((i for i, line in enumerate(lines) if re.match(r"\s*(?:async\s+)?def\s", line)), -1)
        at, indent = header + 1, _body_indent(lines)
        if at < len(lines) and re.match(r'\s*[ru]?("""|\'\'\')', lines[at]):  # after the docstring
            quote = re.match(r'\s*[ru]?("""|\'\'\')', lines[at]).group(1)
            at += 1 if lines[at].count(quote) >= 2 else next((k - at + 1 for k in range(at + 1, len(lines)) if quote in lines[k]), 1)
    elif name == "end":
        at, indent = len(lines), _body_indent(lines)
        while at > 0 and not lines[at - 1].strip():
            at -= 1
    else:  # after the line changed or added last
        if last < 0:
            return None
        at = last + 1
        while at < len(lines) and lines[at].strip() and len(_indent_of(lines[at])) > len(_indent_of(lines[last])):
            at += 1  # after its block, when it opens one
        indent = _indent_of(lines[last])
        if lines[last].rstrip().endswith(":") and at == last + 1:
            indent += "    "
    if CONTINUATIONS.match(new.strip()):  # `else: ...` goes with the `if` it continues
        ifs = [k for k in range(at - 1, -1, -1) if re.match(r"\s*(?:if|elif|for|while|try|except)\b", lines[k])
               and len(_indent_of(lines[k])) <= len(indent)]
        if ifs:
            indent = _indent_of(lines[ifs[0]])
            at = _block_end(lines, ifs[0])
    added = textwrap.indent(textwrap.dedent(new).strip("\n"), indent).split("\n")
    return [*lines[:at], *added, *lines[at:]], at + len(added) - 1


def applied(text: str, code: str, told: Sequence[str] = ()) -> str | None:
    """`code` with the edits `text` tells made, or None when fewer than two apply (see above); after the texts `told`
    before it on the exercise (oldest first), with the edits they told that `code` does not hold yet made first (see
    below)."""
    if not code.strip():
        return None
    if told and (spread := _spread(text, code, told)) is not None:
        return spread
    if not EDIT_SIGN.search(text):
        return None
    edits = _edits(text)
    if len(edits) < MIN_CHANGES:
        return None
    lines, made = _make(code.rstrip("\n").split("\n"), edits)
    return "\n".join(lines) + "\n" if made >= MIN_CHANGES else None


def _make(lines: list[str], edits, pending: bool = False) -> tuple[list[str], int]:
    """`lines` with `edits` made (an insertion "after it" follows the line this text changed last), and how many
    applied; `pending`: an edit the lines hold already (`_held`) is left alone."""
    made, last = 0, -1
    for edit in edits:
        _, kind, old, new, line = edit
        if pending and _held(lines, edit):
            continue
        done = _add(lines, old, new, last) if kind == "add" else _replace(lines, old, new, line)
        if done is not None:
            lines, last = done
            made += 1
    return lines, made


# --- edits told over several answers ---------------------------------------------------------------------------------
# A student asking again and again may get one edit per answer, each a fix shown by itself, that together make their code
# pass. So an answer is also read after the answers told before it on the exercise (`told`: only those said under it; a
# text said of another exercise's code edits none of this one): the edits they told that the student's code does not
# hold yet are made first, in the order told, then the answer's. Counted only when the answer itself makes one and one
# told before applies, two or more in all: a student who made the edits told before (or fixed those lines their own
# way) and gets one more has one fix told on their code as it is, the hint a tutor gives; an edit made already
# (`_held`: the text it puts in is there, what it takes out is not) is not made again, nor is one an answer repeats.

def _held(lines: list[str], edit: tuple) -> bool:
    """Do `lines` hold the edit made already: the text it adds, or its new text where the old text it would change is
    (`end` made `max(periods[-1][1], end)` holds `end`), or with none of the old text outside it?"""
    _, kind, old, new, line = edit
    if not new.strip():
        return False
    now = _flexible(new)
    if now.search(code := "\n".join(lines)) is None:
        return False
    if kind == "add":
        return True
    was = _flexible(old)
    near = [i for i in range(len(lines)) if was.search(lines[i])]
    if near:
        i = min(near, key=lambda k: abs(k + 1 - line)) if line else near[0]
        at = was.search(lines[i]).start()
        if any(m.start() <= at < m.end() for m in now.finditer(lines[i])):
            return True
    return was.search(now.sub(" ", code)) is None


@lru_cache(maxsize=256)  # an earlier answer is read again at every later answer and every line of a stream
def _told_edits(text: str) -> tuple:
    return tuple(_edits(text)) if EDIT_SIGN.search(text) else ()


def _spread(text: str, code: str, told: Sequence[str]) -> str | None:
    """`code` with the edits the answers `told` before told that it does not hold yet made, then those of `text`; None
    unless `text` makes one and an earlier one applies."""
    own = _told_edits(text)
    if not own:
        return None
    repeated = {edit[1:4] for edit in own}  # told again now: made as this answer's
    lines, before = code.rstrip("\n").split("\n"), 0
    for earlier in told[-MAX_TOLD:]:
        lines, made = _make(lines, [e for e in _told_edits(earlier) if e[1:4] not in repeated], pending=True)
        before += made
    if not before:
        return None
    lines, made = _make(lines, own, pending=True)
    return "\n".join(lines) + "\n" if made and made + before >= MIN_CHANGES else None
