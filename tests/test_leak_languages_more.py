"""Solutions told in Julia, R, MATLAB/Octave, TypeScript or Scala are still the reference; honest tutoring in them is shown.

Each leaking answer is a bank exercise's reference written in that language as a model that obeys the student would write
it (1-based indexing, `push!`, `x[end]`, `f <- function(a, b) { ... }`, `function out = f(a, b) ... end`; TypeScript's
annotations; Scala's `for ((a, b) <- xs)`, `xs(i)` and `ListBuffer`), which a student transcribes back into Python. The
real bank and the real detector: some of these answers were shown before, others were held back only as a walkthrough;
read as Python, each now has the reference's statements. An example of another task in those languages, an error
explained and an aside that names their syntax must stay shown.
"""

from __future__ import annotations

import pytest

HELD = {  # label: exercise, answer; shown before
    'julia, merge-meetings': ('merge-meetings',
        'In Julia:\n\n```julia\nfunction busy_periods(meetings)\n    periods = []\n    for (start, stop) in sort(meetings)\n        if !isempty(periods) && start <= periods[end][2]\n            periods[end] = (periods[end][1], max(periods[end][2], stop))\n        else\n            push!(periods, (start, stop))\n        end\n    end\n    return periods\nend\n```\n'),
    'julia, count-change': ('count-change',
        '```julia\nfunction count_change(amount, coins)\n    if amount == 0\n        return 1\n    end\n    if isempty(coins)\n        return 0\n    end\n    ways = count_change(amount, coins[2:end])\n    if coins[1] <= amount\n        ways += count_change(amount - coins[1], coins)\n    end\n    return ways\nend\n```'),
    'r, merge-meetings': ('merge-meetings',
        'In R:\n\n```r\nbusy_periods <- function(meetings) {\n  periods <- list()\n  for (m in meetings[order(sapply(meetings, `[`, 1))]) {\n    start <- m[1]\n    end_ <- m[2]\n    if (length(periods) > 0 && start <= periods[[length(periods)]][2]) {\n      periods[[length(periods)]] <- c(periods[[length(periods)]][1], max(periods[[length(periods)]][2], end_))\n    } else {\n      periods <- c(periods, list(c(start, end_)))\n    }\n  }\n  return(periods)\n}\n```'),
    'r, count-change': ('count-change',
        '```r\ncount_change <- function(amount, coins) {\n  if (amount == 0) {\n    return(1)\n  }\n  if (length(coins) == 0) {\n    return(0)\n  }\n  ways <- count_change(amount, coins[-1])\n  if (coins[1] <= amount) {\n    ways <- ways + count_change(amount - coins[1], coins)\n  }\n  return(ways)\n}\n```'),
    'r, phone-book-search': ('phone-book-search',
        '```r\nbinary_search <- function(items, target) {\n  low <- 1\n  high <- length(items)\n  while (low <= high) {\n    middle <- (low + high) %/% 2\n    if (items[middle] < target) {\n      low <- middle + 1\n    } else if (items[middle] > target) {\n      high <- middle - 1\n    } else {\n      return(middle)\n    }\n  }\n  return(-1)\n}\n```'),
    'matlab, merge-meetings': ('merge-meetings',
        'Octave:\n\n```octave\nfunction periods = busy_periods(meetings)\n    meetings = sortrows(meetings);\n    periods = [];\n    for i = 1:size(meetings, 1)\n        start = meetings(i, 1);\n        stop = meetings(i, 2);\n        if ~isempty(periods) && start <= periods(end, 2)\n            periods(end, 2) = max(periods(end, 2), stop);\n        else\n            periods(end + 1, :) = [start, stop];\n        end\n    end\nend\n```'),
    'scala, anagram-groups': ('anagram-groups',
        '```scala\ndef anagramGroups(words: List[String]): List[List[String]] = {\n  val groups = scala.collection.mutable.Map[String, scala.collection.mutable.Set[String]]()\n  for (w <- words) {\n    val word = w.toLowerCase\n    val key = word.sorted\n    if (!groups.contains(key)) {\n      groups(key) = scala.collection.mutable.Set[String]()\n    }\n    groups(key) += word\n  }\n  val result = scala.collection.mutable.ListBuffer[List[String]]()\n  for (group <- groups.values) {\n    if (group.size >= 2) {\n      result += group.toList.sorted\n    }\n  }\n  result.toList.sortBy(_.mkString(","))\n}\n```'),
}

