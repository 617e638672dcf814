"""A raised exception passes a "raises" test only if it really is (a subclass of) the exception the test expects."""

from __future__ import annotations

import builtins

import pytest

from codementor.api.grader import Grader

EVERY_BUILTIN = [name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)]
LAYOUT_FREE = ["ZeroDivisionError", "ValueError", "TypeError", "KeyError", "IndexError", "RuntimeError"]
FAKES = {
    # a class per builtin name, each the base of the next: its MRO holds every name a test could expect
    "a chain of made-up classes named like every builtin": (
        f"_E = Exception\nfor _n in {EVERY_BUILTIN!r}:\n    _E = type(_n, (_E,), {{}})\n"
        "def average(values):\n    raise _E()\n"),
    # a real subclass of many builtins at once: it counts as the first of them only (none the tests expect)
    "a class inheriting from many builtins": (
        f"class _E({', '.join(LAYOUT_FREE)}, OSError):\n    pass\n"
        "def average(values):\n    raise _E()\n"),
    # the expected names in the builtins module rebound to the made-up classes
    "builtins rebound to made-up classes": (
        "import builtins\n_E = Exception\n"
        f"for _n in {EVERY_BUILTIN!r}:\n    _E = type(_n, (_E,), {{}})\n"
        "    if _n in ('ValueError', 'TypeError'):\n        setattr(builtins, _n, _E)\n"
        "def average(values):\n    raise _E()\n"),
    # a metaclass that answers __mro__ with every builtin exception
    "a metaclass faking __mro__": (
        "import builtins\n_ALL = tuple(v for v in vars(builtins).values() if isinstance(v, type) and issubclass(v, BaseException))\n"
        "class _Meta(type):\n    __mro__ = property(lambda cls: (cls,) + _ALL + (object,))\n"
        "class _E(Exception, metaclass=_Meta):\n    pass\n"
        "def average(values):\n    raise _E()\n"),
}


@pytest.fixture(scope="module")
async def grader():
    g = Grader(timeout=3.0, answer_step=0)
    yield g
    await g.aclose()


@pytest.mark.parametrize("fake", FAKES)
async def test_a_fake_exception_scores_zero_on_the_raises_tests(grader, bank, fake):
    exercise = bank.get("safe-average")
    raises = [t.name for t in exercise.tests if t.check == "raises"]
    assert len(raises) >= 3 and any(t.hidden for t in exercise.tests if t.check == "raises")
    result = await grader.grade(exercise, FAKES[fake])
    assert result.status == "graded", result.to_dict()
    assert [t.name for t in result.tests if t.passed] == [], result.to_dict()


@pytest.mark.parametrize("exercise_id", ["safe-average", "settings-errors", "retry-connection", "reading-to-celsius", "word-wrap"])
async def test_references_raising_builtin_and_their_own_exceptions_still_pass(grader, bank, exercise_id):
    exercise = bank.get(exercise_id)
    result = await grader.grade(exercise, exercise.solution)
    assert result.passed, result.to_dict()


async def test_an_own_exception_class_subclassing_a_builtin_passes_both_expectations(grader, bank):
    """settings-errors expects ConfigError (the student's class) on one test and ValueError (its base) on another."""
    exercise = bank.get("settings-errors")
    wrong_base = exercise.solution.replace("class ConfigError(ValueError):", "class ConfigError(KeyError):")
    assert wrong_base != exercise.solution
    result = {t.name: t.passed for t in (await grader.grade(exercise, wrong_base)).tests}
    assert result["a line without '=' raises ConfigError"] and not result["a ConfigError is also a ValueError"]


def test_names_are_reported_only_for_the_real_builtins_of_one_lineage():
    from codementor.api.grader.verdict import expectation_from_literal, judge
    from codementor.api.grader.worker import NOT_BUILTIN, exception_names

    class ConfigError(ValueError):
        pass

    class Many(KeyError, TypeError):
        pass

    assert exception_names(ConfigError) == [NOT_BUILTIN + "ConfigError", "ValueError", "Exception", "BaseException"]
    assert exception_names(Many) == [NOT_BUILTIN + "Many", "KeyError", "LookupError", "Exception", "BaseException"]
    assert "IOError" in exception_names(ConnectionError) and "OSError" in exception_names(ConnectionError)
    fake = type("ValueError", (Exception,), {})
    assert exception_names(fake) == [NOT_BUILTIN + "ValueError", "Exception", "BaseException"]
    observed = {"outcome": "raised", "exception": exception_names(fake), "error": "ValueError"}
    passed, message = judge("raises", expectation_from_literal("raises", "ValueError"), observed, hidden=True)
    assert not passed and message == "expected ValueError to be raised, but it raised an exception"
    assert judge("raises", expectation_from_literal("raises", "ConfigError"),
                 {"outcome": "raised", "exception": exception_names(ConfigError)}, hidden=False)[0]


async def test_code_that_replaces_the_workers_own_reporting_gains_one_lineage_at_most(grader, bank):
    """The job's code can replace the worker's functions (they share a process); the verdict, outside the job, reads
    a report of every built-in as the first one only."""
    code = (f"import worker\nworker.exception_names = lambda kind: {EVERY_BUILTIN!r}\n"
            "def average(values):\n    raise Exception()\n")
    result = await grader.grade(bank.get("safe-average"), code)
    assert [t.name for t in result.tests if t.passed] == []
