"""The forms of C, C++, C#, Java, Kotlin, Swift, Rust, Go, Lua, Ruby, PHP and TypeScript that `languages` reads as Python.

A solution translated into one of these languages is the reference line for line (or an idiomatic chain) once a few of
their forms are read. The language a code block's fence names (```` ```c ````, ```` ```kotlin ````, ```` ```lua ````),
C's typed declarations and parameters (`long w = 0;`, `const int *coins`, `size_t`, `for (int i = 0; ...)`, `i++`) and
TypeScript's annotations mark a text as code to read (`HINTS`). Then, before the line reader (`prepare`):

- C: arrays passed with their length (`const int *coins, int n`: `coins + 1` is `coins[1:]`, `n` is `len(coins)`),
  output parameters (an array the function fills, `out[k][0] = a; out[k][1] = b; k++`, is the list it returns), `strtok`
  loops, `strcpy`/`strcat`, a table declared with its size, `qsort`, a tagged value (`v->kind != LIST`, `v->items[i]`),
  integer division, and `if (c) x;` / `else x;` on one line;
- C++: `transform(..., ::tolower)`, `sort(s.begin(), s.end())` (a string's letters in order), a map's `m[k].insert(x)`,
  structured bindings over a map, a container built from a set's range;
- chains with blocks and lambdas (Ruby, Kotlin, Swift, C#, Java, TypeScript): `map`/`select`/`reject`/`group_by`/
  `groupBy`/`GroupBy`/`mapValues`/`transform_values`/`ToDictionary`/`sum`/`sort_by`/`each_with_index`/`uniq`/`join`...
  as comprehensions and Python calls (a grouping as a dictionary of lists), `c ? a : b`, a regular expression's `test`;
- Kotlin's expression bodies, `until`, `if (c) a else b` as a value, `?:`, `getOrPut`, and classes (also Java's, C#'s,
  Swift's, TypeScript's) as Python classes: fields set in `__init__`, members through `self`, `addBook` as `add_book`;
- Lua's `error(...)`, `gmatch("%S+")`, `local a, b = x, y`, `if c then x end`; Rust's `Err`/`Ok`, `push_str`,
  `mem::take`; Go's `if x := e; c`; PHP's `explode`, `trim`, `$m[$k] ?? 0`; Java's `toCharArray`, `computeIfAbsent`,
  `new ArrayList<>(set)`; Swift's `m[k, default: []]`; a statement snippet returning what it computes.

`finish` gives the reading's classes their colon and their methods `self`.
"""

from __future__ import annotations

import re

from .haskell import split_top

LANGUAGE_TAGS = ("c", "h", "cpp", "c++", "cc", "cxx", "hpp", "csharp", "cs", "c#", "java", "kotlin", "kt", "kts", "swift",
                 "rust", "rs", "go", "golang", "lua", "ruby", "rb", "php", "ts", "typescript", "tsx", "scala", "dart",
                 "objc", "objective-c", "d", "zig", "groovy", "perl", "pl", "pascal", "vb", "vbnet", "fortran", "nim",
                 "crystal", "julia", "r", "matlab", "octave", "ocaml", "fsharp", "f#", "elixir")
C_TYPE = r"(?:unsigned\s+|signed\s+|const\s+|static\s+)*(?:long\s+long|long|int|short|char|double|float|bool|size_t|u?int\d+_t|auto|uint|usize|byte)"
# markers of a text to read, joined to `languages.HINTS`
HINTS = (r"|^```(?:" + "|".join(re.escape(t) for t in LANGUAGE_TAGS) + r")[ \t]*$"
         rf"|\b{C_TYPE}\s*\**\s*\w+\s*(?:=[^=]|;|\[|,\s*(?:{C_TYPE}|const)\b)"  # a typed declaration
         rf"|\(\s*(?:const\s+)?{C_TYPE}\s*\**\s*\w+\s*[,)]"  # a typed parameter
         r"|\bfor\s*\(\s*(?:int|size_t|long|auto|var|let)\s+\w+\s*=|\b[a-z_]\w*(?:\[\w+\])?\+\+|\+\+[a-z_]"
         r"|\w\s*:\s*(?:number|string|boolean)\b(?:\[\])?|\)\s*=>")

ARRAY_PARAM = re.compile(rf"(?:{C_TYPE}|[A-Z]\w*)\s*(?:\*\s*(\w+)|(\w+)\s*(?:\[\s*\w*\s*\])+)\s*,\s*(?:const\s+)?(?:int|size_t|long|unsigned)\s+"
                         r"(n|len|length|size|count|num|n_?\w+|\w+_?(?:len|length|size|count))\b")  # a pointer or array, then its length
C_HEADER = re.compile(rf"^([ \t]*)(?:static\s+|inline\s+)*(?:{C_TYPE}|void|[A-Z]\w*)\s*\**\s*(\w+)\s*\(([^()]*)\)\s*\{{?[ \t]*$", re.M)


def _arrays(text: str) -> str:
    """C's arrays passed with their length (`const int *coins, int n`, `int m[][2], int n`): in the function, the
    length is the list's (`len(coins)`), `coins + 1` its tail (`coins[1:]`), and the length parameter may be left out."""
    out, headers = [], list(C_HEADER.finditer(text))
    if not headers:
        return text
    position = 0
    for k, header in enumerate(headers):
        end = headers[k + 1].start() if k + 1 < len(headers) else len(text)
        body = text[header.end():end]
        for pointer, array, length in ARRAY_PARAM.findall(header.group(3)):
            array = pointer or array
            body = re.sub(rf"(?<![\w.\[]){array}\s*\+\s*(\w+)(?!\s*\])", rf"{array}[\1:]", body)
            body = re.sub(rf"(?<![\w.]){length}\s*-\s*\d+(?=\s*[,)])", f"None", body)  # the tail's length, passed on
            body = re.sub(rf"(?<![\w.$]){length}\b(?!\s*=[^=])", f"len({array})", body)
        out.append(text[position:header.end()] + body)
        position = end
    return "".join(out) + text[position:]


def _counting_loop(match: re.Match) -> str:
    name, start, op, stop, step = match.groups()
    stop = f"{stop} + 1" if op == "<=" else stop
    if step and step.strip().startswith("-"):
        return f"for {name} in range({start}, {stop}, -1)"
    return f"for {name} in range({start}, {stop})"


