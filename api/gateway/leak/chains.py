"""Chains of higher-order calls read as a Python comprehension: one shape in Ruby, Java, Kotlin, Swift, C# and Rust.

`xs.select { |x| x.even? }.sum`, `xs.stream().filter(x -> x % 2 == 0).mapToInt(Integer::intValue).sum()`,
`xs.iter().filter(|&x| x % 2 == 0).sum::<i32>()`, `xs.Where(x => ...).Select(...).ToList()`, `xs.filter { it > 0 }`:
a source, filters and maps with a lambda each (a block, an arrow, a closure, `it`, `$0`, `&:sym`, a method reference),
and what is done with the items at the end (a sum, a count, a list ...) become `sum(x for x in xs if ...)`, `[... for ...]`.
"""

from __future__ import annotations

import re


CHAIN_START = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*(?:\[[^\[\]]*\])*(?:\.[A-Za-z_]\w*(?:\(\))?)*?)"
                         r"(?:\.(?:stream|iter|into_iter|asSequence|asList|each|lazy|chars|AsEnumerable)\(\))?"
                         r"(?=\s*\.\s*(?:filter|select|where|Where|find_all|reject|filterNot|map|Select|collect|flat_map)\s*[({]|"
                         r"\s*\.\s*(?:select|map|reject|find_all)\s*\(\s*&:)")
CHAIN_CALL = re.compile(r"\.\s*(?:filter|select|where|Where|find_all|reject|filterNot|map|Select|collect|flat_map)\s*[({]")
FILTERS = {"filter", "select", "where", "Where", "find_all"}
REJECTS = {"reject", "filterNot"}
MAPS = {"map", "Select", "collect", "mapToInt", "mapToDouble", "mapToLong", "mapToObj", "map_values", "flat_map"}
TERMINALS = {  # how a chain ends: what is done with the comprehension's items
    "sum": "sum({})", "Sum": "sum({})", "count": "len({})", "Count": "len({})", "size": "len({})", "length": "len({})",
    "max": "max({})", "Max": "max({})", "min": "min({})", "Min": "min({})", "sorted": "sorted({})", "sort": "sorted({})",
    "any": "any({})", "anyMatch": "any({})", "Any": "any({})", "all": "all({})", "allMatch": "all({})", "All": "all({})",
}
FOLDS = {"reduce", "inject", "fold", "Aggregate"}  # with a `+`: a sum
LISTS = {"toList", "ToList", "to_a", "collect", "toArray", "ToArray", "boxed", "toMutableList", "entries", "to_vec", "cloned",
         "copied", "stream", "iter"}
TRAILING_LIST = re.compile(r"(?:\s*\.\s*(?:collect\(\s*Collectors\.to(?:List|UnmodifiableList)\(\)\s*\)|toList\(\)|ToList\(\)|to_a\b))*")
DISTINCT = {"distinct", "Distinct", "uniq", "toSet", "to_set", "ToHashSet"}  # the items once each: a set, and the chain goes on
IDENTITY_REFS = re.compile(r"^(?:Integer|Double|Long|Float|Number)::(?:intValue|doubleValue|longValue|floatValue|valueOf)$")


def _balanced(text: str, start: int) -> int:
    """The index just past the bracket group opening at `start` (-1: never closed)."""
    pairs, depth = {"(": ")", "{": "}", "[": "]"}, []
    for i in range(start, len(text)):
        ch = text[i]
        if ch in pairs:
            depth.append(pairs[ch])
        elif depth and ch == depth[-1]:
            depth.pop()
            if not depth:
                return i + 1
    return -1


def _lambda(argument: str) -> tuple[list[str], str] | None:
    """A lambda's parameters and body, in any of the languages' forms (None: not a lambda)."""
    argument = argument.strip()
    if argument.startswith("&:"):  # Ruby's symbol to proc
        return ["x"], f"x.{argument[2:]}"
    if IDENTITY_REFS.match(argument):
        return ["x"], "x"
    if (ref := re.match(r"^([a-z_]\w*)::(contains|containsKey|includes)$", argument)):  # a bound reference: `yours::contains`
        return ["x"], f"x in {ref.group(1)}"
    if (ref := re.match(r"^\w+::(\w+)$", argument)):
        return ["x"], f"x.{ref.group(1)}()"
    forms = [r"^\|\s*([^|]*)\|\s*(.+)$",  # Ruby block and Rust closure
             r"^\(?\s*([\w$&, ]*?)\s*\)?\s*(?:->|=>)\s*(.+)$",  # Java, C#, JavaScript, Kotlin with a name
             r"^\(?\s*([\w$&, ]*?)\s*\)?\s+in\s+(.+)$"]  # Swift
    for form in forms:
        if (m := re.match(form, argument, re.S)):
            names = [re.sub(r"[&*$\s]|\bmut\b", "", p) for p in m.group(1).split(",") if p.strip()]
            return names or ["x"], m.group(2).strip()
    if re.search(r"\bit\b|\$0", argument):  # Kotlin's `it`, Swift's `$0`
        return ["it"], argument.replace("$0", "it")
    return None


