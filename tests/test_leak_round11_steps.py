"""Step lists for warming-streak, count-change and anagram-groups that passed the filter, and honest answers beside them.

Each leaking answer tells the exercise's missing steps in words the step vocabulary had none for: a run over neighbours
("warmer than the day before", "grows by one", "starts over at 1", "the longer of the two"), a recursion on the rest of
a list ("the same amount with the rest of the coins", "the first coin is not bigger than the amount"), a grouping by a
key ("lower-case it", "if the key is new", "with two or more words"). They come as numbered lists, as the notations read
as lists (a table of steps, a You/Me dialogue, a plan in comments), and for anagram-groups as comments beside the
student's own lines. The student sees the next hint instead. A list of debugging steps, a list that restates the
statement, one hint-sized step, a table of concepts, a dialogue about debugging and questions written beside the
student's lines stay shown whole.
"""

from __future__ import annotations

import pytest

from .test_leak_round10_forms import shown

pytestmark = pytest.mark.gateway

STARTER = None  # the student's code is the exercise's starter
NEARLY_ANAGRAMS = '''def anagram_groups(words):
    buckets = {}
    for w in words:
        sig = "".join(sorted(w))
        if sig not in buckets:
            buckets[sig] = set()
        buckets[sig].add(w)
    out = []
    for b in buckets.values():
        if len(b) >= 2:
            out.append(sorted(b))
    out.sort()
    return out
'''  # everything but lower-casing: 'Tea' and 'tea' fall apart


def numbered(intro: str, steps: list[str]) -> str:
    return intro + "\n\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))


def beside(code: str, comments: dict[int, str], intro: str) -> str:
    """`code` in a block with a comment written beside some of its lines (0-based line numbers)."""
    lines = code.rstrip("\n").split("\n")
    width = max(len(line) for line in lines) + 4
    lines = [f"{line:<{width}}# {comments[k]}" if k in comments else line for k, line in enumerate(lines)]
    return intro + "\n\n```python\n" + "\n".join(lines) + "\n```"


STREAK_STEPS = ["If the list of temperatures is empty, return 0.",
                "Keep two counters, the current streak and the best streak, both starting at 1.",
                "Go through the days from the second one on.",
                "When a day is warmer than the day before, the current streak grows by one.",
                "Otherwise the current streak starts over at 1.",
                "After each day the best streak becomes the longer of the best and the current one.",
                "At the end, return the best streak."]
STREAK_TERSE = ["Empty list? Return 0.", "Start both the current run and the best run at 1.",
                "Walk through the days from the second one on.",
                "Warmer than the day before: the current run goes up by one.", "Not warmer: the current run starts over at 1.",
                "After every day, the best run is the longer of the two.", "Return the best run."]
CHANGE_STEPS = ["If the amount is 0, there is exactly one way: return 1.", "If there are no coins left, return 0.",
                "Count the ways that never use the first coin: the same amount with the rest of the coins.",
                "If the first coin is not bigger than the amount, add the ways that use it at least once: the amount minus "
                "the first coin, with the same coins.",
                "Return the number of ways."]
CHANGE_RECIPE = ["Nothing left to pay: that is one way, so return 1.", "No coin kinds left: return 0.",
                 "First count the ways without the first coin, paying the same amount with the rest of the coins.",
                 "If the first coin fits into the amount, add the ways that use it: pay what is left after the first coin, "
                 "still with all the coins.",
                 "Return the total."]
ANAGRAM_STEPS = ["Make an empty dictionary for the groups.", "For each word, put it in lower case.",
                 "Its key is its letters in sorted order, joined into a string.", "If the key is new, start an empty set for it.",
                 "Add the word to the set of its key.",
                 "Then go over the groups and keep only those with two or more words, each sorted alphabetically.",
                 "Sort the list of groups and return it."]
ANAGRAM_EIGHT = ["Start with an empty dictionary.", "Go through the words and lower-case each one.",
                 "Sort its letters and join them back into a string: that is the key.",
                 "If you have not seen the key yet, give it an empty set.", "Add the lower-case word to that set.",
                 "Make a result list.",
                 "For each set in the dictionary, if it has at least two words, append the sorted set to the result.",
                 "Sort the result and return it."]
QUESTIONS = ["When do I stop?", "And the other stop?", "Then what?", "And the coin itself?", "Finally?"]

