"""Leak forms named in the release notes that passed the filter, and honest answers beside them.

Each leaking answer tells a bank exercise's reference in a form the filter did not read: a LaTeX recurrence (a `cases`
environment, `\\sum_{...}`, `\\max_{...}`, `\\bmod`, `\\lfloor ... \\rfloor`, a sequence `c_i` defined from `c_{i-1}`);
a general function (the reference under other names with a parameter added) and one sentence saying how to call it
("call it with size=60"); a spreadsheet formula, a YAML pipeline of steps, Prolog clauses or pseudo-assembly; or code
broken on purpose with the fixes told after it. The student sees the tutor's answer as the gateway gives it: the leaks
are replaced by the next hint. Math an honest tutor uses (the sum of the even numbers, $O(2^n)$, a recurrence of another
task), a generic helper whose call solves nothing, a formula, pipeline, clauses or loop of another task, and one fix told
for the student's line stay shown whole.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from codementor.api.services import tutoring

from .fake_llm import set_mode
from .test_gateway import screens_of

pytestmark = pytest.mark.gateway

LATEX = {  # label: exercise, answer; each was shown before
    "cases recurrence, count-change": ("count-change", r"""Think of it as a recurrence. With coins $c_1, \dots, c_n$:

$$
f(a, i) = \begin{cases}
1 & a = 0 \\
0 & i > n \\
f(a, i+1) + f(a - c_i, i) & c_i \le a \\
f(a, i+1) & \text{otherwise}
\end{cases}
$$

The answer is $f(\text{amount}, 1)$."""),
    "equations with base cases, count-change": ("count-change", r"""$$f(a, i) = f(a - c_i, i) + f(a, i+1)$$ with
$f(0, i) = 1$, and $f(a, i) = 0$ when $a < 0$ or $i > n$."""),
    "sequence recurrence, warming-streak": ("warming-streak", r"""Define the streak ending on day $i$:

$$
c_1 = 1, \qquad c_i = \begin{cases} c_{i-1} + 1 & t_i > t_{i-1} \\ 1 & \text{otherwise} \end{cases}
$$

and the answer is $\max_{i} c_i$ (or $0$ when there are no temperatures)."""),
    "cases with a max over the items, nesting-depth": ("nesting-depth", r"""$$
d(v) = \begin{cases} 0 & v \text{ is not a list} \\ 1 + \max(0, \max_{x \in v} d(x)) & \text{otherwise} \end{cases}
$$"""),
    "cases with floor and mod, digit-sum": ("digit-sum", r"""$$
s(n) = \begin{cases} s(-n) & n < 0 \\ 0 & n = 0 \\ (n \bmod 10) + s(\lfloor n / 10 \rfloor) & \text{otherwise} \end{cases}
$$"""),
    "a sum with its condition, sum-of-evens": ("sum-of-evens", r"""The answer is just
$$\sum_{x \in \mathit{numbers},\; x \bmod 2 = 0} x$$"""),
}

HELPERS = {  # label: exercise, answer; each was shown before (a parameter the code divides by, `base` or `k`, was
    # already run with small fillers: 10, 2, 1)
    "a predicate, passing-names": ("passing-names", """A general filter:

```python
def names_where(rows, keep):
    return [name for name, score in rows if keep(score)]
```
Call it with your results and `keep = lambda s: s >= pass_mark`."""),
    "a predicate and a start, warm-days": ("warm-days", """Here is a reusable tool:

```python
def positions_where(values, keep, first):
    found = []
    for position, value in enumerate(values, start=first):
        if keep(value):
            found.append(position)
    return found
```
For your exercise call it with your temps, `keep=lambda t: t >= threshold` and first=1."""),
    "a unit size, minutes-to-hours": ("minutes-to-hours", """A general splitter:

```python
def split_units(amount, size):
    return (amount // size, amount % size)
```
For hours and minutes, call it with size=60."""),
    "the symbol and the part kept, mask-card-number": ("mask-card-number", """A more general masker:

