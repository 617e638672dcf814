"""Placement questions (placement.toml): a snippet, and what each of its print() lines shows."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .topics import DIFFICULTIES, TOPICS

PLACEMENT_FILE = Path(__file__).parent / "placement.toml"
MAX_ANSWER_CHARS = 200
RUN_TIMEOUT = 10


class PlacementFormatError(ValueError):
    """placement.toml does not follow its format."""


@dataclass(frozen=True)
class PlacementQuestion:
    id: str
    topic: str
    code: str
    output: tuple[str, ...]  # one entry per printed line
    levels: tuple[str, ...]  # each line's difficulty level

    def public(self) -> dict:
        """What a student is shown: the snippet and how many lines to predict, never the output."""
        return {"id": self.id, "topic": self.topic, "code": self.code, "lines": len(self.output)}


def _question(raw: dict, n: int) -> PlacementQuestion:
    where = f"question {n + 1} ({raw.get('id', 'no id')})"
    for key, kind in (("id", str), ("topic", str), ("code", str), ("output", list), ("levels", list)):
        if not isinstance(raw.get(key), kind):
            raise PlacementFormatError(f"{where}: '{key}' must be a {kind.__name__}")
    if raw["topic"] not in TOPICS:
        raise PlacementFormatError(f"{where}: unknown topic {raw['topic']!r}")
    if len(raw["levels"]) != len(raw["output"]) or not raw["output"]:
        raise PlacementFormatError(f"{where}: one level per printed line ({len(raw['levels'])} levels, {len(raw['output'])} lines)")
    if unknown := [level for level in raw["levels"] if level not in DIFFICULTIES]:
        raise PlacementFormatError(f"{where}: unknown level(s) {unknown}")
    return PlacementQuestion(raw["id"], raw["topic"], raw["code"].strip() + "\n", tuple(map(str, raw["output"])), tuple(raw["levels"]))


def load_questions(path: Path = PLACEMENT_FILE) -> list[PlacementQuestion]:
    with open(path, "rb") as f:
        raw = tomllib.load(f).get("question", [])
    questions = [_question(q, n) for n, q in enumerate(raw)]
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise PlacementFormatError("question ids must be unique")
    return questions


def normalise(text: str) -> str:
    return " ".join(str(text).split())


def line_is_right(expected: str, answer: str) -> bool:
    """Whitespace does not count; quotes around a printed string are forgiven (print shows none)."""
    got, want = normalise(answer)[:MAX_ANSWER_CHARS], normalise(expected)
    if got == want:
        return True
    return len(got) >= 2 and got[0] == got[-1] and got[0] in "'\"" and want[:1] not in "'\"" and got[1:-1] == want


def check_answers(question: PlacementQuestion, answers: list[str]) -> list[bool]:
    """One verdict per printed line; a missing answer is wrong."""
    padded = list(answers) + [""] * (len(question.output) - len(answers))
    return [line_is_right(want, got) for want, got in zip(question.output, padded)]


def run_snippet(question: PlacementQuestion) -> list[str]:
    """What the snippet really prints (for the validator), in a fresh isolated interpreter."""
    done = subprocess.run([sys.executable, "-I", "-c", question.code], capture_output=True, text=True, timeout=RUN_TIMEOUT)
    if done.returncode:
        raise PlacementFormatError(f"{question.id}: the snippet fails: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout.rstrip("\n").split("\n")


def validate_questions(questions: list[PlacementQuestion]) -> list[str]:
    """Problems found (empty when every snippet prints its `output` and every topic has a question)."""
    problems = []
    for q in questions:
        try:
            printed = run_snippet(q)
        except (PlacementFormatError, subprocess.TimeoutExpired) as err:
            problems.append(str(err))
            continue
        if [normalise(line) for line in printed] != [normalise(line) for line in q.output]:
            problems.append(f"{q.id}: prints {printed}, the file says {list(q.output)}")
    missing = set(TOPICS) - {q.topic for q in questions}
    if missing:
        problems.append(f"no placement question for {sorted(missing)}")
    return problems
