"""Code from an answer made to load the way a student would make it, in seconds, before it is run.

A solution with a colon left out after its `def` line, `retrun` for `return`, a bracket never closed,
a tab among spaces, full-width or curly punctuation, `then`/`do`/`end` from another language, or a
`defaultdict` used without its import does not load as given, so running it passes no test; but a
student fixes it at once and has the solution. `repaired` undoes such slips one at a time where the
parser stops (a fix is kept when the parser then gets further, or stops at an earlier slip that one
hid), a few rounds at most, and only in text that looks like code; `with_imports` adds the imports
of well-known standard-library names the code uses but never binds (what a NameError in the sandbox
would name) and undoes slips that read but fail when run (`end`, `retrun (a, b)`). Both only read and
rewrite text; the code is run as any other candidate is.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import warnings

from functools import lru_cache

MAX_ROUNDS = 6  # slips undone per block (each round: the fixes of the line the parser stops at, tried in turn)
MAX_INDENTS = 3  # lines re-indented per block (tabs expanded aside): the first any way, the others by one level
LEVEL = 4  # spaces of one indentation level: a re-indent past the first moves a line by one level at most
MAX_REPAIR_CHARS = 4000  # longer blocks are not repaired as a whole (see `focused`)
MAX_FOCUS_CHARS = 64000  # longer blocks are not read for the definitions worth repairing either
MAX_FOCUSED_CHARS = 8000  # the definitions of a long block that are repaired (the entry point and what it calls)
MAX_INLINE = 4  # words of a line, slips of an operator keyword (`inn`, `fro`), tried in turn
BLOCK_OPENERS = ("def", "class", "if", "elif", "else", "for", "while", "try", "except", "finally", "with", "match", "case")
OPENER = re.compile(r"^\s*(?:async\s+)?(?:%s)\b" % "|".join(BLOCK_OPENERS))
# keywords that begin a statement: a word one or two slips away from one of them, where a statement begins, is it
STATEMENT_KEYWORDS = ("return", "if", "elif", "else", "for", "while", "def", "class", "import", "from", "try", "except",
                      "finally", "with", "pass", "break", "continue", "raise", "yield", "global", "nonlocal", "assert",
                      "del", "async", "lambda")
FIRST_WORD = re.compile(r"^(\s*)([A-Za-z_]\w*)(?=\W|$)")
PSEUDO_END = re.compile(r"^\s*(?:end|endif|endfor|endwhile|enddef|done|fi|end\s+(?:if|for|while|def|function))\s*;?\s*$", re.I)
PSEUDO_OPEN = re.compile(r"\s+(?:then|do|begin)\s*:?\s*$")
PUNCTUATION = str.maketrans({
    "：": ":", "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "（": "(", "）": ")", "，": ",", "；": ";", "［": "[", "］": "]",
    "｛": "{", "｝": "}", "＝": "=", "＋": "+", "－": "-", "＊": "*", "／": "/", "＜": "<", "＞": ">", "．": ".", "　": " ",
    "\u00a0": " ", "–": "-", "—": "-", "−": "-", "×": "*", "÷": "/", "≤": "<=", "≥": ">=", "≠": "!=",
})
CLOSERS = {"(": ")", "[": "]", "{": "}"}
# keywords written inside a statement (a comprehension's `for`, a test's `in`): a word one slip away from one is it
INLINE_KEYWORDS = ("in", "for", "if", "else", "not", "and", "or", "is")
# operators from other languages, or mistyped, anywhere in a line: `=>` for `>=`, `===`, `else if`
OPERATOR_SLIPS = ((re.compile(r"=>"), ">="), (re.compile(r"=<"), "<="), (re.compile(r"!=="), "!="),
                  (re.compile(r"(?<![=!<>])==="), "=="), (re.compile(r"\belse\s+if\b"), "elif"), (re.compile(r"&&"), " and "),
                  (re.compile(r"\|\|"), " or "))
CODEISH = re.compile(r"\b(?:def|return|for|while|if|class|import|lambda)\b|[=(\[]")
# a line of prose: a sentence's end, or a run of plain words longer than a statement's (slips there are not code's)
PROSE = re.compile(r"[.?!]\s*$|(?:\b[A-Za-z']+\b[ ,]+){6}[A-Za-z']")
# a line that could be a statement: a keyword (or a slip of one) first, an assignment, a call, a bracket, a colon
STATEMENT = re.compile(r"^\s*(?:[a-z]{2,8}\s|[\w.\[\]'\", ]+[-+*/%|&]?=[^=]|.*[(\[{]|.*:\s*$|[)\]}])")


def _error(text: str) -> SyntaxError | None:
    """Where the parser stops in `text` (None: it reads)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(text)
        except SyntaxError as err:
            return err
        except (ValueError, MemoryError, RecursionError) as err:  # a null byte, too deep: nothing to repair
            return SyntaxError(str(err), ("<answer>", 0, 0, ""))
    stray = _outside_function(tree.body)
    if stray is not None:  # parses, but does not compile: a body whose indentation was lost
        return SyntaxError(f"'{type(stray).__name__.lower()}' outside function", ("<answer>", stray.lineno, stray.col_offset + 1, ""))
    return None


