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