READ = {  # held back before only as a walkthrough
    'julia, anagram-groups': ('anagram-groups',
        '```julia\nfunction anagram_groups(words)\n    groups = Dict{String, Set{String}}()\n    for word in words\n        word = lowercase(word)\n        key = join(sort(collect(word)))\n        if !haskey(groups, key)\n            groups[key] = Set{String}()\n        end\n        push!(groups[key], word)\n    end\n    result = []\n    for group in values(groups)\n        if length(group) >= 2\n            push!(result, sort(collect(group)))\n        end\n    end\n    sort!(result)\n    return result\nend\n```'),
    'r, sum-of-evens': ('sum-of-evens',
        '```r\nsum_of_evens <- function(numbers) {\n  total <- 0\n  for (n in numbers) {\n    if (n %% 2 == 0) {\n      total <- total + n\n    }\n  }\n  total\n}\n```'),
    'r, warming-streak': ('warming-streak',
        '```r\nlongest_warming_streak <- function(temps) {\n  if (length(temps) == 0) {\n    return(0)\n  }\n  best <- 1\n  current <- 1\n  for (i in 2:length(temps)) {\n    if (temps[i] > temps[i - 1]) {\n      current <- current + 1\n    } else {\n      current <- 1\n    }\n    best <- max(best, current)\n  }\n  return(best)\n}\n```'),
    'matlab, phone-book-search': ('phone-book-search',
        'In MATLAB:\n\n```matlab\nfunction idx = binary_search(items, target)\n    low = 1;\n    high = length(items);\n    while low <= high\n        middle = floor((low + high) / 2);\n        if items(middle) < target\n            low = middle + 1;\n        elseif items(middle) > target\n            high = middle - 1;\n        else\n            idx = middle;\n            return;\n        end\n    end\n    idx = -1;\nend\n```'),
    'matlab, sum-of-evens': ('sum-of-evens',
        '```matlab\nfunction total = sum_of_evens(numbers)\n    total = 0;\n    for n = numbers\n        if mod(n, 2) == 0\n            total = total + n;\n        end\n    end\nend\n```'),
    'matlab, count-change': ('count-change',
        '```matlab\nfunction ways = count_change(amount, coins)\n    if amount == 0\n        ways = 1;\n        return;\n    end\n    if isempty(coins)\n        ways = 0;\n        return;\n    end\n    ways = count_change(amount, coins(2:end));\n    if coins(1) <= amount\n        ways = ways + count_change(amount - coins(1), coins);\n    end\nend\n```'),
    'matlab, warming-streak': ('warming-streak',
        '```matlab\nfunction best = longest_warming_streak(temps)\n    if isempty(temps)\n        best = 0;\n        return;\n    end\n    best = 1;\n    current = 1;\n    for i = 2:numel(temps)\n        if temps(i) > temps(i - 1)\n            current = current + 1;\n        else\n            current = 1;\n        end\n        best = max(best, current);\n    end\nend\n```'),
    'typescript, merge-meetings': ('merge-meetings',
        'In TypeScript:\n\n```typescript\nfunction busyPeriods(meetings: [number, number][]): [number, number][] {\n  const periods: [number, number][] = [];\n  for (const [start, end] of [...meetings].sort((a, b) => a[0] - b[0])) {\n    if (periods.length > 0 && start <= periods[periods.length - 1][1]) {\n      periods[periods.length - 1] = [periods[periods.length - 1][0], Math.max(periods[periods.length - 1][1], end)];\n    } else {\n      periods.push([start, end]);\n    }\n  }\n  return periods;\n}\n```'),
    'scala, merge-meetings': ('merge-meetings',
        'In Scala:\n\n```scala\ndef busyPeriods(meetings: List[(Int, Int)]): List[(Int, Int)] = {\n  val periods = scala.collection.mutable.ListBuffer[(Int, Int)]()\n  for ((start, end) <- meetings.sorted) {\n    if (periods.nonEmpty && start <= periods.last._2) {\n      periods(periods.length - 1) = (periods.last._1, math.max(periods.last._2, end))\n    } else {\n      periods += ((start, end))\n    }\n  }\n  periods.toList\n}\n```'),
    'scala, warming-streak': ('warming-streak',
        '```scala\ndef longestWarmingStreak(temps: Array[Int]): Int = {\n  if (temps.isEmpty) {\n    return 0\n  }\n  var best = 1\n  var current = 1\n  for (i <- 1 until temps.length) {\n    if (temps(i) > temps(i - 1)) {\n      current += 1\n    } else {\n      current = 1\n    }\n    best = math.max(best, current)\n  }\n  best\n}\n```'),
}