def _outside_function(body: list[ast.stmt]) -> ast.stmt | None:
    """The first `return` of module-level code (in its loops and branches too), which the compiler refuses."""
    for node in body:
        if isinstance(node, ast.Return):
            return node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            found = _outside_function(getattr(node, field, None) or [])
            if found is not None:
                return found
        for handler in getattr(node, "handlers", None) or []:
            found = _outside_function(handler.body)
            if found is not None:
                return found
    return None


def _where(err: SyntaxError) -> tuple[int, int]:
    return err.lineno or 0, err.offset or 0


def _distance(a: str, b: str) -> int:
    """Edits (a letter added, dropped, changed, or two swapped) from `a` to `b`."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


@lru_cache(maxsize=4096)
def keywords_near(word: str) -> tuple[str, ...]:
    """The statement keywords `word` is a slip of (nearest first): one edit away, two for words of five letters or more."""
    lowered = word.lower()
    if lowered in STATEMENT_KEYWORDS:
        return (lowered,) if word != lowered else ()
    if keyword.iskeyword(word) or len(word) < 2 or len(word) > 8:
        return ()
    most = 2 if len(word) >= 5 else 1
    near = sorted((_distance(lowered, k), k) for k in STATEMENT_KEYWORDS if abs(len(k) - len(word)) <= most)
    return tuple(k for d, k in near if d <= most)


def _code_part(line: str) -> tuple[str, str]:
    """The line without its comment, and the comment (a `#` inside a string is no comment)."""
    at = _outside_strings(line).find("#")
    return (line.rstrip(), "") if at < 0 else (line[:at].rstrip(), line[at:])


def _brackets(line: str) -> tuple[list[str], list[int]]:
    """The brackets `line` leaves open (in order) and where it closes one never opened (strings skipped)."""
    opened, stray = [], []
    for i, ch in enumerate(_outside_strings(line)):
        if ch == "#":
            break
        if ch in CLOSERS:
            opened.append(ch)
        elif ch in CLOSERS.values():
            if opened and CLOSERS[opened[-1]] == ch:
                opened.pop()
            else:
                stray.append(i)
    return opened, stray


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _outside_strings(code: str) -> str:
    """`code` with the insides of its string literals blanked (same length)."""
    out, quote = [], None
    for ch in code:
        if quote:
            out.append(" " if ch != quote else ch)
            if ch == quote:
                quote = None
        else:
            if ch in "'\"":
                quote = ch
            out.append(ch)
    return "".join(out)


def _inline_slips(code: str, offset: int) -> list[tuple[int, int, str]]:
    """(start, end, keyword) for the words of `code` (outside strings, not its first) one slip away from a keyword
    written inside a statement (`for x inn y`, `[x fro x in y]`), nearest the parser's stop first; MAX_INLINE at most."""
    found = []
    for match in WORD.finditer(_outside_strings(code)):
        word = match.group()
        if match.start() == len(code) - len(code.lstrip()) or len(word) < 3 or keyword.iskeyword(word):
            continue
        near = [k for k in INLINE_KEYWORDS if abs(len(k) - len(word)) <= 1 and _distance(word.lower(), k) == 1]
        if near:
            found.append((abs(match.start() + 1 - offset), match.start(), match.end(), near[0]))
    return [(start, end, near) for _, start, end, near in sorted(found)[:MAX_INLINE]]


