"""A fill-in-the-blanks template and the words that fill its blanks, read as one.

A template is code with labelled holes (`____A____`, `[blank B]`, `<C>`); the blanks may be answered in the same
answer or in a later one, in words ("blank B is the current balance plus this amount"). Each answered hole is read
with its answer in place, so the walkthrough sees the line as the student will write it (`balance = the current
balance plus this amount`); holes no one answers stay holes.
"""

from __future__ import annotations

import re

HOLE = re.compile(r"_{2,}([A-Za-z0-9]{1,2})_{2,}|\[\s*blank\s+([A-Za-z0-9]{1,2})\s*\]|<\s*([A-Z0-9]{1,2})\s*>", re.I)
LABEL = r"\b(?:blank|gap|hole)\s+([A-Za-z0-9]{1,2})\b"
ANSWER = re.compile(LABEL + r"\s*(?:is|=|:|becomes|should be|gets|holds)\s+(.+?)(?=[;.\n]|" + LABEL + r"|$)", re.I)


def filled(text: str) -> str | None:
    """`text` with the holes it answers filled in, or None when it answers none."""
    if not HOLE.search(text):
        return None
    said: dict[str, str] = {}
    for match in ANSWER.finditer(text):
        said.setdefault(match.group(1).upper(), match.group(2).strip(" ,"))
    if not said:
        return None
    return HOLE.sub(lambda m: said.get(next(g for g in m.groups() if g).upper(), m.group(0)), text)