C_PREPARE = [(re.compile(p, re.M), r) for p, r in [
    # counting loops (`<=` before the line reader takes `<` as the test)
    (rf"\bfor\s*\(\s*(?:{C_TYPE}\s+|var\s+|let\s+)?(\w+)\s*=\s*([^;]+?)\s*;\s*\1\s*(<=|<)\s*([^;]+?)\s*;\s*(\1\s*\+\+|\+\+\s*\1|\1\s*\+=\s*1)\s*\)",
     _counting_loop),
    # C strings: `strtok` loops, `strcpy`, `strcat`, `strlen`, the empty string
    (r"\bfor\s*\(\s*(?:char\s*\*\s*)?(\w+)\s*=\s*strtok\(\s*(\w+)\s*,\s*\"\s*\"\s*\)\s*;[^;]*;\s*\w+\s*=\s*strtok\([^()]*\)\s*\)",
     r"for \1 in \2.split()"),
    (r"\bstrcpy\(\s*([\w.]+)\[\s*\(?\s*\*?\s*(\w+)\s*\)?\s*\+\+\s*\]\s*,\s*(.+?)\)\s*;", r"\1.append(\3);"),
    (r"\b(\w+)\[\s*\(?\s*\*?\s*(\w+)\s*\)?\s*\+\+\s*\]\s*=\s*(.+?);", r"\1.append(\3);"),
    (r"\bstrcpy\(\s*([\w.\[\]]+)\s*,\s*(.+?)\)\s*;", r"\1 = \2;"), (r"\bstrcat\(\s*([\w.\[\]]+)\s*,\s*(.+?)\)\s*;", r"\1 += \2;"),
    (r"\b(\w+)\[0\]\s*==\s*'\\0'", r"not \1"), (r"\b(\w+)\[0\]\s*!=\s*'\\0'", r"\1"), (r"\bif\s*\(\s*(\w+)\[0\]\s*\)", r"if (\1)"),
    (r"^([ \t]*)char\s+(\w+)\s*\[[^\]]*\]\s*=\s*", r"\1\2 = "),
    # arrays declared with a size (a table of zeros), `memset`, `qsort`
    (rf"^([ \t]*)(?:{C_TYPE})\s+(\w+)\s*\[([^\]]+)\]\s*(?:=\s*\{{\s*0?\s*\}})?\s*;", r"\1\2 = [0] * (\3);"),
    (r"^[ \t]*memset\(.*\)\s*;[ \t]*\n", ""),
    (r"\bqsort\(\s*(\w+)\s*,.*\)\s*;", r"\1.sort();"),
    # a tagged value (`v->kind != LIST`, `v->len`, `v->items[i]`) as the Python value it stands for
    (r"\b(\w+)->(?:kind|type|tag)\s*!=\s*(?:LIST|ARRAY|T_LIST|LIST_T)\b", r"not isinstance(\1, list)"),
    (r"\b(\w+)->(?:kind|type|tag)\s*==\s*(?:LIST|ARRAY|T_LIST|LIST_T)\b", r"isinstance(\1, list)"),
    (r"\b(\w+)->(?:len|length|count|size|n)\b", r"len(\1)"), (r"\b(\w+)->(?:items|elems|data|values)\[", r"\1["),
    (r"(?<=\w)->(?=[A-Za-z_])", "."),
    # integer division of an integer variable by a number; C's integer types as one
    (r"\b(\w+)\s*/=\s*(\d+)", r"\1 //= \2"), (r"\b(?:size_t|u?int\d+_t|unsigned\s+int|unsigned|long\s+long)\b", "long"),
]]
C_TEXT = re.compile(r"^```(?:c|h|cpp|c\+\+|cc|cxx|hpp|csharp|cs|c#|java|go|golang|objc|d)[ \t]*$|" + C_HEADER.pattern, re.M | re.I)
BRACED_BODY = re.compile(r"^([ \t]*)((?:while|for|if)\s*\(.*\))\s*\{[ \t]*([^{}\n]*;[^{}\n]*?)[ \t]*\}[ \t]*$", re.M)


def _braced_body(match: re.Match) -> str:
    """`while (n) { s += n % 10; n /= 10; }`: the statements one a line, as usually written."""
    indent, statements = match.group(1), [s.strip() for s in match.group(3).split(";") if s.strip()]
    return "\n".join([f"{indent}{match.group(2)} {{", *(f"{indent}    {s};" for s in statements), f"{indent}}}"])


ROW_BY_ELEMENT = re.compile(r"\b(\w+)\[(\w+)\]\[0\]\s*=\s*([^;]+);\s*\1\[\2\]\[1\]\s*=\s*([^;]+);\s*(?:\2\+\+|\+\+\2|\2\s*\+=\s*1)\s*;")


def _outputs(text: str) -> str:
    """C's output parameters: an array the function fills (`strcpy(out[(*n)++], cur)`, `out[k][0] = a; out[k][1] = b;
    k++`) is the list a Python function builds and returns (its rows pairs), the count it keeps or returns its length."""
    for row in ROW_BY_ELEMENT.finditer(text):
        out, k = row.group(1), row.group(2)
        text = text.replace(row.group(0), f"{out}.append([{row.group(3).strip()}, {row.group(4).strip()}]);")
        text = re.sub(rf"\b{out}\[\s*{k}\s*-\s*1\s*\]", f"{out}[-1]", text)
        text = re.sub(rf"\b{k}\s*(?:>\s*0|!=\s*0)", f"len({out}) > 0", text)
        text = re.sub(rf"\breturn\s+{k}\s*;", f"return [tuple(row) for row in {out}];", text)
    headers = list(C_HEADER.finditer(text))
    for header in reversed(headers):
        after = text[header.end():]
        close = re.search(rf"^{header.group(1)}\}}", after, re.M)
        if close is None:
            continue
        body = after[:close.start()]
        filled = [a or b for a, b in re.findall(r"(?:\*\s*(\w+)|(\w+)\s*(?:\[[^\]]*\])+)\s*(?=,|$)", header.group(3))
                  if re.search(rf"\b{a or b}\.append\(", body)]
        if not filled:
            continue
        inner = re.match(r"\n([ \t]*)", body).group(1) if re.match(r"\n([ \t]*)", body) else header.group(1) + "    "
        body = re.sub(r"^[ \t]*\*\s*\w+\s*=\s*0\s*;[ \t]*\n", "", body, flags=re.M)
        if not re.search(r"\breturn\b", body):
            body = body.rstrip() + f"\n{inner}return {filled[0]};\n"
        text = text[:header.end()] + "\n" + inner + f"{filled[0]} = [];" + body + after[close.start():]
    return text


