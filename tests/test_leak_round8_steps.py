"""Step lists a student transcribed although the filter let them through, and honest answers beside them.

Each leaking answer tells a bank exercise's reference step by step: in Chinese, Russian, Japanese or Dutch (a numbered
list whose items name what each statement does, the punctuation marks of a literal by name), or in plain English one
step per line when the starter already holds most of the steps. The honest ones are lists of debugging steps, the steps
of another task in the same language, and Polish or Czech prose (letters no English word strings together, but prose).
"""

from __future__ import annotations

import pytest

from codementor.api.gateway.leak.opacity import opaque
from codementor.api.gateway.leak.walkthrough import units
from codementor.api.gateway.stream import GuardedStream

MERGE_ZH = ("步骤：\n1. 先按开始时间给会议排序（得到一个新的列表，不要改动原来的输入）。\n2. 准备一个空的时间段列表。\n3. 依次看每个会议（开始，"
            "结束）：如果列表里已经有时间段，并且这个开始不晚于最后一个时间段的结束，就把最后一个时间段换成（它原来的开始，两个结束里较大的那个）。\n"
            "4. 否则把（开始，结束）加到列表末尾。\n5. 最后返回这个列表。")
WORDS_ZH = ("思路：\n1. 先把整段文字全部变成小写，再按空白拆成一个个单词。\n2. 每个单词去掉两头的句号、逗号、感叹号、问号、分号和冒号。\n3. 去掉之后如果变成空"
            "字符串，就跳过它。\n4. 否则在字典里给这个单词的计数加一（第一次出现时从零开始）。\n5. 循环结束后返回这个字典。")
WORDS_RU = ("План:\n1. Переведи весь текст в нижний регистр и разбей его по пробелам на слова.\n2. У каждого слова обрежь с краёв точку, "
            "запятую, восклицательный и вопросительный знаки, точку с запятой и двоеточие.\n3. Если после этого слово пустое — пропусти "
            "его.\n4. Иначе увеличь счётчик этого слова в словаре на единицу (если его ещё нет — начни с нуля).\n5. В конце верни словарь.")
WORDS_JA = ("手順：\n1. 文章全体を小文字にして、空白で単語に分けます。\n2. それぞれの単語の両端からピリオド、カンマ、感嘆符、疑問符、セミコロン、コロンを取り"
            "除きます。\n3. 取り除いた結果が空文字列なら飛ばします。\n4. そうでなければ、辞書のその単語のカウントを1増やします（初めてなら0から）。\n5. 最後に"
            "辞書を返します。")
MERGE_NL = ("Stappenplan:\n1. Sorteer de vergaderingen op begintijd (maak een nieuwe gesorteerde lijst, verander de invoer niet).\n2. Begin "
            "met een lege lijst perioden.\n3. Voor elke vergadering (begin, eind): als er al een periode is en het begin niet later is dan "
            "het einde van de laatste periode, vervang dan de laatste periode door (haar begin, het grootste van de twee eindes).\n4. "
            "Anders voeg je (begin, eind) achteraan toe.\n5. Geef de lijst perioden terug.")
STREAK_EN = ("Let me walk you through it.\n\nFirst, if the list of temperatures is empty, return 0.\nOtherwise, set best to 1 and "
             "current to 1.\nThen loop over i in range from 1 to the length of temps.\nIf temps[i] is greater than temps[i - 1], add 1 "
             "to current.\nOtherwise, reset current to 1.\nAfter each step, set best to the max of best and current.\nFinally, return best.\n")

WORDS_PL = ("Plan:\n1. Zamień cały tekst na małe litery i podziel go na słowa według białych znaków.\n2. Z każdego słowa usuń z obu "
            "końców kropkę, przecinek, wykrzyknik, pytajnik, średnik i dwukropek.\n3. Jeśli po tym słowo jest puste, pomiń je.\n4. W "
            "przeciwnym razie zwiększ licznik tego słowa w słowniku o jeden (jeśli go jeszcze nie ma, zacznij od zera).\n5. Na końcu "
            "zwróć słownik.")

STEP_LISTS = {  # label: exercise, answer
    "chinese, merge-meetings": ("merge-meetings", MERGE_ZH),
    "chinese, word-frequencies": ("word-frequencies", WORDS_ZH),
    "russian, word-frequencies": ("word-frequencies", WORDS_RU),
    "japanese, word-frequencies": ("word-frequencies", WORDS_JA),
    "dutch, merge-meetings": ("merge-meetings", MERGE_NL),
    "polish, word-frequencies (read now, no longer held as unreadable)": ("word-frequencies", WORDS_PL),
    "english one step a line, warming-streak": ("warming-streak", STREAK_EN),
}

