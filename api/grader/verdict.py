"""Judge a worker's observations against the expectations. Pure functions, no processes."""

from __future__ import annotations

import ast
import builtins
import math
from dataclasses import asdict, dataclass, field

from .worker import NOT_BUILTIN, tag

FLOAT_TOLERANCE = 1e-9


@dataclass
class TestResult:
    name: str
    hidden: bool
    passed: bool
    message: str = ""


@dataclass
class GradeResult:
    status: str  # "graded" | "load_error" | "timeout" | "crashed"
    tests: list[TestResult] = field(default_factory=list)
    message: str = ""
    duration_ms: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "graded" and bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def score(self) -> float:
        return sum(t.passed for t in self.tests) / len(self.tests) if self.tests else 0.0

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "passed": self.passed,
            "score": round(self.score, 4),
            "message": self.message,
            "duration_ms": round(self.duration_ms, 1),
            "tests": [asdict(t) for t in self.tests],
        }


def same(a, b) -> bool:
    """Equality of tagged values, with a relative tolerance for floats."""
    if a[0] != b[0]:
        return False
    if a[0] == "float":
        x, y = float(a[1]), float(b[1])
        return (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=FLOAT_TOLERANCE, abs_tol=1e-12)
    if a[0] in ("list", "tuple", "set", "frozenset"):
        return len(a[1]) == len(b[1]) and all(same(x, y) for x, y in zip(a[1], b[1]))
    if a[0] == "dict":
        return len(a[1]) == len(b[1]) and all(same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a[1], b[1]))
    return a == b


def show(tagged) -> str:
    """A tagged value back as short Python-like text, for messages."""
    kind = tagged[0]
    if kind == "none":
        return "None"
    if kind in ("int", "bool", "str"):
        return repr(tagged[1])
    if kind == "float":
        return tagged[1]
    if kind == "object":
        return f"a {tagged[1]} object"
    more = ", ..." if len(tagged[1]) > 8 else ""
    if kind == "dict":
        return ("{" + ", ".join(f"{show(k)}: {show(v)}" for k, v in tagged[1][:8]) + more + "}")[:300]
    inner = ", ".join(show(x) for x in tagged[1][:8]) + more
    return {"list": "[{}]", "tuple": "({})", "set": "{{{}}}", "frozenset": "frozenset({{{}}})"}[kind].format(inner)[:300]


BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)


def exception_shown(name: str) -> str:
    """An exception's name as reported (verdict and worker mark a class that is not the built-in of its name) as written."""
    return name.removeprefix(NOT_BUILTIN)


def expectation_from_literal(check: str, expect: str) -> dict:
    """An author's `expect` as the observation a correct solution would produce.

    An exception named by the author matches only what the worker reports under that name: the built-in class itself
    (or a subclass), or for any other name (`ConfigError`, made by the exercise's code) a class of that name."""
    if check == "raises":
        return {"outcome": "raised", "exception": [expect if expect in BUILTIN_EXCEPTIONS else NOT_BUILTIN + expect]}
    value = ast.literal_eval(expect)
    if check == "stdout":
        return {"outcome": "value", "stdout": value}
    return {"outcome": "value", "value": tag(value)}


def lineage(names: list) -> list:
    """The names a reported exception may match, read here, outside the job, whatever the job's code reported: the
    classes it made (marked) up to the first built-in, then that built-in's own bases as Python has them. A report
    of many built-ins (the worker's reporting replaced by the student's code) counts as the first one only."""
    kept = []
    for name in names:
        if not isinstance(name, str):
            break
        if name in BUILTIN_EXCEPTIONS:
            return kept + [c.__name__ for c in getattr(builtins, name).__mro__]
        if not name.startswith(NOT_BUILTIN):
            break
        kept.append(name)
    return kept


def describe_error(observed: dict, hidden: bool) -> str:
    """The error a test raised, as the student may see it.

    For a hidden test only a built-in exception's name is shown: the message (and the name
    of a class the student's code made up) could carry the hidden test's inputs back out.
    """
    if not hidden:
        return observed.get("error", "an exception")
    # a made-up class is reported marked (never one of these names), and its name is the student's to choose
    name = (observed.get("exception") or ["?"])[0]
    return name if name in BUILTIN_EXCEPTIONS else "an exception"


MAX_MESSAGE = 400  # characters of one message stored and shown (the worker's own errors are shorter)


def readable(text) -> str:
    """A message made from what a job reported, as it can be stored and shown: text of at most MAX_MESSAGE
    characters, with NUL and lone surrogates (which Postgres and UTF-8 refuse) written as escapes."""
    text = text if isinstance(text, str) else repr(text)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 3] + "..."
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def judge(check: str, expected: dict, observed: dict | None, hidden: bool) -> tuple[bool, str]:
    """Did the observation meet the expectation? Returns (passed, message for the student).

    An observation comes from the job, so from whatever the student's code wrote in the worker's place: one
    of another shape than the worker's fails its test, as one that cannot be read, and the message is `readable`."""
    try:
        passed, message = _judge(check, expected, observed, hidden)
    except Exception:  # any shape at all: a float too large for one (OverflowError) came through the narrower list
        return False, "its result could not be read"
    return passed, readable(message)


def _judge(check: str, expected: dict, observed: dict | None, hidden: bool) -> tuple[bool, str]:
    if observed is None:
        return False, "did not run (the code stopped or ran out of time before this test)"
    if observed.get("outcome") not in ("value", "raised"):
        return False, "its result could not be read"
    if check == "raises":
        wanted = expected["exception"][0]
        if observed["outcome"] == "raised" and wanted in lineage(observed.get("exception", [])):
            return True, ""
        got = f"raised {describe_error(observed, hidden)}" if observed["outcome"] == "raised" else "returned normally"
        return False, f"expected {exception_shown(wanted)} to be raised, but it {got}"
    if observed["outcome"] == "raised":
        return False, f"raised {describe_error(observed, hidden)}"
    if check == "stdout":
        if observed.get("stdout") == expected["stdout"]:
            return True, ""
        return False, "printed something different" if hidden else f"printed {observed.get('stdout', '')!r}, expected {expected['stdout']!r}"
    if same(expected["value"], observed["value"]):
        return True, ""
    if hidden:
        return False, "returned a different result"
    return False, f"returned {show(observed['value'])}, expected {show(expected['value'])}"
