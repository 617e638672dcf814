"""The code in an answer that could be run as the student's submission.

A model may hand over a *different* correct solution, which no similarity to the reference
shows, or hand it over in pieces; running what the answer (and the conversation before it)
defines against the tests catches that. A candidate is a module of the definitions found
in one view, with a function that can be called as the entry point is (its number of
arguments, or a signature that accepts them: defaults, `*args`, `**kwargs`) renamed to the
entry point; such a function (the entry point's own name included) is also called with the entry point's arguments
in another order, in one more run (`def find(target, items, low=0, high=None)` for `binary_search(items, target)`
is one swap from a submission): the order its parameter names tell, else with two the swap, else the first of a
few other orders that does not raise (MAX_PERMUTED such runs an answer). A single expression that uses the entry point's parameter names (an inline
code span, or a line of its own) is a candidate too, as the body of the entry point:
`return sum(x for x in numbers if x % 2 == 0)` told as prose is a solution. So is a run of inline
code spans, statements then an expression (`i = bisect.bisect_left(items, target)` then `i if ... else -1`),
the last returned (MAX_SEQUENCES an answer). So is a block of
statements told without its `def` line that returns or uses those names: it is run under the
reference's `def` line and in the student's own function (their helpers with it), and joined
with the pieces the student was told before. A function of no arguments that makes and
returns one (a factory) is run as what it returns; a function needing a few more arguments
than the entry point's, and a class whose `__init__` needs some, are given fillers (small numbers for one the code
divides by or computes with, a function for one it calls). A renamed function whose last parameters are named as the entry point's
defaulted ones gets their defaults (a wrapper `f(rows, pass_mark)` made of a call the prose tells, `calls.py`). A function or class defined
inside a function (a test that defines the solution as a local) is brought up to the top and read the same way.
Code that does not load as given (a colon left out, `retrun`, a bracket never closed, a missing
import: see `repair`) is read as the student would make it load, in seconds; but not the student's
own code told back to them. A candidate is run with the definitions it calls but does not make, from the
answer's other blocks or what the student was told before (one module, so a helper told apart is found, at no
extra run), and with its misspelt names spelt as meant (`lenn`, `math.ciel`).
Every kind is bounded per answer, so the sandbox runs an answer's code a few times at most.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings

from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import islice, permutations

from .adapted import ADAPTABLE, adapted
from .examples import bodies_on_examples
from .turns import read_blocks
from .repair import MAX_FOCUSED_CHARS, MAX_REPAIR_CHARS, focused, repaired, respelled, with_imports
from .similarity import FENCE, INLINE, PROSE_PREFIX, UNREADABLE, is_docstring, parse, parsed

INDENTED = re.compile(r"(?:^(?: {4}|\t).*\n?)+", re.M)
KEEP = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign)
MAX_NESTED = 4  # definitions made inside functions, brought up to the top as candidates, per block
MAX_CANDIDATES = 3  # modules of definitions run, per answer (the best ways first; see `_ways`)
MAX_EXTRA = 4  # parameters beyond the entry point's (or of a class's `__init__`) still tried with fillers
FILLERS = ("0", "None", "''")  # what those extra parameters are given, one try each
DIVISORS = ("10", "2", "1")  # instead, for one the code divides by (`n % base`): a base, a halving, a step
NUMBERS = ("0", "1", "10")  # instead, for one the code otherwise computes with
CALLABLE = "(lambda x=None, *a, **k: x)"  # what an extra parameter the code calls is given instead
GIVEN = "_given_"  # prefix of the entry point as given, when it needs more arguments and a wrapper takes its name
PERMUTED = 6  # the rank of a function called with the entry point's arguments in another order (see `_orders`)
MAX_PERMUTED = 2  # such modules run, per answer (beside MAX_CANDIDATES)
MAX_ORDERS = 5  # orders one such module tries in turn (in one run), when the parameter names do not tell which
MAX_EXPRESSIONS = 3  # expressions run as the entry point's body, per answer
MAX_EXPRESSION_CHARS = 400
MAX_SEQUENCES = 1  # runs of inline code spans (statements, then an expression) run as the entry point's body, per answer
MAX_SPANS = 4  # statements of the spans before such an expression, at most
MAX_BODIES = 3  # blocks of statements run as the entry point's body, per answer
MAX_BODY_CHARS = 4000  # of one body (pieces of the conversation joined: the latest that fit)
MAX_HELPERS = 12  # definitions of other blocks (or told before) joined into one candidate
MAX_RAW = 6  # the last code blocks of the conversation joined as written (a block may end inside a block)
PARAGRAPH = re.compile(r"\n\s*\n")
DEFINES = re.compile(r"^(?:async\s+def|def|class)\s", re.M)
# an expression worth running computes something (a name or a subscript alone does not)
COMPUTES = (ast.Call, ast.BinOp, ast.BoolOp, ast.Compare, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
            ast.Lambda, ast.IfExp, ast.UnaryOp)


@dataclass(frozen=True)
class Entry:
    """How the exercise's entry point is called: its positional parameters and how many are required."""

    params: tuple[str, ...]
    required: int
    arguments: str  # the parameter list as written in the reference (defaults included)

    def __len__(self) -> int:
        return len(self.params)


