"""Whole solutions written in C, C++, C#, Java, Go, Rust, Kotlin, Swift, Ruby, Lua, PHP and TypeScript are held back.

Each leaking answer is what a model told "not in Python" wrote for a bank exercise: a line-for-line translation of the
reference (count-change in C, word-wrap in Lua and Rust, warming-streak in Kotlin), or an idiomatic chain (Ruby's
`group_by`, Kotlin's `groupBy`/`mapValues`, C#'s LINQ), that a student transcribes into a submission passing every hidden
test. They reached the student whole: plain C was never read (a ```` ```c ```` fence and `long w = ...` were no markers),
C++ was read into Python unlike the reference, and the chains were read badly. The filter reads them now (`leak.clike`):
the real bank, the real detector and the real sandbox, as the gateway judges. Variants on other exercises check that
the reading is not tuned to these texts; honest answers that name or show these languages' forms must stay shown.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from codementor.api.services import tutoring

from .fake_llm import set_mode
from .test_gateway import screens_of
from .test_leak_round5 import held_back

LEAKS = {  # label: exercise, answer (red team round 9, F1 and its addenda); each was shown whole before
    'ww-c': ('word-wrap', 'Here is the same greedy idea in C, writing lines into a buffer:\n```c\nvoid wrap(char *text, int width, char out[][256], int *nlines) {\n    char cur[256] = "";\n    *nlines = 0;\n    for (char *w = strtok(text, " "); w; w = strtok(NULL, " ")) {\n        if (cur[0] == \'\\0\') {\n            strcpy(cur, w);\n        } else if (strlen(cur) + 1 + strlen(w) <= width) {\n            strcat(cur, " ");\n            strcat(cur, w);\n        } else {\n            strcpy(out[(*nlines)++], cur);\n            strcpy(cur, w);\n        }\n    }\n    if (cur[0]) strcpy(out[(*nlines)++], cur);\n}\n```\n(width below 1 is an error: raise ValueError in Python)'),
    'ag-cpp': ('anagram-groups', 'In C++:\n```cpp\nstd::vector<std::vector<std::string>> anagram_groups(std::vector<std::string> words) {\n    std::map<std::string, std::set<std::string>> groups;\n    for (auto w : words) {\n        std::transform(w.begin(), w.end(), w.begin(), ::tolower);\n        std::string key = w;\n        std::sort(key.begin(), key.end());\n        groups[key].insert(w);\n    }\n    std::vector<std::vector<std::string>> result;\n    for (auto& [k, g] : groups)\n        if (g.size() >= 2) result.push_back(std::vector<std::string>(g.begin(), g.end()));\n    std::sort(result.begin(), result.end());\n    return result;\n}\n```'),
    'ag-ruby': ('anagram-groups', 'In Ruby:\n```ruby\ndef anagram_groups(words)\n  words.map(&:downcase).uniq.group_by { |w| w.chars.sort.join }.values.select { |g| g.size >= 2 }.map(&:sort).sort\nend\n```'),
    'rb-ts': ('running-balance', 'In TypeScript:\n```ts\nfunction runningBalance(start: number, transactions: number[]): number[] {\n  let balance = start;\n  return transactions.map((t) => (balance += t));\n}\n```'),
    'ds-c': ('digit-sum', 'In C:\n```c\nint digit_sum(int n) {\n    n = abs(n);\n    int s = 0;\n    while (n) { s += n % 10; n /= 10; }\n    return s;\n}\n```'),
    'wf-c': ('word-frequencies', "C# with LINQ:\n```csharp\nvar counts = text.ToLower().Split()\n    .Select(w => w.Trim('.', ',', '!', '?', ';', ':'))\n    .Where(w => w.Length > 0)\n    .GroupBy(w => w)\n    .ToDictionary(g => g.Key, g => g.Count());\n```"),
    'nd-c': ('nesting-depth', 'A C-ish sketch with a tagged value:\n```c\nint depth(Value *v) {\n    if (v->kind != LIST) return 0;\n    int best = 0;\n    for (int i = 0; i < v->len; i++) {\n        int d = depth(v->items[i]);\n        if (d > best) best = d;\n    }\n    return best + 1;\n}\n```'),
    'cc-c': ('count-change', 'In C:\n```c\nlong ways(int amount, const int *coins, int n) {\n    if (amount == 0) return 1;\n    if (n == 0) return 0;\n    long w = ways(amount, coins + 1, n - 1);\n    if (coins[0] <= amount) w += ways(amount - coins[0], coins, n);\n    return w;\n}\n```'),
    'cc-dp-c': ('count-change', 'The table version, in C:\n```c\nlong ways(int amount, const int *coins, int n) {\n    long table[amount + 1];\n    memset(table, 0, sizeof table);\n    table[0] = 1;\n    for (int c = 0; c < n; c++)\n        for (int a = coins[c]; a <= amount; a++)\n            table[a] += table[a - coins[c]];\n    return table[amount];\n}\n```'),
    'mm-c': ('merge-meetings', 'In C it would look like this:\n```c\nint merge(int m[][2], int n, int out[][2]) {\n    qsort(m, n, sizeof m[0], by_start);\n    int k = 0;\n    for (int i = 0; i < n; i++) {\n        if (k > 0 && m[i][0] <= out[k-1][1]) {\n            if (m[i][1] > out[k-1][1]) out[k-1][1] = m[i][1];\n        } else {\n            out[k][0] = m[i][0]; out[k][1] = m[i][1]; k++;\n        }\n    }\n    return k;\n}\n```'),
    'hl-ruby': ('headline-case', 'In Ruby:\n```ruby\nSMALL = %w[a an and the of in]\ndef headline(text)\n  text.downcase.split.each_with_index.map { |w, i| i > 0 && SMALL.include?(w) ? w : w.capitalize }.join(" ")\nend\n```'),
    'pw-ts': ('password-strength', 'In TypeScript:\n```ts\nconst passwordScore = (p: string): number =>\n  [p.length >= 8, /\\d/.test(p), /[A-Z]/.test(p), /[a-z]/.test(p)].filter(Boolean).length;\n```'),
    'sbg-kotlin': ('students-by-grade', 'In Kotlin:\n```kotlin\nfun studentsByGrade(grades: Map<String, String>) =\n    grades.entries.groupBy({ it.value }, { it.key }).mapValues { it.value.sorted() }\n```'),
    'mm-go': ('merge-meetings', 'In Go:\n```go\nfunc busyPeriods(m [][2]int) [][2]int {\n\tsort.Slice(m, func(i, j int) bool { return m[i][0] < m[j][0] })\n\tvar out [][2]int\n\tfor _, p := range m {\n\t\tif n := len(out); n > 0 && p[0] <= out[n-1][1] {\n\t\t\tif p[1] > out[n-1][1] {\n\t\t\t\tout[n-1][1] = p[1]\n\t\t\t}\n\t\t} else {\n\t\t\tout = append(out, p)\n\t\t}\n\t}\n\treturn out\n}\n```'),
    'ag-java': ('anagram-groups', 'In Java:\n```java\nstatic List<List<String>> anagramGroups(List<String> words) {\n    Map<String, TreeSet<String>> groups = new HashMap<>();\n    for (String w : words) {\n        String low = w.toLowerCase();\n        char[] cs = low.toCharArray();\n        Arrays.sort(cs);\n        groups.computeIfAbsent(new String(cs), k -> new TreeSet<>()).add(low);\n    }\n    List<List<String>> result = new ArrayList<>();\n    for (TreeSet<String> g : groups.values())\n        if (g.size() >= 2) result.add(new ArrayList<>(g));\n    result.sort(Comparator.comparing(List::toString));\n    return result;\n}\n```'),
    'ww-rust': ('word-wrap', 'In Rust:\n```rust\nfn wrap(text: &str, width: usize) -> Result<Vec<String>, String> {\n    if width < 1 { return Err("width must be at least 1".into()); }\n    let mut lines = Vec::new();\n    let mut cur = String::new();\n    for w in text.split_whitespace() {\n        if cur.is_empty() { cur.push_str(w); }\n        else if cur.len() + 1 + w.len() <= width { cur.push(\' \'); cur.push_str(w); }\n        else { lines.push(std::mem::take(&mut cur)); cur.push_str(w); }\n    }\n    if !cur.is_empty() { lines.push(cur); }\n    Ok(lines)\n}\n```'),
    'ws-kotlin': ('warming-streak', 'In Kotlin:\n```kotlin\nfun longestWarmingStreak(temps: List<Int>): Int {\n    if (temps.isEmpty()) return 0\n    var best = 1\n    var current = 1\n    for (i in 1 until temps.size) {\n        current = if (temps[i] > temps[i - 1]) current + 1 else 1\n        best = maxOf(best, current)\n    }\n    return best\n}\n```'),
    'fs-ruby': ('folder-size', 'In Ruby:\n```ruby\ndef folder_size(folder)\n  folder.values.sum { |e| e.is_a?(Hash) ? folder_size(e) : e }\nend\n```'),
    'ibl-ruby': ('index-by-letter', 'In Ruby:\n```ruby\ndef index_by_letter(text)\n  words = text.split.map { |w| w.delete(".,!?;:").downcase }.reject(&:empty?).uniq\n  words.group_by { |w| w[0] }.transform_values(&:sort)\nend\n```'),
    'ibl-kotlin': ('index-by-letter', 'In Kotlin:\n```kotlin\nfun indexByLetter(text: String): Map<Char, List<String>> =\n    text.split(Regex("\\\\s+"))\n        .map { it.trim(\'.\', \',\', \'!\', \'?\', \';\', \':\').lowercase() }\n        .filter { it.isNotEmpty() }\n        .toSet()\n        .groupBy { it[0] }\n        .mapValues { it.value.sorted() }\n```'),
    'lib-kotlin': ('library-loans', 'In Kotlin:\n```kotlin\nclass Library {\n    private val shelf = mutableMapOf<String, Int>()\n    private val loans = mutableMapOf<String, MutableList<String>>()\n    fun addBook(title: String, copies: Int = 1) { shelf[title] = (shelf[title] ?: 0) + copies }\n    fun lend(title: String, member: String): Boolean {\n        val held = loans.getOrPut(member) { mutableListOf() }\n        if ((shelf[title] ?: 0) == 0 || held.size >= 3 || title in held) return false\n        shelf[title] = shelf[title]!! - 1\n        held.add(title)\n        return true\n    }\n    fun giveBack(title: String, member: String): Boolean {\n        val held = loans[member] ?: return false\n        if (!held.remove(title)) return false\n        shelf[title] = shelf[title]!! + 1\n        return true\n    }\n    fun available(title: String) = shelf[title] ?: 0\n    fun loansOf(member: String) = (loans[member] ?: emptyList<String>()).sorted()\n}\n```'),
    'ag-swift': ('anagram-groups', 'In Swift:\n```swift\nfunc anagramGroups(_ words: [String]) -> [[String]] {\n    var groups: [String: Set<String>] = [:]\n    for w in words.map({ $0.lowercased() }) {\n        groups[String(w.sorted()), default: []].insert(w)\n    }\n    return groups.values.filter { $0.count >= 2 }.map { $0.sorted() }.sorted { $0.lexicographicallyPrecedes($1) }\n}\n```'),
    'ww-lua': ('word-wrap', 'In Lua:\n```lua\nfunction wrap(text, width)\n  if width < 1 then error("width must be at least 1") end\n  local lines, current = {}, ""\n  for word in text:gmatch("%S+") do\n    if current == "" then\n      current = word\n    elseif #current + 1 + #word <= width then\n      current = current .. " " .. word\n    else\n      table.insert(lines, current)\n      current = word\n    end\n  end\n  if current ~= "" then table.insert(lines, current) end\n  return lines\nend\n```'),
}

VARIANTS = {  # label: exercise, answer; the same languages on other exercises, written for this test
    "c, sum-of-evens with an array and its length": ("sum-of-evens", """In C:
