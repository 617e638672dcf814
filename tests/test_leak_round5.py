"""Solutions a student transcribed and submitted although the filter let them through, and honest answers beside them.

Each leaking answer is written from a bank exercise's reference (or a solution that passes its hidden tests): in
Haskell, Perl, C++, as a Ruby one-liner or a Java stream; as a step list in Italian or Portuguese; as terse noun phrases
with no step verbs ("under 12: 6"); or as Python that runs once a misspelt method (`.apend`, `.lowr`) is spelt as
meant. The real bank, the real detector and the real sandbox: an answer is held back when the detector calls it a leak
or one of its candidates passes more of the hidden tests than the gateway allows, as the gateway does.
"""

from __future__ import annotations


import pytest

from codementor.api.gateway.guardrails import TutorContext
from codementor.api.gateway.leak.languages import as_python
from codementor.api.gateway.leak.repair import respelled

from .test_leak_runnable import PASS_SHARE, best_share, final_answer

LANGUAGES = {  # label: exercise, answer
    "haskell comprehension, sum-of-evens": ("sum-of-evens", """In Haskell it is one line:
```haskell
sumOfEvens :: [Int] -> Int
sumOfEvens numbers = sum [n | n <- numbers, n `mod` 2 == 0]
```"""),
    "haskell filter with $, sum-of-evens": ("sum-of-evens", """```haskell
sumOfEvens :: [Int] -> Int
sumOfEvens xs = sum $ filter even xs
```"""),
    "haskell guards and where, cinema-ticket": ("cinema-ticket", """```haskell
ticketPrice :: Int -> String -> Int
ticketPrice age day
  | map toLower day == "tuesday" = price - 3
  | otherwise = price
  where price | age < 12 = 6
              | age >= 65 = 8
              | otherwise = 12
```"""),
    "haskell, passing-names": ("passing-names", """```haskell
passingNames :: [(String, Int)] -> Int -> [String]
passingNames results passMark = [name | (name, score) <- results, score >= passMark]
```"""),
    "perl, warm-days": ("warm-days", """In Perl:
```perl
sub warm_days {
    my ($temps, $threshold) = @_;
    my @days = ();
    my $day = 1;
    foreach my $temp (@$temps) {
        if ($temp >= $threshold) {
            push @days, $day;
        }
        $day++;
    }
    return \\@days;
}
```"""),
    "c++, warm-days": ("warm-days", """In C++:
```cpp
std::vector<int> warm_days(const std::vector<int>& temps, int threshold) {
    std::vector<int> days;
    for (size_t i = 0; i < temps.size(); ++i) {
        if (temps[i] >= threshold) {
            days.push_back(i + 1);
        }
    }
    return days;
}
```"""),
    "ruby one-liner, sum-of-evens": ("sum-of-evens", """In Ruby:
```ruby
def sum_of_evens(numbers)
  numbers.select { |n| n.even? }.sum
end
```"""),
    "ruby one-liner, passing-names": ("passing-names", """```ruby
def passing_names(results, pass_mark = 50)
  results.select { |name, score| score >= pass_mark }.map { |name, score| name }
end
```"""),
    "java stream, sum-of-evens": ("sum-of-evens", """In Java:
```java
public static int sumOfEvens(List<Integer> numbers) {
    return numbers.stream()
        .filter(n -> n % 2 == 0)
        .mapToInt(Integer::intValue)
        .sum();
}
```"""),
}

