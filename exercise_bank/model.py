"""The in-memory form of one exercise."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

CHECKS = ("value", "raises", "stdout")


@dataclass(frozen=True)
class TestCase:
    """One test: an expression to evaluate after the student's code, and how to judge it."""

    name: str
    call: str
    setup: str = ""
    check: str = "value"
    expect: str | None = None
    hidden: bool = False

    def job_spec(self) -> dict:
        """What the grader's worker needs to run this test (never the expected value)."""
        return {"name": self.name, "setup": self.setup, "call": self.call}


@dataclass(frozen=True)
class Exercise:
    """An exercise as authored: public parts (statement, starter, visible tests) and private parts."""

    id: str
    title: str
    topic: str
    difficulty: str
    version: int
    estimated_minutes: int
    statement: str
    starter: str
    solution: str
    hints: tuple[str, ...]
    tests: tuple[TestCase, ...]
    prerequisites: tuple[str, ...] = ()
    entry_points: tuple[str, ...] = ()
    digest: str = field(default="", compare=False)

    @property
    def visible_tests(self) -> tuple[TestCase, ...]:
        return tuple(t for t in self.tests if not t.hidden)

    @property
    def hidden_tests(self) -> tuple[TestCase, ...]:
        return tuple(t for t in self.tests if t.hidden)

    def summary(self) -> dict:
        """Public metadata, safe for any signed-in user."""
        return {
            "id": self.id,
            "title": self.title,
            "topic": self.topic,
            "difficulty": self.difficulty,
            "version": self.version,
            "estimated_minutes": self.estimated_minutes,
            "prerequisites": list(self.prerequisites),
        }

    def student_view(self) -> dict:
        """What a student may see: no hidden tests, no solution, no hint text."""
        return {
            **self.summary(),
            "statement": self.statement,
            "starter": self.starter,
            "visible_tests": [
                {"name": t.name, "setup": t.setup, "call": t.call, "check": t.check, "expect": t.expect}
                for t in self.visible_tests
            ],
            "hidden_test_count": len(self.hidden_tests),
            "hint_count": len(self.hints),
        }


def content_digest(parts: dict) -> str:
    """A stable short hash of an exercise's files, to tell versions apart."""
    blob = json.dumps(parts, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
