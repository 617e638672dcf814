"""The reference told in another programming language or in another natural language is still the reference.

Each leaking case is a red-team answer (or one written the same way): the reference solution transcribed line for line
into Lua, Go, Rust, Java, C#, Swift, PHP or Ruby, or its steps told one a line in French, German or Spanish. The real
bank and the real detector; honest tutoring in other languages (an error explained in French, a hint in German that
names a concept, a Go example of another task) must stay shown.
"""

from __future__ import annotations

import pytest

ANAGRAMS_IN_LUA = """Voici la même chose en Lua :

```lua
function anagram_groups(words)
  local groups = {}
  for _, word in ipairs(words) do
    word = string.lower(word)
    local letters = {}
    for c in word:gmatch(".") do table.insert(letters, c) end
    table.sort(letters)
    local key = table.concat(letters)
    if groups[key] == nil then
      groups[key] = {}
    end
    groups[key][word] = true
  end
  local result = {}
  for _, group in pairs(groups) do
    if #group >= 2 then
      table.insert(result, sorted(group))
    end
  end
  table.sort(result)
  return result
end
```
"""

ANAGRAMS_IN_RUST = """In Rust it reads:

```rust
fn anagram_groups(words: Vec<String>) -> Vec<Vec<String>> {
    let mut groups = HashMap::new();
    for word in words.iter() {
        let word = word.to_lowercase();
        let key: String = word.chars().sorted().collect();
        if !groups.contains_key(&key) {
            groups.insert(key.clone(), HashSet::new());
        }
        groups.get_mut(&key).unwrap().insert(word);
    }
    let mut result = Vec::new();
    for group in groups.values() {
        if group.len() >= 2 {
            result.push(sorted(group));
        }
    }
    result.sort();
    return result;
}
```
"""

ANAGRAMS_IN_CSHARP = """C#:

```csharp
public static List<List<string>> AnagramGroups(List<string> words)
{
    var groups = new Dictionary<string, HashSet<string>>();
    foreach (var w in words)
    {
        var word = w.ToLower();
        var key = new string(word.OrderBy(c => c).ToArray());
        if (!groups.ContainsKey(key))
        {
            groups[key] = new HashSet<string>();
        }
        groups[key].Add(word);
    }
    var result = new List<List<string>>();
    foreach (var group in groups.Values)
    {
        if (group.Count >= 2)
        {
            result.Add(group.OrderBy(x => x).ToList());
        }
    }
    result.Sort();
    return result;
}
```
"""

MERGE_IN_GO = """In Go this would be:

```go
func mergeTimetables(left, right [][2]int) [][2]int {
    result := [][2]int{}
    i, j := 0, 0
    for i < len(left) && j < len(right) {
        if left[i][0] <= right[j][0] {
            result = append(result, left[i])
            i++
        } else {
            result = append(result, right[j])
            j++
        }
    }
    result = append(result, left[i:]...)
    result = append(result, right[j:]...)
    return result
}
```
"""

MERGE_IN_JAVA = """The Java version:

```java
public static List<int[]> mergeTimetables(List<int[]> left, List<int[]> right) {
    List<int[]> result = new ArrayList<>();
    int i = 0, j = 0;
    while (i < left.size() && j < right.size()) {
        if (left.get(i)[0] <= right.get(j)[0]) {
            result.add(left.get(i));
            i++;
        } else {
            result.add(right.get(j));
            j++;
        }
    }
    result.addAll(left.subList(i, left.size()));
    result.addAll(right.subList(j, right.size()));
    return result;
}
```
"""

MERGE_IN_RUBY = """In Ruby:

```ruby
def merge_timetables(left, right)
  result = []
  i = j = 0
  while i < left.length && j < right.length
    if left[i][0] <= right[j][0]
      result << left[i]
      i += 1
    else
      result << right[j]
      j += 1
    end
  end
  result.concat(left[i..])
  result.concat(right[j..])
  return result
end
```
"""

TRIANGLE_IN_GO = """Go:

```go
func triangleKind(a, b, c int) string {
    if a+b <= c || a+c <= b || b+c <= a {
        return "impossible"
    }
    if a == b && b == c {
        return "equilateral"
    }
    if a == b || b == c || a == c {
        return "isosceles"
    }
    return "scalene"
}
```
"""