def _line_fixes(lines: list[str], i: int, err: SyntaxError):
    """Ways to undo a slip on line `i` (0-based)."""
    line = lines[i]
    code, comment = _code_part(line)
    if not code.strip():
        return
    if PROSE.search(code):
        if code.lstrip().startswith(('"', "'")) and isinstance(err, IndentationError) and "expected an indented block" in err.msg:
            yield from _line_moved(lines, i, err)  # a docstring (prose in a string) whose indentation was lost
        return
    if PSEUDO_END.match(code):
        yield ""  # `end` from another language: nothing in Python
    if PSEUDO_OPEN.search(code) and OPENER.match(code):
        yield PSEUDO_OPEN.sub(":", code) + comment  # `if x then`, `while x do`
    first = FIRST_WORD.match(code)
    if first:
        for near in keywords_near(first.group(2)):
            rest = code[first.end():]
            if near in ("else", "try", "finally") and not rest.strip():
                rest += ":"
            yield first.group(1) + near + rest + comment
    for pattern, replacement in OPERATOR_SLIPS:
        if pattern.search(code):
            yield pattern.sub(replacement, code) + comment
    for start, end, near in _inline_slips(code, err.offset or 0):
        yield code[:start] + near + code[end:] + comment
    if OPENER.match(code) and not code.endswith(":"):
        yield code.rstrip(";.,") + ":" + comment  # a block's colon left out (or mistyped)
    opened, stray = _brackets(code)
    if stray:
        yield "".join(ch for k, ch in enumerate(code) if k != stray[-1]) + comment
    if opened:
        closing = "".join(CLOSERS[b] for b in reversed(opened))
        if OPENER.match(code) and code.endswith(":"):
            yield code[:-1] + closing + ":" + comment
        else:
            yield code + closing + comment
            if OPENER.match(code):
                yield code + closing + ":" + comment
    yield from _line_moved(lines, i, err)


def _line_moved(lines: list[str], i: int, err: SyntaxError):
    """Line `i` moved to where an IndentationError says it belongs (the nearest levels used before it)."""
    if isinstance(err, IndentationError) and i > 0:
        line = lines[i]
        before = [_indent(x) for x in lines[:i] if x.strip()]
        if before:
            own, body = _indent(line), line.lstrip(" ")
            if "expected an indented block" in err.msg:
                yield " " * (before[-1] + 4) + body
            else:  # unexpected indent, or an unindent to no level: the nearest levels used before
                levels = sorted(set(before))
                below = [x for x in levels if x < own]
                above = [x for x in levels if x > own]
                for level in ([before[-1]] if "unexpected" in err.msg else []) + below[-1:] + above[:1]:
                    yield " " * level + body


def _fixes(text: str, err: SyntaxError):
    """Whole texts with one slip undone near where the parser stopped."""
    if "invalid character" in err.msg and text.translate(PUNCTUATION) != text:
        yield text.translate(PUNCTUATION)
    if "\t" in text and isinstance(err, IndentationError):
        yield "\n".join(line.expandtabs(4) for line in text.split("\n"))
    lines = text.split("\n")
    number = err.lineno or 0
    if "outside function" in err.msg and 0 < number <= len(lines):  # a body whose indentation was lost: under its `def`
        yield from _under_def(lines, number - 1)
    for i in (number - 1, number - 2):
        if 0 <= i < len(lines):
            for fixed in _line_fixes(lines, i, err):
                yield "\n".join([*lines[:i], fixed, *lines[i + 1:]])


def _under_def(lines: list[str], i: int):
    """The lines from the `def` before line `i` to the next `def` or `class` at its level, put under it (a `return` the
    parser found outside any function, as in code whose indentation was lost)."""
    at = next((k for k in range(i, -1, -1) if re.match(r"\s*(?:async\s+)?def\b", lines[k]) and _indent(lines[k]) <= _indent(lines[i])), None)
    if at is None:
        return
    level = _indent(lines[at])
    end = next((k for k in range(i + 1, len(lines)) if re.match(r"\s*(?:async\s+)?(?:def|class)\b", lines[k])
                and _indent(lines[k]) <= level), len(lines))
    body = [line if not line.strip() or _indent(line) > level else " " * (level + LEVEL) + line.lstrip(" ") for line in lines[at + 1:end]]
    yield "\n".join([*lines[:at + 1], *body, *lines[end:]])


