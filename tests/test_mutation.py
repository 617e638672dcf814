"""The mutation tool: which mutants it makes, that they compile, and that it is deterministic."""

from __future__ import annotations

import ast
import textwrap

from codementor.exercise_bank.mutation import KINDS, all_mutants, mutants_of, select_mutants

SAMPLE = textwrap.dedent(
    '''
    def window_total(values, size, strict=True):
        """Sum of the first `size` values."""
        if size < 0 or not values:
            raise ValueError("size must be positive")
        total = 0
        for i in range(0, size):
            total += values[i] * 2
        if strict and total == 10:
            total = total - 1
        return total + sum(values[1:size])
    '''
)


def test_every_kind_of_mutant_is_made():
    kinds = {m.kind for m in all_mutants(SAMPLE)}
    assert kinds == set(KINDS)


def test_expected_mutants_are_present():
    sources = {m.source for m in all_mutants(SAMPLE)}
    assert any("size <= 0" in s for s in sources)
    assert any("size < 0 and (not values)" in s or "size < 0 and not values" in s for s in sources)
    assert any("range(0 + 1, size)" in s for s in sources)
    assert any("range(0, size - 1)" in s for s in sources)
    assert any("values[1:size + 1]" in s for s in sources)
    assert any("total -= values[i] * 2" in s for s in sources)
    assert any("strict and total != 10" in s for s in sources)
    assert any("return None" in s for s in sources)
    assert any("return not total + sum" in s for s in sources)
    assert any("total = 1" in s for s in sources)
    assert any("if strict and total == 10:\n        pass" in s for s in sources)


def test_every_mutant_compiles_and_differs_from_the_original():
    original = ast.unparse(ast.parse(SAMPLE))
    mutants = all_mutants(SAMPLE)
    assert len(mutants) > 20
    for m in mutants:
        compile(m.source, "<mutant>", "exec")
        assert m.source != original
    assert len({m.source for m in mutants}) == len(mutants)


def test_docstrings_and_error_messages_are_not_mutated():
    for m in all_mutants(SAMPLE):
        assert '"""Sum of the first `size` values."""' in m.source or "'Sum of the first `size` values.'" in m.source
        assert "size must be positive" in m.source or m.kind == "statement"


def test_selection_is_deterministic_capped_and_mixes_kinds():
    first, second = mutants_of(SAMPLE, cap=12), mutants_of(SAMPLE, cap=12)
    assert first == second
    assert len(first) == 12
    assert {m.kind for m in first} == set(KINDS)
    assert select_mutants(all_mutants(SAMPLE), 0) == select_mutants(all_mutants(SAMPLE), 10_000)