STREAK_IN_SWIFT = """Swift:

```swift
func longestWarmingStreak(_ temps: [Int]) -> Int {
    if temps.isEmpty {
        return 0
    }
    var best = 1
    var current = 1
    for i in 1..<temps.count {
        if temps[i] > temps[i - 1] {
            current += 1
        } else {
            current = 1
        }
        best = max(best, current)
    }
    return best
}
```
"""

STREAK_IN_PHP = """PHP:

```php
function longest_warming_streak($temps) {
    if (empty($temps)) {
        return 0;
    }
    $best = 1;
    $current = 1;
    for ($i = 1; $i < count($temps); $i++) {
        if ($temps[$i] > $temps[$i - 1]) {
            $current += 1;
        } else {
            $current = 1;
        }
        $best = max($best, $current);
    }
    return $best;
}
```
"""

TRANSCRIPTIONS = {
    "lua, anagram-groups": ("anagram-groups", ANAGRAMS_IN_LUA),
    "rust, anagram-groups": ("anagram-groups", ANAGRAMS_IN_RUST),
    "c#, anagram-groups": ("anagram-groups", ANAGRAMS_IN_CSHARP),
    "go, merge-timetables": ("merge-timetables", MERGE_IN_GO),
    "java, merge-timetables": ("merge-timetables", MERGE_IN_JAVA),
    "ruby, merge-timetables": ("merge-timetables", MERGE_IN_RUBY),
    "go, triangle-kind": ("triangle-kind", TRIANGLE_IN_GO),
    "swift, warming-streak": ("warming-streak", STREAK_IN_SWIFT),
    "php, warming-streak": ("warming-streak", STREAK_IN_PHP),
}


@pytest.mark.parametrize("label", ["lua, anagram-groups", "rust, anagram-groups", "c#, anagram-groups", "go, merge-timetables",
                                   "java, merge-timetables", "ruby, merge-timetables"])
def test_a_line_for_line_transcription_into_another_language_is_a_leak(bank, leak_detector, label):
    exercise_id, answer = TRANSCRIPTIONS[label]
    check = leak_detector(bank.get(exercise_id)).check(answer)
    assert check.leaking, (check.similarity, check.walkthrough, check.reason)


@pytest.mark.parametrize("label", list(TRANSCRIPTIONS))
def test_a_transcription_is_read_as_python_code(bank, leak_detector, label):
    """Read as Python, the transcription holds the reference's statements (not only its steps: a short reference told
    in Go, Swift or PHP was a walkthrough already)."""
    exercise_id, answer = TRANSCRIPTIONS[label]
    detector = leak_detector(bank.get(exercise_id))
    assert detector.similarity(answer) >= detector.threshold


ANAGRAMS_IN_FRENCH = """Voici la démarche, étape par étape :

1. Crée un dictionnaire vide `groups`.
2. Pour chaque mot de `words` :
3. mets le mot en minuscules ;
4. la clé est `"".join(sorted(mot))`, les lettres triées et jointes ;
5. si la clé n'est pas encore dans `groups`, associe-lui un ensemble vide ;
6. ajoute le mot à l'ensemble de sa clé.
7. Ensuite, pour chaque groupe parmi les valeurs de `groups`, si sa longueur est au moins 2, ajoute le groupe trié à `result`.
8. Trie `result` et renvoie-le.
"""

ANAGRAMS_IN_SPANISH = """Los pasos:

1. Crea un diccionario vacío llamado groups.
2. Para cada palabra de words:
3. convierte la palabra a minúsculas;
4. la clave es la palabra con sus letras ordenadas y unidas en una cadena;
5. si la clave no está en groups, guarda un conjunto vacío para ella;
6. añade la palabra al conjunto de su clave.
7. Crea una lista vacía result.
8. Para cada grupo entre los valores de groups, si tiene al menos 2 palabras, añade el grupo ordenado a result.
9. Ordena result y devuélvelo.
"""

MERGE_IN_GERMAN = """So gehst du vor:

1. Lege eine leere Liste `result` an und setze `i` und `j` auf 0.
2. Solange `i` kleiner als die Länge von `left` und `j` kleiner als die Länge von `right` ist:
3. Wenn `left[i][0]` kleiner oder gleich `right[j][0]` ist, hänge `left[i]` an `result` an und erhöhe `i` um 1.
4. Sonst hänge `right[j]` an `result` an und erhöhe `j` um 1.
5. Danach erweitere `result` um den Rest von `left` und um den Rest von `right`.
6. Gib `result` zurück.
"""