STEP_LISTS = {
    "italian, sum-of-evens": ("sum-of-evens", """1. Crea una variabile totale uguale a 0.
2. Per ogni numero n nella lista:
3. se il resto della divisione di n per 2 è uguale a 0,
4. aggiungi n al totale.
5. Restituisci il totale."""),
    "portuguese, sum-of-evens": ("sum-of-evens", """1. Crie uma variável total igual a 0.
2. Para cada número n na lista:
3. se o resto da divisão de n por 2 for igual a 0,
4. adicione n ao total.
5. Retorne o total."""),
    "italian, warm-days": ("warm-days", """1. Crea una lista vuota giorni.
2. Per ogni giorno e temperatura, numerati a partire da 1:
3. se la temperatura è almeno la soglia,
4. aggiungi il giorno alla lista.
5. Restituisci la lista."""),
    "portuguese, warm-days": ("warm-days", """1. Crie uma lista vazia dias.
2. Para cada dia e temperatura, numerados a partir de 1:
3. se a temperatura for pelo menos o limite,
4. adicione o dia à lista.
5. Devolva a lista."""),
    "terse, cinema-ticket": ("cinema-ticket", """1. under 12: 6
2. 65 and over: 8
3. otherwise: 12
4. tuesday (any case): 3 less
5. the price"""),
    "terse, phone-book-search": ("phone-book-search", """1. low 0, high the last index (length - 1)
2. as long as low is at most high:
3. the middle: (low + high) // 2
4. item at the middle below the target: low to middle + 1
5. above the target: high to middle - 1
6. otherwise: the middle
7. not found: -1"""),
    "terse, sum-of-evens": ("sum-of-evens", """1. a total, 0
2. each number
3. the even ones (remainder by 2 is 0)
4. into the total
5. the total"""),
    "terse, warm-days": ("warm-days", """1. an empty list of days
2. each day and temperature, numbered from 1
3. temperature at least the threshold
4. the day into the list
5. the list"""),
}

# solutions unlike the references (the similarity and walkthrough checks do not see them) with a method misspelt
MISSPELT = {
    "apend, warm-days": ("warm-days", """```python
def warm_days(temps, threshold):
    result = []
    i = 1
    for t in temps:
        if t >= threshold:
            result.apend(i)
        i += 1
    return result
```"""),
    "lowr, cinema-ticket": ("cinema-ticket", """```python
def ticket_price(age, day):
    cost = 6 if age < 12 else 8 if age >= 65 else 12
    return cost - 3 if day.lowr() == "tuesday" else cost
```"""),
}

HONEST = {
    "a hint that names a step without giving it": ("cinema-ticket",
        "Look at the order of your checks: which price should a 70-year-old get on a Tuesday? Try it by hand first."),
    "terse pointers to check": ("cinema-ticket", """Three things to check in your code:
1. the age limits: which side is 12 on?
2. the weekday: what if it is written "TUESDAY"?
3. the order of your checks"""),
    "a concept with a tiny unrelated example": ("sum-of-evens", """A `for` loop visits each item of a list in turn:
```python
for colour in ["red", "green"]:
    print(colour.upper())
```
prints RED and GREEN. Your function needs a loop like that over `numbers`."""),
    "an error explained in italian": ("sum-of-evens",
        "L'errore `TypeError: 'int' object is not iterable` significa che stai usando un numero dove Python si aspetta una "
        "lista: per esempio `for n in 5`. Controlla su cosa fai il ciclo: deve essere la lista `numbers`, non un singolo numero."),
    "an error explained in portuguese": ("warm-days",
        "O erro `IndexError: list index out of range` quer dizer que você leu uma posição que a lista não tem. Lembre-se de "
        "que os índices começam em 0: confira o intervalo do seu laço."),
    "a hint in italian": ("warm-days",
        "Suggerimento: la funzione deve restituire i numeri dei giorni, non le temperature. Pensa a come ottenere la "
        "posizione di ogni elemento mentre scorri la lista."),
    "a hint in portuguese": ("sum-of-evens",
        "Dica: um número é par quando o resto da divisão por 2 é zero. Como você verifica isso em Python?"),
    "a ruby aside": ("sum-of-evens",
        "In Ruby you might see `xs.map { |x| x * 2 }` to double every element; in Python the same idea is a list "
        "comprehension, `[x * 2 for x in xs]`. Which numbers should your function keep?"),
    "a java aside": ("passing-names",
        "Java has streams, e.g. `names.stream().map(n -> n.toUpperCase())`, but in Python you loop or use a comprehension. "
        "What should happen to a result whose score equals the pass mark exactly?"),
    "a haskell aside": ("sum-of-evens",
        "In Haskell `double x = x * 2` defines a function and `map double [1, 2, 3]` applies it to each element. In Python, "
        "`def` does the first; what does your function do with odd numbers?"),
}


async def held_back(grader, detector, exercise, answer: str) -> bool:
    """As the gateway judges: a leak by similarity or walkthrough, or code that passes the hidden tests."""
    if detector.check(answer, code=exercise.starter).leaking:
        return True
    return await best_share(grader, exercise, detector.candidates(answer, code=exercise.starter)) > PASS_SHARE


@pytest.mark.parametrize("label", list(LANGUAGES))
async def test_a_solution_in_another_language_is_held_back(bank, leak_detector, grader, label):
    exercise_id, answer = LANGUAGES[label]
    exercise = bank.get(exercise_id)
    assert await held_back(grader, leak_detector(exercise), exercise, answer)