LISTS = {  # label: exercise, the student's code, answer; each was shown before
    "warming-streak, a numbered list": ("warming-streak", STARTER, numbered("Here is the whole plan:", STREAK_STEPS)),
    "warming-streak, a terse numbered list": ("warming-streak", STARTER, numbered("In short:", STREAK_TERSE)),
    "count-change, a numbered list": ("count-change", STARTER, numbered("The recursion, step by step:", CHANGE_STEPS)),
    "count-change, a recipe": ("count-change", STARTER, numbered("Here's the recipe:", CHANGE_RECIPE)),
    "anagram-groups, a numbered list": ("anagram-groups", STARTER, numbered("Steps:", ANAGRAM_STEPS)),
    "anagram-groups, eight steps": ("anagram-groups", STARTER, numbered("Do it like this:", ANAGRAM_EIGHT)),
}
NOTATIONS = {  # label: exercise, the student's code, answer; each was shown before
    "warming-streak, a table of steps": ("warming-streak", STARTER, "The plan as a table:\n\n| Step | What to do |\n|---|---|\n"
                                         + "\n".join(f"| {i} | {s} |" for i, s in enumerate(STREAK_STEPS, 1))),
    "count-change, a You/Me dialogue": ("count-change", STARTER, "Let's talk it through:\n\n" + "\n".join(
        f"{i}. You: {q}\n   Me: {s}" for i, (q, s) in enumerate(zip(QUESTIONS, CHANGE_STEPS), 1))),
    "count-change, a plan in comments": ("count-change", STARTER, "Fill in this plan:\n\n```python\n"
                                         "def count_change(amount, coins):\n" + "\n".join(f"    # {s}" for s in CHANGE_RECIPE)
                                         + "\n```"),
    "anagram-groups, a plan in comments": ("anagram-groups", STARTER, "Fill in this plan:\n\n```python\n"
                                           "def anagram_groups(words):\n" + "\n".join(f"    # {s}" for s in ANAGRAM_STEPS)
                                           + "\n```"),
}
BESIDE = {  # label: exercise, the student's code, answer; each was shown before
    "anagram-groups, the missing step beside the student's lines": (
        "anagram-groups", NEARLY_ANAGRAMS, beside(NEARLY_ANAGRAMS, {2: "lower-case w first, so 'Tea' and 'tea' get the same "
                                                                    "signature"}, "Only one thing is missing, see my comment:")),
    "anagram-groups, the missing steps beside the starter's lines": (
        "anagram-groups", STARTER, "Your loop is a good start. Keep these lines and read the comments beside them:\n\n"
        "```python\ndef anagram_groups(words):\n    groups = {}\n"
        "    for word in words:              # lower-case the word before anything else\n"
        "        key = \"\".join(sorted(word))\n"
        "        groups[key] = [word]        # if you have not seen this key yet, give it an empty set; then add the word to it\n"
        "    return list(groups.values())    # keep only the sets with two or more words, each sorted; then sort that list\n```"),
}
LEAKS = {**LISTS, **NOTATIONS, **BESIDE}

HONEST = {  # label: exercise, the student's code, answer
    "warming-streak, debugging steps": ("warming-streak", STARTER, numbered("To find the bug:", [
        "Run your function on [3, 4, 5, 2, 6] and write down what it returns.",
        "Print count after every day, together with temps[i - 1] and temps[i].",
        "Look at the day where the temperature drops: what should happen to your count there?",
        "Try an empty list and a list of one day too."])),
    "warming-streak, the statement restated": ("warming-streak", STARTER, numbered("What the exercise asks, in steps:", [
        "You get a list of daily temperatures.", "A warming streak is a run of days, each strictly warmer than the day before.",
        "A single day on its own is a streak of length 1.",
        "Return the length of the longest streak, and 0 for an empty list."])),
    "warming-streak, one step": ("warming-streak", STARTER, numbered("One step at a time:", [
        "Your count only ever goes up. Think about what should happen to it on a day that is not warmer than the day "
        "before, and leave the rest as it is for now."])),
    "warming-streak, a table of concepts": ("warming-streak", STARTER, "| Idea | Where it shows up |\n|---|---|\n"
                                            "| comparing neighbours | today against the day before |\n| a counter | the length "
                                            "of the streak you are in |\n| max() | remembering the best |\n\nWhich of these "
                                            "does your code have already?"),
    "count-change, debugging steps": ("count-change", STARTER, numbered("How to debug a recursive function:", [
        "Pick the smallest input that fails, like count_change(4, [1, 2]).",
        "Print amount and coins at the start of every call.", "Draw the calls as a tree on paper.",
        "Compare the leaves of your tree with the four ways in the statement's example."])),
    "count-change, the statement restated": ("count-change", STARTER, numbered("The task in steps:", [
        "You get an amount in cents and a list of coin values.", "You may use as many coins of each value as you like.",
        "Two ways are the same when they use the same number of each coin.",
        "Return how many different ways there are; paying 0 is one way.", "The function has to be recursive."])),
    "count-change, one step": ("count-change", STARTER, numbered("A hint:", [
        "Your function only ever drops the first coin. Think about the other choice you have with that coin: what does "
        "using it once do to the amount?"])),
    "count-change, a dialogue about debugging": ("count-change", STARTER, "Debugging is a conversation:\n\n1. You: Why do I "
                                                 "always get 1?\n   Me: Which call returns it? Print the arguments of each "
                                                 "call.\n2. You: The last call has amount 5 and no coins.\n   Me: And which "
                                                 "calls came before it? Is there any call where the amount got smaller?"),
    "anagram-groups, debugging steps": ("anagram-groups", STARTER, numbered("Debugging steps:", [
        "Run anagram_groups on the example from the statement and print what you get.",
        "Print groups after the loop: which keys does it have?", "Try ['Tea', 'eat']: do they end up under the same key?",
        "Compare the shape of your result with the expected list of lists."])),
    "anagram-groups, the statement restated": ("anagram-groups", STARTER, numbered("What the function must do:", [
        "Take a list of words.", "Find the words that are anagrams of each other; case does not matter.",
        "A repeated word counts once.", "Return only groups of at least two different words, each in alphabetical order, "
        "the groups ordered by their first word."])),
    "anagram-groups, one step": ("anagram-groups", STARTER, numbered("Next step:", [
        "Your key is the sorted letters of the word, which is right. Now ask yourself: do 'Tea' and 'tea' get the same "
        "key?"])),
    "anagram-groups, the missing step as one hint": ("anagram-groups", NEARLY_ANAGRAMS, "Your code is right except for one "
                                                      "case: 'Tea' and 'tea'. Lower-case each word before you build its "
                                                      "signature, then run the tests again."),
    "anagram-groups, questions beside the starter's lines": ("anagram-groups", STARTER, beside(
        "def anagram_groups(words):\n    groups = {}\n    for word in words:\n        key = \"\".join(sorted(word))\n"
        "        groups[key] = [word]\n    return list(groups.values())\n",
        {3: "what key do 'Tea' and 'tea' get here?", 4: "what happens to the words that were under this key before?",
         5: "does every group here have two words?"}, "Look at these lines of your code again:")),
    "anagram-groups, a question beside the student's line": ("anagram-groups", NEARLY_ANAGRAMS, beside(
        NEARLY_ANAGRAMS, {3: "what signature do 'Tea' and 'tea' get here?"}, "Look at this line again:")),
}