def _accepts(args: ast.arguments, entry: Entry) -> bool:
    """Can a function with `args` be called with the positional arguments the entry point takes?"""
    positional = len(args.posonlyargs) + len(args.args)
    required = positional - len(args.defaults)
    if any(default is None for default in args.kw_defaults):
        return False  # a keyword-only parameter the tests never pass
    most = float("inf") if args.vararg else positional
    return required <= len(entry.params) and most >= entry.required


class _Rename(ast.NodeTransformer):
    def __init__(self, old: str, new: str):
        self.old, self.new = old, new

    def visit_Name(self, node):
        if node.id == self.old:
            node.id = self.new
        return node


TRIVIAL_VALUES = ("None", "0", "''", "[]", "{}", "False", "True")


def trivial_answers(solution: str) -> list[str]:
    """Entry points that do no work: each returns a constant, one of its arguments, or a copy of one.

    The hidden tests such code passes (nothing to remove, no sale of a stocked product, an empty input) tell
    nothing about a solution: an answer's code passing them is no more a solution than `return stock` is."""
    answers = []
    for name, entry in signature(solution).items():
        if entry is None:
            continue
        returned = [*TRIVIAL_VALUES, *entry.params, *(f"copy.copy({p})" for p in entry.params)]
        answers += [f"import copy\n\ndef {name}({entry.arguments}):\n    return {value}\n" for value in returned]
    return answers


def signature(solution: str) -> dict[str, Entry | None]:
    """Entry point -> how it is called (None for a class)."""
    found = {}
    for node in ast.parse(solution).body:
        if isinstance(node, ast.FunctionDef):
            params = tuple(a.arg for a in (*node.args.posonlyargs, *node.args.args))
            found[node.name] = Entry(params, len(params) - len(node.args.defaults), ast.unparse(node.args))
        elif isinstance(node, ast.ClassDef):
            found[node.name] = None
    return found


def code_blocks(text: str) -> list[str]:
    """Fenced blocks, indented blocks and the whole text, each as it could be pasted into a cell."""
    outside = FENCE.sub("", text)
    return [*FENCE.findall(text), *(textwrap.dedent(b) for b in INDENTED.findall(outside)), textwrap.dedent(text)]


def _drop_first(args: ast.arguments) -> ast.arguments:
    """The parameters of a method once bound (`self` or `cls` given)."""
    posonly, rest = list(args.posonlyargs), list(args.args)
    (posonly if posonly else rest)[:1] = []
    return ast.arguments(posonlyargs=posonly, args=rest, vararg=args.vararg, kwonlyargs=args.kwonlyargs,
                         kw_defaults=args.kw_defaults, kwarg=args.kwarg, defaults=args.defaults[-len(posonly + rest):] if posonly + rest else [])


def _assigns(node: ast.stmt, name: str) -> bool:
    """Does this top-level statement bind `name` to a value (whatever it is: an instance, an alias, a partial)?"""
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    return isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name) and node.target.id == name


def _does_nothing(node: ast.FunctionDef | ast.Lambda) -> bool:
    """A function whose body is a stub (`pass`, `...`, a constant, a `raise`) or gives back a name unchanged."""
    body = [node.body] if isinstance(node, ast.Lambda) else [s for s in node.body if not is_docstring(s)]
    if len(body) != 1:
        return False
    only = body[0].value if isinstance(body[0], (ast.Return, ast.Expr)) else body[0]
    return only is None or isinstance(only, (ast.Pass, ast.Raise, ast.Constant, ast.Name))


def _called(scope: ast.AST, name: str, attributes: set[str] = frozenset()) -> bool:
    """Is `name` (or, in a class, an attribute `self.<a>` it was stored in) called within `scope`?"""
    for node in ast.walk(scope):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == name:
                return True
            if isinstance(node.func, ast.Attribute) and node.func.attr in attributes:
                return True
    return False


def _stored(init: ast.FunctionDef, name: str) -> set[str]:
    """The attributes `__init__` stores parameter `name` in (`self.key = key`)."""
    return {t.attr for n in ast.walk(init) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name) and n.value.id == name
            for t in n.targets if isinstance(t, ast.Attribute)}


def _arithmetic(scope: ast.AST, name: str, attributes: set[str] = frozenset()) -> tuple[str, ...] | None:
    """The fillers for a parameter the code computes with (`name`, or in a class the attributes `self.<a>` it was
    stored in): DIVISORS if it divides (`n % base`, `n // base`: 0 would fail), NUMBERS if it is an operand
    otherwise; None if it is no operand."""
    def named(node: ast.AST) -> bool:
        return (isinstance(node, ast.Name) and node.id == name) or (isinstance(node, ast.Attribute) and node.attr in attributes)
    found = None
    for node in ast.walk(scope):
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, (ast.Mod, ast.FloorDiv, ast.Div, ast.Pow)) and named(node.right):
                return DIVISORS
            if named(node.left) or named(node.right):
                found = NUMBERS
        elif isinstance(node, ast.AugAssign) and named(node.value):
            found = DIVISORS if isinstance(node.op, (ast.Mod, ast.FloorDiv, ast.Div)) else NUMBERS
    return found


