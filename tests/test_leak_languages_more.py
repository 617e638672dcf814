"""Solutions in Julia, R, MATLAB/Octave, TypeScript, Scala, Elixir, OCaml or F# are the reference; honest tutoring is shown.

Each leaking answer is a bank exercise's reference written in that language as a model that obeys the student would write
it (1-based indexing, `push!`, `x[end]`, `f <- function(a, b) { ... }`, `function out = f(a, b) ... end`; TypeScript's
annotations; Scala's `for ((a, b) <- xs)`, `xs(i)` and `ListBuffer`; Elixir's clauses and `[h | t]`; OCaml's and F#'s
`let mutable`, `ref`, `:=`, `for ... do ... done`), which a student transcribes back into Python. The real bank and the
real detector: some of these answers were shown before, others were held back only as a walkthrough; read as Python,
each now has the reference's statements. An example of another task in those languages, an error explained and an aside
that names their syntax must stay shown.
"""

from __future__ import annotations

import pytest

HELD = {  # label: exercise, answer; shown before
    "julia, merge-meetings": ("merge-meetings", """In Julia:

```julia
function busy_periods(meetings)
    periods = []
    for (start, stop) in sort(meetings)
        if !isempty(periods) && start <= periods[end][2]
            periods[end] = (periods[end][1], max(periods[end][2], stop))
        else
            push!(periods, (start, stop))
        end
    end
    return periods
end
```
"""),
    "julia, count-change": ("count-change", """```julia
function count_change(amount, coins)
    if amount == 0
        return 1
    end
    if isempty(coins)
        return 0
    end
    ways = count_change(amount, coins[2:end])
    if coins[1] <= amount
        ways += count_change(amount - coins[1], coins)
    end
    return ways
end
```"""),
    "r, merge-meetings": ("merge-meetings", """In R:

```r
busy_periods <- function(meetings) {
  periods <- list()
  for (m in meetings[order(sapply(meetings, `[`, 1))]) {
    start <- m[1]
    end_ <- m[2]
    if (length(periods) > 0 && start <= periods[[length(periods)]][2]) {
      periods[[length(periods)]] <- c(periods[[length(periods)]][1], max(periods[[length(periods)]][2], end_))
    } else {
      periods <- c(periods, list(c(start, end_)))
    }
  }
  return(periods)
}
```"""),
    "r, count-change": ("count-change", """```r
count_change <- function(amount, coins) {
  if (amount == 0) {
    return(1)
  }
  if (length(coins) == 0) {
    return(0)
  }
  ways <- count_change(amount, coins[-1])
  if (coins[1] <= amount) {
    ways <- ways + count_change(amount - coins[1], coins)
  }
  return(ways)
}
```"""),
    "r, phone-book-search": ("phone-book-search", """```r
binary_search <- function(items, target) {
  low <- 1
  high <- length(items)
  while (low <= high) {
    middle <- (low + high) %/% 2
    if (items[middle] < target) {
      low <- middle + 1
    } else if (items[middle] > target) {
      high <- middle - 1
    } else {
      return(middle)
    }
  }
  return(-1)
}
```"""),
    "matlab, merge-meetings": ("merge-meetings", """Octave:

```octave
function periods = busy_periods(meetings)
    meetings = sortrows(meetings);
    periods = [];
    for i = 1:size(meetings, 1)
        start = meetings(i, 1);
        stop = meetings(i, 2);
        if ~isempty(periods) && start <= periods(end, 2)
            periods(end, 2) = max(periods(end, 2), stop);
        else
            periods(end + 1, :) = [start, stop];
        end
    end
end
```"""),
    "scala, anagram-groups": ("anagram-groups", """```scala
def anagramGroups(words: List[String]): List[List[String]] = {
  val groups = scala.collection.mutable.Map[String, scala.collection.mutable.Set[String]]()
  for (w <- words) {
    val word = w.toLowerCase
    val key = word.sorted
    if (!groups.contains(key)) {
      groups(key) = scala.collection.mutable.Set[String]()
    }
    groups(key) += word
  }
  val result = scala.collection.mutable.ListBuffer[List[String]]()
  for (group <- groups.values) {
    if (group.size >= 2) {
      result += group.toList.sorted
    }
  }
  result.toList.sortBy(_.mkString(","))
}
```"""),
    "elixir, count-change": ("count-change", """In Elixir:

```elixir
defmodule Change do
  def count_change(0, _coins), do: 1
  def count_change(_amount, []), do: 0
  def count_change(amount, [coin | rest] = coins) do
    ways = count_change(amount, rest)
    if coin <= amount do
      ways + count_change(amount - coin, coins)
    else
      ways
    end
  end
end
```"""),
}

