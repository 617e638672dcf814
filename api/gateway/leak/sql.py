"""A SQL query read as the Python comprehension it computes.

A model asked not to give the solution may give it as a query over a table standing for the function's argument:
`SELECT item, :minimum - count AS needed FROM stock WHERE count < :minimum` is
`{item: minimum - count for item, count in stock.items() if count < minimum}`. The columns the query names are the loop's
names (in the order it names them), its parameters (`:minimum`, `@minimum`) the function's, `WHERE` the comprehension's
condition; a key column and a value selected make a dict, one column a list, more a list of tuples. A numbered subquery,
`(SELECT ROW_NUMBER() OVER () AS day, temp FROM temps) t`, is `enumerate(temps, start=1)`. Only a text fenced as SQL or
with a query written in SQL's capitals is read; the reading only has to be good enough for the statements' fingerprints.
"""

from __future__ import annotations

import re

QUERY = re.compile(r"\bSELECT\s+(?P<columns>.+?)\s+FROM\s+(?P<source>\(\s*SELECT\b.+?\)\s*(?:AS\s+)?\w*|\w+)"
                   r"(?:\s+(?:AS\s+)?(?!WHERE\b|ORDER\b|GROUP\b)\w+)?(?:\s+WHERE\s+(?P<where>.+?))?\s*(?:ORDER\s+BY\b.*?)?\s*(?:;|$|```)",
                   re.S)
NUMBERED = re.compile(r"^\(\s*SELECT\s+ROW_NUMBER\(\)\s+OVER\s*\([^)]*\)\s+AS\s+(\w+)\s*,\s*(.+?)\s+FROM\s+(\w+)\s*\)", re.S | re.I)
SHOWN = re.compile(r"```sql\b|^\s*SELECT\b[^\n]*\bFROM\b|^\s*SELECT\b[^\n]*\n\s*FROM\b", re.M)
WORDS = {"and", "or", "not", "as", "is", "null", "in", "like", "between", "true", "false", "case", "when", "then", "else",
         "end", "distinct", "over", "row_number"}  # a function's name is followed by its parenthesis
OPERATORS = [(r"<>", "!="), (r"(?<![<>!=])=(?!=)", "=="), (r"\bAND\b", "and"), (r"\bOR\b", "or"), (r"\bNOT\b", "not"),
             (r"\bIS\s+NULL\b", "is None"), (r"[:@$](?=[A-Za-z_])", "")]


def _expression(text: str) -> str:
    for pattern, replacement in OPERATORS:
        text = re.sub(pattern, replacement, text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip()


def _columns(text: str) -> list[str]:
    """The column names an expression uses (parameters, numbers and SQL's words left out), in order."""
    found = []
    for match in re.finditer(r"(?<![:@$\w.'\"])([A-Za-z_]\w*)\b(?!\s*\()", text):
        name = match.group(1)
        if name.lower() not in WORDS and name not in found:
            found.append(name)
    return found


def _query(match: re.Match) -> str | None:
    columns = [re.sub(r"\s+AS\s+\w+\s*$", "", c, flags=re.I).strip() for c in match.group("columns").split(",")]
    where = match.group("where")
    source, names = match.group("source").strip(), []
    if numbered := NUMBERED.match(source):
        names = [numbered.group(1), *[c.strip() for c in numbered.group(2).split(",")]]
        loop = f"enumerate({numbered.group(3)}, start=1)"
    elif re.fullmatch(r"\w+", source):
        loop = source
    else:
        return None
    for part in columns + [where or ""]:
        names += [n for n in _columns(part) if n not in names]
    if not names:
        return None
    condition = f" if {_expression(where)}" if where else ""
    values = [_expression(c) for c in columns]
    if len(values) == 2 and re.fullmatch(r"\w+", values[0]) and loop == source:
        return f"{{{values[0]}: {values[1]} for {', '.join(names)} in {source}.items(){condition}}}"
    item = values[0] if len(values) == 1 else f"({', '.join(values)})"
    return f"[{item} for {', '.join(names)} in {loop}{condition}]"


def read(text: str) -> str | None:
    """`text`'s queries as Python `return` statements, or None when it shows none."""
    if not SHOWN.search(text):
        return None
    found = [python for match in QUERY.finditer(text) if (python := _query(match))]
    return "\n".join(f"return {python}" for python in found) or None
