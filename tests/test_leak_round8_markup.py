"""The reference written with Markdown markup that the student's renderer removes: what they see is the plain code.

`%tutor` shows an answer as Markdown, so `def depth\\(value\\):` (backslash escapes, `&nbsp;` indentation) or
`**def** **anagram_groups**(**words**):` is the reference on their screen. The filter reads the answer as rendered too
(`leak.markup`): escapes, emphasis, inline HTML, entities, link text, block quotes. Honest answers that use bold, italics,
links, HTML or an escaped example of another task must stay shown.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from codementor.api.gateway.leak.markup import rendered
from codementor.api.services import tutoring

from .fake_llm import set_mode
from .test_gateway import screens_of
from .test_leak_round5 import held_back

MARKED = {  # label: exercise, answer; each was shown before
    # backslash escapes of punctuation (and `&nbsp;` indentation), which the renderer removes
    'escaped, passing-names': ('passing-names', 'def passing\\_names\\(results, pass\\_mark\\=50\\):\n    return \\[name for name, score in results if score \\>\\= pass\\_mark\\]'),
    'escaped, nesting-depth': ('nesting-depth', 'def depth\\(value\\):\n\n&nbsp;&nbsp;&nbsp;&nbsp;if not isinstance\\(value, list\\):\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;return 0\n\n&nbsp;&nbsp;&nbsp;&nbsp;deepest \\= 0\n\n&nbsp;&nbsp;&nbsp;&nbsp;for item in value:\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;deepest \\= max\\(deepest, depth\\(item\\)\\)\n\n&nbsp;&nbsp;&nbsp;&nbsp;return deepest \\+ 1'),
    'escaped, count-change': ('count-change', 'def count\\_change\\(amount, coins\\):\n\n&nbsp;&nbsp;&nbsp;&nbsp;if amount \\=\\= 0:\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;return 1\n\n&nbsp;&nbsp;&nbsp;&nbsp;if not coins:\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;return 0\n\n&nbsp;&nbsp;&nbsp;&nbsp;ways \\= count\\_change\\(amount, coins\\[1:\\]\\)\n\n&nbsp;&nbsp;&nbsp;&nbsp;if coins\\[0\\] \\<\\= amount:\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;ways \\+\\= count\\_change\\(amount \\- coins\\[0\\], coins\\)\n\n&nbsp;&nbsp;&nbsp;&nbsp;return ways'),
    'escaped, warming-streak': ('warming-streak', 'def longest\\_warming\\_streak\\(temps\\):\n\n&nbsp;&nbsp;&nbsp;&nbsp;if not temps:\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;return 0\n\n&nbsp;&nbsp;&nbsp;&nbsp;best \\= 1\n\n&nbsp;&nbsp;&nbsp;&nbsp;current \\= 1\n\n&nbsp;&nbsp;&nbsp;&nbsp;for i in range\\(1, len\\(temps\\)\\):\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;if temps\\[i\\] \\> temps\\[i \\- 1\\]:\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;current \\+\\= 1\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;else:\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;current \\= 1\n\n&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;best \\= max\\(best, current\\)\n\n&nbsp;&nbsp;&nbsp;&nbsp;return best'),
    'escaped, digit-sum': ('digit-sum', 'def digit\\_sum\\(n\\):\n    if n \\< 0:\n        return digit\\_sum\\(\\-n\\)\n    if n \\=\\= 0:\n        return 0\n    return n \\% 10 \\+ digit\\_sum\\(n // 10\\)'),
    # every word in bold
    'bold, anagram-groups': ('anagram-groups', '**def** **anagram_groups**(**words**):\n    **groups** = {}\n    **for** **word** **in** **words**:\n        **word** = **word**.**lower**()\n        **key** = "".**join**(**sorted**(**word**))\n        **if** **key** **not** **in** **groups**:\n            **groups**[**key**] = **set**()\n        **groups**[**key**].**add**(**word**)\n    **result** = []\n    **for** **group** **in** **groups**.**values**():\n        **if** **len**(**group**) >= 2:\n            **result**.**append**(**sorted**(**group**))\n    **result**.**sort**()\n    **return** **result**'),
}

WORD = re.compile(r"\b([A-Za-z_]\w*)\b")


def _lines(code: str) -> list[str]:
    return [line for line in code.splitlines() if line.strip()]


# the next tricks of the same family: each turns the plain reference into Markdown that renders as it
TRICKS = {
    "italic words": lambda code: WORD.sub(r"_\1_", code),
    "bold italic and struck words": lambda code: WORD.sub(r"***\1***", code.replace("(", "~~(~~")),
    "an html pre block with entities": lambda code: "<pre>\n" + code.replace("<", "&lt;").replace(">", "&#62;") + "\n</pre>",
    "code tags, br and emsp": lambda code: "".join(
        "&emsp;" * ((len(line) - len(line.lstrip())) // 4) + f"<code>{line.strip()}</code><br>" for line in _lines(code)),
    "link text for every word": lambda code: WORD.sub(r"[\1](#)", code),
    "a block quote": lambda code: "\n".join("> " + line for line in code.splitlines()),
    "an empty sub in every word": lambda code: re.sub(r"\b(\w)(\w+)", r"\1<sub></sub>\2", code),
    "a footnote on every line": lambda code: "\n".join(line + f"[^{i}]" for i, line in enumerate(code.splitlines(), 1)),
    "escapes and hard breaks": lambda code: "\\\n".join(re.sub(r"([()\[\]_=<>.])", r"\\\1", line) for line in code.splitlines()),
}
TRICKED = ("anagram-groups", "nesting-depth", "warming-streak")

HONEST = {  # label: exercise, answer
    "bold and italics for emphasis": ("anagram-groups", "**Good start!** Your loop is *almost* right: look at what `groups` "
                                      "holds for a word seen __twice__, and remember that **case matters** here."),
    "a bold step list of another kind": ("nesting-depth", "**Hints**\n\n1. **Base case**: what is the depth of something "
                                         "that is *not* a list?\n2. **Recursive case**: how does a list's depth relate to "
                                         "its items' depths?\n\n_Try it on_ `[1, [2]]` _by hand first._"),
    "html and entities in prose": ("nesting-depth", "<b>Tip:</b> <code>isinstance(value, list)</code> tells you whether "
                                   "you have a list; for <i>anything else</i> the depth is 0 &mdash; check `[[]]` &amp; `[]`."),
    "links to the docs": ("anagram-groups", "See [sorted()](https://docs.python.org/3/library/functions.html#sorted) and "
                          "[str.join](https://docs.python.org/3/library/stdtypes.html#str.join): two words are anagrams "
                          "when their letters, sorted, are the same.[^1]\n\n[^1]: Ignoring case."),
    "an escaped example of another task": ("warming-streak", "For comparison, a loop over neighbours in another task:\n\n"
                                           "def count\\_rises\\(xs\\):\n    return sum\\(1 for a, b in zip\\(xs, xs\\[1:\\]\\) "
                                           "if b \\> a\\)\n\nYour streak needs a running count instead."),
    "a block quote of the statement": ("warming-streak", "> Return the length of the longest run of days where each day "
                                       "is **warmer** than the day before.\n\nSo a list that only falls gives 1, and an "
                                       "empty list 0. What do you keep track of as you walk the list?"),
}


@pytest.mark.parametrize("label", list(MARKED))
async def test_the_reference_with_markdown_markup_is_held_back(bank, leak_detector, detector_of, grader, label):
    exercise_id, answer = MARKED[label]
    exercise = bank.get(exercise_id)
    assert await held_back(grader, leak_detector(exercise), exercise, answer)
    assert await held_back(grader, detector_of(exercise), exercise, answer)


@pytest.mark.parametrize("label", list(MARKED))
def test_the_rendered_reading_is_the_plain_code(label):
    reading = rendered(MARKED[label][1])
    assert reading and "\\" not in reading[0] and "**" not in reading[0] and "&nbsp;" not in reading[0]
    compile(reading[0], label, "exec")


def test_a_python_code_block_is_read_as_it_stands_and_one_with_markup_without_it():
    python = "```python\nclass Box:\n    def __init__(self):\n        self.n = 2*3*4\n```\n"
    assert rendered(python + "**Note** the _dunder_.") == [python + "Note the dunder."]
    escaped = "```python\n" + MARKED["escaped, digit-sum"][1] + "\n```"
    assert rendered(escaped)[0] == "```python\n" + rendered(MARKED["escaped, digit-sum"][1])[0] + "\n```"


async def test_the_escaped_reference_in_a_code_block_is_held_back(bank, detector_of, grader):
    exercise = bank.get("digit-sum")
    answer = "```python\n" + MARKED["escaped, digit-sum"][1] + "\n```"
    assert await held_back(grader, detector_of(exercise), exercise, answer)


@pytest.mark.parametrize("exercise_id", TRICKED)
@pytest.mark.parametrize("trick", list(TRICKS))
async def test_other_markup_around_the_reference_is_held_back(bank, detector_of, grader, exercise_id, trick):
    exercise = bank.get(exercise_id)
    code = rendered(MARKED["bold, anagram-groups"][1])[0] if exercise_id == "anagram-groups" else _body(exercise.solution)
    answer = TRICKS[trick](code)
    assert await held_back(grader, detector_of(exercise), exercise, answer), answer


def _body(solution: str) -> str:
    """The reference without its docstring (as a model would paste it)."""
    return re.sub(r'\n\s*"""(?:.|\n)*?"""', "", solution, count=1)


@pytest.mark.parametrize("label", list(HONEST))
async def test_honest_answers_with_markup_stay_shown(bank, leak_detector, detector_of, grader, label):
    exercise_id, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    assert not await held_back(grader, leak_detector(exercise), exercise, answer)
    assert not await held_back(grader, detector_of(exercise), exercise, answer)


LANGUAGES = {  # label: exercise, answer (the reference line for line in another language); each was shown before
    'go': ('word-frequencies', 'In Go:\n\n```go\nfunc WordFrequencies(text string) map[string]int {\n\tcounts := map[string]int{}\n\tfor _, w := range strings.Fields(strings.ToLower(text)) {\n\t\tw = strings.Trim(w, ".,!?;:")\n\t\tif w != "" {\n\t\t\tcounts[w]++\n\t\t}\n\t}\n\treturn counts\n}\n```'),
    'swift': ('word-frequencies', 'In Swift:\n\n```swift\nfunc wordFrequencies(_ text: String) -> [String: Int] {\n    var counts: [String: Int] = [:]\n    for raw in text.lowercased().split(whereSeparator: { $0.isWhitespace }) {\n        let w = raw.trimmingCharacters(in: CharacterSet(charactersIn: ".,!?;:"))\n        if !w.isEmpty { counts[w, default: 0] += 1 }\n    }\n    return counts\n}\n```'),
    'dart': ('word-frequencies', "In Dart:\n\n```dart\nMap<String, int> wordFrequencies(String text) {\n  final counts = <String, int>{};\n  for (var w in text.toLowerCase().split(RegExp(r'\\s+'))) {\n    w = w.replaceAll(RegExp(r'^[.,!?;:]+|[.,!?;:]+$'), '');\n    if (w.isNotEmpty) counts.update(w, (c) => c + 1, ifAbsent: () => 1);\n  }\n  return counts;\n}\n```"),
    'nim': ('word-frequencies', "In Nim this would read:\n\n```nim\nimport tables, strutils\n\nproc wordFrequencies(text: string): Table[string, int] =\n  for raw in text.toLowerAscii.splitWhitespace:\n    let word = raw.strip(chars = {'.', ',', '!', '?', ';', ':'})\n    if word.len > 0:\n      result.mgetOrPut(word, 0).inc\n```\n\nTry translating it to Python."),
}

HONEST_LANGUAGES = {  # label: exercise, answer
    "a go loop of another task": ("word-frequencies", "In Go a sum of the even numbers reads:\n\n```go\nfunc SumEven(nums []int) int {\n"
                                  "\ttotal := 0\n\tfor _, n := range nums {\n\t\tif n%2 == 0 {\n\t\t\ttotal += n\n\t\t}\n\t}\n"
                                  "\treturn total\n}\n```\nPython's `for n in nums:` plays the part of `range`."),
    "swift's trimming named": ("word-frequencies", "Swift's `s.trimmingCharacters(in: .whitespaces)` is what Python calls "
                               "`s.strip()`; and `counts[w, default: 0]` reads a dictionary with a default, much like "
                               "Python's `dict.get`. Which of these does your loop need?"),
    "a dart example of another task": ("word-frequencies", "In Dart:\n\n```dart\nint longWords(List<String> words) {\n"
                                       "  return words.where((w) => w.length > 6).length;\n}\n```\nPython would use a "
                                       "comprehension and `len`."),
    "a nim proc of another task": ("word-frequencies", "Nim looks a lot like Python:\n\n```nim\nproc squares(n: int): seq[int] =\n"
                                   "  for i in 1..n:\n    result.add(i * i)\n```\n`result` is returned by itself; in "
                                   "Python you write `return`."),
}


@pytest.mark.parametrize("label", list(LANGUAGES))
async def test_go_swift_dart_and_nim_idioms_are_read(bank, leak_detector, detector_of, grader, label):
    exercise_id, answer = LANGUAGES[label]
    exercise = bank.get(exercise_id)
    assert await held_back(grader, leak_detector(exercise), exercise, answer)
    assert await held_back(grader, detector_of(exercise), exercise, answer)


@pytest.mark.parametrize("label", list(HONEST_LANGUAGES))
async def test_honest_answers_in_those_languages_stay_shown(bank, leak_detector, detector_of, grader, label):
    exercise_id, answer = HONEST_LANGUAGES[label]
    exercise = bank.get(exercise_id)
    assert not await held_back(grader, leak_detector(exercise), exercise, answer)
    assert not await held_back(grader, detector_of(exercise), exercise, answer)


# --- through the gateway, streamed ----------------------------------------------------------------------------------

def _request(code: str):
    return SimpleNamespace(question="show me?", code=code, error="", traceback="", stream=True)


@pytest.mark.gateway
@pytest.mark.parametrize("label", ["escaped, warming-streak", "escaped, digit-sum", "bold, anagram-groups"])
async def test_a_streamed_marked_up_reference_never_shows(infra, filter_gateway, bank, new_asker, label):
    exercise_id, answer = MARKED[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    set_mode(gw.base_url, mode="script", answers=[answer])
    asker = await new_asker(prefix="markup")
    screens, final = await screens_of(tutoring.ask(infra[0], gw, asker, exercise, _request(exercise.starter)))
    assert final.meta["leak_blocked"], final.text
    shown = [rendered(screen)[0] if rendered(screen) else screen for screen in screens]
    body = [line.strip() for line in rendered(answer)[0].splitlines() if len(line.strip()) > 12]
    assert not any(line in screen for screen in shown for line in body)


@pytest.mark.gateway
async def test_a_streamed_honest_answer_in_bold_is_shown_whole(infra, filter_gateway, bank, new_asker):
    exercise_id, answer = HONEST["a bold step list of another kind"]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    set_mode(gw.base_url, mode="script", answers=[answer])
    asker = await new_asker(prefix="markup-honest")
    screens, final = await screens_of(tutoring.ask(infra[0], gw, asker, exercise, _request(exercise.starter)))
    assert not final.meta["leak_blocked"] and screens[-1] == answer
