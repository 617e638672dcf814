"""A solution told over several turns, each in another form: the conversation read with each turn's code as Python.

A model asked for the solution piece by piece can tell one piece in Python, the next in JavaScript and the last in
Python again: the conversation as written holds the other language's piece unread, and the answer read as Python alone
holds none of the earlier pieces. `mixed` gives the conversation with each of its fenced blocks in another language
read as Python (see `languages.as_python`; a block is read alone, as a conversation mixes languages), so the
walkthrough and the sandbox read the pieces together, in order.
"""

from __future__ import annotations

import re

from functools import lru_cache

from .languages import as_python

BLOCK = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t]*\1[ \t]*$", re.S | re.M)
MAX_BLOCKS = 12  # fenced blocks of a conversation read, the latest


@lru_cache(maxsize=1024)
def _read(block: str) -> str:
    readings = as_python(block)
    return readings[0] if readings else block


@lru_cache(maxsize=256)
def read_blocks(text: str) -> str:
    """`text` with each of its (latest MAX_BLOCKS) fenced blocks of other languages' code read as Python."""
    blocks = list(BLOCK.finditer(text))[-MAX_BLOCKS:]
    if not blocks:
        return text
    out, position = [], 0
    for match in blocks:
        out += [text[position:match.start()], _read(match.group(0))]
        position = match.end()
    return "".join([*out, text[position:]])


def mixed(prior: str, answer: str) -> tuple[str, ...]:
    """The conversation (`prior`, then `answer`) with its other languages' code read as Python; none if there was no
    turn before, or nothing in it reads so."""
    if not prior:
        return ()
    whole = f"{prior}\n\n{answer}"
    read = read_blocks(whole)
    return (read,) if read != whole else ()
