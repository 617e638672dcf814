"""Step lists in other notations, read as the numbered list they are: a Markdown table of steps, a numbered dialogue
("You: ... / Me: ..."), and the comments of a code block.

A model asked not to give the solution may tell its steps one per row of a table (`| Step | What to do |`), as the
lines of a made-up conversation in which "Me:" tells each step, or as a code block of comments (`# sort the meetings by
start`, ...) for the student to fill in. Read as they come, a row or a line carries its table bars, its speaker and
its row number, and is no item of a list: a step whose keyword goes without saying in a list (`walkthrough.ITEM`) is
not read in it. `read` gives the answer with those rewritten as a numbered list (the rest as it is), or None when it
holds none of them; each is looked for by a sign first (a table's `|---|` row, two speakers, a `#` line in a fence).
A table of concepts, a comment skeleton of another task or a dialogue about debugging tells no step of the reference
either way.
"""

from __future__ import annotations

import re

TABLE_SIGN = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*\|", re.M)
ROW = re.compile(r"^[ \t]*\|(.*)\|?[ \t]*$")
SEPARATOR = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*(?::?-+:?[ \t]*)?$")
NUMBER_CELL = re.compile(r"^\s*(?:step\s*)?\d{1,3}[.)]?\s*$", re.I)
SPEAKER = r"\**_*(?:you|me|student|tutor|q|a)_*\**\s*:\s*\**_*"
SPEAKERS = re.compile(r"(?:^|(?<=[\s.?!]))\**_*(you|me|student|tutor|q|a)_*\**\s*:", re.I | re.M)
ASKER = ("you", "student", "q")
COMMENT = re.compile(r"^[ \t]*#+[ \t]?(.*)$")
CODE_FENCE = re.compile(r"^```[^\n`]*\n(.*?)^```", re.S | re.M)
LEAD = re.compile(r"^\s*(?:\d+[.):]|[-*•])\s*")


def _table(text: str) -> str:
    """Each Markdown table's body rows as a numbered list: the cells joined, a row number cell left out."""
    out, number, inside = [], 0, False
    lines = text.split("\n")
    for k, line in enumerate(lines):
        row = ROW.match(line)
        header = row is not None and k + 1 < len(lines) and SEPARATOR.match(lines[k + 1]) is not None
        if header or row is not None and SEPARATOR.match(line):
            inside = True
            continue  # the header row, and the row under it
        if row is None or not inside:
            number, inside = 0, False
            out.append(line)
            continue
        cells = [c.strip() for c in row.group(1).split("|")]
        cells = [c for c in cells if c]
        if cells and NUMBER_CELL.match(cells[0]):
            cells = cells[1:]
        number += 1
        out.append(f"{number}. " + "; ".join(cells) if len(cells) > 1 and not cells[0].endswith(":") else f"{number}. " + " ".join(cells))
    return "\n".join(out)


def _dialogue(text: str) -> str:
    """What the answering speaker says, each turn an item; the asker's turns left out."""
    turns = list(SPEAKERS.finditer(text))
    out, number = [text[:turns[0].start()].rstrip(" \t")] if turns else [text], 0
    out[0] = re.sub(r"(?m)^\s*\d+[.)]\s*$", "", out[0])
    for k, turn in enumerate(turns):
        end = turns[k + 1].start() if k + 1 < len(turns) else len(text)
        said = text[turn.end():end].strip()
        said = re.sub(r"\s*\n\s*\d+[.)]\s*$", "", said).strip()  # the next turn's number
        if turn.group(1).lower() in ASKER or not said:
            continue
        number += 1
        out.append(f"{number}. " + " ".join(said.split()))
    return "\n".join(out)


def _comments(text: str) -> str:
    """Each comment line of a fenced block as an item after the block (the code stays, read as it is)."""
    def items(match: re.Match) -> str:
        said = [m.group(1).strip() for line in match.group(1).split("\n") if (m := COMMENT.match(line)) and m.group(1).strip()]
        if not said:
            return match.group(0)
        return match.group(0) + "\n" + "\n".join(f"{k}. {LEAD.sub('', s)}" for k, s in enumerate(said, 1)) + "\n"
    return CODE_FENCE.sub(items, text)


def read(text: str) -> str | None:
    """`text` with its tables of steps, dialogue turns and code comments as numbered lists; None when it has none."""
    out = text
    if "|" in text and "-" in text and TABLE_SIGN.search(text):
        out = _table(out)
    if ":" in text and len({s.lower() in ASKER for s in SPEAKERS.findall(text)}) == 2:  # both speakers
        out = _dialogue(out)
    if "```" in text and "#" in text:
        out = _comments(out)
    return out if out != text else None