STD = r"(?:std::)?"
CPP_TEXT = re.compile(r"^```(?:cpp|c\+\+|cc|cxx|hpp)[ \t]*$|\bstd::|\.begin\(\)", re.M | re.I)
CPP_PREPARE = [(re.compile(p, re.M), r) for p, r in [
    (rf"\b{STD}transform\(\s*(\w+)\.begin\(\)\s*,\s*\1\.end\(\)\s*,\s*\1\.begin\(\)\s*,\s*(?:::|{STD})?to(lower|upper)\s*\)",
     r"\1 = \1.\2()"),
    (rf"\bfor\s*\(\s*(?:const\s+)?auto\s*&?&?\s*\[\s*(\w+)\s*,\s*(\w+)\s*\]\s*:\s*(.+?)\)(?=\s*\{{?\s*$)", r"for \1, \2 in \3.items()"),
]]


def _cpp(text: str) -> str:
    """C++'s containers: `sort(s.begin(), s.end())` (a string's letters, or a vector, in order), a map's `m[k].insert(x)`
    (the missing value made first), a container built from another's range (a `set`'s is in order)."""
    for pattern, replacement in CPP_PREPARE:
        text = pattern.sub(replacement, text)
    strings = set(re.findall(rf"\b{STD}string\s+(\w+)\s*[=;]", text))
    sets = set(re.findall(rf"\b{STD}(?:set|multiset)<[^;()]*>\s+(\w+)", text))
    text = re.sub(rf"\b{STD}sort\(\s*(\w+)\.begin\(\)\s*,\s*\1\.end\(\)\s*\)",
                  lambda m: f"{m.group(1)} = ''.join(sorted({m.group(1)}))" if m.group(1) in strings else f"{m.group(1)}.sort()", text)
    for kind, name in re.findall(rf"\b{STD}(?:unordered_)?map<[^,<>]+(?:<[^<>]*>)?\s*,\s*{STD}(set|vector|multiset|list)<[^;()]*>\s+(\w+)", text):
        empty = "set()" if kind in ("set", "multiset") else "[]"
        text = re.sub(rf"\b{name}\[([^\[\]]+)\]\.(?:insert|push_back|emplace_back|emplace)\(",
                      lambda m: f"{name}.setdefault({m.group(1)}, {empty}).{'add' if empty == 'set()' else 'append'}(", text)
        sets |= {v for v in re.findall(rf"\bfor\s+\w+,\s*(\w+)\s+in\s+{name}\.items\(\)", text) if kind != "vector"}
    return re.sub(rf"\b{STD}\w+<[^;()]*>\(\s*(\w+)\.begin\(\)\s*,\s*\1\.end\(\)\s*\)",
                  lambda m: f"sorted({m.group(1)})" if m.group(1) in sets else f"list({m.group(1)})", text)


def _statements(match: re.Match) -> str:
    """A header with its block on one line, `else { a; b; }`, `if c then x end`: the statements one a line."""
    indent, head, inner, closing = match.group(1), match.group(2), match.group(3), match.group(4)
    statements = [s.strip() for s in inner.split(";") if s.strip()]
    return "\n".join([f"{indent}{head}", *(f"{indent}    {s};" for s in statements), f"{indent}{closing}"])


