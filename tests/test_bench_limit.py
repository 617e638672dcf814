"""`codementor bench class --find-limit`: the search for the largest class within the goal."""

import pytest

from codementor.bench.classroom import LIMIT_GRID, LIMIT_PRECISION, LIMIT_ROUNDS, limit_bounds, next_class, search_limit


def search(start: int, meets, rounds: int = LIMIT_ROUNDS) -> tuple[list[int], int, int]:
    """`search_limit` with `meets(size)` in place of running a class; (sizes tried, bounds)."""
    tried: list[int] = []

    def one_class(size: int) -> bool:
        tried.append(size)
        return meets(size)

    return (tried, *search_limit(start, one_class, rounds))


@pytest.mark.parametrize("start, limit", [(1000, 1300), (1000, 1000), (1000, 3100), (250, 600), (1000, 180), (100, 20)])
def test_the_search_brackets_the_limit_to_within_a_tenth(start, limit):
    tried, low, high = search(start, lambda n: n <= limit)
    assert low <= limit < high
    assert high - low <= max(LIMIT_PRECISION * low, LIMIT_GRID)
    assert len(tried) == len(set(tried)), "a size was tried twice"
    assert all(n % LIMIT_GRID == 0 for n in tried[1:])


def test_from_1000_with_the_limit_near_1300_it_runs_five_classes():
    tried, low, high = search(1000, lambda n: n <= 1300)
    assert tried == [1000, 2000, 1500, 1250, 1375]
    assert (low, high) == (1250, 1375)


def test_a_class_too_small_to_halve_ends_the_search():
    tried, low, high = search(25, lambda n: False)
    assert tried == [25]
    assert (low, high) == (0, 25)


def test_a_noisy_pass_above_a_failure_is_not_the_limit():
    # 1,500 missed, then 2,000 met in a lucky run: the limit stays below 1,500
    assert limit_bounds([1000, 2000], [1500]) == (1000, 1500)
    assert next_class([1000, 2000], [1500]) == 1250


def test_without_find_limit_one_class_runs():
    tried, low, high = search(1000, lambda n: True, rounds=1)
    assert tried == [1000]
    assert (low, high) == (1000, 0)


def test_the_search_stops_after_its_rounds():
    tried, low, high = search(25, lambda n: True)  # never misses: doubles until the rounds run out
    assert tried == [25 * 2**k for k in range(LIMIT_ROUNDS)]
    assert (low, high) == (25 * 2 ** (LIMIT_ROUNDS - 1), 0)