@pytest.mark.parametrize("label", list(LEAKS))
async def test_each_step_list_is_held_back(infra, filter_gateway, bank, new_asker, label):
    exercise_id, code, answer = LEAKS[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, code)
    assert final.meta["leak_blocked"] and answer not in final.text, final.text


@pytest.mark.parametrize("label", ["count-change, a numbered list", "anagram-groups, the missing step beside the student's lines"])
async def test_a_streamed_step_list_is_held_back(infra, filter_gateway, bank, new_asker, label):
    exercise_id, code, answer = LEAKS[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, code, stream=True)
    assert final.meta["leak_blocked"] and not any(answer in screen for screen in screens), final.text


@pytest.mark.parametrize("label", list(HONEST))
async def test_honest_answers_in_those_forms_stay_shown(infra, filter_gateway, bank, new_asker, label):
    exercise_id, code, answer = HONEST[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    screens, final = await shown(infra, gw, new_asker, exercise, answer, code)
    assert not final.meta["leak_blocked"] and final.text == answer, final.text


def test_the_phrases_name_the_steps_tokens():
    from codementor.api.gateway.leak.walkthrough import RECURSE, unit_tokens

    assert {"gt", "sub", "num:1"} <= unit_tokens("when a day is warmer than the day before")
    assert {"add", "num:1"} <= unit_tokens("the current streak grows by one")
    assert {RECURSE, "num:1"} <= unit_tokens("the same amount with the rest of the coins")
    assert {"le", "num:0"} <= unit_tokens("if the first coin is not bigger than the amount")
    assert {"assign", "call:lower"} <= unit_tokens("lower-case the word first")
    assert {"call:len", "ge", "num:2"} <= unit_tokens("keep only the groups with two or more words")
    assert "add" not in unit_tokens("A list grows with `append`")  # growing alone is no addition
    assert "assign" not in unit_tokens("write every word in lower case in the result")  # the statement's own words


@pytest.mark.parametrize("label", list(BESIDE))
def test_the_comments_beside_the_code_are_read_as_the_steps(bank, detector_of, label):
    exercise_id, code, answer = BESIDE[label]
    exercise = bank.get(exercise_id)
    check = detector_of(exercise).check(answer, code=exercise.starter if code is None else code)
    assert check.leaking and "walkthrough" in check.reason, check  # told in words, not only run as the student's code


def test_the_students_own_code_told_back_is_not_run(bank, detector_of):
    exercise = bank.get("anagram-groups")
    answer = HONEST["anagram-groups, a question beside the student's line"][2]
    assert detector_of(exercise).candidates(answer, code=NEARLY_ANAGRAMS) == []  # their code passes what it passes
    assert detector_of(exercise).candidates(answer, code=exercise.starter)  # for another student it is new code
