"""The verdict on an answer, as a pure function of what was measured."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LeakCheck:
    similarity: float
    leaking: bool
    walkthrough: float = 0.0
    passes_share: float | None = None
    reason: str = ""
    exercise_id: str = ""  # the exercise whose solution leaks, when not the one asked about


def judge(similarity: float, walkthrough: float, passes_share: float | None, *, threshold: float, walk_threshold: float,
          pass_share: float, unread: bool = False, opaque: bool = False) -> LeakCheck:
    """A leak when the answer holds enough of the reference's statements, tells them in order,
    or runs and passes more than `pass_share` of the hidden tests the starter code fails; held back as one
    too when encoded material in it was left unread (`unread`) or much of it reads as nothing in any view
    (`opaque`): it cannot be judged."""
    reasons = []
    if similarity >= threshold:
        reasons.append("similar")
    if walkthrough >= walk_threshold:
        reasons.append("walkthrough")
    if passes_share is not None and passes_share > pass_share:
        reasons.append("passes the tests")
    if unread and not reasons:
        reasons.append("cannot judge: encoded material past the view budget")
    elif opaque and not reasons:
        reasons.append("cannot judge: text that no view reads")
    return LeakCheck(similarity, bool(reasons), walkthrough, passes_share, ", ".join(reasons))


def hidden_share(result, baseline: set[str], raises: frozenset[str] = frozenset(), trivial: frozenset[str] = frozenset()) -> float:
    """The share of hidden tests a graded answer passes, of those the starter code fails (`baseline`: starter's passes),
    net of the starter's passes it breaks: judged on every hidden test, as a submission would be.

    `raises`: the names of the tests that expect an exception. Code that passes those and no other test (an unrelated
    example that fails on the exercise's inputs with the exception they expect) is no solution: it counts for nothing.
    `trivial`: the tests code doing no work passes (a constant, an argument or a copy of one returned): passing them
    tells nothing, so they count for nothing either, unless the answer passes every hidden test (a whole solution).
    Each of the starter's passes the code fails takes one open test off: `year % 400 == 0` passes 2100 and 1700 the
    starter fails but breaks 1996, so it is one rule of three told, not a step towards a submission."""
    if result.status != "graded":
        return 0.0
    if raises and not any(t.passed and t.name not in raises for t in result.tests):
        return 0.0
    hidden = [t for t in result.tests if t.hidden] or list(result.tests)
    open_tests = [t for t in hidden if t.name not in baseline]
    if not open_tests:
        return 0.0
    if all(t.passed for t in hidden):
        return 1.0
    broken = sum(not t.passed for t in hidden if t.name in baseline)
    gained = sum(t.passed and t.name not in trivial for t in open_tests)
    return max(0, gained - broken) / len(open_tests)