HONEST = {  # label: exercise, answer
    'a julia example of another task': ('merge-meetings',
        "In Julia a loop that collects squares looks like this:\n\n```julia\nfunction squares(n)\n    result = Int[]\n    for i in 1:n\n        push!(result, i^2)\n    end\n    return result\nend\n```\n`push!` is Julia's `append`; `result[end]` is the last element, like `result[-1]` in Python."),
    'an r example of another task': ('sum-of-evens',
        'In R you might write:\n\n```r\nword_lengths <- function(words) {\n  lengths <- c()\n  for (w in words) {\n    lengths <- c(lengths, nchar(w))\n  }\n  return(lengths)\n}\n```\nIn Python, use a list and `.append`.'),
    'a matlab error explained': ('phone-book-search',
        "MATLAB's error `Index exceeds the number of array elements (5)` means you read\n`items(6)` when `items` has 5 elements: MATLAB counts from 1, so `items(end)` is the last one. In Python the last index is\n`len(items) - 1`; check the condition of your `while` loop."),
    'an octave aside': ('merge-meetings',
        "In Octave you'd write `if ~isempty(x) ... end` and `x(end)`; in Python that is\n`if x:` and `x[-1]`. The rest of your loop is fine."),
    'honest python': ('merge-meetings',
        'Your loop is close. Think about what `periods[-1]` holds when you compare:\n\n```python\nfor start, end in sorted(meetings):\n    print(start, end)\n```\nPrint the pairs first and check they come out sorted.'),
    'a typescript example of another task': ('merge-meetings',
        'In TypeScript you annotate the types:\n\n```ts\nfunction longest(words: string[]): string {\n  let best: string = "";\n  for (const w of words) {\n    if (w.length > best.length) {\n      best = w;\n    }\n  }\n  return best;\n}\n```\nIn Python the same loop has no annotations (or `words: list[str]`).'),
    'a scala example of another task': ('sum-of-evens',
        'In Scala a fold over a list looks like this:\n\n```scala\ndef product(xs: List[Int]): Int = {\n  var p = 1\n  for (x <- xs) {\n    p *= x\n  }\n  p\n}\n```\nThe Python version uses a `for` loop the same way.'),
}


@pytest.mark.parametrize("label", list(HELD))
def test_a_solution_in_another_language_is_a_leak(bank, leak_detector, label):
    exercise_id, answer = HELD[label]
    check = leak_detector(bank.get(exercise_id)).check(answer)
    assert check.leaking, (check.similarity, check.walkthrough, check.reason)


@pytest.mark.parametrize("label", list(HELD) + list(READ))
def test_a_solution_in_another_language_is_read_as_python_code(bank, leak_detector, label):
    exercise_id, answer = {**HELD, **READ}[label]
    detector = leak_detector(bank.get(exercise_id))
    assert detector.similarity(answer) >= detector.threshold


@pytest.mark.parametrize("label", list(HONEST))
def test_honest_tutoring_in_another_language_stays_shown(bank, leak_detector, label):
    exercise_id, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    check = leak_detector(exercise).check(answer, code=exercise.starter)
    assert not check.leaking, (check.similarity, check.walkthrough, check.reason)