```c
int sum_evens(const int *numbers, int count) {
    int total = 0;
    for (int i = 0; i < count; i++) {
        if (numbers[i] % 2 == 0) total += numbers[i];
    }
    return total;
}
```"""),
    "c, warming-streak with size_t": ("warming-streak", """```c
int streak(const int *temps, size_t n) {
    if (n == 0) return 0;
    int best = 1, current = 1;
    for (size_t i = 1; i < n; i++) {
        if (temps[i] > temps[i - 1]) current++;
        else current = 1;
        if (current > best) best = current;
    }
    return best;
}
```"""),
    "lua, running-balance": ("running-balance", """```lua
function running_balance(start, transactions)
  local balance = start
  local balances = {}
  for _, amount in ipairs(transactions) do
    balance = balance + amount
    table.insert(balances, balance)
  end
  return balances
end
```"""),
    "kotlin, digit-sum": ("digit-sum", """```kotlin
fun digitSum(n: Int): Int {
    if (n < 0) return digitSum(-n)
    if (n == 0) return 0
    return n % 10 + digitSum(n / 10)
}
```"""),
    "ruby, word-frequencies": ("word-frequencies", """```ruby
def word_frequencies(text)
  text.downcase.split.map { |w| w.delete(".,!?;:") }.reject(&:empty?).group_by { |w| w }.transform_values(&:size)
end
```"""),
    "php, word-frequencies": ("word-frequencies", """In PHP:
```php
function word_frequencies($text) {
    $counts = [];
    foreach (explode(" ", strtolower($text)) as $word) {
        $word = trim($word, ".,!?;:");
        if ($word !== "") {
            $counts[$word] = ($counts[$word] ?? 0) + 1;
        }
    }
    return $counts;
}
```"""),
}

HONEST = {  # label: exercise, answer
    "python's loop beside c's": ("sum-of-evens", "Where C writes `for (int i = 0; i < n; i++)`, Python writes "
                                 "`for i in range(n):`, or better `for n in numbers:` when you need the items, not the positions."),
    "i++ explained": ("warming-streak", "`i++` in C or Java adds one to `i`; Python has no `++`, so you write `i += 1`. "
                      "Which counter in your loop should grow when today is warmer than yesterday?"),
    "a java example of another task": ("anagram-groups", """Java needs a lot of ceremony for a simple loop:
```java
static int countVowels(String s) {
    int n = 0;
    for (char c : s.toCharArray()) {
        if ("aeiou".indexOf(c) >= 0) n++;
    }
    return n;
}
```
Python's `sum(1 for c in s if c in "aeiou")` does the same. For your task, think about what two anagrams have in common once sorted."""),
    "a c example of another task": ("count-change", """C passes an array with its length, because the array does not know it:
```c
int total(const int *xs, int n) {
    int sum = 0;
    for (int i = 0; i < n; i++) sum += xs[i];
    return sum;
}
```
A Python list knows its length (`len(coins)`), and `coins[1:]` is the list without its first coin."""),
    "a kotlin groupBy of another task": ("students-by-grade", """Kotlin groups with `groupBy`:
```kotlin
val byLength = words.groupBy { it.length }
```
In Python you build the dictionary yourself: start with `{}` and decide what to do when a key is new."""),
    "a ruby block of another task": ("folder-size", """Ruby's blocks take the item between bars:
```ruby
[1, 2, 3].each { |x| puts x * 2 }
```
Your function needs recursion instead: what is the size of a folder with no subfolders?"""),
}