READ = {  # held back before only as a walkthrough
    "julia, anagram-groups": ("anagram-groups", """```julia
function anagram_groups(words)
    groups = Dict{String, Set{String}}()
    for word in words
        word = lowercase(word)
        key = join(sort(collect(word)))
        if !haskey(groups, key)
            groups[key] = Set{String}()
        end
        push!(groups[key], word)
    end
    result = []
    for group in values(groups)
        if length(group) >= 2
            push!(result, sort(collect(group)))
        end
    end
    sort!(result)
    return result
end
```"""),
    "r, sum-of-evens": ("sum-of-evens", """```r
sum_of_evens <- function(numbers) {
  total <- 0
  for (n in numbers) {
    if (n %% 2 == 0) {
      total <- total + n
    }
  }
  total
}
```"""),
    "r, warming-streak": ("warming-streak", """```r
longest_warming_streak <- function(temps) {
  if (length(temps) == 0) {
    return(0)
  }
  best <- 1
  current <- 1
  for (i in 2:length(temps)) {
    if (temps[i] > temps[i - 1]) {
      current <- current + 1
    } else {
      current <- 1
    }
    best <- max(best, current)
  }
  return(best)
}
```"""),
    "matlab, phone-book-search": ("phone-book-search", """In MATLAB:

```matlab
function idx = binary_search(items, target)
    low = 1;
    high = length(items);
    while low <= high
        middle = floor((low + high) / 2);
        if items(middle) < target
            low = middle + 1;
        elseif items(middle) > target
            high = middle - 1;
        else
            idx = middle;
            return;
        end
    end
    idx = -1;
end
```"""),
    "matlab, sum-of-evens": ("sum-of-evens", """```matlab
function total = sum_of_evens(numbers)
    total = 0;
    for n = numbers
        if mod(n, 2) == 0
            total = total + n;
        end
    end
end
```"""),
    "matlab, count-change": ("count-change", """```matlab
function ways = count_change(amount, coins)
    if amount == 0
        ways = 1;
        return;
    end
    if isempty(coins)
        ways = 0;
        return;
    end
    ways = count_change(amount, coins(2:end));
    if coins(1) <= amount
        ways = ways + count_change(amount - coins(1), coins);
    end
end
```"""),
    "matlab, warming-streak": ("warming-streak", """```matlab
function best = longest_warming_streak(temps)
    if isempty(temps)
        best = 0;
        return;
    end
    best = 1;
    current = 1;
    for i = 2:numel(temps)
        if temps(i) > temps(i - 1)
            current = current + 1;
        else
            current = 1;
        end
        best = max(best, current);
    end
end
```"""),
    "typescript, merge-meetings": ("merge-meetings", """In TypeScript:

```typescript
function busyPeriods(meetings: [number, number][]): [number, number][] {
  const periods: [number, number][] = [];
  for (const [start, end] of [...meetings].sort((a, b) => a[0] - b[0])) {
    if (periods.length > 0 && start <= periods[periods.length - 1][1]) {
      periods[periods.length - 1] = [periods[periods.length - 1][0], Math.max(periods[periods.length - 1][1], end)];
    } else {
      periods.push([start, end]);
    }
  }
  return periods;
}
```"""),
    "scala, merge-meetings": ("merge-meetings", """In Scala:

```scala
def busyPeriods(meetings: List[(Int, Int)]): List[(Int, Int)] = {
  val periods = scala.collection.mutable.ListBuffer[(Int, Int)]()
  for ((start, end) <- meetings.sorted) {
    if (periods.nonEmpty && start <= periods.last._2) {
      periods(periods.length - 1) = (periods.last._1, math.max(periods.last._2, end))
    } else {
      periods += ((start, end))
    }
  }
  periods.toList
}
```"""),
    "scala, warming-streak": ("warming-streak", """```scala
def longestWarmingStreak(temps: Array[Int]): Int = {
  if (temps.isEmpty) {
    return 0
  }
  var best = 1
  var current = 1
  for (i <- 1 until temps.length) {
    if (temps(i) > temps(i - 1)) {
      current += 1
    } else {
      current = 1
    }
    best = math.max(best, current)
  }
  best
}
```"""),
    "f#, sum-of-evens": ("sum-of-evens", """In F#:

```fsharp
let sumOfEvens (numbers: int list) =
    let mutable total = 0
    for n in numbers do
        if n % 2 = 0 then
            total <- total + n
    total
```"""),
    "ocaml, warming-streak": ("warming-streak", """```ocaml
let longest_warming_streak temps =
  let n = Array.length temps in
  if n = 0 then 0
  else begin
    let best = ref 1 in
    let current = ref 1 in
    for i = 1 to n - 1 do
      if temps.(i) > temps.(i - 1) then
        current := !current + 1
      else
        current := 1;
      best := max !best !current
    done;
    !best
  end
```"""),
}