ONE_LINE_BLOCK = [
    re.compile(r"^([ \t]*)((?:\}\s*)?(?:(?:else\s+)?if|while|for)\b[^{};\n]*?\{|(?:\}\s*)?else\s*\{)[ \t]*([^{}\n]*;[^{}\n]*?)[ \t]*(\})[ \t]*$", re.M),
    re.compile(r"^([ \t]*)((?:else)?if\b[^\n]*?\bthen)[ \t]+(\S[^\n]*?)[ \t]+(end)[ \t]*$", re.M),
    re.compile(r"^([ \t]*)((?:(?:private|public|override)\s+)*(?:fun|func|function)\s+\w+\s*\(.*\)(?:\s*:\s*[\w<>?, ]+)?\s*\{)[ \t]*([^{}\n]+?)[ \t]*(\})[ \t]*$", re.M),
]
SUBSCRIPT, GET_OR_NULL = re.compile(r"^([\w.]+)\[([^\[\]]+)\]$"), r"\1.get(\2, null)"
LANGUAGE_PREPARE = [(re.compile(p, re.M), r) for p, r in [
    # Lua
    (r"(?<![.\w])error\((.+)\)(?=\s*;?\s*$)", r"raise ValueError(\1)"), (r"(\w+):gmatch\(\s*[\"']%S\+[\"']\s*\)", r"\1.split()"),
    (r"^([ \t]*)local\s+(\w+)\s*,\s*(\w+)\s*=\s*(.+?)\s*,\s*(.+)$", r"\1local \2 = \4\n\1local \3 = \5"),
    # Rust
    (r"\breturn\s+Err\((.+)\)\s*;?", r"raise ValueError(\1)"), (r"\.into\(\)", ""), (r"^([ \t]*)Ok\((.+)\)\s*$", r"\1return \2"),
    (r"\breturn\s+Ok\((.+)\)", r"return \1"), (r"\bString::new\(\)|\bString::from\(\s*\"\\s*\"\s*\)", '""'),
    (r"(\w+)\.push\(\s*(?:std::)?mem::take\(\s*&mut\s+(\w+)\s*\)\s*\)\s*;", r'\1.push(\2); \2 = "";'),
    (r"(\w+)\.push_str\(\s*&?(.+?)\)\s*;", r"\1 += \2;"), (r"\.split_whitespace\(\)", ".split()"),
    # Go: an `if` with a statement first
    (r"^([ \t]*)(\}?\s*(?:else\s+)?if)\s+(\w+)\s*:=\s*([^;{]+);\s*(.+)$", r"\1\3 := \4\n\1\2 \5"),
    (r"^([ \t]*)var\s+(\w+)\s+\[\][\w\[\]]*\s*$", r"\1\2 := []"),
    # Kotlin
    (r"(\bin\s+|\(\s*)(\w+)\s+until\s+([\w.()]+)", r"\1\2..<\3"), (r"\bmaxOf\(", "max("), (r"\bminOf\(", "min("),
    (r"=\s*if\s*\((.+?)\)\s+(.+?)\s+else\s+(.+?)\s*;?$", r"= \2 if \1 else \3"),
    (r"(\w+)\.getOrPut\(\s*(.+?)\s*\)\s*\{\s*mutable(List|Set|Map)Of(?:<[^>]*>)?\(\)\s*\}",
     lambda m: f"{m.group(1)}.setdefault({m.group(2)}, {dict(List='[]', Set='set()', Map='{}')[m.group(3)]})"),
    (r"^([ \t]*)(?:val|var)\s+(\w+)\s*=\s*(.+?)\s*\?:\s*return\s+(.+)$",
     lambda m: f"{m.group(1)}val {m.group(2)} = {SUBSCRIPT.sub(GET_OR_NULL, m.group(3))}\n{m.group(1)}if ({m.group(2)} == null) return {m.group(4)}"),
    (r"\bmutableMapOf<(?:[^<>\n]|<[^<>\n]*>)*>\(\)", "{}"), (r"\bmutableListOf<(?:[^<>\n]|<[^<>\n]*>)*>\(\)", "[]"),
    (r"^([ \t]*)if\s*\(\s*!\s*(\w+)\.remove\((.+?)\)\s*\)\s*return\s+(.+)$", r"\1if (!\2.contains(\3)) return \4\n\1\2.remove(\3)"),
    (r"(\w+)\[([^\[\]]+)\]\s*\?:\s*", r"\1.get(\2, null) ?: "), (r"\s+\?:\s+", " or "), (r"!!", ""),
    # Java
    (r"(\w+)\.toCharArray\(\)", r"list(\1)"), (r"\bnew\s+String\(\s*(\w+)\s*\)", r"''.join(\1)"),
    (r"(\w+)\.computeIfAbsent\(\s*(.+?)\s*,\s*\w+\s*->\s*new\s+(\w*)(Set|List)<[^>]*>\(\)\s*\)\.add\(",
     lambda m: f"{m.group(1)}.setdefault({m.group(2)}, {'set()' if m.group(4) == 'Set' else '[]'}).{'add' if m.group(4) == 'Set' else 'append'}("),
    (r"(\w+)\.sort\(\s*(?:Comparator\.\w+\(.*\)|null)\s*\)", r"\1.sort()"),
    # Swift (a function's result type, which may hold `[[`, dropped)
    (r"\bString\(\s*(\w+)\.sorted\(\)\s*\)", r"''.join(sorted(\1))"), (r"^([ \t]*func\s+\w+\s*(?:<[^>]*>)?\(.*\))\s*->\s*[^{}\n]+?\s*\{\s*$", r"\1 {"),
    # Kotlin's empty collections
    (r"\bemptyList(?:<[^>]*>)?\(\)|\blistOf(?:<[^>]*>)?\(\)", "[]"), (r"\bemptyMap(?:<[^>]*>)?\(\)", "{}"),
]]
SORTED_SETS = re.compile(r"\b(?:TreeSet|SortedSet|std::set|set)<[^>]*>\s+(\w+)")
ARROW_CONST = re.compile(r"^([ \t]*)(?:export\s+)?(?:const|let|var)\s+(\w+)\s*=\s*\(([^()]*)\)\s*(?::\s*[^=\n]+?)?\s*=>[ \t]*(?:\n[ \t]*)?([^{\s][^\n]*?);?[ \t]*$", re.M)
PAIR_ELEMENT = re.compile(r"^([ \t]*)(\w+)\[([^\[\]]+)\]\[(\d)\]\s*=\s*([^;=\n]+?)\s*;?$", re.M)


def _pair_element(match: re.Match) -> str:
    """`out[i][1] = x` of an array of pairs (values in C and Go) as Python builds a new pair."""
    indent, name, index, k, value = match.groups()
    return f"{indent}{name}[{index}] = (*{name}[{index}][:{k}], {value}, *{name}[{index}][{int(k) + 1}:])"


HEADER_STATEMENT = re.compile(r"^([ \t]*)(\}?\s*(?:else\s+if|if|while|for)\s*)\(")
INT_NAMES = re.compile(r"\b(\w+)\s*:\s*(?:Int|Long|Short|i32|i64|u32|u64|usize|isize)\b|\b(?:int|long|short|Int)\s+(\w+)\s*[=;,)]")
TYPED_TEXT = re.compile(r"^```(?:c|h|cpp|c\+\+|cc|cs|csharp|c#|java|kotlin|kt|go|golang|rust|rs|swift|scala)[ \t]*$", re.M | re.I)


def _split_headers(text: str) -> str:
    """`if (c) x;` and `else x;` on one line (C, Java, Kotlin): the statement on a line of its own, indented."""
    lines = []
    for line in text.splitlines():
        header = HEADER_STATEMENT.match(line)
        if header:
            close, depth = None, 0
            for i in range(header.end() - 1, len(line)):
                depth += line[i] == "("
                depth -= line[i] == ")"
                if depth == 0:
                    close = i + 1
                    break
            rest = line[close:].strip() if close else ""
            if rest and not rest.startswith(("{", "=", ".", "?", ":", "&", "|", "+", "-", "*", "/", "<", ">")):
                lines += [line[:close], header.group(1) + "    " + rest]
                continue
        elif (other := re.match(r"^([ \t]*)(\}?\s*else)\s+(?!if\b)([^{\s].*;)\s*$", line)):
            lines += [other.group(1) + other.group(2), other.group(1) + "    " + other.group(3)]
            continue
        lines.append(line)
    return "\n".join(lines)