def _filled_calls(callee: str, given: list[str], extra: list[str], keywords: list[str], called, numbers=None) -> list[str]:
    """`callee(...)` with the `given` arguments, then for each filler: each of `extra` and `keywords` (by name) given
    the filler, or a function passing its argument through if `called(name)` (the code calls it), or the i-th of
    `numbers(name)` (small integers) if the code computes with it."""
    def fill(name: str, i: int) -> str:
        if called(name):
            return CALLABLE
        own = numbers(name) if numbers is not None else None
        return (own or FILLERS)[i]
    made = {f"{callee}({', '.join([*given, *(fill(n, i) for n in extra), *(f'{k}={fill(k, i)}' for k in keywords)])})": None
            for i in range(len(FILLERS))}
    return list(made)


def _made(cls: ast.ClassDef, init: ast.FunctionDef | None) -> list[tuple[int, str]]:
    """(rank, expression) for the ways to make an instance of `cls`: without arguments (3), or with fillers for those
    `__init__` requires (5; a parameter it stores and the class calls is given a function); none if more than
    MAX_EXTRA are required."""
    if init is None or _accepts(_drop_first(init.args), Entry((), 0, "")):
        return [(3, f"{cls.name}()")]
    args = _drop_first(init.args)
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    required = positional[:len(positional) - len(args.defaults)]
    keywords = [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
    if len(required) + len(keywords) > MAX_EXTRA:
        return []
    def called(name):
        return _called(init, name) or _called(cls, name, _stored(init, name))

    def numbers(name):
        return _arithmetic(init, name) or _arithmetic(cls, name, _stored(init, name))
    return [(5, expr) for expr in _filled_calls(cls.name, [], required, keywords, called, numbers)]


def _members(tree: ast.Module, call: Entry) -> list[tuple[int, str]]:
    """(rank, expression) for the methods of top-level classes that accept the entry point's arguments: `C.m` for a
    static or class method, `C()` (its `__call__`) or `C().m` for an instance of a class made without arguments
    (rank 3); the same of an instance made with fillers for its `__init__`'s arguments (rank 5)."""
    found = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        methods = {m.name: m for m in cls.body if isinstance(m, ast.FunctionDef)}
        instances = _made(cls, methods.get("__init__"))
        for method in methods.values():
            kinds = {d.id for d in method.decorator_list if isinstance(d, ast.Name)}
            if method.name.startswith("__") and method.name != "__call__":
                continue
            if "staticmethod" in kinds:
                ways = [(3, method.args, f"{cls.name}.{method.name}")]
            elif "classmethod" in kinds:
                ways = [(3, _drop_first(method.args), f"{cls.name}.{method.name}")]
            elif not kinds and not _does_nothing(method):
                ways = [(rank, _drop_first(method.args), made if method.name == "__call__" else f"{made}.{method.name}")
                        for rank, made in instances]
            else:
                continue
            found += [(rank, expr) for rank, args, expr in ways if _accepts(args, call)]
    return found


def _factories(tree: ast.Module) -> list[str]:
    """Calls of top-level functions that make and return a function or class (a factory): without arguments, or
    with fillers for those it requires (at most MAX_EXTRA; one it calls is given a function)."""
    found = []
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and any(isinstance(n, ast.Return) for n in ast.walk(node))
                and any(isinstance(n, (ast.FunctionDef, ast.Lambda, ast.ClassDef)) for n in ast.walk(node) if n is not node)):
            continue
        if _accepts(node.args, Entry((), 0, "")):
            found.append(f"{node.name}()")
            continue
        args = node.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        required = positional[:len(positional) - len(args.defaults)]
        keywords = [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
        if len(required) + len(keywords) <= MAX_EXTRA:
            found += _filled_calls(node.name, [], required, keywords, partial(_called, node), partial(_arithmetic, node))
    return found


def _fillers(name: str, node: ast.FunctionDef | ast.Lambda, call: Entry) -> list[str]:
    """Calls of a function that needs more arguments than the entry point takes: the entry point's own, then each
    filler for the others still required (those with a default keep it; one it calls is given a function); none
    if more than MAX_EXTRA are, or if the function does nothing."""
    args = node.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    required = len(positional) - len(args.defaults)
    passed = len(call.params) if args.vararg else min(len(positional), len(call.params))
    if passed < call.required or _does_nothing(node):
        return []
    keywords = [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
    extra = positional[passed:required]
    if not 0 < len(extra) + len(keywords) <= MAX_EXTRA:
        return []
    return _filled_calls(name, list(call.params[:passed]), extra, keywords, partial(_called, node), partial(_arithmetic, node))


def _orders(args: ast.arguments, call: Entry) -> list[tuple[int, ...]]:
    """Other orders in which a function taking `args` may mean the entry point's arguments (as indexes of them): the
    one its parameter names tell (those that are names of the entry point's take those arguments, the others the
    rest in order), alone; else the swap of two; else the others, MAX_ORDERS at most. None if it takes them as they
    come (its names the entry point's, in order), or takes them all as `*args`."""
    names = [a.arg for a in (*args.posonlyargs, *args.args)][:len(call)]
    if len(call) < 2 or len(names) < len(call):
        return []
    told = [call.params.index(name) if name in call.params else None for name in names]
    if any(i is not None for i in told) and len({i for i in told if i is not None}) == sum(i is not None for i in told):
        rest = iter(i for i in range(len(call)) if i not in told)
        order = tuple(next(rest) if i is None else i for i in told)
        return [] if order == tuple(range(len(call))) else [order]
    return list(islice((o for o in permutations(range(len(call))) if o != tuple(range(len(call)))), MAX_ORDERS))


def _permuted(name: str, node: ast.FunctionDef | ast.Lambda, call: Entry) -> list[tuple[int, str | None, str]]:
    """The way (rank PERMUTED, the body of the entry point calling `name`) a function that accepts the entry point's
    arguments stands in for it with them in another order (a different solution whose parameters come the other way
    round is one swap away): with the order its names tell, or the first of the others that does not raise."""
    orders = [] if _does_nothing(node) else _orders(node.args, call)
    if not orders:
        return []
    given = [[call.params[i] for i in order] for order in orders]
    if len(given) == 1:
        return [(PERMUTED, None, f"return {name}({', '.join(given[0])})")]
    tried = ", ".join(f"({', '.join(g)},)" for g in given)
    return [(PERMUTED, None, f"_failed = None\nfor _order in ({tried}):\n    try:\n        return {name}(*_order)\n"
                             f"    except Exception as _error:\n        _failed = _failed or _error\nraise _failed")]


def _ways(tree: ast.Module, entry: str, call: Entry | None) -> list[tuple[int, str | None, str | None]]:
    """How `tree` can stand in for `entry`, best first: (rank, a definition to rename to it, an expression to bind it
    to). Rank 0: it defines or assigns the entry point itself; 1: a function of as many arguments; 2: another that
    accepts them; 3: a method of a top-level class; 4: a function called with fillers for its extra parameters;
    5: a method of an instance made with fillers, or what a function of no arguments makes (a factory)."""
    assigned = any(_assigns(n, entry) for n in tree.body)
    kind = ast.ClassDef if call is None else ast.FunctionDef
    if call is None:
        exact = assigned or any(isinstance(n, kind) and n.name == entry for n in tree.body)
        return [(0, None, None)] if exact else []
    defs = [(n.name, n) for n in tree.body if isinstance(n, kind)]
    defs += [(t.id, n.value) for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Lambda)
             for t in n.targets if isinstance(t, ast.Name)]
    if assigned:
        return [(0, None, None)]
    own = [node for name, node in defs if name == entry and _accepts(node.args, call)]
    if own:
        return [(0, None, None), *_permuted(f"{GIVEN}{entry}", own[0], call)]
    ways = [(1 if len(node.args.posonlyargs) + len(node.args.args) == len(call) else 2, name, None) for name, node in defs
            if _accepts(node.args, call)]
    ways += [way for name, node in defs if _accepts(node.args, call) for way in _permuted(name, node, call)]
    ways += [(rank, None, expr) for rank, expr in _members(tree, call)]
    ways += [(4, None, expr) for name, node in defs if not _accepts(node.args, call)
             for expr in _fillers(f"{GIVEN}{entry}" if name == entry else name, node, call)]
    ways += [(5, None, expr) for expr in _factories(tree)]
    return sorted(ways, key=lambda way: way[0])


def expressions(text: str, call: Entry) -> list[str]:
    """Single expressions in `text` (inline code spans, lines of their own) that use the entry point's parameters."""
    found: dict[str, None] = {}
    outside = FENCE.sub("\n", text)
    pieces = [*INLINE.findall(outside), *(PROSE_PREFIX.sub("", line).strip().rstrip(".;,") for line in text.splitlines())]
    params = set(call.params)
    for piece in pieces:
        piece = piece.strip()
        if not piece or len(piece) > MAX_EXPRESSION_CHARS or not params.intersection(re.findall(r"\w+", piece)):
            continue
        try:
            tree = parsed(piece, mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        if isinstance(tree.body, ast.Call) and isinstance(tree.body.func, ast.Name) and tree.body.func.id == "print":
            continue  # `print(...)` to look at a value returns None: never a solution
        nodes = list(ast.walk(tree.body))
        if any(isinstance(n, COMPUTES) for n in nodes) and params.intersection(n.id for n in nodes if isinstance(n, ast.Name)):
            try:
                found[ast.unparse(tree.body)] = None
            except UNREADABLE:  # the similarity check cannot read it either, and holds the answer back
                continue
    return list(found)


def _span(piece: str) -> ast.Module | None:
    piece = piece.strip()
    if not piece or len(piece) > MAX_EXPRESSION_CHARS:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(piece)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def sequences(text: str, call: Entry, known: frozenset[str] = frozenset()) -> list[str]:
    """Bodies of the entry point told as consecutive inline code spans of `text`: statements (`i = bisect_left(items,
    target)`; up to MAX_SPANS, an expression among them passed over) then an expression (or a `return`) returned,
    that use its parameters and compute; those naming the most of them first, MAX_SEQUENCES at most. A run that only
    tells the student's own lines back (`known`: theirs, as `ast.unparse` writes them) is left out."""
    params = set(call.params)
    spans = [_span(piece) for piece in INLINE.findall(FENCE.sub("\n", text))]
    found: dict[str, int] = {}
    for i, tree in enumerate(spans):
        if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0], (ast.Expr, ast.Return)) or tree.body[0].value is None:
            continue
        statements: list[ast.stmt] = []
        for before in reversed(spans[:i]):
            if before is None or all(isinstance(n, ast.Expr) for n in before.body):
                continue  # prose read as a name, a value looked at: passed over
            if any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Return)) for n in ast.walk(before)):
                break  # definitions are read as such; a `return` ended another run
            if len(statements) + len(before.body) > MAX_SPANS:
                break
            statements[:0] = before.body
        if not statements:
            continue  # a single expression is read by `expressions`
        body = ast.Module(body=[*statements, ast.Return(tree.body[0].value)], type_ignores=[])
        nodes = list(ast.walk(body))
        named = params.intersection(n.id for n in nodes if isinstance(n, ast.Name))
        if not named or not any(isinstance(n, COMPUTES) for n in nodes):
            continue
        try:
            lines = [ast.unparse(n) for n in body.body]
        except UNREADABLE:
            continue
        if known and all(line in known for line in [*lines[:-1], ast.unparse(tree.body[0].value)]):
            continue  # their own code told back
        found.setdefault("\n".join(lines), len(named))
    return sorted(found, key=lambda body: -found[body])[:MAX_SEQUENCES]