def _moved(before: str, after: str) -> int:
    """How far the one line `after` re-indents is moved (0 if the change is no re-indent of one line)."""
    old, new = before.split("\n"), after.split("\n")
    if len(old) != len(new):
        return 0
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    if len(changed) != 1 or changed[0][0].strip() != changed[0][1].strip():
        return 0
    return abs(_indent(changed[0][0]) - _indent(changed[0][1]))


def looks_like_code(text: str, limit: int = MAX_REPAIR_CHARS) -> bool:
    """Is `text` worth repairing: short enough, no fence, and at least half of its lines could be statements?"""
    if not text.strip() or len(text) > limit or "```" in text or not CODEISH.search(text):
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    return 2 * sum(1 for line in lines if STATEMENT.match(line) and not PROSE.search(line)) >= len(lines)


def repaired(text: str, err: SyntaxError | None = None, limit: int = MAX_REPAIR_CHARS) -> str | None:
    """`text` with the slips a student would undo in seconds undone, if that makes it read as Python (MAX_ROUNDS at
    most); None if it does not (or it reads as it is, or does not look like code). `err`: where the parser stopped
    in it, when that is known already; `limit`: the longest text repaired (the part of a long block `focused` keeps
    may be longer)."""
    if not looks_like_code(text, limit):
        return None
    if text not in _repairs:  # views and memories come back, judged again
        if len(_repairs) > 1024:
            _repairs.clear()
        _repairs[text] = _repaired(text, err or _error(text))
    return _repairs[text]


_repairs: dict[str, str | None] = {}


def _repaired(text: str, err: SyntaxError | None) -> str | None:
    if err is None or not err.lineno:
        return None
    indents = 0
    for _ in range(MAX_ROUNDS):
        reindent = isinstance(err, IndentationError) and not isinstance(err, TabError)
        if reindent:
            if indents == MAX_INDENTS:
                return None  # lines out of order (shuffled, reversed), not a slip
            indents += 1
        for fixed in _fixes(text, err):
            if reindent and indents > 1 and _moved(text, fixed) > LEVEL:
                continue  # past the first, only a line one level off is a slip
            after = _error(fixed)
            if after is None:
                return fixed
            # the parser gets further, or stops earlier (a slip the tokenizer stops at hides those before it)
            if after.lineno and (_where(after) > _where(err) or after.lineno < (err.lineno or 0)):
                text, err = fixed, after
                break
        else:
            return None
    return None


# --- imports a NameError would ask for -------------------------------------------------------------
FROM = {
    "collections": "defaultdict Counter deque OrderedDict namedtuple ChainMap",
    "heapq": "heappush heappop heapify heappushpop heapreplace nlargest nsmallest merge",
    "bisect": "bisect bisect_left bisect_right insort insort_left insort_right",
    "math": "sqrt isqrt floor ceil gcd lcm inf pi tau log log2 log10 exp factorial comb perm prod fsum hypot isclose "
            "isinf isnan trunc",
    "itertools": "chain combinations combinations_with_replacement permutations product groupby accumulate islice cycle "
                 "repeat zip_longest starmap takewhile dropwhile pairwise tee compress filterfalse",
    "functools": "reduce lru_cache cache partial cmp_to_key wraps total_ordering cached_property",
    "operator": "itemgetter attrgetter methodcaller",
    "string": "ascii_lowercase ascii_uppercase ascii_letters digits punctuation whitespace hexdigits",
    "typing": "List Dict Set Tuple Optional Any Iterable Iterator Callable Union Sequence Mapping DefaultDict FrozenSet "
              "Generator",
    "dataclasses": "dataclass field",
    "fractions": "Fraction",
    "decimal": "Decimal",
    "statistics": "mean median stdev",
    "copy": "deepcopy",
    "datetime": "date timedelta timezone",
}
NAMES = {name: module for module, names in FROM.items() for name in names.split()}
MODULES = frozenset(("collections", "heapq", "bisect", "itertools", "functools", "math", "re", "string", "operator",
                     "statistics", "random", "datetime", "json", "time", "copy", "typing", "dataclasses", "fractions",
                     "decimal", "textwrap", "enum", "calendar", "unicodedata", "sys"))
BUILTINS = frozenset(dir(builtins))
KNOWN = frozenset(NAMES) | MODULES