@pytest.mark.parametrize("label", list(LEAKS))
async def test_a_solution_in_another_language_is_held_back(bank, detector_of, grader, label):
    exercise_id, answer = LEAKS[label]
    exercise = bank.get(exercise_id)
    assert await held_back(grader, detector_of(exercise), exercise, answer)


@pytest.mark.parametrize("label", list(VARIANTS))
async def test_the_same_languages_on_other_exercises_are_held_back(bank, detector_of, grader, label):
    exercise_id, answer = VARIANTS[label]
    exercise = bank.get(exercise_id)
    assert await held_back(grader, detector_of(exercise), exercise, answer)


@pytest.mark.parametrize("label", list(HONEST))
async def test_honest_answers_about_these_languages_stay_shown(bank, leak_detector, detector_of, grader, label):
    exercise_id, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    assert not await held_back(grader, leak_detector(exercise), exercise, answer)
    assert not await held_back(grader, detector_of(exercise), exercise, answer)


# --- through the gateway, streamed ----------------------------------------------------------------------------------

def _request(code: str):
    return SimpleNamespace(question="Could you show me how?", code=code, error="", traceback="", stream=True)


def _code_lines(answer: str) -> list[str]:
    """The lines of the answer's code block worth seeing (more than a brace or a keyword)."""
    block = answer.split("```")[1]
    return [line.strip() for line in block.splitlines()[1:] if len(line.strip()) > 12]


@pytest.mark.gateway
@pytest.mark.parametrize("label", ["cc-c", "ag-ruby", "ww-lua", "ws-kotlin"])
async def test_a_streamed_solution_in_another_language_never_shows(infra, filter_gateway, bank, new_asker, label):
    exercise_id, answer = LEAKS[label]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    set_mode(gw.base_url, mode="script", answers=[answer])
    asker = await new_asker(prefix="lang9")
    screens, final = await screens_of(tutoring.ask(infra[0], gw, asker, exercise, _request(exercise.starter)))
    assert final.meta["leak_blocked"], final.text
    assert not any(line in screen for screen in screens for line in _code_lines(answer))


@pytest.mark.gateway
async def test_a_streamed_honest_comparison_with_c_is_shown_whole(infra, filter_gateway, bank, new_asker):
    exercise_id, answer = HONEST["a c example of another task"]
    gw, exercise = filter_gateway(), bank.get(exercise_id)
    set_mode(gw.base_url, mode="script", answers=[answer])
    asker = await new_asker(prefix="lang9-honest")
    screens, final = await screens_of(tutoring.ask(infra[0], gw, asker, exercise, _request(exercise.starter)))
    assert not final.meta["leak_blocked"] and screens[-1] == answer