@lru_cache(maxsize=256)
def own_expressions(code: str) -> frozenset[str]:
    """The expressions of the student's own code (telling them back gives nothing away); none of code too deeply
    nested to read."""
    tree = parse(code) if code else None
    if tree is None:
        return frozenset()
    try:
        return frozenset(ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.expr))
    except UNREADABLE:
        return frozenset()


def candidates_in(texts, entries: dict[str, Entry | None], known: frozenset[str] = frozenset(), code: str = "",
                  prior: str = "") -> list[str]:
    """Modules built from `texts` (the views of an answer; the last one with `prior` before it, when there was a
    prior) that define the exercise's first entry point (renamed if need be), then the expressions of `texts` (but
    those in `known`) made into its body, then the blocks of statements of the answer made into its body (see
    `bodies`; `code`: the student's)."""
    if not entries:
        return []
    entry, call = next(iter(entries.items()))
    found: dict[str, None] = {}
    texts = list(texts)
    own = own_lines(code)
    found.update(dict.fromkeys(_definitions(texts, entry, call, own)))
    if call is not None:
        made = [f"def {entry}({call.arguments}):\n    return {expr}\n" for text in texts for expr in expressions(text, call)
                if expr not in known]
        found.update(dict.fromkeys(list(dict.fromkeys(made))[:MAX_EXPRESSIONS]))
        if ">>>" in texts[0] or "```" in texts[0]:  # an expression shown on an example input (a REPL session, a doctest)
            found.update(dict.fromkeys(bodies_on_examples(texts[0], entry, call.params, call.arguments)))
        told = [f"def {entry}({call.arguments}):\n{textwrap.indent(body, '    ')}\n" for text in texts
                for body in sequences(text, call, known | _own_unparsed(code))]
        found.update(dict.fromkeys(list(dict.fromkeys(told))[:MAX_SEQUENCES]))
        found.update(dict.fromkeys(bodies(texts[:-1] if prior else texts, entry, call, code, prior)))
    helpers = _helpers(tuple(texts), entry, own)
    theirs = own | _own_unparsed(code)
    return list(dict.fromkeys(with_imports(_respelled(_joined(c, helpers), theirs)) for c in found))  # what a NameError would ask for