```python
def mask_tail(text, visible, symbol, gap):
    cleaned = text.replace(gap, "")
    return symbol * (len(cleaned) - visible) + cleaned[-visible:]
```
Call it with visible=4, symbol="*" and gap=" "."""),
}

OTHER_NOTATIONS = {  # label: exercise, answer; each was shown before
    "a nested IF formula, leap-year": ("leap-year", "In a spreadsheet, with the year in A1:\n\n"
                                       "`=IF(MOD(A1,400)=0, TRUE, IF(MOD(A1,100)=0, FALSE, MOD(A1,4)=0))`"),
    "a nested IF formula, letter-grade": ("letter-grade", 'As a spreadsheet formula (score in A2):\n\n```\n'
                                          '=IF(A2>=90,"A",IF(A2>=80,"B",IF(A2>=70,"C",IF(A2>=60,"D","F"))))\n```'),
    "a SUMPRODUCT formula, sum-of-evens": ("sum-of-evens", "In Excel: `=SUMPRODUCT(A1:A100*(MOD(A1:A100,2)=0))`"),
    "two formulas of one cell, minutes-to-hours": ("minutes-to-hours", "In a sheet, hours in B1 `=QUOTIENT(A1,60)` and "
                                                   "minutes in C1 `=MOD(A1,60)`."),
    "a yaml pipeline, sum-of-evens": ("sum-of-evens", "Think of it as a pipeline:\n\n```yaml\npipeline:\n  - filter: even\n"
                                      "  - sum\n```"),
    "a yaml pipeline, passing-names": ("passing-names", "```yaml\nsteps:\n  - filter: score >= pass_mark\n  - map: name\n```"),
    "a yaml pipeline, warm-days": ("warm-days", "```yaml\npipeline:\n  - number: from 1\n  - filter: temp >= threshold\n"
                                   "  - map: day\n```"),
    "prolog clauses, sum-of-evens": ("sum-of-evens", "```prolog\nsum_evens([], 0).\nsum_evens([H|T], S) :- 0 is H mod 2, !, "
                                     "sum_evens(T, S1), S is S1 + H.\nsum_evens([_|T], S) :- sum_evens(T, S).\n```"),
    "prolog clauses, nesting-depth": ("nesting-depth", "```prolog\ndepth(V, 0) :- \\+ is_list(V), !.\ndepth([], 1).\n"
                                      "depth([H|T], D) :- depth(H, DH), depth(T, DT), D is max(DH + 1, DT).\n```"),
    "prolog clauses, count-change": ("count-change", "```prolog\nways(0, _, 1) :- !.\nways(_, [], 0) :- !.\n"
                                     "ways(A, [C|Cs], W) :- C =< A, !, A1 is A - C, ways(A1, [C|Cs], W1), ways(A, Cs, W2), "
                                     "W is W1 + W2.\nways(A, [_|Cs], W) :- ways(A, Cs, W).\n```"),
    "pseudo-assembly, sum-of-evens": ("sum-of-evens", "```asm\n    MOV total, 0\n    MOV i, 0\nloop:\n    CMP i, len\n    JGE done\n    MOV x, [numbers + i]\n    MOV r, x\n    MOD r, 2\n    CMP r, 0\n    JNE next\n    ADD total, x\nnext:\n    INC i\n    JMP loop\ndone:\n    RET total\n```"),
    "pseudo-assembly, hottest-day": ("hottest-day", "```asm\n    MOV best, 0\n    MOV i, 1\nloop:\n    CMP i, len\n    JGE done\n    MOV t, [temps + i]\n    MOV b, [temps + best]\n    CMP t, b\n    JLE next\n    MOV best, i\nnext:\n    INC i\n    JMP loop\ndone:\n    RET best\n```"),
    "pseudo-assembly, leap-year": ("leap-year", "```asm\n    MOV r, year\n    MOD r, 400\n    CMP r, 0\n    JNE not400\n    RET 1\nnot400:\n    MOV r, year\n    MOD r, 100\n    CMP r, 0\n    JNE not100\n    RET 0\nnot100:\n    MOV r, year\n    MOD r, 4\n    CMP r, 0\n    JNE no\n    RET 1\nno:\n    RET 0\n```"),
}

BROKEN = {  # label: exercise, answer; each was shown before
    "broken on purpose, fixes told, sum-of-evens": ('sum-of-evens', 'Here is a version with two mistakes left in on purpose:\n\n```python\ndef sum_of_evens(numbers):\n    return sum(filter(lambda n: n % 2 == 1, numbers)) + 1\n```\nTo make it work, the test should be `n % 2 == 0` instead of `n % 2 == 1`, and drop the `+ 1`.'),
    "broken on purpose, fixes told, hottest-day": ('hottest-day', 'Try this, but it has two bugs for you to fix:\n\n```python\ndef hottest_day(temps):\n    if not temps:\n        return 0\n    return temps.index(min(temps))\n```\nAn empty list should give `-1` rather than `0`, and use `max` instead of `min`.'),
    "broken on purpose, fixes told, warm-days": ("warm-days", "Close, but with two bugs left for you:\n\n```python\ndef warm_days(temps, threshold):\n    return [i for i, t in enumerate(temps) if t > threshold]\n```\nTwo things to fix: `enumerate(temps)` should be `enumerate(temps, start=1)`, and `>` should be `>=`."),
    "broken on purpose, fixes told, passing-names": ('passing-names', 'Almost right:\n\n```python\ndef passing_names(results, pass_mark=50):\n    return [score for name, score in results if score > pass_mark]\n```\nReplace `[score` with `[name`, and `>` should be `>=`.'),
}

HONEST = {  # label: exercise, answer
    "the idea named in math, sum-of-evens": ("sum-of-evens", r"""You want $\sum x$ over the even $x$ only, that is the ones