PHP_PREPARE = [(re.compile(p, re.M), r) for p, r in [
    (r"\bexplode\(\s*([\"'][^\"']*[\"'])\s*,\s*(.+?)\)(?=\s*(?:as\b|\)|;))", r"\2.split(\1)"),
    (r"\b(?:trim)\(\s*(\$\w+)\s*,\s*([\"'][^\"']*[\"'])\s*\)", r"\1.strip(\2)"), (r"\btrim\(\s*(\$\w+)\s*\)", r"\1.strip()"),
    (r"(\$\w+)\[([^\[\]]+)\]\s*\?\?\s*([\w\"']+)", r"\1.get(\2, \3)"),
]]


SNIPPET = re.compile(r"^(```[\w#+-]+[ \t]*\n)((?:(?!```)[^\n]*\n)*?)(```)", re.M)
LAST_ASSIGNED = re.compile(r"^(?:(?:var|val|let|const|auto|final)\s+|[A-Z][\w<>,\[\] ]*\s+)?(\w+)\s*(?::\s*[^=]+)?=(?!=)[^\n]*;?\s*$")


def _returned_snippet(match: re.Match) -> str:
    """A block of statements (no function) that ends computing a name: what it computes is that name's value, as
    the body of a function returns it."""
    fence, body, close = match.groups()
    lines = [line for line in body.splitlines() if line.strip()]
    if not lines or re.search(r"\b(?:function|func|fun|fn|def|class|return)\b|^\s*(?:public|private|static)\b|\b\w+\s+\w+\s*\([^()]*\)\s*\{", body, re.M):
        return match.group(0)
    last = LAST_ASSIGNED.match(lines[-1].strip())
    if not last or lines[-1].startswith((" ", "\t")):
        return match.group(0)
    return f"{fence}{body}return {last.group(1)};\n{close}"


CLASS = re.compile(r"^([ \t]*)(?:(?:public|private|internal|open|data|final)\s+)*class\s+(\w+)[^{\n]*\{[ \t]*$", re.M)
FIELD = re.compile(r"^(?:(?:private|public|protected|internal|static|final|const|readonly)\s+)*"
                   r"(?:val|var|let|[A-Z][\w<>, ?\[\]]*|int|long|double|boolean|bool|string)\s+(\w+)\s*(?::\s*[^=]+?)?\s*=\s*(.+?);?$")
METHOD = re.compile(r"^(?:(?:private|public|protected|internal|static|override|open)\s+)*(?:fun|func|function|def|[\w<>\[\], ?]+?)\s+(\w+)\s*\(")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _classes(text: str) -> str:
    """A class of Kotlin, Java, C#, Swift or TypeScript as Python writes it: its fields set in `__init__`, its members
    named through `this`, and its methods' names in Python's style (`addBook` as `add_book`)."""
    for header in reversed(list(CLASS.finditer(text))):
        indent = header.group(1)
        close = re.compile(rf"^{indent}\}}[ \t]*;?[ \t]*$", re.M).search(text, header.end())
        if close is None:
            continue
        body = text[header.end():close.start()].strip("\n").splitlines()
        member = min((len(line) - len(line.lstrip()) for line in body if line.strip()), default=len(indent) + 4)
        fields, methods, kept = [], [], []
        for line in body:
            at_member = line.strip() and len(line) - len(line.lstrip()) == member
            if at_member and (field := FIELD.match(line.strip())) and not METHOD.match(line.strip()):
                fields.append((field.group(1), field.group(2)))
                continue
            if at_member and (method := METHOD.match(line.strip())):
                methods.append(method.group(1))
            kept.append(line)
        block = "\n".join(kept)
        for name in [f for f, _ in fields] + methods:
            block = re.sub(rf"(?<![\w.$]){name}\b(?!\s*:[^:])", f"this.{_snake(name)}", block)
        block = re.sub(rf"^(\s*(?:[\w<>\[\], ?]+\s+)?)this\.(\w+)(?=\s*\()", r"\1\2", block, flags=re.M)  # the headers
        pad = " " * member
        init = [f"{pad}fun __init__() {{", *(f"{pad}    this.{_snake(n)} = {v}" for n, v in fields), f"{pad}}}"] if fields else []
        text = text[:header.end()] + "\n" + "\n".join(init + [block]) + "\n" + text[close.start():]
    return text


def finish(code: str) -> str:
    """The reading's classes given their colon and their methods `self`."""
    def method(match: re.Match) -> str:
        params = match.group(3).strip()
        return f"{match.group(1)}def {match.group(2)}(self{', ' + params if params and params != 'self' else ''}):"
    out, in_class = [], None
    for line in code.splitlines():
        if m := re.match(r"^(\s*)class\s+(\w+)\s*:?\s*$", line):
            in_class = len(m.group(1))
            out.append(f"{m.group(1)}class {m.group(2)}:")
            continue
        if in_class is not None and line.strip() and len(line) - len(line.lstrip()) <= in_class and not line.lstrip().startswith("```"):
            in_class = None
        if in_class is not None:
            line = re.sub(r"^(\s*)def\s+(\w+)\((.*)\):$", method, line)
            line = re.sub(r"\bthis\.", "self.", line)
        out.append(line)
    return "\n".join(out)


LAMBDA_ARROWS = re.compile(r"^```(?:java|kotlin|kt|csharp|cs|c#|scala|swift)[ \t]*$|\(\s*\w+\s+->|\(\s*\w+\s*->\s", re.M | re.I)  # `->` of a lambda