POLISH = ("Kroki debugowania:\n1. Wypisz wartość zmiennej counts przed pętlą i po niej.\n2. Sprawdź, czy słowa z wielkich liter są "
          "liczone osobno.\n3. Uruchom funkcję na krótkim przykładzie i porównaj wynik z oczekiwanym.\n4. Zastanów się, co dzieje się "
          "ze znakami interpunkcyjnymi na końcu słów.")
CZECH = ("Postup ladění:\n1. Vypište si hodnotu proměnné před smyčkou a po ní.\n2. Zkontrolujte, jestli se slova s velkými písmeny "
         "počítají zvlášť.\n3. Spusťte funkci na krátkém příkladu a porovnejte výsledek s očekávaným.\n4. Zamyslete se, co se děje se "
         "znaky interpunkce na konci slov. Čtyři kroky stačí.")
HONEST = {  # label: exercise, answer
    "chinese debugging steps, merge-meetings": ("merge-meetings", "调试步骤：\n1. 在循环前打印 meetings，看看输入是什么样子。\n2. 用一个只有两个"
                                                "会议的小例子手动运行你的函数。\n3. 把你的结果和题目里的例子对比。\n4. 想一想：两个会议刚好首尾相接时，应该合并吗？"),
    "chinese steps of another task, word-frequencies": ("word-frequencies", "求偶数和的步骤：\n1. 准备一个总和，从零开始。\n2. 依次看每个数。\n"
                                                        "3. 如果它除以二的余数是零，就把它加到总和上。\n4. 最后返回总和。"),
    "russian debugging steps, word-frequencies": ("word-frequencies", "Как отладить:\n1. Напечатай результат для строки 'Hello hello'.\n"
                                                  "2. Посмотри, считаются ли слова с большой буквы отдельно.\n3. Проверь, что происходит со "
                                                  "знаками препинания в конце слов.\n4. Сравни свой результат с примером из условия."),
    "russian steps of another task, merge-meetings": ("merge-meetings", "Сумма чётных чисел:\n1. Заведи сумму, равную нулю.\n2. Для каждого "
                                                      "числа проверь остаток от деления на два.\n3. Если остаток равен нулю, прибавь число к "
                                                      "сумме.\n4. Верни сумму."),
    "japanese concept, word-frequencies": ("word-frequencies", "辞書の使い方：\n1. 空の辞書は {} で作ります。\n2. d[key] = value で値を入れます。\n"
                                           "3. key in d でキーがあるか確かめられます。"),
    "dutch debugging steps, merge-meetings": ("merge-meetings", "Zo kun je zoeken:\n1. Print de lijst meetings voordat je begint.\n2. Probeer "
                                              "je functie met twee vergaderingen die elkaar overlappen.\n3. Vergelijk je uitkomst met het "
                                              "voorbeeld in de opgave.\n4. Denk na: wat gebeurt er als de invoer niet gesorteerd is?"),
    "english debugging steps, warming-streak": ("warming-streak", "To find the bug:\n1. Print count after each day.\n2. Try [1, 2, 1, 2, 3]: "
                                                "the answer should be 3.\n3. Ask yourself what happens to count when the temperature drops.\n"
                                                "4. Check what your function returns for an empty list."),
    "english steps of another task, warming-streak": ("warming-streak", "Steps for summing the even numbers:\n1. Start a total at 0.\n"
                                                      "2. Loop over the numbers.\n3. If a number modulo 2 is 0, add it to the total.\n"
                                                      "4. Return the total."),
    "punctuation named in a sentence, word-frequencies": ("word-frequencies", "Look at the statement: which marks count as punctuation? "
                                                          "A comma, a period and a question mark are three of them; `str.strip` takes a "
                                                          "string of characters."),
    "polish debugging steps, word-frequencies": ("word-frequencies", POLISH),
    "czech debugging steps, word-frequencies": ("word-frequencies", CZECH),
}


@pytest.mark.parametrize("label", list(STEP_LISTS))
def test_a_step_list_in_another_language_or_one_step_a_line_is_a_walkthrough(bank, leak_detector, detector_of, label):
    exercise_id, answer = STEP_LISTS[label]
    exercise = bank.get(exercise_id)
    for detector, code in ((leak_detector(exercise), ""), (detector_of(exercise), exercise.starter)):
        check = detector.check(answer, code=code)
        assert check.leaking and "walkthrough" in check.reason, (check.similarity, check.walkthrough, check.reason)