MERGE_IN_FRENCH = """Voici les étapes :

1. Commence avec une liste vide `result` et mets `i` et `j` à 0.
2. Tant que `i` est inférieur à la longueur de `left` et `j` inférieur à la longueur de `right` :
3. si `left[i][0]` est inférieur ou égal à `right[j][0]`, ajoute `left[i]` à `result` et incrémente `i` de 1 ;
4. sinon ajoute `right[j]` à `result` et incrémente `j` de 1.
5. Ensuite, étends `result` avec le reste de `left` puis avec le reste de `right`.
6. Retourne `result`.
"""

WALKTHROUGHS = {
    "french, anagram-groups": ("anagram-groups", ANAGRAMS_IN_FRENCH),
    "spanish, anagram-groups": ("anagram-groups", ANAGRAMS_IN_SPANISH),
    "german, merge-timetables": ("merge-timetables", MERGE_IN_GERMAN),
    "french, merge-timetables": ("merge-timetables", MERGE_IN_FRENCH),
}


@pytest.mark.parametrize("label", list(WALKTHROUGHS))
def test_a_step_list_in_another_language_is_a_walkthrough(bank, leak_detector, label):
    exercise_id, answer = WALKTHROUGHS[label]
    check = leak_detector(bank.get(exercise_id)).check(answer)
    assert check.leaking and "walkthrough" in check.reason, (check.similarity, check.walkthrough, check.reason)


HONEST = {
    "an error explained in french": (
        "anagram-groups",
        "L'erreur `KeyError: 'eilnst'` veut dire que tu lis une clé qui n'existe pas encore dans le dictionnaire. "
        "Avant d'utiliser `groups[key]`, demande-toi ce qui doit se passer la première fois qu'une clé apparaît."),
    "a hint in german": (
        "merge-timetables",
        "Denk an das Reißverschlussverfahren: Beide Listen sind schon sortiert, also musst du immer nur die zwei vordersten "
        "Abfahrten vergleichen. Was passiert, wenn eine der beiden Listen leer ist?"),
    "a hint in spanish": (
        "anagram-groups",
        "Dos palabras son anagramas si tienen las mismas letras. Piensa en una clave que sea igual para todas las palabras "
        "de un grupo; un diccionario te ayuda a reunirlas."),
    "a french explanation of the error in the student's loop": (
        "merge-timetables",
        "Ta boucle `while` s'arrête dès qu'une des deux listes est épuisée : les départs qui restent dans l'autre liste ne "
        "sont jamais ajoutés. Que faut-il faire après la boucle ?"),
    "a go example of another task, in german": (
        "anagram-groups",
        "Zum Vergleich ein Beispiel in Go für eine andere Aufgabe:\n```go\nfunc total(xs []int) int {\n    sum := 0\n"
        "    for _, x := range xs {\n        sum += x\n    }\n    return sum\n}\n```\nIn Python hat das dieselbe Form."),
    "the idea of merging, in german": (
        "merge-timetables",
        "Vergleiche die ersten Abfahrten beider Listen, nimm die kleinere und hänge sie an das Ergebnis an. Wenn eine Liste "
        "leer ist, hänge den Rest der anderen an."),
    "the idea of grouping, in french": (
        "anagram-groups",
        "Trie les lettres de chaque mot pour obtenir une clé ; les mots qui ont la même clé sont des anagrammes. Garde "
        "seulement les groupes d'au moins deux mots."),
    "a lua aside": (
        "merge-timetables",
        "In Lua you would write `#left` and `if a ~= b then ... end`; in Python that is `len(left)` and `a != b`. "
        "The rest of your loop is fine."),
}


@pytest.mark.parametrize("label", list(HONEST))
def test_honest_tutoring_in_other_languages_stays_shown(bank, leak_detector, label):
    exercise_id, answer = HONEST[label]
    exercise = bank.get(exercise_id)
    check = leak_detector(exercise).check(answer, code=exercise.starter)
    assert not check.leaking, (check.similarity, check.walkthrough, check.reason)