def _respelled(code: str, theirs: frozenset[str]) -> str:
    """`code` with its misspelt names spelt as meant (see `repair.respelled`), but the student's own code told back."""
    if theirs and all(line.strip() in theirs for line in code.splitlines() if line.strip()):
        return code
    return respelled(code)


@lru_cache(maxsize=256)
def _own_unparsed(code: str) -> frozenset[str]:
    """The lines of the student's code as `ast.unparse` writes them (a candidate is written so)."""
    tree = parse(code) if code else None
    try:
        return own_lines(ast.unparse(tree)) if tree is not None else frozenset()
    except UNREADABLE:
        return frozenset()


@lru_cache(maxsize=1024)
def _block_definitions(block: str, entry: str, own: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """(name, source) of the top-level functions and classes of `block` (and its imports, under the names they bind)."""
    try:
        tree = readable(block, own, entry) if "def" in block or "class " in block else None
        if tree is None:
            return ()
        found = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.append((node.name, ast.unparse(node)))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                found += [((a.asname or a.name).split(".")[0], ast.unparse(node)) for a in node.names]
        return tuple(found)
    except UNREADABLE:
        return ()


def _helpers(texts: tuple[str, ...], entry: str, own: frozenset[str]) -> dict[str, str]:
    """Name -> definition, of every code block of `texts` (the answer's views, the conversation with what the student
    was told before): the first one found of each name."""
    found: dict[str, str] = {}
    for text in texts:
        for block in code_blocks(text):
            for name, source in _block_definitions(block, entry, own):
                found.setdefault(name, source)
    return found


def _free(tree: ast.AST) -> set[str]:
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    bound |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    bound |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound


def _joined(code: str, helpers: dict[str, str]) -> str:
    """`code` with the definitions it calls but does not make (a helper told in another block of the answer, or in
    an answer before) put before it, and those they call in turn: one module, run once; MAX_HELPERS at most."""
    if not helpers:
        return code
    tree = parse(code)
    if tree is None:
        return code
    added: dict[str, str] = {}
    missing = sorted(n for n in _free(tree) if n in helpers)
    while missing and len(added) < MAX_HELPERS:
        name = missing.pop(0)
        if name in added:
            continue
        added[name] = helpers[name]
        helper = parse(helpers[name])
        if helper is not None:
            missing += sorted(n for n in _free(helper) if n in helpers and n not in added and n not in missing
                              and n not in _bound_names(tree))
    if not added:
        return code
    return "\n\n".join([*dict.fromkeys(added.values()), code])


def _bound_names(tree: ast.Module) -> set[str]:
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


@lru_cache(maxsize=256)
def own_lines(code: str) -> frozenset[str]:
    """The lines of the student's code, stripped: a block made only of them is their own, told back (not repaired)."""
    return frozenset(line.strip() for line in code.splitlines() if line.strip())


def readable(block: str, own: frozenset[str] = frozenset(), entry: str = "") -> ast.Module | None:
    """The module `block` is, as written or with the slips a student undoes in seconds undone (see `repair`); not
    repaired if every line of it is the student's own (their broken code quoted back gives them nothing). Of a block
    too long to repair whole, the definition of `entry` and those it calls are (see `repair.focused`)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in strings: read as they would run
            return ast.parse(block)
    except SyntaxError as err:
        error = err
    except (ValueError, MemoryError, RecursionError):
        return None
    tree = parse(block) if block.lstrip().startswith("elif ") or block.rstrip().endswith(":") else None
    if tree is not None or (own and all(line.strip() in own for line in block.splitlines() if line.strip())):
        return tree
    if len(block) > MAX_REPAIR_CHARS:
        part = focused(block, entry) if entry else None
        if part is None:
            return None
        tree = parse(part)
        if tree is not None:
            return tree
        block, error = part, None
    fixed = repaired(block, error, MAX_FOCUSED_CHARS)
    return parse(fixed) if fixed is not None else None


def _definitions(texts, entry: str, call: Entry | None, own: frozenset[str] = frozenset()) -> list[str]:
    """Modules in which `entry` can be called as the tests call it, from every code block of `texts`; the best
    ways first (see `_ways`), MAX_CANDIDATES at most (a block too deeply nested to read is left out: the
    similarity check cannot read it either, and holds the answer back)."""
    found: dict[str, int] = {}
    for text in texts:
        for block in code_blocks(text):
            try:
                found.update((code, rank) for code, rank in _modules(block, entry, call, own) if code not in found)
            except UNREADABLE:
                continue
    ranked = sorted(found, key=found.get)
    return [*[c for c in ranked if found[c] < PERMUTED][:MAX_CANDIDATES], *[c for c in ranked if found[c] == PERMUTED][:MAX_PERMUTED]]


def _modules(block: str, entry: str, call: Entry | None, own: frozenset[str] = frozenset()):
    """(module, rank) for each way `block` can stand in for `entry`."""
    tree = readable(block, own, entry) if "def" in block or "class " in block or "lambda" in block or entry in block else None
    if tree is None:
        return
    for module in (tree, *_lifted(tree)):
        yield from _module_ways(module, entry, call)
        # as the student adapts it in a minute: keyword-only markers dropped, annotations that do not load, tuple/list
        changed = adapted(module) if ADAPTABLE.search(block) else None
        if changed is not None:
            yield from _module_ways(changed, entry, call)


def _lifted(tree: ast.Module) -> list[ast.Module]:
    """A module for each definition made inside a function (`def test_it(): def solve(...): ...`), brought up to
    the top with the block's imports and assignments (MAX_NESTED at most): the solution may be told as a local."""
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign))]
    found = []
    for outer in ast.walk(tree):
        if not isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for statement in outer.body:
            for node in ast.walk(statement):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and len(found) < MAX_NESTED:
                    found.append(ast.Module(body=[*top, node], type_ignores=[]))
    return found