def prepare(text: str) -> str:
    """`text` with the forms of these languages that the line reader does not know written as it reads them."""
    text = BRACED_BODY.sub(_braced_body, text)
    if re.search(r"^```php|<\?php|\$\w+\s*=", text, re.M):
        for pattern, replacement in PHP_PREPARE:
            text = pattern.sub(replacement, text)
        for name in set(re.findall(r"(\$\w+)\.get\(", text)):
            text = re.sub(rf"{re.escape(name)}\s*=\s*(?:\[\s*\]|array\(\s*\))\s*;", f"{name} = {{}};", text)
    if TYPED_TEXT.search(text) or C_TEXT.search(text):
        text = _split_headers(text)
        for name in {a or b for a, b in INT_NAMES.findall(text)}:
            text = re.sub(rf"(?<![\w.]){name}\s*/(?![/=*])\s*", f"{name} // ", text)
    for pattern in ONE_LINE_BLOCK:
        text = pattern.sub(_statements, text)
    text = ARROW_CONST.sub(lambda m: f"{m.group(1)}function {m.group(2)}({m.group(3)}) {{\n{m.group(1)}    return {m.group(4)}\n{m.group(1)}}}", text)
    for pattern, replacement in LANGUAGE_PREPARE:
        text = pattern.sub(replacement, text)
    if CLASS.search(text) and re.search(r"^```(?:kotlin|kt|java|csharp|cs|c#|swift|ts|typescript|scala|dart)[ \t]*$", text, re.M | re.I):
        text = _classes(text)
        for name in set(re.findall(r"\b(?:val|var)?\s*(\w+)\s*=\s*[\w.]+\.setdefault\([^,]+,\s*\[\]\)", text)):
            text = re.sub(rf"\b{name}\.add\(", f"{name}.append(", text)
    for name in set(SORTED_SETS.findall(text)):
        text = re.sub(rf"\bnew\s+(?:ArrayList|LinkedList)<[^>]*>\(\s*{name}\s*\)", f"sorted({name})", text)
    text = re.sub(r"\bnew\s+(?:ArrayList|LinkedList)<[^>]*>\(\s*(\w+)\s*\)", r"list(\1)", text)
    if CHAIN_TEXT.search(text):
        text = SNIPPET.sub(_returned_snippet, read_chains(text))
    if CPP_TEXT.search(text):
        text = _cpp(text)
    if C_TEXT.search(text):
        text = _arrays(text)
        for pattern, replacement in C_PREPARE if not LAMBDA_ARROWS.search(text) else [r for r in C_PREPARE if "->" not in r[0].pattern]:
            text = pattern.sub(replacement, text)
        text = _outputs(text)
    if C_TEXT.search(text) or re.search(r"^```go", text, re.M):
        text = PAIR_ELEMENT.sub(_pair_element, text)
    if "re.search(" in text and not re.search(r"^\s*import re\b", text, re.M):
        text = re.sub(r"^(```\w*[ \t]*\n)", r"\1import re\n", text, count=1, flags=re.M)
    return text


# --- chains of calls with blocks and lambdas (Ruby, Kotlin, Swift, C#, Java, TypeScript) ---------------------------------

CLOSE = {"(": ")", "[": "]", "{": "}"}