def test_three_languages_in_a_row_are_held_back_as_a_conversation(bank, detector_of):
    """Each turn alone is a walkthrough; after the first, the memory holds it and the next turns are judged with it."""
    exercise = bank.get("word-frequencies")
    detector, prior = detector_of(exercise), ""
    for answer in (WORDS_ZH, WORDS_RU, WORDS_JA):
        assert detector.check(answer, prior=prior, code=exercise.starter).leaking
        prior = f"{prior}\n\n{answer}".strip()


@pytest.mark.parametrize("label", ["chinese, merge-meetings", "english one step a line, warming-streak"])
def test_a_streamed_step_list_stops_before_the_step_that_completes_the_starter(bank, detector_of, label):
    exercise_id, answer = STEP_LISTS[label]
    exercise = bank.get(exercise_id)
    guard = GuardedStream(detector_of(exercise), code=exercise.starter)
    shown = "".join(guard.feed(line + "\n") for line in answer.splitlines())
    assert "较大" not in shown and "max of best" not in shown, shown  # the step the starter lacks most
    assert detector_of(exercise).check(answer, code=exercise.starter).leaking  # the final verdict replaces the answer


@pytest.mark.parametrize("label", list(HONEST))
def test_honest_lists_and_prose_in_those_languages_stay_shown(bank, leak_detector, detector_of, label):
    exercise_id, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    for detector, code in ((leak_detector(exercise), ""), (detector_of(exercise), ""), (detector_of(exercise), exercise.starter)):
        check = detector.check(answer, code=code)
        assert not check.leaking, (check.similarity, check.walkthrough, check.reason)


def test_polish_and_czech_prose_is_read_but_a_cipher_with_a_few_diacritics_is_not():
    assert not opaque(POLISH * 3) and not opaque(CZECH * 3)
    cipher = " ".join(["xqzvkj wprtzq bvnmxl qqzrtp"] * 30)
    assert opaque(cipher) and opaque(cipher.replace("wprtzq", "wprtzą", 1))


TEMPLATE = ("Here's a template to fill in:\n\n```python\ndef running_balance(start, transactions):\n    balance = ____A____\n    balances = []\n"
            "    for amount in transactions:\n        balance = ____B____\n        balances.append(____C____)\n    return balances\n```")
BLANKS = ("Blank A is just the starting amount you were given; blank B is the current balance plus this amount; blank C is the "
          "updated balance itself.")


def test_a_template_whose_blanks_are_told_in_the_next_turn_is_held_back(bank, detector_of):
    """The template alone is a scaffold and is shown; the blanks told in words complete it."""
    exercise = bank.get("running-balance")
    detector = detector_of(exercise)
    assert not detector.check(TEMPLATE, code=exercise.starter).leaking
    check = detector.check(BLANKS, prior=TEMPLATE, code=exercise.starter)
    assert check.leaking and "walkthrough" in check.reason, (check.similarity, check.walkthrough, check.reason)
    assert detector.check(f"{TEMPLATE}\n\n{BLANKS}", code=exercise.starter).leaking  # in one answer too


@pytest.mark.parametrize("hint", [
    "Blank A is just the starting amount you were given. For the others, look at what the balance is after each transaction.",
    "Think about blank B: what should happen to the balance when a transaction comes in? Try it on the first example.",
])
def test_a_hint_on_one_blank_of_a_template_stays_shown(bank, detector_of, hint):
    exercise = bank.get("running-balance")
    check = detector_of(exercise).check(hint, prior=TEMPLATE, code=exercise.starter)
    assert not check.leaking, (check.similarity, check.walkthrough, check.reason)


def test_the_blanks_of_another_tasks_template_stay_shown(bank, detector_of):
    exercise = bank.get("running-balance")
    other = ("```python\ndef sum_of_evens(numbers):\n    total = ____A____\n    for n in numbers:\n        if ____B____:\n"
             "            total += n\n    return total\n```")
    check = detector_of(exercise).check("Blank A is zero; blank B is whether n is even.", prior=other, code=exercise.starter)
    assert not check.leaking, (check.similarity, check.walkthrough, check.reason)


def test_a_bare_run_of_marks_is_one_literal():
    """`.,!?;:` written bare in prose is the literal a strip step uses, not three clauses cut at its `;`."""
    tokens = set().union(*units("The cleaner strips the six marks .,!?;: from both ends of each item."))
    assert {"str:.,!?;:", "call:strip"} <= tokens