def _module_ways(tree: ast.Module, entry: str, call: Entry | None):
    kept = ast.unparse(ast.Module(body=[n for n in tree.body if isinstance(n, KEEP)], type_ignores=[]))
    for rank, name, expr in _ways(tree, entry, call):
        module = ast.parse(kept)
        if expr is not None and re.search(rf"\b{GIVEN}{entry}\(", expr):  # the entry point itself, needing more or reordered
            _rename(module, entry, f"{GIVEN}{entry}")
        elif name is not None:  # renamed, calls of itself too
            _rename(module, name, entry)
            _entry_defaults(module, entry, call)
        code = ast.unparse(module)
        if rank == PERMUTED:
            code += f"\n\n\ndef {entry}({call.arguments}):\n{textwrap.indent(expr, '    ')}\n"
        elif expr is not None:
            code += f"\n\n\ndef {entry}({call.arguments}):\n    return {expr}\n" if rank == 4 else f"\n\n{entry} = {expr}\n"
        yield code, rank


def _entry_defaults(module: ast.Module, entry: str, call: Entry | None) -> None:
    """A renamed function whose last parameters are named as the entry point's defaulted ones, without defaults of their
    own, gets the entry point's (a wrapper `f(rows, pass_mark)` is called as `passing_names(results)` too)."""
    if call is None or call.required == len(call):
        return
    given = ast.parse(f"def _({call.arguments}): pass").body[0].args
    defaults = dict(zip([a.arg for a in given.args][len(given.args) - len(given.defaults):], given.defaults))
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == entry and not node.args.defaults:
            names = [a.arg for a in node.args.args]
            suffix = len(names)
            while suffix and names[suffix - 1] in defaults:
                suffix -= 1
            node.args.defaults = [defaults[n] for n in names[suffix:]]