def _end(text: str, start: int) -> int:
    """The index just past the bracket group opening at `start`, strings skipped (-1: never closed)."""
    stack, quote, i = [], None, start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in CLOSE:
            stack.append(CLOSE[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
            if not stack:
                return i + 1
        i += 1
    return -1


def _split(arguments: str) -> list[str]:
    """Arguments split at their top-level commas."""
    return [part.strip() for part in split_top(arguments, ",", "()[]{}") if part.strip()]


def _lambda(text: str) -> tuple[list[str], str] | None:
    """A block or lambda's parameters and body: `|a, b| e`, `a -> e`, `(a) => e`, `a in e`, `it`/`$0`, `&:sym`."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("&:"):
        call = _call("x", "value", text[2:], None, None)
        return ["x"], call[0] if call else f"x.{text[2:]}"
    for form in (r"^\|\s*([^|]*)\|\s*(.+)$", r"^\(?\s*([\w$, ]*?)\s*\)?\s*(?:->|=>)\s*(.+)$", r"^\(?\s*([\w$, ]+?)\s*\)?\s+in\s+(.+)$"):
        if m := re.match(form, text, re.S):
            names = [re.sub(r"[&*$\s]|\bmut\b|:\s*\w+", "", p) for p in m.group(1).split(",") if p.strip()]
            return names or ["x"], m.group(2).strip()
    if re.search(r"\bit\b|\$[01]", text):
        names = ["it", "it1"] if "$1" in text else ["it"]
        return names, text.replace("$0", "it").replace("$1", "it1")
    return None


TERNARY = re.compile(r"^(.+?)\s+\?\s+(.+?)\s+:\s+(.+)$")
RUBY_TYPES = {"Hash": "dict", "Array": "list", "String": "str", "Integer": "int", "Float": "float", "Map": "dict", "List": "list"}


def _expression(text: str, entries: tuple[str, ...] = ()) -> str:
    """A lambda's body as Python (its chains read, `c ? a : b`, `&&`, `!`, `is_a?`, `include?`, an entry's key/value)."""
    text = re.sub(r"(?<![\w)\]])/((?:[^/\\\n]|\\.)+)/[gimsuy]*\.test\(", r're.search(r"\1", ', text.strip())  # a regular expression's test
    if m := re.fullmatch(r"\(?\s*(\w+)\s*([-+*])=\s*([^()]+?)\s*\)?", text):  # an assignment's value
        return f"({m.group(1)} := {m.group(1)} {m.group(2)} {m.group(3)})"
    for name in entries:
        text = re.sub(rf"\b{name}\.(?:key|Key|first)\b", f"{name}[0]", text)
        text = re.sub(rf"\b{name}\.(?:value|Value|second)\b", f"{name}[1]", text)
        text = re.sub(rf"\b{name}\.Count\(\)", f"len({name}[1])", text)
    text = _chains(text, force=True)
    text = re.sub(r"\b([\w.\[\]]+)\.is_a\?\(\s*(\w+)\s*\)", lambda m: f"isinstance({m.group(1)}, {RUBY_TYPES.get(m.group(2), m.group(2))})", text)
    text = re.sub(r"\b([\w.\[\]]+)\.include\?\(\s*([^()]+)\)", r"\2 in \1", text)
    text = re.sub(r"\b([\w.\[\]]+)\.(?:empty\?|isEmpty\(\))", r"len(\1) == 0", text)
    text = re.sub(r"\b([\w.\[\]]+)\.isNotEmpty\(\)", r"len(\1) > 0", text)
    text = re.sub(r"\b([\w.\[\]]+)\.(?:size|length|count|Length)\b(?!\s*\()", r"len(\1)", text)
    text = text.replace("&&", " and ").replace("||", " or ")
    text = re.sub(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|!(?!=)\s*", lambda m: m.group(0) if m.group(0)[0] in "'\"" else "not ", text)
    text = re.sub(r"\.(capitalize|downcase|upcase|strip|reverse|chars)\b(?![(?!])",
                  lambda m: {"downcase": ".lower()", "upcase": ".upper()", "reverse": "[::-1]", "chars": ""}.get(m.group(1), f".{m.group(1)}()"), text)
    if m := TERNARY.match(text):
        text = f"({m.group(2)} if {m.group(1)} else {m.group(3)})"
    return re.sub(r"  +", " ", text)


def _chars(arguments: list[str]) -> str:
    """Characters given one by one (`'.', ','`) or as a string, as one Python string."""
    chars = "".join(a.strip("'\"") for a in arguments)
    return repr(chars)


GROUP = "(lambda xs, key, value: {{k: [value(x) for x in xs if key(x) == k] for k in dict.fromkeys(map(key, xs))}})({}, {}, {})"
LAMBDA_METHODS = {"map", "Select", "collect", "select", "filter", "Where", "find_all", "reject", "filterNot", "group_by",
                  "groupBy", "GroupBy", "mapValues", "transform_values", "sum", "Sum", "sumOf", "count", "Count", "ToDictionary",
                  "sort_by", "sortedBy", "OrderBy", "sorted", "all", "any", "all?", "any?", "All", "Any", "flatMap"}


def _call(receiver: str, kind: str, method: str, arguments: list[str] | None, block: str | None) -> tuple[str, str] | None:
    """One call of a chain, `receiver.method(arguments) { block }`, as Python (and what the result is: a list, a map,
    pairs, indexed items); None when it is not known."""
    method = method.rstrip("?!")
    lambdas = [_lambda(a) for a in (arguments or [])] + ([_lambda(block)] if block else [])
    lambdas = [f for f in lambdas if f is not None]
    source = {"map": f"{receiver}.items()", "indexed": f"enumerate({receiver})"}.get(kind, receiver)

    def loop(f, entry=False):
        names = f[0]
        if kind == "indexed" and len(names) == 2:
            return f"{names[1]}, {names[0]}", _expression(f[1])
        if len(names) == 2:  # a map's key and value, or a list's pairs taken apart
            return f"{names[0]}, {names[1]}", _expression(f[1])
        return names[0], _expression(f[1], tuple(names) if kind in ("map", "pairs") or entry else ())

    def item(target: str) -> str:
        return f"({target})" if "," in target else target
    if method in ("map", "Select", "collect", "flatMap") and lambdas:
        target, body = loop(lambdas[0])
        return f"[{body} for {target} in {source}]", "list"
    if method in ("select", "filter", "Where", "find_all") and lambdas:
        target, body = loop(lambdas[0])
        return f"[{item(target)} for {target} in {source} if {body}]", "list" if kind != "map" else "pairs"
    if method in ("filter",) and arguments == ["Boolean"]:
        return f"[x for x in {source} if x]", "list"
    if method in ("reject", "filterNot") and lambdas:
        target, body = loop(lambdas[0])
        return f"[{item(target)} for {target} in {source} if not ({body})]", "list" if kind != "map" else "pairs"
    if method in ("group_by", "groupBy", "GroupBy") and lambdas:
        key = loop(lambdas[0])
        value = loop(lambdas[1]) if len(lambdas) > 1 else ("x", "x")
        items = f"list({source})" if kind in ("map", "indexed") else receiver
        return GROUP.format(items, f"lambda {key[0]}: {key[1]}", f"lambda {value[0]}: {value[1]}"), "map"
    if method == "mapValues" and lambdas:
        name, body = lambdas[0][0][0], _expression(lambdas[0][1], (lambdas[0][0][0],))
        return f"{{{name}[0]: {body} for {name} in {receiver}.items()}}", "map"
    if method == "transform_values" and lambdas:
        name, body = lambdas[0][0][0], _expression(lambdas[0][1])
        return f"{{k: {body} for k, {name} in {receiver}.items()}}", "map"
    if method == "ToDictionary" and len(lambdas) == 2:
        key, value = loop(lambdas[0], True), loop(lambdas[1], True)
        return f"{{{key[1]}: {value[1]} for {key[0]} in {source}}}", "map"
    if method in ("sum", "Sum", "sumOf") and lambdas:
        target, body = loop(lambdas[0])
        return f"sum({body} for {target} in {source})", "value"
    if method in ("count", "Count") and lambdas:
        target, body = loop(lambdas[0])
        return f"sum(1 for {target} in {source} if {body})", "value"
    if method in ("sort_by", "sortedBy", "OrderBy") and lambdas:
        target, body = loop(lambdas[0])
        return f"sorted({source}, key=lambda {target}: {body})", "list"
    if method in ("any", "any?", "Any", "all", "all?", "All") and lambdas:
        target, body = loop(lambdas[0])
        return f"{method.lower().rstrip('?')}({body} for {target} in {source})", "value"
    if lambdas and method not in ("sorted", "sort"):
        return None
    if method in ("sort", "sorted", "Sorted", "OrderBy", "sorted") and not arguments:
        return f"sorted({source if kind != 'map' else receiver})", "list"
    plain = {"values": "list({}.values())", "Values": "list({}.values())", "keys": "list({}.keys())", "Keys": "list({}.keys())",
             "entries": "list({}.items())", "uniq": "list(dict.fromkeys({}))", "distinct": "list(dict.fromkeys({}))",
             "Distinct": "list(dict.fromkeys({}))", "toSet": "list(dict.fromkeys({}))", "chars": "list({})", "sum": "sum({})",
             "Sum": "sum({})", "size": "len({})", "length": "len({})", "count": "len({})", "Count": "len({})",
             "toList": "list({})", "ToList": "list({})", "to_a": "list({})", "ToArray": "list({})", "toMutableList": "list({})",
             "downcase": "{}.lower()", "lowercase": "{}.lower()", "lowercased": "{}.lower()", "ToLower": "{}.lower()",
             "toLowerCase": "{}.lower()", "upcase": "{}.upper()", "uppercase": "{}.upper()", "ToUpper": "{}.upper()",
             "capitalize": "{}.capitalize()", "strip": "{}.strip()", "trim": "{}.strip()", "Trim": "{}.strip()", "max": "max({})",
             "min": "min({})", "first": "{}[0]", "last": "{}[-1]", "reverse": "{}[::-1]", "reversed": "{}[::-1]"}
    kinds = {"values": "list", "Values": "list", "keys": "list", "Keys": "list", "entries": "pairs", "to_a": "list"}
    if method == "each_with_index" and not arguments:
        return receiver, "indexed"
    if method in ("split", "Split") and (not arguments or re.fullmatch(r"""Regex\(\s*["']\\\\s\+["']\s*\)|["']\\\\s\+["']|/\\s\+/""", arguments[0])):
        return f"{receiver}.split()", "list"
    if method in ("split", "Split"):
        return f"{receiver}.split({arguments[0]})", "list"
    if method in ("trim", "Trim", "strip") and arguments:
        return f"{receiver}.strip({_chars(arguments)})", "value"
    if method == "delete" and arguments and len(arguments) == 1:
        return f"{receiver}.translate(str.maketrans('', '', {arguments[0]}))", "value"
    if method in ("join", "joined", "joinToString", "mkString"):
        separator = re.sub(r"^(?:separator|sep)\s*[:=]\s*", "", arguments[0]) if arguments else '""'
        return f"{separator}.join({receiver})", "value"
    if method in plain and (not arguments or method in ("count", "Count", "sum", "Sum")):
        return plain[method].format(receiver), kinds.get(method, "map" if method.startswith("to") and "Map" in method else "list")
    return None


PRIMARY = re.compile(r"%w\[[^\]]*\]|[A-Za-z_]\w*|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


def _chain_at(text: str, start: int) -> tuple[str, int] | None:
    """The chain of calls starting at `start` (a name, a literal or a bracket group) as Python, and where it ends."""
    if text[start] in "([":
        end = _end(text, start)
        if end < 0:
            return None
        receiver = text[start:end]
        if text[start] == "[":
            receiver = "[" + ", ".join(_expression(a) for a in _split(text[start + 1:end - 1])) + "]"
        if text[start] == "(":
            receiver = "(" + _expression(text[start + 1:end - 1]) + ")"
    elif m := PRIMARY.match(text, start):
        end, receiver = m.end(), m.group(0)
        if receiver.startswith("%w["):
            receiver = repr(receiver[3:-1].split())
        if end < len(text) and text[end] == "(":
            close = _end(text, end)
            if close < 0:
                return None
            arguments = [_expression(a) for a in _split(text[end + 1:close - 1])]
            if receiver == "String" and len(arguments) == 1 and arguments[0].startswith("sorted("):  # Swift's letters in order
                receiver, end = f"''.join({arguments[0]})", close
            else:
                receiver, end = receiver + "(" + ", ".join(arguments) + ")", close
    else:
        return None
    kind, read, position = "value", 0, end
    while m := re.match(r"\s*\.\s*(\w+[?!]?)", text[position:]):
        method, after = m.group(1), position + m.end()
        arguments = block = None
        if after < len(text) and text[after] == "(":
            close = _end(text, after)
            if close < 0:
                return None
            arguments, after = _split(text[after + 1:close - 1]), close
        if (b := re.match(r"[ \t]*\{", text[after:])) and (close := _end(text, after + b.end() - 1)) > 0:
            block, after = text[after + b.end() - 1:close], close
        if arguments and any("::" in a for a in arguments):
            return None  # a method reference: `chains` reads it
        call = _call(receiver, kind, method, arguments, block)
        if call is None:
            if block is not None or (arguments and any(_lambda(a) for a in arguments)):
                return None
            receiver += text[position:after]
        else:
            receiver, kind = call
            read += 1
        position = after
    return (receiver, position) if read else None


CHAIN_METHOD = re.compile(r"\.\s*(?:" + "|".join(re.escape(m) for m in sorted(LAMBDA_METHODS | {"each_with_index", "transform_values"})) +
                          r")\b\s*[({]|\.\s*(?:map|select|reject|filter|sum|sort_by|group_by|uniq|values|chars)\b")


def _chains(line: str, force: bool = False) -> str:
    """Each chain of calls in `line` that holds a block or lambda read as Python."""
    if not (force or CHAIN_METHOD.search(line)):
        return line
    out, position, i = [], 0, 0
    while i < len(line):
        ch = line[i]
        if (ch.isalpha() or ch in "_([%\"'") and (i == 0 or not (line[i - 1].isalnum() or line[i - 1] in "_.$")):
            read = _chain_at(line, i)
            if read is not None:
                out.append(line[position:i] + read[0])
                position = i = read[1]
                continue
            if ch in "([":
                i += 1
                continue
            m = PRIMARY.match(line, i)
            i = m.end() if m else i + 1
            continue
        i += 1
    return "".join(out) + line[position:]


CHAIN_TEXT = re.compile(r"^```(?:ruby|rb|kotlin|kt|kts|swift|csharp|cs|c#|java|scala|ts|typescript|groovy|crystal)[ \t]*$", re.M | re.I)


CONTINUED = re.compile(r"\n[ \t]*(?=\.[A-Za-z_]\w*\s*[({])")  # a chain spread over lines, one call a line
EXPRESSION_BODY = re.compile(r"^([ \t]*)((?:(?:private|public|internal|override)\s+)*fun\s+\w+\s*\(.*\)(?:\s*:\s*[^=\n]+?)?)\s*=[ \t]*(?:\n[ \t]*)?(\S.*)$", re.M)
SWIFT_DEFAULT = re.compile(r"\b(\w+)\[(.+),\s*default:\s*\[\]\s*\]\.(insert|append)\(")


def read_chains(text: str) -> str:
    """The lines of a block in one of these languages with their chains of calls read: a chain spread over lines
    joined first, a Kotlin function whose body is an expression as one that returns it, Ruby's `%w[...]`, Swift's
    `m[k, default: []].insert(x)`."""
    text = CONTINUED.sub("", text)
    text = EXPRESSION_BODY.sub(lambda m: f"{m.group(1)}{m.group(2)} {{\n{m.group(1)}    return {m.group(3)}\n{m.group(1)}}}", text)
    text = re.sub(r"%w\[([^\]]*)\]", lambda m: repr(m.group(1).split()), text)
    text = SWIFT_DEFAULT.sub(lambda m: f"{m.group(1)}.setdefault({m.group(2)}, set()).add(" if m.group(3) == "insert" else
                             f"{m.group(1)}.setdefault({m.group(2)}, []).append(", text)
    return "\n".join(_chains(line) for line in text.splitlines())