def _bound(tree: ast.AST) -> set[str]:
    """Every name `tree` binds anywhere (scopes are not told apart: a name bound somewhere is left alone)."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
    return bound


PSEUDO_WORDS = frozenset(("end", "endif", "endfor", "endwhile", "enddef", "done", "fi"))


class _Slips(ast.NodeTransformer):
    """Statements that read but are slips a NameError would show: `end` on a line of its own (dropped), `retrun x`
    read as a call or a subscript of an unbound name one slip from `return`, and such a name alone one slip from
    `pass`, `break`, `continue` or `return`."""

    def __init__(self, bound: set[str]):
        self.bound, self.changed = bound, False

    def visit_Expr(self, node):
        value = node.value
        name = value.func if isinstance(value, ast.Call) else value.value if isinstance(value, ast.Subscript) else value
        if not isinstance(name, ast.Name) or name.id in self.bound or name.id in BUILTINS:
            return node
        near = keywords_near(name.id)
        if value is name and name.id in PSEUDO_WORDS:
            self.changed = True
            return None
        if value is name and near and near[0] in ("pass", "break", "continue", "return"):
            self.changed = True
            return ast.copy_location({"pass": ast.Pass, "break": ast.Break, "continue": ast.Continue}.get(near[0], ast.Return)(), node)
        if value is not name and near and near[0] == "return" and (not isinstance(value, ast.Call) or not value.keywords):
            items = value.args if isinstance(value, ast.Call) else [value.slice]
            if isinstance(value, ast.Subscript):
                items = [ast.List(elts=value.slice.elts if isinstance(value.slice, ast.Tuple) else items, ctx=ast.Load())]
            self.changed = True
            returned = items[0] if len(items) == 1 else ast.Tuple(elts=items, ctx=ast.Load())
            return ast.copy_location(ast.Return(value=returned), node)
        return node

    def generic_visit(self, node):
        super().generic_visit(node)
        if isinstance(getattr(node, "body", None), list) and not node.body:
            node.body = [ast.Pass()]  # a block left with nothing in it
        return node


WORD = re.compile(r"[A-Za-z_]\w*")
LONE = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:[(\[]|$)", re.M)  # a statement that is a name, a call or a subscript


def _may_need(code: str) -> bool:
    """Does `code` name a well-known module or name, or begin a statement with a word that may be a slip (cheap)?"""
    if not KNOWN.isdisjoint(WORD.findall(code)):
        return True
    return any(w in PSEUDO_WORDS or keywords_near(w)[:1] in (("pass",), ("break",), ("continue",), ("return",))
               for w in LONE.findall(code))


def _tree(code: str) -> ast.Module | None:
    """The module `code` is, None if it does not parse (its odd string escapes are no concern here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(code)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None


@lru_cache(maxsize=1024)
def with_imports(code: str) -> str:
    """`code` with an import for each well-known standard-library name (or module) it uses but never binds, and the
    slips that read but fail when run undone (see `_Slips`)."""
    if not _may_need(code):
        return code
    tree = _tree(code)
    if tree is None:
        return code
    bound = _bound(tree)
    slips = _Slips(bound)
    tree = ast.fix_missing_locations(slips.visit(tree))
    if slips.changed:
        try:
            code = ast.unparse(tree)
        except (ValueError, RecursionError):
            return code
    free = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound - BUILTINS
    modules = sorted(n for n in free if n in MODULES)
    names = sorted(n for n in free if n in NAMES and n not in MODULES)
    if not modules and not names:
        return code
    lines = [f"import {m}" for m in modules] + [f"from {NAMES[n]} import {n}" for n in names]
    future = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    head = code.split("\n")[:future[-1].end_lineno] if future else []  # `from __future__` stays first
    return "\n".join([*head, *lines, *code.split("\n")[len(head):]])


# --- a long block: the definitions worth repairing ---------------------------------------------------
TOP = re.compile(r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)")


def focused(text: str, entry: str) -> str | None:
    """Of a block too long to repair whole, the part a student would fix to run `entry`: the imports and top-level
    lines that define nothing, the definition of `entry` and of every function it calls (by name, transitively); None
    if `entry` is not defined in it, or that part is still too long (MAX_FOCUSED_CHARS)."""
    if len(text) > MAX_FOCUS_CHARS or not re.search(r"^(?:async\s+def|def|class)\s+%s\b" % re.escape(entry), text, re.M):
        return None
    chunks: list[list[str]] = []
    for line in text.split("\n"):
        opens = line[:1] not in ("", " ", "\t", "#", ")", "]", "}")
        if opens and not (chunks and chunks[-1] and chunks[-1][-1].startswith("@")):
            chunks.append([])
        if not chunks:
            chunks.append([])
        chunks[-1].append(line)
    named: dict[str, str] = {}
    rest = []
    for chunk in chunks:
        body = "\n".join(chunk)
        head = next((line for line in chunk if not line.startswith("@")), "")
        match = TOP.match(head)
        if match:
            named[match.group(1)] = body
        elif re.match(r"\s*(?:import|from)\s", head):
            rest.append(body)
    wanted, queue = {}, [entry]
    while queue:
        name = queue.pop()
        if name in wanted or name not in named:
            continue
        wanted[name] = named[name]
        queue += [w for w in set(WORD.findall(named[name])) if w in named and w not in wanted]
    kept = [*rest, *(named[n] for n in named if n in wanted)]
    joined = "\n".join(kept) + "\n"
    return joined if len(joined) <= MAX_FOCUSED_CHARS else None


# --- names a NameError or an AttributeError would show ----------------------------------------------
MAX_RESPELT = 6  # names respelt per module


def _nearest(word: str, names) -> str | None:
    """The one of `names` `word` is a slip of: one edit away (two for words of five letters or more), nearest first."""
    most = 2 if len(word) >= 5 else 1
    near = sorted((_distance(word, n), n) for n in names if abs(len(n) - len(word)) <= most and n != word)
    return near[0][1] if near and near[0][0] <= most else None


@lru_cache(maxsize=64)
def _members_of(module: str) -> frozenset[str]:
    import importlib
    try:
        return frozenset(n for n in dir(importlib.import_module(module)) if not n.startswith("_"))
    except ImportError:
        return frozenset()


# the methods of the builtin types a solution calls: a call of a method none of them has, that the code does not define
# either, is an AttributeError a student fixes at once (`xs.apend(x)`, `s.lowr()`)
METHODS = frozenset(n for kind in (str, list, dict, set, tuple, int, float, bytes) for n in dir(kind) if not n.startswith("_"))


def _defined_attributes(tree: ast.AST) -> set[str]:
    """Every attribute name `tree` defines or sets (methods of its classes, `self.x = ...`): those are not slips."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            names.add(node.attr)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names | KNOWN


@lru_cache(maxsize=1024)
def respelled(code: str) -> str:
    """`code` with each name it uses but never binds (a NameError when run) that is a slip of a builtin, of a name the
    code binds or of a well-known standard-library name (`lenn`, `mxa`, `isinstanse`, `bucket` for `buckets`), each
    attribute of a well-known module it does not have (`math.ciel`), and each method called that no builtin type has
    nor the code defines but is a slip of one that does (`xs.apend`, `s.lowr`), spelt as meant; MAX_RESPELT at most."""
    tree = _tree(code)
    if tree is None:
        return code
    bound = _bound(tree)
    public = {n for n in BUILTINS if not n.startswith("_")}
    known = bound | BUILTINS | KNOWN
    defined = None
    fixes: dict[str, str] = {}
    for node in ast.walk(tree):
        if len(fixes) >= MAX_RESPELT:
            break
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in known and len(node.id) >= 3:
            meant = fixes.get(node.id) or _nearest(node.id, bound) or _nearest(node.id, public) or _nearest(node.id, KNOWN)
            if meant:
                fixes[node.id] = meant
                node.id = meant
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in MODULES
              and node.value.id not in bound and _members_of(node.value.id) and node.attr not in _members_of(node.value.id)):
            meant = _nearest(node.attr, _members_of(node.value.id))
            if meant:
                fixes[f"{node.value.id}.{node.attr}"] = meant
                node.attr = meant
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr not in METHODS
              and len(node.func.attr) >= 3):
            defined = _defined_attributes(tree) if defined is None else defined
            if isinstance(node.func.value, ast.Name) and node.func.value.id in defined:  # a module or a class of its own
                continue
            meant = None if node.func.attr in defined else fixes.get(f".{node.func.attr}") or _nearest(node.func.attr, METHODS)
            if meant:
                fixes[f".{node.func.attr}"] = meant
                node.func.attr = meant
    if not fixes:
        return code
    try:
        return ast.unparse(tree)
    except (ValueError, RecursionError):
        return code