def _body(block: str, own: frozenset[str] = frozenset()) -> ast.Module | None:
    """`block` read as statements of a function body: more than expressions, and no definitions of its own."""
    block = textwrap.dedent(block).strip("\n")
    tree = readable(block, own) if block.strip() and len(block) <= MAX_BODY_CHARS else None
    if tree is None or any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in tree.body):
        return None
    if all(isinstance(n, (ast.Expr, ast.Import, ast.ImportFrom, ast.Pass)) for n in tree.body):
        return None
    return tree


def _runs_as_body(tree: ast.Module, call: Entry) -> bool:
    """Could these statements be the entry point's body: do they return or use its parameters, and compute?"""
    nodes = list(ast.walk(tree))
    returns = any(isinstance(n, ast.Return) for n in nodes)
    uses = set(call.params).intersection(n.id for n in nodes if isinstance(n, ast.Name))
    lone = len(tree.body) == 1 and isinstance(tree.body[0], ast.Return)
    computes = any(isinstance(n, COMPUTES) for n in nodes) or any(isinstance(n, (ast.For, ast.While, ast.If)) for n in tree.body)
    return (returns or bool(uses)) and computes and not (lone and not uses)


@lru_cache(maxsize=64)
def _wanted(params: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"\b(?:return|%s)\b" % "|".join(map(re.escape, params)))


@lru_cache(maxsize=1024)
def _pieces(text: str, params: tuple[str, ...] | None = None, own: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The blocks of `text` that read as statements, dedented: fenced ones in order, then indented ones, then
    paragraphs; with `params`, only those that return or name one of them (cached: views and memories come back)."""
    outside = FENCE.sub("\n\n", text)
    pieces: dict[str, None] = {}
    wanted = _wanted(params) if params is not None else None
    for block in (*FENCE.findall(text), *INDENTED.findall(outside), *PARAGRAPH.split(outside)):
        if (wanted is not None and not wanted.search(block)) or DEFINES.search(textwrap.dedent(block)):
            continue  # a block with definitions of its own is read as such (`_definitions`)
        tree = _body(block, own)
        if tree is not None:
            pieces[ast.unparse(tree)] = None
    return tuple(pieces)


def _entry_def(code: str, entry: str) -> tuple[ast.Module, ast.FunctionDef] | tuple[None, None]:
    """The student's module (its definitions and imports) and their function named `entry`, if they have one."""
    tree = parse(code) if code and entry in code else None
    if tree is None:
        return None, None
    tree.body = [n for n in tree.body if isinstance(n, KEEP)]
    own = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == entry]
    return (tree, own[0]) if own else (None, None)