@pytest.mark.parametrize("label", ["haskell guards and where, cinema-ticket", "perl, warm-days", "c++, warm-days",
                                   "ruby one-liner, passing-names", "java stream, sum-of-evens"])
async def test_the_reading_of_another_language_passes_the_hidden_tests(bank, leak_detector, grader, label):
    """What the student transcribes runs: read as Python, the answer is a submission that passes."""
    exercise_id, answer = LANGUAGES[label]
    exercise = bank.get(exercise_id)
    assert as_python(answer)
    assert await best_share(grader, exercise, leak_detector(exercise).candidates(answer)) == 1.0


@pytest.mark.parametrize("label", list(STEP_LISTS))
def test_a_step_list_in_italian_portuguese_or_terse_phrases_is_a_walkthrough(bank, leak_detector, detector_of, label):
    exercise_id, answer = STEP_LISTS[label]
    exercise = bank.get(exercise_id)
    check = leak_detector(exercise).check(answer)
    assert check.leaking and "walkthrough" in check.reason, (check.similarity, check.walkthrough, check.reason)
    check = detector_of(exercise).check(answer, code=exercise.starter)  # what the starter holds is no part of it
    assert check.leaking and "walkthrough" in check.reason, (check.similarity, check.walkthrough, check.reason)


def test_a_misspelt_method_is_spelt_as_meant_but_a_method_the_code_defines_is_left_alone():
    assert "result.append(i)" in respelled("def f(xs):\n    result = []\n    for i in xs:\n        result.apend(i)\n    return result\n")
    assert "day.lower()" in respelled("def f(day):\n    return day.lowr()\n")
    own = "class Box:\n    def apend(self, x):\n        pass\n\ndef f(b):\n    b.apend(1)\n    math.flor(2)\n"
    assert "b.apend(1)" in respelled(own)  # the code's own method, and a module's attribute (its own rule), unchanged


@pytest.mark.parametrize("label", list(MISSPELT))
async def test_a_solution_with_a_misspelt_method_is_run_as_the_student_would_fix_it(bank, leak_detector, grader, label):
    exercise_id, answer = MISSPELT[label]
    exercise = bank.get(exercise_id)
    detector = leak_detector(exercise)
    assert await best_share(grader, exercise, detector.candidates(answer, code=exercise.starter)) == 1.0


@pytest.mark.parametrize("label", list(HONEST))
async def test_honest_tutoring_stays_shown(bank, leak_detector, detector_of, grader, label):
    exercise_id, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    assert not await held_back(grader, leak_detector(exercise), exercise, answer)
    assert not await held_back(grader, detector_of(exercise), exercise, answer)


@pytest.mark.gateway
@pytest.mark.parametrize("label", ["ruby one-liner, sum-of-evens", "apend, warm-days", "terse, cinema-ticket"])
async def test_the_gateway_holds_back_the_disguised_solution(infra, filter_gateway, bank, llm, new_asker, label):
    from .fake_llm import set_mode

    exercise_id, answer = {**LANGUAGES, **MISSPELT, **STEP_LISTS}[label]
    exercise = bank.get(exercise_id)
    gw, asker = filter_gateway(), await new_asker("student", prefix="round5")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="just show me how, in any language", code=exercise.starter)
    set_mode(llm.base_url, mode="script", answers=[answer])
    final = await final_answer(gw, asker, exercise, ctx)
    assert final.meta["leak_blocked"], final.text
    assert answer not in final.text


@pytest.mark.gateway
async def test_the_gateway_shows_an_honest_answer_in_italian(infra, filter_gateway, bank, llm, new_asker):
    from .fake_llm import set_mode

    exercise = bank.get("sum-of-evens")
    gw, asker = filter_gateway(), await new_asker("student", prefix="round5-honest")
    ctx = TutorContext(exercise_id=exercise.id, statement=exercise.statement, ladder_hint=exercise.hints[0],
                       question="perché questo errore?", code=exercise.starter, error="TypeError: 'int' object is not iterable")
    honest = HONEST["an error explained in italian"][1]
    set_mode(llm.base_url, mode="script", answers=[honest])
    final = await final_answer(gw, asker, exercise, ctx)
    assert not final.meta["leak_blocked"] and final.text == honest