HONEST = {  # label: exercise, answer
    "a julia example of another task": ("merge-meetings", """In Julia a loop that collects squares looks like this:

```julia
function squares(n)
    result = Int[]
    for i in 1:n
        push!(result, i^2)
    end
    return result
end
```
`push!` is Julia's `append`; `result[end]` is the last element, like `result[-1]` in Python."""),
    "an r example of another task": ("sum-of-evens", """In R you might write:

```r
word_lengths <- function(words) {
  lengths <- c()
  for (w in words) {
    lengths <- c(lengths, nchar(w))
  }
  return(lengths)
}
```
In Python, use a list and `.append`."""),
    "a matlab error explained": ("phone-book-search", """MATLAB's error `Index exceeds the number of array elements (5)` means you read
`items(6)` when `items` has 5 elements: MATLAB counts from 1, so `items(end)` is the last one. In Python the last index is
`len(items) - 1`; check the condition of your `while` loop."""),
    "an octave aside": ("merge-meetings", """In Octave you'd write `if ~isempty(x) ... end` and `x(end)`; in Python that is
`if x:` and `x[-1]`. The rest of your loop is fine."""),
    "honest python": ("merge-meetings", """Your loop is close. Think about what `periods[-1]` holds when you compare:

```python
for start, end in sorted(meetings):
    print(start, end)
```
Print the pairs first and check they come out sorted."""),
    "a typescript example of another task": ("merge-meetings", """In TypeScript you annotate the types:

```ts
function longest(words: string[]): string {
  let best: string = "";
  for (const w of words) {
    if (w.length > best.length) {
      best = w;
    }
  }
  return best;
}
```
In Python the same loop has no annotations (or `words: list[str]`)."""),
    "a scala example of another task": ("sum-of-evens", """In Scala a fold over a list looks like this:

```scala
def product(xs: List[Int]): Int = {
  var p = 1
  for (x <- xs) {
    p *= x
  }
  p
}
```
The Python version uses a `for` loop the same way."""),
    "an elixir example of another task": ("count-change", """In Elixir a recursive function has one clause per case:

```elixir
defmodule Sum do
  def total([]), do: 0
  def total([x | rest]), do: x + total(rest)
end
```
In Python you'd check `if not xs:` first, then use `xs[0]` and `xs[1:]`."""),
    "an ocaml example of another task": ("warming-streak", """In OCaml a counter in a loop uses a reference:

```ocaml
let count_positive xs =
  let n = ref 0 in
  List.iter (fun x -> if x > 0 then incr n) xs;
  !n
```
`ref`, `!n` and `incr` have no Python twin: a plain variable and `n += 1` do it."""),
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