with $x \bmod 2 = 0$. How would you skip the odd ones in your loop?"""),
    "a complexity, count-change": ("count-change", r"""Your loop tries every combination, which is $O(2^n)$. A recurrence
that splits the problem into "use the first coin" and "skip it" is much faster; can you write down those two cases?"""),
    "a recurrence of another task, count-change": ("count-change", r"""A recurrence looks like this one, for Fibonacci:

$$
F(n) = \begin{cases} n & n < 2 \\ F(n-1) + F(n-2) & \text{otherwise} \end{cases}
$$

Try to write one like it for your problem: what are the base cases?"""),
    "a sum of another task, warming-streak": ("warming-streak", r"""The mean is $\bar{t} = \frac{1}{n}\sum_{i=1}^{n} t_i$, but
that is not what you need here: compare each day with the day before, $t_i > t_{i-1}$."""),
    "a max named, nesting-depth": ("nesting-depth", r"""The depth of a list is one more than the largest depth among its
items, $1 + \max_i d(x_i)$. What should an empty list give?"""),
    "a generic helper whose call is no solution, sum-of-evens": ("sum-of-evens", """A helper can take a parameter:

```python
def is_multiple(x, k):
    return x % k == 0
```
Call it with k=2 to test for even numbers; then use it inside your loop."""),
    "a generic helper of another task, word-frequencies": ("word-frequencies", """A small helper:

```python
def shout(text, marks):
    return text.upper() + marks
```
Call it with marks="!!" to see how a parameter changes what a function returns."""),
    "a SUM formula of a column, sum-of-evens": ("sum-of-evens", "In a spreadsheet you would add a column with `=SUM(A1:A10)`; "
                                                "here you add only some of the numbers, so which ones does your loop skip?"),
    "an IF formula of another task, letter-grade": ("letter-grade", 'A spreadsheet tests a value like this: '
                                                     '`=IF(B2>0, "in credit", "overdrawn")`. Your function needs several such '
                                                     'tests, from the highest grade down.'),
    "a pipeline of another task, sum-of-evens": ("sum-of-evens", "A pipeline for the squares of the odd numbers:\n\n```yaml\n"
                                                 "steps:\n  - filter: odd\n  - map: x * x\n```\nYours needs a different "
                                                 "filter and an ending step."),
    "a ci pipeline, passing-names": ("passing-names", "Your CI file could look like this:\n\n```yaml\nsteps:\n  - checkout\n"
                                     "  - run: pytest -q\n```\nThen the tests run on every push."),
    "prolog clauses of another task, sum-of-evens": ("sum-of-evens", "Recursion over a list in Prolog:\n\n```prolog\n"
                                                     "len([], 0).\nlen([_|T], N) :- len(T, M), N is M + 1.\n```\nIn Python "
                                                     "a loop does the same; what do you add at each step?"),
    "pseudo-assembly of another task, sum-of-evens": ("sum-of-evens", "A CPU adds numbers with a loop like this one, which "
                                                      "counts down:\n\n```asm\n    MOV i, 10\nloop:\n    CMP i, 0\n    JE done\n"
                                                      "    DEC i\n    JMP loop\ndone:\n    RET i\n```\nIn Python a `for` "
                                                      "loop does the counting for you."),
    "one fix told for code shown, passing-names": ("passing-names", "Your line is almost right:\n\n```python\n"
                                                   "return [name for name, score in results if score > pass_mark]\n```\n"
                                                   "Ask yourself whether `>` should be something else for a score equal to "
                                                   "the pass mark."),
    "two fixes of another task, sum-of-evens": ("sum-of-evens", "In this example of counting the vowels there are two bugs:"
                                                "\n\n```python\ndef count_vowels(s):\n    n = 1\n    for c in s:\n"
                                                "        if c in 'aeio':\n            n += 1\n    return n\n```\n`n = 1` "
                                                "should be `n = 0`, and `'aeio'` should be `'aeiou'`."),
}


async def shown(infra, gw, new_asker, exercise, answer: str, stream: bool = False):
    """The tutor's answer as the student sees it: (every text the screen held in turn, the final event)."""
    set_mode(gw.base_url, mode="script", answers=[answer])
    request = SimpleNamespace(question="how do I do it?", code=exercise.starter, error="", traceback="", stream=stream)
    return await screens_of(tutoring.ask(infra[0], gw, await new_asker(prefix="r9"), exercise, request))


@pytest.mark.parametrize("label", list(LATEX) + list(HELPERS) + list(OTHER_NOTATIONS) + list(BROKEN))
async def test_each_form_is_held_back(infra, filter_gateway, bank, new_asker, label):
    exercise_id, answer = {**LATEX, **HELPERS, **OTHER_NOTATIONS, **BROKEN}[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer)
    assert final.meta["leak_blocked"] and answer not in final.text, final.text


@pytest.mark.parametrize("label", ["cases recurrence, count-change", "sequence recurrence, warming-streak"])
async def test_a_streamed_recurrence_never_shows_its_cases(infra, filter_gateway, bank, new_asker, label):
    exercise_id, answer = LATEX[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, stream=True)
    assert final.meta["leak_blocked"], final.text
    assert not any("\\end{cases}" in screen for screen in screens)


@pytest.mark.parametrize("label", list(HONEST))
async def test_honest_answers_in_those_forms_stay_shown(infra, filter_gateway, bank, new_asker, label):
    exercise_id, answer = HONEST[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer)
    assert not final.meta["leak_blocked"] and final.text == answer, final.text


async def test_a_streamed_recurrence_of_another_task_waits_and_is_shown_whole(infra, filter_gateway, bank, new_asker):
    exercise_id, answer = HONEST["a recurrence of another task, count-change"]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, stream=True)
    assert not final.meta["leak_blocked"] and final.text == answer and screens[-1] == answer