def bodies(texts, entry: str, call: Entry, code: str = "", prior: str = "") -> list[str]:
    """Blocks of statements told without their `def` line, run as the entry point's body: the pieces the
    conversation told (`prior`, then the answer; or the answer's, if more than one) joined in order (and the last
    code blocks joined as written, when the answer has one: a piece that ends inside a block reads with the next), then each
    block of the answer; each in the student's own function (their `code`, with its helpers) and under the
    reference's `def` line; MAX_BODIES at most."""
    try:
        texts, lines = list(texts), own_lines(code)
        answer = list(dict.fromkeys(piece for text in texts for piece in _pieces(text, call.params, lines)))
        mine = _raw_blocks(texts[0]) if texts else ()
        raw = _raw_join((*(_raw_blocks(prior) if prior else ()), *mine), call, lines) if mine else None
        told = [p for p in _pieces(read_blocks(prior), None, lines) if p not in answer] if prior else []
        if not answer and raw is None and not told:
            return []
        joined = []
        for reading in _readings(texts[0]):  # the answer as it stands, and its other languages' code read as Python
            now = _pieces(reading, None, lines)  # every block of statements in order
            if told or len(now) > 1:
                whole = "\n".join(_latest([*told, *now]))
                joined.append(_returning(whole) or whole)  # what the last statement computes is the result
        joined = list(dict.fromkeys(joined))
        if raw is not None and raw not in joined and raw not in answer:
            joined.insert(0, raw)
        student, own = _entry_def(code, entry)
        theirs = ast.unparse(ast.Module(body=[n for n in own.body if not is_docstring(n)], type_ignores=[])) if own else None
        original = list(own.body) if own else []
        found: dict[str, None] = {}
        for piece in (*joined, *answer):
            if len(found) >= MAX_BODIES:
                break
            tree = parse(piece)
            if piece == theirs or not _runs_as_body(tree, call):
                continue  # their own body told back gives nothing away
            if student is not None:
                own.body = [*_setup(original, tree), *tree.body, *_ending(original, tree)]
                found[ast.unparse(student)] = None
            found[f"def {entry}({call.arguments}):\n{textwrap.indent(piece, '    ')}"] = None  # as `ast.unparse` writes it
        return list(found)[:MAX_BODIES]
    except UNREADABLE:
        return []


def _setup(body: list[ast.stmt], piece: ast.Module) -> list[ast.stmt]:
    """The plain assignments of the student's function (`groups = {}`) that bind names the `piece` uses but does not
    bind: pasted into their function, a piece told in several turns starts from them."""
    free = _free(piece)
    return [n for n in body if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
            and n.targets[0].id in free]


def _ending(body: list[ast.stmt], piece: ast.Module) -> list[ast.stmt]:
    """The student's function's last `return <name>`, when the `piece` returns nothing and uses that name: their
    function ends with it after the pasted piece."""
    if not body or not isinstance(last := body[-1], ast.Return) or not isinstance(last.value, ast.Name):
        return []
    if any(isinstance(n, ast.Return) for n in ast.walk(piece)):
        return []
    return [last] if any(isinstance(n, ast.Name) and n.id == last.value.id for n in ast.walk(piece)) else []


def _readings(answer: str) -> list[str]:
    """The answer, then its code in other languages read as Python (a turn told in JavaScript after one in Python)."""
    return list(dict.fromkeys([read_blocks(answer), answer]))


def _returning(body: str) -> str | None:
    """`body` (statements joined from several turns) with what its last statement computes returned: an expression, or
    the name the last assignment binds (`result = sorted(...)`, the last turn's piece); None if it returns already or
    ends otherwise."""
    tree = parse(body)
    if tree is None or not tree.body or any(isinstance(n, ast.Return) for n in ast.walk(tree)):
        return None
    last = tree.body[-1]
    value = last.value if isinstance(last, ast.Expr) else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Name):
        tree.body.append(ast.Return(ast.Name(value.func.value.id, ast.Load())))  # `result.sort()`: the list sorted in place
    elif isinstance(value, COMPUTES) and not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                                              and value.func.id == "print"):
        tree.body[-1] = ast.Return(value)
    elif isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
        tree.body.append(ast.Return(ast.Name(last.targets[0].id, ast.Load())))
    else:
        return None
    try:
        return ast.unparse(ast.fix_missing_locations(tree))
    except UNREADABLE:
        return None


@lru_cache(maxsize=1024)
def _raw_blocks(text: str) -> tuple[str, ...]:
    """The fenced and indented blocks of `text` as written (indentation kept), but those defining something."""
    outside = FENCE.sub("\n\n", text)
    blocks = (b.strip("\n") for b in (*FENCE.findall(text), *INDENTED.findall(outside)))
    return tuple(b for b in blocks if b.strip() and not DEFINES.search(textwrap.dedent(b)))


def _raw_join(blocks: tuple[str, ...], call: Entry, own: frozenset[str] = frozenset()) -> str | None:
    """The last of `blocks` (MAX_RAW at most) joined as written and dedented, as a body: a block told in two pieces
    that end inside a block (so neither reads alone) reads whole. The most blocks that read first; None if no join
    of two or more does."""
    blocks = blocks[-MAX_RAW:]
    for n in range(len(blocks), 1, -1):
        text = textwrap.dedent("\n".join(blocks[-n:]))
        tree = _body(text, own)
        if tree is not None and _runs_as_body(tree, call):
            return ast.unparse(tree)
    return None


def _latest(pieces: list[str]) -> list[str]:
    """The last of `pieces` that fit in MAX_BODY_CHARS together."""
    kept, size = [], 0
    for piece in reversed(pieces):
        size += len(piece) + 1
        if size > MAX_BODY_CHARS:
            break
        kept.insert(0, piece)
    return kept


def _rename(module: ast.Module, old: str, new: str) -> None:
    _Rename(old, new).visit(module)
    for node in module.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == old:
            node.name = new