def _bound_to(names: list[str], body: str, item: str) -> str:
    """`body` with the lambda's parameter(s) as the comprehension's item (a pair: its two parts)."""
    body = re.sub(r"(?<![\w$])[*&]\s*(?=\w)", "", body)  # Rust's `*x`, `&x`
    if len(names) == 1:
        return re.sub(rf"(?<![\w$.]){re.escape(names[0])}\b", item, body)
    parts = [p.strip() for p in item.strip("()").split(",")] if item.startswith("(") else [f"{item}[{i}]" for i in range(len(names))]
    for name, part in zip(names, parts):
        body = re.sub(rf"(?<![\w$.]){re.escape(name)}\b", part, body)
    return body


def _chain(text: str, start: re.Match) -> tuple[str, int] | None:
    """The chain beginning at `start` as a Python expression, and where it ends in `text`."""
    source, position = start.group(1), start.end()
    loop = item = None
    conditions, last, distinct = [], "", False
    while (call := re.match(r"\s*\.\s*(\w+)[?!]?(?:::<[^>]*>)?\s*", text[position:])) is not None:
        method, after = call.group(1), position + call.end()
        argument = None
        if after < len(text) and text[after] in "({":
            end = _balanced(text, after)
            if end < 0:
                return None
            argument, after = text[after + 1:end - 1].strip(), end
            if argument == "" and text[after:after + 1] == "{" and (end := _balanced(text, after)) > 0:  # a trailing closure
                argument, after = text[after + 1:end - 1].strip(), end
        if method in FILTERS | REJECTS | MAPS and argument and (read := _lambda(argument)) is not None:
            names, body = read
            if loop is None:
                loop = item = names[0] if len(names) == 1 else f"({', '.join(names)})"
            told = _bound_to(names, body, item if re.fullmatch(r"[\w(), ]+", item) else f"({item})")
            if method in MAPS:
                item = told
            else:
                conditions.append(told if method in FILTERS else f"not ({told})")
        elif method in FOLDS and argument and re.search(r"\+|\bsum\b", argument):
            last, position = "sum", after
            break
        elif method in DISTINCT and not argument:
            distinct, position = True, after
            continue
        elif not (method in TERMINALS or method in LISTS or method in MAPS and (argument == "" or re.fullmatch(r"Collectors\.to\w+\(\)", argument or ""))):
            break
        last, position = method, after
        if method in TERMINALS:
            break
    if loop is None:
        return None
    position += TRAILING_LIST.match(text, position).end() - position
    comprehension = f"{item} for {loop.strip('()')} in {source}" + "".join(f" if {c}" for c in conditions)
    if distinct:
        both = re.fullmatch(rf"(\w+) for \1 in ([\w.]+) if \1 in ([\w.]+)", comprehension)
        comprehension = f"set({both.group(2)}) & set({both.group(3)})" if both else f"set({comprehension})"
        return (TERMINALS[last].format(comprehension) if last in TERMINALS else comprehension), position
    return (TERMINALS[last].format(comprehension) if last in TERMINALS else f"[{comprehension}]"), position


RUBY_INTERSECTION = re.compile(r"((?:^|`)[ \t]*)\(\s*(\w+)\s*&\s*(\w+)\s*\)((?:\.uniq\b)?)((?:\.sort\b)?)(?:\.to_a\b)?")


def intersections(text: str) -> str:
    """Ruby's array intersection standing alone, `(a & b).uniq.sort`, as the Python a method ending in it returns,
    `return sorted(set(a) & set(b))`."""
    def read(match: re.Match) -> str:
        found = f"set({match.group(2)}) & set({match.group(3)})"
        return f"{match.group(1)}return {f'sorted({found})' if match.group(5) else found}"
    return RUBY_INTERSECTION.sub(lambda m: read(m) if m.group(4) or m.group(5) else m.group(0), text)


def chains(line: str) -> str:
    """`line` with each chain of higher-order calls it holds read as a comprehension."""
    if not CHAIN_CALL.search(line):
        return line
    out, position = [], 0
    for start in CHAIN_START.finditer(line):
        if start.start() < position:
            continue
        read = _chain(line, start)
        if read is None:
            continue
        out.append(line[position:start.start()] + read[0])
        position = read[1]
    return "".join(out) + line[position:]
