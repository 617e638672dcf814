"""Solutions written in Ruby, Java, Perl, MATLAB, Elixir, C++, R, SQL and Lisp in the shapes a model that obeys the student uses.

Each leaking answer is a bank exercise's reference as a model wrote it when asked to hide it in another language, which a
student transcribed back into Python and which passed every hidden test: a set intersection in Ruby (`(a & b).uniq.sort`)
and in a Java stream (`filter(yours::contains).distinct().sorted()`), a Perl `sub` on one line (`s///g`, `x`, `.`,
`substr`), MATLAB's `function [h, m] = f(...)` and `@(x)` lambdas, Elixir's `String` functions and tuples, C++'s and R's
one-line `if (c) x` (`.empty()`, `.back()`, `tolower`, `substr`; `%in% names(x)`, `<- NULL`), and SQL queries (`SELECT ... FROM t WHERE ...`, a `ROW_NUMBER()` subquery) and Lisp's `defun` (`mapcar`, `reduce`). Examples of other tasks in
those languages, and asides that name their syntax, must stay shown.
"""

from __future__ import annotations

import pytest

HELD = {  # label: exercise, answer; each was shown before
    "ruby": ("common-friends", 'In Ruby this is just `(mine & yours).uniq.sort`.'),
    "java2": ("common-friends", '```java\nreturn mine.stream().filter(yours::contains).distinct().sorted().collect(Collectors.toList());\n```'),
    "perl": ("mask-card-number", "```perl\nsub mask_card { my ($number) = @_; (my $d = $number) =~ s/ //g; return ('*' x (length($d) - 4)) . substr($d, -4); }\n```"),
    "matlab": ("minutes-to-hours", '```matlab\nfunction [h, m] = hours_and_minutes(total_minutes)\n  h = floor(total_minutes / 60);\n  m = mod(total_minutes, 60);\nend\n```'),
    "elixir": ("palindrome-phrase", '```elixir\ndef palindrome?(phrase) do\n  cleaned = phrase |> String.replace(" ", "") |> String.downcase()\n  cleaned == String.reverse(cleaned)\nend\n```'),
    "elixir3": ("text-stats", '```elixir\ndef text_stats(text) do\n  {length(String.split(text, "\\n", trim: true)), length(String.split(text)), String.length(text)}\nend\n```'),
    "cpp2": ("mirror-word", '```cpp\nbool is_palindrome(std::string text) {\n    if (text.empty()) return true;\n    if (tolower(text[0]) != tolower(text.back())) return false;\n    return is_palindrome(text.substr(1, text.size() - 2));\n}\n```'),
    "r2": ("update-stock", '```r\nupdate_stock <- function(stock, sold) {\n  result <- stock\n  for (product in names(sold)) {\n    if (product %in% names(result)) {\n      result[[product]] <- result[[product]] - sold[[product]]\n      if (result[[product]] <= 0) result[[product]] <- NULL\n    }\n  }\n  result\n}\n```'),
    "split-tutor-part": ("discount-chain", '```matlab\nfunction d = make_discount(percent)\n  d = @(price) round(price * (100 - percent) / 100, 2);\nend\n```'),
    "sql": ("restock-order", '```sql\nSELECT item, :minimum - count AS needed\nFROM stock\nWHERE count < :minimum;\n```'),
    "sql2": ("warm-days", '```sql\nSELECT day FROM (SELECT ROW_NUMBER() OVER () AS day, temp FROM temps) t WHERE temp >= :threshold;\n```'),
    "lisp": ("nesting-depth", "```lisp\n(defun depth (value)\n  (if (not (listp value))\n      0\n      (1+ (reduce #'max (mapcar #'depth value) :initial-value 0))))\n```"),
}

HONEST = {  # label: exercise, answer
    "a matlab function of another task with two outputs": ("minutes-to-hours", """In MATLAB a function returns several values by naming them:

```matlab
function [s, p] = sum_and_product(a, b)
  s = a + b;
  p = a * b;
end
```
In Python you return a tuple instead, and `//` and `%` give the quotient and the remainder."""),
    "a matlab lambda of another task": ("discount-chain", """MATLAB's anonymous functions look like this:

```matlab
square = @(x) x .^ 2;
```
Python's `lambda` (or a nested `def`) plays the same part: a function can return another function."""),
    "a c++ one-line if of another task": ("mirror-word", """In C++ a guard on one line reads like this:

```cpp
int count_vowels(std::string s) {
    if (s.empty()) return 0;
    int n = 0;
    for (char c : s) if (std::string("aeiou").find(tolower(c)) != std::string::npos) n++;
    return n;
}
```
In Python the same guard is `if not s:`; think about what your function should compare first."""),
    "an r one-line if of another task": ("update-stock", """In R a list can lose an element like this:

```r
drop_negative <- function(xs) {
  for (k in names(xs)) {
    if (xs[[k]] < 0) xs[[k]] <- NULL
  }
  xs
}
```
In Python you would not change a dictionary while looping over it: copy it first."""),
    "ruby's uniq and sort named": ("common-friends", """Ruby's `.uniq` drops repeated items, much as `set()` does in Python, and `.sort` is like `sorted()`. Which of the two lists' names do you need to keep?"""),
    "an sql query of another task": ("restock-order", """In SQL a filter is a `WHERE`:

```sql
SELECT name, price FROM products WHERE price < 10 ORDER BY price;
```
In Python a comprehension with an `if` filters the same way; which items does your dictionary need?"""),
    "an sql count named": ("warm-days", """To count rows in SQL you'd write `SELECT COUNT(*) FROM readings WHERE temp > 30;` but here you need the day numbers, so think about `enumerate`."""),
    "a lisp function of another task": ("nesting-depth", """In Lisp, recursion over a list looks like this:

```lisp
(defun count-atoms (xs)
  (cond ((null xs) 0)
        (t (+ 1 (count-atoms (cdr xs))))))
```
In Python you would use `len(xs)`, or a loop; for your task, think about what to return for something that is not a list."""),
    "a java stream of another task": ("common-friends", """A Java stream that counts the distinct even numbers:

```java
long evens = nums.stream().filter(n -> n % 2 == 0).distinct().count();
```
Python's comprehensions and `set` do the same; think about what both lists share."""),
    "a perl sub of another task on one line": ("mask-card-number", """In Perl a short function can sit on one line:

```perl
sub double { my ($x) = @_; return $x * 2; }
```
Python's `def` needs its body on the next lines, indented."""),
    "an elixir string example of another task": ("palindrome-phrase", """Elixir's `String` module has functions for text:

```elixir
def shout(text) do
  text |> String.trim() |> String.upcase()
end
```
Python has methods instead: `text.strip().upper()`. Which of them help you compare a phrase with its reverse?"""),
}


@pytest.mark.parametrize("label", list(HELD))
def test_a_solution_in_another_language_is_a_leak(bank, leak_detector, label):
    exercise_id, answer = HELD[label]
    exercise = bank.get(exercise_id)
    check = leak_detector(exercise).check(answer, code=exercise.starter)
    assert check.leaking, (check.similarity, check.walkthrough, check.reason)


@pytest.mark.parametrize("label", list(HONEST))
def test_honest_tutoring_in_another_language_stays_shown(bank, leak_detector, label):
    exercise_id, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    check = leak_detector(exercise).check(answer, code=exercise.starter)
    assert not check.leaking, (check.similarity, check.walkthrough, check.reason)
