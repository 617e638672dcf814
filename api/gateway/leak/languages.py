"""Code in other languages read as the Python it translates line for line.

A model asked not to give the solution may give it in Lua, Go, Rust, Java, C#, Kotlin, Swift, PHP, Ruby, Julia, R,
MATLAB/Octave or pseudocode:
the same statements in the same order, which a student transcribes mechanically. JavaScript has a reader of its own
(`javascript.py`); this one reads the other common languages by their shared shapes, line by line:

- blocks: braces, `do ... end`, `then ... end`, `end if` are dropped (the indentation stays), so a header line (`if`,
  `elseif`/`elsif`/`else if`, `while`, `unless`, `for`, a function) ends in `:` and loses the parentheses round its
  condition;
- headers: `function`/`func`/`fn`/`fun`/`def`/typed C-like functions as `def`, their parameters' types dropped;
  `for _, x in ipairs(xs)`, `for _, x := range xs`, `for (T x : xs)`, `foreach (var x in xs)`, `foreach ($xs as $x)`,
  `xs.each do |x|`, `for i = a, b`, `for i in a..<b`, C's counting loop, Go's conditional `for` ...;
- expressions: declarations (`local`, `let mut`, `var`, `:=`, a C type) as assignments, `~=`, `#t`, `..`, `&&`, `||`,
  `!`, `nil`, and the library calls a translation of the bank's solutions uses (`table.insert`, `append(xs, x)`,
  `strings.ToLower`, `.size()`, `.addAll`, `.containsKey`, `count($x)`, `<<` ...) as their Python forms;
- Julia, R and MATLAB/Octave (a text with `push!(`, `x[end]`, `<- function`, `%%`, `isempty(`, `[[`, `numel(` or
  `function out = f(...)`): `f <- function(a, b)` and `function out = f(a, b)` as `def` (a bare `return` and the end of
  the function returning `out`, `function [h, m] = f(...)` returning `(h, m)` (their values when each is set once), the
  parameters' `xs(i, 2)` as `xs[i][2]`, `d = @(x) e` as a nested `def`), `<-` as `=`, `for i = 1:n` and
  `for (i in 2:n)` as ranges, `push!(xs, x)`, `xs <- c(xs, list(x))`, `xs(end + 1, :) = x` as appends, `x[end]` and
  `x[[length(x)]]` as `x[-1]`, literal subscripts one lower (`x[2]` as `x[1]`, `x[2:end]` as `x[1:]`, R's `x[-1]` as
  `x[1:]`), `isempty`/`length`/`numel`, `haskey`, `%%`, `%/%`, `div`, `mod`, `return(x)`, `TRUE`/`NULL` as Python;
- one-line forms: C's and R's `if (c) x` as `if c: x`, a function on one line (`sub f { a; b; }`) one statement a line,
  and code on one line read when it is fenced as code (a Java stream, ending in `.distinct().sorted()`);
- then the names that are appended to start as lists (`{}` in Lua, `new ArrayList<>()`), and a list's `.add` is `.append`.

Scala (a text with `for ((a, b) <- xs)`, `ListBuffer`, `.nonEmpty`, `x._1` or a typed `def f(a: Int): Int =`): its
`for (x <- xs)`, `0 until n`, `._1`, `.last`, `.head`, `.sorted`, buffers and maps; the collections it declares or takes
indexed by a call (`xs(i)`) as subscripts, and a buffer's `+=` as `append`.

Elixir (a text with `defmodule`, `def f(...), do:`, `|>`, `Enum.`, `fn x ->`): the clauses of one function
(`def f(0, _), do: 1`, `def f(n, [coin | rest]) do ... end`) as one `def` whose clauses are branches (a literal
pattern a test, `[]` an empty test, `[h | t]` as `xs[0]` and `xs[1:]`), `cond do` as `if`/`elif`/`else`, pipes as
nested calls, `{a, b}` as a tuple, and `Enum`'s and `String`'s common functions as Python's.

OCaml and F# written with loops (a text with `let mutable`, `let rec`, `ref`, `done`, `xs.(i)`): `let f (a: int) b =`
as `def`, `let x = e in`, `ref`, `!x`, `x <- e`, `x := e`, `for i = a to b do ... done`, `=` and `<>` in a condition,
`xs.(i)`, `Array.length xs`, `max a b`; their matches and recursion are not read.

TypeScript is read as JavaScript once its annotations, generics and casts are dropped. Each reading has a second one in
Python's idiom when that differs: a pair written as a list literal (`[start, end]`, an array in most languages) as a
tuple, and `len(xs) > 0` as `xs`.

The reading only has to be good enough for the statements' fingerprints and the walkthrough's steps; a text with no
trace of one of these languages is left alone (JavaScript's reading stays with its own reader).

Notations that are no programming language have readers of their own whose readings join these: math (`latex.py`),
spreadsheet formulas (`sheets.py`), pipelines of steps (`pipeline.py`), Prolog (`prolog.py`), pseudo-assembly
(`assembly.py`); so do a general function with the call its prose tells (`calls.py`) and code with its fixes told
(`fixes.py`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

from . import assembly, calls, clike, fixes, haskell, idioms, javascript, latex, lisp, pipeline, prolog, sheets, sql
from .chains import chains, intersections

# two of these in a text (and a block marker) before it is read: Lua, Ruby, pseudocode, Go, Rust, C-like, PHP, Swift
HINTS = re.compile(
    r"^\s*end\b|\bthen\s*$|\bdo\s*(?:\|[^|]*\|)?\s*$|~=|\blocal\s+\w|\bi?pairs\(|\btable\.\w+\(|(?<![\w)\]])#\w|\belse ?if\b|\belsif\b"
    r"|:=|\bfunc\s+\w|\bfn\s+\w|\bfun\s+\w|\brange\s+\w|\bnil\b|\blet\s+mut\b|::new\(|\bvec!|\bforeach\b|\$\w+"
    r"|\b(?:public|private|static)\s+\w|\bnew\s+[A-Z]\w*(?:<[^>]*>)?\(|\.size\(\)|\.(?:add|addAll|put|containsKey)\("
    r"|\bint\s+\w+\s*=|&&|\|\||\bvar\s+\w|\.each(?:_\w+)?\s+do\b|<<\s*\S|\.\.<|\b(?:mutable\w*Of|listOf|setOf|mapOf)\("
    r"|\{\s*\|[\w\s,&*]+\||\.stream\(\)|\.iter\(\)|\.collect\(|\(\s*\w+\s*->|\bstd::|\bmy\s*[$@%(]|@_|\bsub\s+\w+\s*\{|\bpush\s*\(?@"
    r"|\.\w+[?!](?=[\s.)}]|$)|\w!\(|<-\s*function\b|^\s*[\w.\[\]]+\s*<-\s|\[end\]|\(end\b|\bisempty\(|%%|^\s*function\s+(?:\w+|\[[\w\s,]+\])\s*=|=\s*@\(|\bfor\s*\(\s*\(?[\w, ]+\)?\s*<-|\bval\s+\w|\.nonEmpty\b|\b(?:ListBuffer|ArrayBuffer)\b|\blet\s+(?:mutable|rec)\b|^\s*done\b|\bref\s+\w"
    + idioms.HINTS + clike.HINTS, re.M)
MIN_HINTS = 2
FENCE = re.compile(r"^```[\w+#-]*[ \t]*$", re.M)  # code on one line has no block, but is fenced as code
BLOCKS = re.compile(r"[{}]|^[ \t]*end\b|\b(?:then|do(?:[ \t]*\|[^|\n]*\|)?)[ \t]*$", re.M)  # looked for first: it is cheap
BLOCK_END = re.compile(r"^(?:\}+[);]*|end(?:\s*(?:if|for|while|function|def|loop|do))?[);]*|end\)|fi|done|endif|endfor|endwhile|next)$",
                       re.I)

TYPE_WORDS = {"int", "long", "short", "char", "bool", "boolean", "double", "float", "void", "string", "const", "final", "unsigned",
              "auto", "var", "val", "let", "mut", "byte", "uint", "usize", "i32", "i64", "f64", "struct"}
MODIFIERS = r"(?:(?:public|private|protected|static|final|export|async|pub|local|internal|override|open|abstract|inline)\s+)*"
NAME = r"[A-Za-z_$][\w$]*"
OPERAND = r"[\w$.\[\]]+(?:\([^()]*\))?"


def _parameters(params: str) -> str:
    """`List<int[]> left, int n`, `left, right [][2]int`, `_ temps: [Int]`, `$temps`, `a: Int = 0` -> their names."""
    names, depth, current = [], 0, ""
    for ch in params + ",":
        if ch in "<[(":
            depth += 1
        elif ch in ">])":
            depth -= 1
        if ch == "," and depth <= 0:
            names.append(current.strip())
            current = ""
        else:
            current += ch
    found = []
    for param in names:
        param = re.sub(r"=.*$", "", param).replace("$", "").replace("&", "").replace("*", "").strip()
        if not param:
            continue
        if ":" in param:
            words = re.findall(r"\w+", param.split(":")[0])
            word = words[-1] if words else ""
        else:
            words = re.findall(r"[A-Za-z_]\w*", re.sub(r"<[^<>]*>|\[[^\]]*\]", " ", param))
            typed = words and (words[0].lower() in TYPE_WORDS or words[0][0].isupper() or re.match(r"^\s*[\[<]", param)
                               or re.match(r"^\s*\w+\s*<", param))
            word = (words[-1] if typed else words[0]) if words else ""
        if word and word not in ("mut", "self", "this"):
            found.append(word)
    return ", ".join(found)


def _define(match: re.Match) -> str:
    return f"def {match.group(1)}({_parameters(match.group(2))}):"


def _bare(condition: str) -> str:
    """A condition without the parentheses round it (`(a && b)` -> `a && b`, `(a) && (b)` kept)."""
    condition = condition.strip()
    if condition.startswith("(") and condition.endswith(")"):
        depth = 0
        for i, ch in enumerate(condition):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(condition) - 1:
                return condition
        return condition[1:-1].strip()
    return condition


def _for_each(match: re.Match) -> str:
    """`for _, v in pairs(t)` (a table's values), `for k, v in pairs(t)` (its items), `for _, x in ipairs(xs)` (a list)."""
    first, second, kind, iterable = match.group(1), match.group(2), match.group(3), match.group(4)
    if kind == "ipairs" or first == "_":
        return f"for {second} in {iterable}{'.values()' if kind == 'pairs' else ''}:"
    return f"for {first}, {second} in {iterable}.items():"


HEADERS = [  # whole lines, block markers already taken off; the first that matches is used
    (MODIFIERS + r"(?:function|func|fn|fun|def|sub|procedure)\s+(?:\([^)]*\)\s*)?(" + NAME + r")\s*(?:<[^>]*>)?\s*\((.*?)\)(?:\s*(?:->|:)?\s*[^(){}=]*)?", _define),
    (MODIFIERS + r"(?:function|func|fn|fun|def)\s+(" + NAME + r")\s*$", r"def \1():"),
    (r"(?:(?:public|private|protected|static|final|internal|override)\s+)+[\w<>\[\],.? ]+?\s+(\w+)\s*\((.*)\)(?:\s*throws\s+[\w, ]+)?", _define),
    (r"(?:int|void|bool|boolean|double|float|char|long|string|String|auto|List<.*>|Map<.*>|[\w<>]+\[\]|[A-Za-z_]\w*<.*>)\s+(\w+)\s*\((.*)\)", _define),
    # loops
    (r"for\s+(\w+)\s*,\s*(\w+)\s+in\s+(ipairs|pairs)\s*\((.+)\)", _for_each),
    (r"for\s+(\w+)\s*=\s*(.+?)\s*,\s*(.+?)(?:\s*,\s*1)?", r"for \1 in range(\2, \3 + 1):"),
    (r"for\s+_\s*,\s*(\w+)\s*:=\s*range\s+(.+)", r"for \1 in \2:"),
    (r"for\s+(\w+)\s*:=\s*range\s+(.+)", r"for \1 in range(len(\2)):"),
    (r"for\s+(\w+)\s*,\s*(\w+)\s*:=\s*range\s+(.+)", r"for \1, \2 in enumerate(\3):"),
    (r"for\s*\(?\s*(?:(?:int|var|let|auto|size_t|long)\s+)?\$?(\w+)\s*:?=\s*(.+?)\s*;\s*\$?\1\s*<\s*(.+?)\s*;\s*(?:\$?\1\s*(?:\+\+|\+=\s*1)|\+\+\$?\1)\s*\)?",
     r"for \1 in range(\2, \3):"),
    (r"for\s*\(?\s*(?:(?:int|var|let|auto|size_t|long)\s+)?\$?(\w+)\s*:?=\s*(.+?)\s*;\s*\$?\1\s*<=\s*(.+?)\s*;\s*(?:\$?\1\s*(?:\+\+|\+=\s*1)|\+\+\$?\1)\s*\)?",
     r"for \1 in range(\2, \3 + 1):"),
    (r"for\s+(?:final\s+)?(?:[\w<>\[\]?]+\s+)?(\w+)\s*:\s*(.+)", r"for \1 in \2:"),
    (r"foreach\s+(?:var\s+|[\w<>\[\]]+\s+)?(\w+)\s+in\s+(.+)", r"for \1 in \2:"),
    (r"foreach\s+\$?(.+?)\s+as\s+\$?(\w+)\s*=>\s*\$?(\w+)", r"for \2, \3 in \1.items():"),
    (r"foreach\s+\$?(.+?)\s+as\s+\$?(\w+)", r"for \2 in \1:"),
    (r"for\s+(?:let\s+|var\s+|val\s+|&)?(?:mut\s+)?(\w+)\s+in\s+(\S+?)\s*\.\.<\s*(.+?)", r"for \1 in range(\2, \3):"),
    (r"for\s+(?:let\s+|var\s+|val\s+)?(?:mut\s+)?(\w+)\s+in\s+(\S+?)\s*\.\.=?\s*(.+?)", r"for \1 in range(\2, \3 + 1):"),
    (r"for\s+(?:let\s+|var\s+|val\s+)?(?:mut\s+)?\(?\s*(\w+)\s*,\s*(\w+)\s*\)?\s+in\s+&?(?:mut\s+)?(.+?)", r"for \1, \2 in \3:"),
    (r"for\s+(?:let\s+|var\s+|val\s+|each\s+)?(?:mut\s+)?(\w+)\s+in\s+&?(?:mut\s+)?(.+?)", r"for \1 in \2:"),
    (r"\(?(.+?)\)?\.each_with_index\s+do\s*\|\s*(\w+)\s*,\s*(\w+)\s*\|", r"for \3, \2 in enumerate(\1):"),
    (r"\(?(.+?)\)?\.each_value\s+do\s*\|\s*(\w+)\s*\|", r"for \2 in \1.values():"),
    (r"\(?(.+?)\)?\.each_key\s+do\s*\|\s*(\w+)\s*\|", r"for \2 in \1.keys():"),
    (r"\((\S+?)\.\.\.(\S+?)\)\.each\s+do\s*\|\s*(\w+)\s*\|", r"for \3 in range(\1, \2):"),
    (r"\((\S+?)\.\.(\S+?)\)\.each\s+do\s*\|\s*(\w+)\s*\|", r"for \3 in range(\1, \2 + 1):"),
    (r"(.+?)\.each(?:_pair)?\s+do\s*\|\s*(\w+)\s*,\s*(\w+)\s*\|", r"for \2, \3 in \1.items():"),
    (r"(.+?)\.each\s+do\s*\|\s*(\w+)\s*\|", r"for \2 in \1:"),
    (r"(\w+)\.times\s+do\s*\|\s*(\w+)\s*\|", r"for \2 in range(\1):"),
    (r"for\s*\{?", "while True:"),
    (r"for\s+(?!.*\bin\b)(?!.*;)(.+)", lambda m: f"while {_bare(m.group(1))}:"),  # Go's conditional for
    (r"loop", "while True:"),
    # branches
    (r"if\s+_\s*,\s*(?:ok|found|exists)\s*:=\s*(\w+)\[(.+?)\]\s*;\s*!\s*(?:ok|found|exists)", r"if \2 not in \1:"),
    (r"if\s+_\s*,\s*(?:ok|found|exists)\s*:=\s*(\w+)\[(.+?)\]\s*;\s*(?:ok|found|exists)", r"if \2 in \1:"),
    (r"(?:else\s*if|elseif|elsif|elif)\b\s*(.+?):?", lambda m: f"elif {_bare(m.group(1))}:"),
    (r"else:?", "else:"),
    (r"if\s*(.+?):?", lambda m: f"if {_bare(m.group(1))}:"),
    (r"unless\s+(.+)", lambda m: f"if not ({_bare(m.group(1))}):"),
    (r"(?:while)\s*(.+?):?", lambda m: f"while {_bare(m.group(1))}:"),
    (r"until\s+(.+)", lambda m: f"while not ({_bare(m.group(1))}):"),
    # statements
    (r"(\w+)\s*,\s*(\w+)\s*:?=\s*(\w+)\s*,\s*\3", r"\1 = \2 = \3"),
    (r"(?:int|var|let|auto|long)\s+(\w+)\s*=\s*(\w+)\s*,\s*(\w+)\s*=\s*\2", r"\1 = \3 = \2"),
    (r"\$?(\w+)\[\]\s*=\s*(.+)", r"\1.append(\2)"),
    (r"(\w+(?:\[[^\]]+\])?)\s*<<\s*(.+)", r"\1.append(\2)"),
    (r"(\w+)\s*=\s*append\(\s*\1\s*,\s*(.+?)\.\.\.\s*\)", r"\1.extend(\2)"),
    (r"(\w+)\s*=\s*append\(\s*\1\s*,\s*(.+)\)", r"\1.append(\2)"),
    (r"table\.insert\(\s*(.+?)\s*,\s*([^,]+)\)", r"\1.append(\2)"),
    (r"table\.sort\(\s*(.+?)\s*\)", r"\1.sort()"),
    (r"sort\.(?:Strings|Ints|Float64s|Slice|SliceStable)\(\s*([^,()]+).*\)", r"\1.sort()"),
    (r"(?:Collections\.sort|Arrays\.sort|sort|usort)\(\s*\$?(\w+)\s*\)", r"\1.sort()"),
    (rf"({OPERAND})\.(?:put|insert)\(\s*&?([^,]+?)(?:\.clone\(\))?\s*,\s*(.+)\)", r"\1[\2] = \3"),
    (r"(?:local\s+|let\s+(?:mut\s+)?|var\s+|val\s+|const\s+|final\s+|auto\s+)(\w+)(?:\s*:\s*[^=]+)?\s*:?=\s*(.+)", r"\1 = \2"),
    (r"(?:local\s+|let\s+(?:mut\s+)?|var\s+|val\s+)(\w+)(?:\s*:\s*[^=]+)?", r"\1 = None"),
    (r"(?!return\b|else\b|new\b)(?:[A-Za-z_][\w.]*(?:<[^=]*>)?(?:\[\])*\??\s+)(\w+)\s*=\s*(.+)", r"\1 = \2"),
    (r"(\w+)\s*:=\s*(.+)", r"\1 = \2"),
    (r"\$?(\w+)\+\+", r"\1 += 1"),
    (r"\$?(\w+)--", r"\1 -= 1"),
    (r"(?:puts|println|fmt\.Println|System\.out\.println|Console\.WriteLine|echo|print)\s*\(?(.*?)\)?", r"print(\1)"),
]
EXPRESSIONS = [  # anywhere in a line, in this order (then JavaScript's, for what the languages share)
    (r"\$(\w)", r"\1"),
    (r"(\w+):(\w+)\(", r"\1.\2("),  # Lua's method calls
    (r"\bstring\.(lower|upper|len|sub|rep|reverse)\(\s*([^,()]+)\s*\)", r"\2.\1()"),
    (r"\bstrings\.(?:ToLower|ToUpper|TrimSpace|Fields)\(\s*([^()]+)\)", lambda m: m.group(1) + {"ToLower": ".lower()", "ToUpper": ".upper()",
     "TrimSpace": ".strip()", "Fields": ".split()"}[re.search(r"\.(\w+)\(", m.group(0)).group(1)]),
    (r"\bstrings\.Join\(\s*([^,]+?)\s*,\s*(.+?)\s*\)", r"\2.join(\1)"),
    (r"\btable\.concat\(\s*([^,()]+?)\s*\)", r"''.join(\1)"),
    (r"\btable\.concat\(\s*([^,()]+?)\s*,\s*([^()]+?)\s*\)", r"\2.join(\1)"),
    (r"\b(?:strtolower|mb_strtolower)\(\s*([^()]+)\)", r"\1.lower()"), (r"\bstrtoupper\(\s*([^()]+)\)", r"\1.upper()"),
    (r"\b(?:count|sizeof|strlen|#)\(\s*([^()]+)\)", r"len(\1)"),
    (r"(?<![\w)\]])#(\w[\w.]*(?:\[[^\]]*\])?)", r"len(\1)"),
    (r"\bempty\(\s*([^()]+)\)", r"not \1"), (r"\bisset\(\s*(\w+)\[([^\]]+)\]\s*\)", r"\2 in \1"),
    (r"\b(?:in_array|array_key_exists)\(\s*([^,]+?)\s*,\s*([^()]+?)\s*\)", r"\1 in \2"),
    (r"\bmath\.floor\(([^()]+?)\s*/\s*([^()]+)\)", r"\1 // \2"), (r"\b(?:math|Math)\.(max|min|abs)\(", r"\1("),
    (rf"({OPERAND})\.get_mut\(\s*&?([^()]+)\)(?:\.unwrap\(\))?", r"\1[\2]"),
    (rf"({OPERAND})\.(?:get|At)\(\s*&?([^(),]+)\)(?:\.unwrap\(\))?", r"\1[\2]"),
    (rf"!\s*({OPERAND})\.(?:containsKey|contains_key|ContainsKey|contains|Contains|include\?|key\?|has_key\?)\(\s*&?(.+?)\)", r"\2 not in \1"),
    (rf"({OPERAND})\.(?:containsKey|contains_key|ContainsKey|contains|Contains|include\?|key\?|has_key\?)\(\s*&?(.+?)\)", r"\2 in \1"),
    (rf"({OPERAND})\.subList\(\s*([^,()]+?)\s*,\s*(?:len\(\1\)|\1\.size\(\))\s*\)", r"\1[\2:]"),
    (rf"({OPERAND})\.(?:size|len|count|Count|Length|length)\(\)", r"len(\1)"),
    (rf"({OPERAND})\.(?:count|Count|Length|size|length)\b(?!\()", r"len(\1)"),
    (rf"({OPERAND})\.(?:isEmpty|is_empty|empty\?)(?:\(\))?", r"len(\1) == 0"),
    (r"\.(?:addAll|AddRange|concat|extend_from_slice)\(\s*&?", ".extend("), (r"\.insert\(\s*([^,()]+)\)", r".add(\1)"),
    (r"\.(?:to_lowercase|ToLower|lowercased|downcase|lowercase)(?:\(\))?", ".lower()"),
    (r"\.(?:to_uppercase|ToUpper|uppercased|upcase|uppercase)(?:\(\))?", ".upper()"),
    (rf"({OPERAND})\.chars(?:\(\))?\.(?:sort|sorted)(?:\(\))?\.(?:join|collect(?:::<\w+>)?)(?:\(\s*(?:['\"]['\"])?\s*\))?", r"''.join(sorted(\1))"),
    (rf"({OPERAND})\.chars(?:\(\))?\.sorted\(\)\.joined\(\)", r"''.join(sorted(\1))"),
    (rf"String\(\s*({OPERAND})\.sorted\(\)\s*\)", r"''.join(sorted(\1))"),
    (rf"({OPERAND})\.(?:sorted|sort)\(\)(?!\s*$)", r"sorted(\1)"),
    (rf"({OPERAND})\.sort!", r"\1.sort()"),
    (rf"new\s+string\(\s*({OPERAND})\.OrderBy\(\s*(\w+)\s*=>\s*\2\s*\)\.ToArray\(\)\s*\)", r"''.join(sorted(\1))"),
    (rf"({OPERAND})\.OrderBy\(\s*(\w+)\s*=>\s*\2\s*\)(?:\.To(?:List|Array)\(\))?", r"sorted(\1)"),
    (r"\.Values\b(?!\()", ".values()"), (r"\.Keys\b(?!\()", ".keys()"), (r"\.Add\(", ".add("), (r"\.Sort\(\)", ".sort()"),
    (r"\.(?:clone|unwrap|iter|into_iter|to_vec|to_string|to_owned)\(\)", ""),
    (r"&mut\s+|&(?=\w)", ""),
    (r"\b(?:HashMap|BTreeMap|Hash|HashSet::<\w+>|Dictionary<[^>]*>|HashMap<[^>]*>|TreeMap<[^>]*>)(?:::new\(\)|\.new|\(\))|\bnew\s+(?:Hash|Tree)?Map<.*>\(\)|\bnew\s+(?:Dictionary|SortedDictionary)<.*>\(\)|\bmutableMapOf(?:<[^>]*>)?\(\)|\bmake\(map\[[^\]]+\][^)]*\)|\bmap\[[^\]]+\][\w\[\]]+\{\}|\barray\(\)", "{}"),
    (r"\b(?:HashSet|BTreeSet|Set)(?:::new\(\)|\.new)|\bnew\s+(?:Hash|Tree|Sorted)?Set(?:<.*>)?\(\)|\bmutableSetOf(?:<[^>]*>)?\(\)|\bset\(\)", "set()"),
    (r"\bVec::new\(\)|\bvec!\[\]|\bnew\s+(?:ArrayList|LinkedList|List)(?:<.*>)?\(\)|\bmutableListOf(?:<[^>]*>)?\(\)|\bmake\(\[\][^)]*\)|\[\][\w\[\]]*\{\}|\bArray\.new|\bArray\(\)", "[]"),
    (r"(\w+)\[(\w+)\.\.\.?\]", r"\1[\2:]"), (r"(\w+)\[(\w+)\.\.\.(\w+)\]", r"\1[\2:\3]"),
    (r"~=", "!="), (r"\.\.(?![.=<])", "+"),
    (r"\.even\?", " % 2 == 0"), (r"\.odd\?", " % 2 == 1"), (r"\.zero\?", " == 0"), (r"\.positive\?", " > 0"),
    (r"\.negative\?", " < 0"),
    (r"\bnil\b", "None"), (r"\.nil\?", " is None"), (r"\belsif\b|\belseif\b", "elif"),
    (r"(\w+)\.(abs|to_s|to_i|to_f)\b(?!\()", lambda m: {"abs": "abs", "to_s": "str", "to_i": "int", "to_f": "float"}[m.group(2)] + f"({m.group(1)})"),
]
# before the headers, in a text that has them: C++'s namespaces, references and containers; Perl's sigils (`@$xs`, `\\@xs`,
# `$h{$k}`, `my @xs = ()`), `push`, `foreach my`
CPP = [
    (r"\bstd::", ""), (r"\bconst\s+(?=[\w<>:]+\s*[&*]?\s*\w)", ""),
    (r"\b(auto|int|long|double|float|bool|char|string|[A-Z]\w*|\w+<[^()]*>)\s*&\s*(?=\w)", r"\1 "),
    (r"\.(?:push_back|emplace_back)\(", ".append("),
    (r"^(?:unordered_)?(?:map|multimap)<[^=]*>\s+(\w+)(?:\s*\{\s*\})?$", r"\1 = {}"),
    (r"^(?:unordered_)?(?:set|multiset)<[^=]*>\s+(\w+)(?:\s*\{\s*\})?$", r"\1 = set()"),
    (r"^(?:vector|list|deque)<[^=]*>\s+(\w+)(?:\s*\{\s*\})?$", r"\1 = []"), (r"^string\s+(\w+)$", r'\1 = ""'),
    (r"^(?:int|long|double|float|size_t)\s+(\w+)$", r"\1 = 0"),
    (r"\b(\w+)\.empty\(\)", r"len(\1) == 0"), (r"\b(\w+)\.back\(\)", r"\1[-1]"), (r"\b(\w+)\.front\(\)", r"\1[0]"),
    (r"\b(?:std::)?to(lower|upper)\(\s*([\w.\[\]-]+)\s*\)", r"\2.\1()"),
    (r"\b(\w+)\.substr\(\s*(\d+)\s*,\s*\1\.(?:size|length)\(\)\s*-\s*(\d+)\s*\)",
     lambda m: f"{m.group(1)}[{m.group(2)}:{int(m.group(2)) - int(m.group(3)) or ''}]"),
    (r"\b(\w+)\.substr\(\s*([^(),]+?)\s*\)", r"\1[\2:]"),
]
PERL = [
    (r"\bmy\s+%(\w+)\s*=\s*\(\s*\)", r"\1 = {}"), (r"\bmy\s+@(\w+)\s*=\s*\(\s*\)", r"\1 = []"),
    (r"\bmy\s+@(\w+)$", r"\1 = []"), (r"\bmy\s+%(\w+)$", r"\1 = {}"),
    (r"^(?:foreach|for)\s+my\s+\$(\w+)\s*\((.+)\)$", r"for \1 in \2"),
    (r"^push\s*\(?\s*@\{?\$?(\w+)\}?\s*,\s*(.+?)\)?$", r"\1.append(\2)"),
    (r"\$(\w+)\{([^{}]+)\}", r"$\1[\2]"), (r"\$(\w+)->\{([^{}]+)\}", r"$\1[\2]"), (r"\$(\w+)->\[", r"$\1["),
    (r"@\{\s*\$(\w+)\s*\}|@\$(\w+)", r"\1\2"), (r"\\[@%$](\w+)", r"\1"), (r"\bscalar\s*\(\s*@?(\w+)\s*\)", r"len(\1)"),
    (r"\bexists\s+\$(\w+)\[([^\]]+)\]", r"\2 in \1"), (r"\blc\s*\(\s*([^()]+)\)", r"\1.lower()"),
    (r"\buc\s*\(\s*([^()]+)\)", r"\1.upper()"), (r"\bkeys\s+%\$?(\w+)", r"\1.keys()"), (r"\bvalues\s+%\$?(\w+)", r"\1.values()"),
    (r"(?<![\w$@])@(?=[A-Za-z_])", ""), (r"(?<=[\s(,=])%(?=[A-Za-z_]\w*\b(?!\s*\())", ""), (r"\bmy\s+\$(\w+)", r"var \1"),
    (r"\s+eq\s+", " == "), (r"\s+ne\s+", " != "), (r"\s+lt\s+", " < "), (r"\s+gt\s+", " > "),
    (r"^\(\s*(?:var\s+)?(\w+)\s*=\s*\$?(\w+)\s*\)\s*=~\s*s/([^/]*)/([^/]*)/g$", r'\1 = \2.replace("\3", "\4")'),
    (r"^\$?(\w+)\s*=~\s*s/([^/]*)/([^/]*)/g$", r'\1 = \1.replace("\2", "\3")'),
    (r"(['\"][^'\"]*['\"])\s+x\s+(?=[\w(])", r"\1 * "), (r"(?<=[\w)'\"])\s+\.\s+(?=[\w('\"$])", " + "),
    (r"\blength\(", "len("), (r"\bsubstr\(\s*\$?(\w+)\s*,\s*(-?\d+)\s*\)", r"\1[\2:]"),
]
# before the headers, in a text that shows Julia, R or MATLAB/Octave (1-based, `end`-blocks or braces): their functions
# (`f <- function(a, b)`, `function out = f(a, b)`), appends (`push!(xs, x)`, `xs <- c(xs, x)`, `xs(end + 1, :) = x`), `x[end]`,
# `x[[length(x)]]`, `length`/`isempty`/`numel`, `<-`, `%%`, and literal subscripts one lower
ONE_BASED = [
    (r"^(\w+)\s*<-\s*function\s*\((.*)\)$", r"function \1(\2)"),
    (r"^function\s+(?:\[[^\]]*\]|\w+)\s*=\s*(\w+)\s*\((.*)\)$", r"function \1(\2)"),
    (r"^function\s+(?:\[[^\]]*\]|\w+)\s*=\s*(\w+)$", r"function \1()"),
    (r"^for\s*\(\s*(\w+)\s+in\s+([^:\s]+)\s*:\s*(.+)\)$", r"for \1 in range(\2, \3 + 1)"),
    (r"^for\s+(\w+)\s*(?:=|\bin\b)\s*([^:\s]+)\s*:\s*(.+)$", r"for \1 in range(\2, \3 + 1)"),
    (r"^for\s+(\w+)\s*=\s*(.+)$", r"for \1 in \2"),
    (r"^for\s*\(\s*(\w+)\s+in\s+(.+)\)$", r"for \1 in \2"),
    (r"\[\[", "["), (r"\]\]", "]"), (r"(\S+)\s*<<?-\s*NULL\s*;?$", r"del \1"),
    (r"\s%in%\s", " in "), (r"(?<=\bin )names\(\s*(\w+)\s*\)", r"\1"),
    (r"^([^\s<]+)\s*<<?-\s*", r"\1 = "),
    (r"^push!\(\s*([^,]+?)\s*,\s*(.+)\)$", r"\1.append(\2)"), (r"^append!\(\s*(\w+)\s*,\s*(.+)\)$", r"\1.extend(\2)"),
    (r"^(\w+)\s*=\s*c\(\s*\1\s*,\s*list\((.+)\)\s*\)$", r"\1.append(\2)"),
    (r"^(\w+)\s*=\s*(?:c\(|\[)\s*\1\s*[,;]\s*(.+)\s*[)\]]$", r"\1.append(\2)"),
    (r"^(\w+)\(\s*end\s*\+\s*1\s*(?:,\s*:\s*)?\)\s*=\s*(.+)$", r"\1.append(\2)"),
    (r"^(\w+)\s*=\s*\[\s*\]$", r"\1 = []"),
    (r"^sort!\(\s*(\w+)\s*\)$", r"\1.sort()"),
    (r"(\w+)\[\s*length\(\s*\1\s*\)\s*\]", r"\1[end]"),
    (r"(\w+)\(\s*end\s*,\s*(\d+)\s*\)", lambda m: f"{m.group(1)}[end][{m.group(2)}]"),
    (r"(\w+)\(\s*end\s*\)", r"\1[end]"),
    (r"\[(\d+)\s*:\s*end\]", lambda m: f"[{int(m.group(1)) - 1}:]"), (r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) - 1}]"), (r"\[end\]", "[-1]"), (r"\[end\s*-\s*(\d+)\]", r"[-1 - \1]"),
    (r"(\w+)\[-1\](?=\s*\)|\s*,|$)", r"\1[1:]"),
    (r"!\s*isempty\(\s*([^()]+)\)|~\s*isempty\(\s*([^()]+)\)", r"\1\2"), (r"\bisempty\(\s*([^()]+)\)", r"not \1"),
    (r"\b(?:length|numel|nrow)\(\s*([^()]+)\)\s*(?:>\s*0|!=\s*0|~=\s*0|>=\s*1)", r"\1"),
    (r"\b(?:length|numel|nrow)\(\s*([^()]+)\)\s*==\s*0", r"not \1"),
    (r"\b(?:length|numel|nrow)\(", "len("), (r"\bsize\(\s*(\w+)\s*,\s*1\s*\)", r"len(\1)"),
    (r"\bjoin\(\s*sort\(\s*collect\(\s*([^()]+)\)\s*\)\s*\)", r"''.join(sorted(\1))"), (r"\bcollect\(", "list("),
    (r"!\s*haskey\(\s*([^,()]+?)\s*,\s*([^()]+?)\s*\)", r"\2 not in \1"), (r"\bhaskey\(\s*([^,()]+?)\s*,\s*([^()]+?)\s*\)", r"\2 in \1"),
    (r"\b(lowercase|uppercase|strip|keys|values)\(\s*([^()]+)\)",
     lambda m: f"{m.group(2)}.{ {'lowercase': 'lower', 'uppercase': 'upper'}.get(m.group(1), m.group(1))}()"),
    (r"\bDict(?:\{.*\})?\(\)", "{}"), (r"\bSet(?:\{.*\})?\(\)", "set()"), (r"\b\w+\[\]", "[]"),
    (r"(?<!\.)\bsort\(", "sorted("), (r"\bsortrows\(", "sorted("),
    (r"\bdiv\(\s*([^(),]+?)\s*,\s*([^(),]+)\)", r"(\1) // \2"), (r"\bfloor\(\s*\((.+?)\)\s*/\s*(\w+)\s*\)", r"(\1) // \2"),
    (r"\bfloor\(\s*([\w.]+)\s*/\s*([\w.]+)\s*\)", r"\1 // \2"),
    (r"\bmod\(\s*([^(),]+?)\s*,\s*([^(),]+)\)", r"\1 % \2"), (r"%%", "%"), (r"%/%", "//"),
    (r"^return\s*\((.*)\)$", r"return \1"), (r"\bTRUE\b", "True"), (r"\bFALSE\b", "False"), (r"\b(?:NULL|nothing)\b", "None"),
    (r"~(?=[\w(])", "not "), (r"\bc\(", "("),
]
def _ml_function(match: re.Match) -> str:
    names = re.findall(r"\w+", re.sub(r"\(\s*(\w+)[^()]*\)", r" \1 ", match.group(2)))
    return f"function {match.group(1)}({', '.join(names)})"


def _ml_if(match: re.Match) -> str:
    condition, value = match.group(1), match.group(2)
    return f"if {condition}: {value if re.search(r'<-|:=', value) else 'return ' + value}"


# before the headers, in a text that shows OCaml or F# written with loops: `let f (a: int) b =`, `let mutable x = 0`,
# `let x = ref 0 in`, `x <- e`, `x := !x + 1`, `for i = a to b do ... done`, `if a = b then`, `xs.(i)`, `max a b`
ML = [
    (r"^let\s+(?:rec\s+|inline\s+)?(\w+)((?:\s+(?:\(\s*\w+\s*(?::[^()]*)?\)|[a-z_]\w*))+)\s*(?::\s*[^=]+)?=$", _ml_function),
    (r"^let\s+(?:mutable\s+)?(\w+)(?:\s*:\s*[^=]+)?\s*=\s*(.+?)(?:\s+in)?$", r"\1 = \2"),
    (r"\bref\s+", ""), (r"!(?=[a-z_])", ""), (r"^([\w.\[\]()]+)\s*(?::=|<-)\s*", r"\1 = "),
    (r"^for\s+(\w+)\s*=\s*(.+?)\s+to\s+(.+?)(?:\s+do)?$", r"for \1 in range(\2, \3 + 1)"),
    (r"^for\s+(\w+)\s*=\s*(.+?)\s+downto\s+(.+?)(?:\s+do)?$", r"for \1 in range(\2, \3 - 1, -1)"),
    (r"^(?:else\s+)?begin$|^done;?$", lambda m: "else" if m.group(0).startswith("else") else ""),
    (r"^((?:if|elif|else\s+if|while)\s.*?)(?<![<>=!:])=(?![=>])", r"\1=="), (r"<>", "!="),
    (r"^if\s+(.+?)(?:\s+then|:)\s+(.+)$", _ml_if), (r"\s+then$", ""),
    (r"(\w)\.\(([^()]+)\)", r"\1[\2]"), (r"\b(?:Array|List|Seq|String)\.length\s+(\w+)", r"len(\1)"),
    (r"\b(max|min)\s+([\w.\[\]]+)\s+([\w.\[\]]+)", r"\1(\2, \3)"), (r"\bmod\b", "%"),
]
# before the headers, in a text that shows Scala: `def f(a: Int): Int = {`, `for ((a, b) <- xs)`, `0 until n`, `._1`, `.last`,
# `.nonEmpty`, `.sorted`, its buffers (`ListBuffer`, `ArrayBuffer`) and maps
SCALA = [
    (r"^((?:override\s+)?def\s+\w+\s*(?:\[[^\]]*\])?\(.*\))\s*:\s*[^=]+=\s*$", r"\1"), (r"^(def\s+\w+\s*\(.*\))\s*=\s*$", r"\1"),
    (r"^for\s*\(\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)\s*<-\s*(.+)\)$", r"for \1, \2 in \3"),
    (r"^for\s*\(\s*(\w+)\s*<-\s*(\S+)\s+until\s+(.+)\)$", r"for \1 in range(\2, \3)"),
    (r"^for\s*\(\s*(\w+)\s*<-\s*(\S+)\s+to\s+(.+)\)$", r"for \1 in range(\2, \3 + 1)"),
    (r"^for\s*\(\s*(\w+)\s*<-\s*(.+)\)$", r"for \1 in \2"),
    (r"\b(?:scala\.)?(?:collection\.)?(?:mutable\.)?(?:ListBuffer|ArrayBuffer)(?:\.empty)?(?:\[.*\])?\(\)", "[]"),
    (r"\b(?:scala\.)?(?:collection\.)?mutable\.(?:Hash)?Map(?:\.empty)?(?:\[.*\])?\(\)", "{}"),
    (r"\b(?:scala\.)?(?:collection\.)?mutable\.(?:Hash)?Set(?:\.empty)?(?:\[.*\])?\(\)", "set()"),
    (r"(\w+)[(\[]\s*\1\.(?:length|size)\s*-\s*1\s*[)\]]", r"\1[-1]"),
    (rf"({OPERAND})\.last\b(?!\()", r"\1[-1]"), (rf"({OPERAND})\.head\b(?!\()", r"\1[0]"), (rf"({OPERAND})\.tail\b(?!\()", r"\1[1:]"),
    (r"\._(\d)\b", lambda m: f"[{int(m.group(1)) - 1}]"), (rf"({OPERAND})\.nonEmpty\b", r"len(\1) > 0"),
    (rf"({OPERAND})\.sorted\b(?!\()", r"sorted(\1)"), (r"\.to(?:List|Vector|Array|Seq|Map|Set)\b(?!\()", ""),
    (r"\bmath\.(max|min|abs)\(", r"\1("), (r"^(\w+)\s*\+=\s*\((\(.+\))\)$", r"\1.append(\2)"),
    (r"\.toLowerCase\b(?:\(\))?", ".lower()"), (r"\.toUpperCase\b(?:\(\))?", ".upper()"), (r"\.(values|keys)\b(?!\()", r".\1()"),
]
SCALA_COLLECTION = re.compile(r"\b(?:val|var)\s+(\w+)\s*(?::[^=\n]+)?=\s*[^\n]*?\b(Map|Set|ListBuffer|ArrayBuffer|Array|Vector)\b[^\n(]*(?:\[[^\n]*\])?\("
                              r"|[(,]\s*(\w+)\s*:\s*(Array|List|Seq|Vector|IndexedSeq|Map)\[")


def _scala(text: str) -> str:
    """Scala's collections indexed by a call (`xs(i)`, `counts(key) = 1`) as subscripts, and a buffer's `+=` as `append`."""
    names, buffers = set(), set()
    for match in SCALA_COLLECTION.finditer(text):
        name, kind = match.group(1) or match.group(3), match.group(2) or match.group(4)
        names.add(name)
        if kind in ("ListBuffer", "ArrayBuffer"):
            buffers.add(name)
    for name in names:
        text = re.sub(rf"(?<![\w.]){name}\(([^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)", rf"{name}[\1]", text)
    for name in buffers:
        text = re.sub(rf"^(\s*){name}\s*\+=\s*(.+?)\s*;?$", rf"\1{name}.append(\2)", text, flags=re.M)
    return text
PREPARE = [(re.compile(r"\bstd::|\bauto\b|\.(?:push|emplace)_back\(|\b(?:vector|map|set|string)<"), [(re.compile(p), r) for p, r in CPP]),
           (re.compile(r"\bmy\s*[$@%(]|@_|\bsub\s+\w+\s*\{|\bpush\s*\(?@"), [(re.compile(p), r) for p, r in PERL]),
           (ONE_BASED_HINTS := re.compile(r"\w!\(|<-\s*function\b|\[end\]|\(end\b|%%|\bisempty\(|^\s*function\s+(?:\w+|\[[\w\s,]+\])\s*=|=\s*@\(|\[\[|\bnumel\(", re.M),
            [(re.compile(p), r) for p, r in ONE_BASED]),
           (re.compile(r"```(?:ocaml|fsharp|f#|ml)\b|\blet\s+(?:mutable|rec)\b|^\s*done\b|\bref\s+\w|\w\.\(\w", re.M),
            [(re.compile(p), r) for p, r in ML]),
           (SCALA_HINTS := re.compile(r"```scala\b|\bfor\s*\(\s*\(?[\w, ]+\)?\s*<-|\b(?:ListBuffer|ArrayBuffer)\b|\.nonEmpty\b|\b\w\._[12]\b|"
                       r"^\s*def\s+\w+\s*\([^)]*:\s*[A-Z][^)]*\)\s*:\s*[^=]+=", re.M), [(re.compile(p), r) for p, r in SCALA])]
ONE_LINE_BODY = re.compile(r"^([ \t]*)((?:sub|function|func|fn|def)\s+\w+[^{};\n]*?)\{[ \t]*([^{}\n]*;[^{}\n]*?)[ \t]*\}[ \t]*;?[ \t]*$", re.M)


def _body_lines(match: re.Match) -> str:
    """A function written on one line, `sub f { a; b; return c; }`: its statements one a line, as usually written."""
    indent, statements = match.group(1), [s.strip() for s in match.group(3).split(";") if s.strip()]
    return "\n".join([f"{indent}{match.group(2).rstrip()} {{", *(f"{indent}    {s};" for s in statements), f"{indent}}}"])


PERL_SUB = re.compile(r"\bsub\s+(\w+)\s*\{[ \t]*\n?[ \t]*my\s*\(([^)]*)\)\s*=\s*@_\s*;")
HEADERS_RE = [(re.compile(r"^" + p + r"$"), r) for p, r in HEADERS]
EXPRESSIONS_RE = [(re.compile(p), r) for p, r in idioms.EXPRESSIONS + EXPRESSIONS] + javascript.EXPRESSIONS_RE
KEYWORD_PARENS = re.compile(r"^(for|foreach|while|if|else\s*if|elseif|elsif|unless|until)\s*(\(.*\))$")
PYTHON_HEADER = re.compile(r"^(?:def|class|for|while|if|elif|else|try|except|finally|with)\b.*:$")
ONE_LINE_IF = re.compile(r"^((?:if|elif|while)\b[^:\n]*:[ \t]*\S.*?):$")  # `if c: x` given a header's colon
PAREN_IF = re.compile(r"^(if|else\s*if|elif|while)\s*\(")
BRACED_IF = re.compile(r"^(if|else\s*if|while)\s+([^{}]+?)\s*\{\s*([^{}]+?)\s*;?\s*\}$")  # Swift's and Go's `if c { x }`
ONE_LINE_END = re.compile(r"\s*\bend$")
CONTINUED = re.compile(r"\n[ \t]*(?=\.[A-Za-z_]\w*\s*[({])")  # a chain of calls spread over lines, one call a line


def _line(line: str, prepare: tuple = ()) -> str | None:
    """One line as Python (None: a line that only closes a block)."""
    indent, body = re.match(r"^(\s*)(.*?)\s*;?\s*$", line).groups()
    if BLOCK_END.match(body):
        return None
    if PYTHON_HEADER.match(body):
        return indent + body  # Python already
    body = re.sub(r"^\}\s*", "", body)
    body = re.sub(r"\s*(?:\{|\bthen|\bdo(?=\s*$))\s*$", "", body)
    if body.startswith("if ") and " then " in body:  # Lua's one-line `if c then x end`
        condition, _, rest = body[3:].partition(" then ")
        body = f"if {condition}: {ONE_LINE_END.sub('', rest)}"
    body = chains(body)
    for pattern, replacement in prepare:
        body = pattern.sub(replacement, body)
    if (header := KEYWORD_PARENS.match(body)) and (inner := _bare(header.group(2))) != header.group(2):
        body = f"{header.group(1)} {inner}"
    elif (header := PAREN_IF.match(body)) and (end := _closing(body, header.end() - 1)) < len(body) and body[end:].strip():
        body = f"{header.group(1)} {body[header.end():end - 1].strip()}: {body[end:].strip()}"  # C's and R's `if (c) x`
    elif header := BRACED_IF.match(body):
        body = f"{header.group(1)} {header.group(2)}: {header.group(3)}"
    for pattern, replacement in HEADERS_RE:
        body, count = pattern.subn(replacement, body)
        if count:
            break
    for pattern, replacement in EXPRESSIONS_RE:
        body = pattern.sub(replacement, body)
    body = ONE_LINE_IF.sub(r"\1", body)
    return indent + re.sub(r"  +", " ", body).rstrip()


def _closing(text: str, start: int) -> int:
    """The index just past the parenthesis that closes the one opening at `start` (len(text): never closed)."""
    depth = 0
    for i in range(start, len(text)):
        depth += text[i] == "("
        depth -= text[i] == ")"
        if depth == 0:
            return i + 1
    return len(text)


def _lists(code: str) -> str:
    """Names appended to start as lists, and a list's `.add` is `.append` (Lua's `{}`, Java's `List.add`)."""
    appended = set(re.findall(r"\b(\w+)\.(?:append|extend)\(", code))
    lists = appended | set(re.findall(r"^\s*(\w+) = \[\]", code, re.M))
    for name in appended:
        code = re.sub(rf"^(\s*){name} = \{{\}}\s*$", rf"\1{name} = []", code, flags=re.M)
    for name in lists:
        code = re.sub(rf"\b{name}\.add\(", f"{name}.append(", code)
    return code


LAST_VALUE = re.compile(r"^(\s*)(?!(?:return|if|elif|else|for|while|def|class|print|raise|pass|break|continue|try|except|with|"
                        r"import|from|yield|assert|del)\b)(?![^=]*[^=!<>+\-*/%]=[^=])([^\s#].*[^:\s]|\w)$")


def _returned(lines: list[str]) -> str:
    """The lines, a function's last line made a `return` when it is a value (Ruby, Rust, Kotlin's last expression)."""
    for i, line in enumerate(lines):
        if not (header := re.match(r"^(\s*)def\s", line)):
            continue
        depth, last = len(header.group(1)), None
        for j in range(i + 1, len(lines)):
            indent = len(lines[j]) - len(lines[j].lstrip())
            if lines[j].strip() and indent <= depth:
                break
            if lines[j].strip() and not lines[j].lstrip().startswith("```"):
                last = j
        if last is not None and (value := LAST_VALUE.match(lines[last])) and not re.search(r"\.(?:append|extend|add|sort|update)\(", lines[last]):
            lines[last] = f"{value.group(1)}return {value.group(2)}"
    return "\n".join(lines)


MATLAB_FUNCTION = re.compile(r"^(\s*)function\s+(\w+|\[[\w\s,]+\])\s*=\s*\w+\s*\(([^)]*)\)", re.M)
MATLAB_LAMBDA = re.compile(r"^([ \t]*)(\w+)\s*=\s*@\(([^()]*)\)\s*(.+?)\s*;?[ \t]*$", re.M)


def _outputs(text: str) -> str:
    """MATLAB's `function out = f(xs)`: a bare `return` and the function's end return `out`, and `xs(i, 2)` is `xs[i][1]`."""
    lines, out, indent, arrays = text.splitlines(), None, "", ()
    for i, line in enumerate(lines):
        if header := MATLAB_FUNCTION.match(line):
            indent, out, arrays = header.group(1), ", ".join(re.findall(r"\w+", header.group(2))), re.findall(r"\w+", header.group(3))
            out = f"({out})" if "," in out else out
        elif out and re.match(r"^\s*return\s*;?\s*$", line):
            lines[i] = line.replace("return", f"return {out}").rstrip(";")
        elif out and (re.match(rf"^{indent}end\s*;?\s*$", line) or line.strip().startswith("```")):
            lines[i] = f"{indent}    return {out}\n{line}"
            out = None
        if out and arrays:
            lines[i] = re.sub(rf"\b({'|'.join(arrays)})\(([^()]+)\)", lambda m: m.group(1) + "".join(
                f"[{k.strip()}]" for k in m.group(2).split(",")), lines[i])
    if out:
        lines.append(f"{indent}    return {out}")
    return _inlined(MATLAB_LAMBDA.sub(r"\1function \2(\3)\n\1    return \4\n\1end", "\n".join(lines)))


def _inlined(text: str) -> str:
    """`h = e1; m = e2; return (h, m)` as `return (e1, e2)`: outputs each set once, on their own lines, just before."""
    def inline(match: re.Match) -> str:
        indent, names = match.group(2), [n.strip() for n in match.group(3).split(",")]
        values = dict(re.findall(r"^[ \t]*(\w+)\s*=\s*(.+?)\s*;?$", match.group(1), re.M))
        if sorted(values) != sorted(names) or len(match.group(1).strip().splitlines()) != len(names):
            return match.group(0)
        return f"{indent}return ({', '.join(values[n] for n in names)})"
    pattern = r"((?:^[ \t]*\w+\s*=(?!=)[^\n]+\n)+)([ \t]*)return \(([\w\s,]+)\)$"
    return re.sub(pattern, inline, text, flags=re.M)


ELIXIR_HINTS = re.compile(r"```elixir\b|^\s*defmodule\s|^\s*defp?\s+\w+\(.*\),\s*do:|^\s*\|>|\bEnum\.\w+\(|\bfn\s+[\w, ]+->", re.M)
ELIXIR_CLAUSE = re.compile(r"^(\s*)defp?\s+(\w+[?!]?)\((.*)\)(?:\s+when\s+(.+?))?(?:,\s*do:\s*(.+)|\s+do)\s*$")
ELIXIR_EXPRESSIONS = [(re.compile(p), r) for p, r in [
    (r"\bEnum\.filter\(\s*([^,]+?)\s*,\s*fn\s+(\w+)\s*->\s*(.+?)\s+end\s*\)", r"[\2 for \2 in \1 if \3]"),
    (r"\bEnum\.(?:reject)\(\s*([^,]+?)\s*,\s*fn\s+(\w+)\s*->\s*(.+?)\s+end\s*\)", r"[\2 for \2 in \1 if not (\3)]"),
    (r"\bEnum\.map\(\s*([^,]+?)\s*,\s*fn\s+(\w+)\s*->\s*(.+?)\s+end\s*\)", r"[\3 for \2 in \1]"),
    (r"\bEnum\.(sum|max|min|sort|reverse|count)\(\s*([^,()]+(?:\([^()]*\))?)\s*\)",
     lambda m: {"sort": "sorted", "reverse": "reversed", "count": "len"}.get(m.group(1), m.group(1)) + f"({m.group(2)})"),
    (r"\bEnum\.(sum|max|min)\(", r"\1("), (r"\bEnum\.sort\(", "sorted("), (r"\b(?:length|Enum\.count)\(", "len("), (r"\brem\(\s*([^(),]+?)\s*,\s*([^(),]+)\)", r"\1 % \2"),
    (r"\bdiv\(\s*([^(),]+?)\s*,\s*([^(),]+)\)", r"(\1) // \2"), (r"\bEnum\.at\(\s*([^,()]+?)\s*,\s*([^()]+?)\s*\)", r"\1[\2]"),
    (r"\bString\.downcase\(\s*([^()]+)\)", r"\1.lower()"),
    (r"\bMap\.get\(\s*([^,()]+?)\s*,\s*", r"\1.get("), (r"\bhd\(\s*([^()]+)\)", r"\1[0]"), (r"\btl\(\s*([^()]+)\)", r"\1[1:]"),
]]


def _pattern(pattern: str, name: str) -> tuple[str | None, dict]:
    """One parameter's pattern: its condition (`0` -> `n == 0`, `[]` -> `not xs`) and the names it binds (`[h | t]`)."""
    pattern = re.sub(r"\s*=\s*\w+$|^\w+\s*=\s*", "", pattern.strip())
    if re.fullmatch(r"-?\d+(?:\.\d+)?|\"[^\"]*\"|:\w+|true|false|nil", pattern):
        return f"{name} == {pattern}", {}
    if pattern == "[]":
        return f"not {name}", {}
    if cons := re.fullmatch(r"\[\s*(\w+)\s*\|\s*(\w+)\s*\]", pattern):
        return None, {cons.group(1): f"{name}[0]", cons.group(2): f"{name}[1:]"}
    return None, {}


def _elixir(text: str) -> str:
    """Elixir's clauses of one function (`def f(0, _), do: 1`, `def f(n, [h | t]) do ... end`) as one `def` whose clauses
    are branches, pipes (`xs |> Enum.filter(...)`) as nested calls, and `Enum`'s common functions as Python's."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        clause = ELIXIR_CLAUSE.match(lines[i])
        if not clause:
            out.append(lines[i])
            i += 1
            continue
        indent, name, group = clause.group(1), clause.group(2), []
        while i < len(lines) and (clause := ELIXIR_CLAUSE.match(lines[i])) and clause.group(2) == name:
            body = []
            i += 1
            if clause.group(5) is None:  # a block up to its `end`
                while i < len(lines) and not re.match(rf"^{indent}end\s*$", lines[i]):
                    body.append(lines[i])
                    i += 1
                i += 1
            group.append((clause, body))
            while i < len(lines) and not lines[i].strip():
                i += 1
        arguments = [_parameters_of(clause.group(3)) for clause, _ in group]
        names = []
        for position in range(max(len(a) for a in arguments)):
            found = [re.sub(r"^.*=\s*|\s*=.*$", "", a[position]).strip() if "=" in a[position] else a[position].strip()
                     for a in arguments if position < len(a)]
            plain = [f for f in found if re.fullmatch(r"[a-z]\w*", f)] or [f.lstrip("_") for f in found if re.fullmatch(r"_[a-z]\w*", f)]
            names.append(plain[0] if plain else f"arg{position}")
        out.append(f"{indent}def {name}({', '.join(names)}) do")
        for clause, body in group:
            conditions, bound = [], {}
            for pattern, parameter in zip(_parameters_of(clause.group(3)), names):
                condition, binds = _pattern(pattern, parameter)
                conditions += [condition] if condition else []
                bound.update(binds)
            if clause.group(4):
                conditions.append(clause.group(4))
            inner = indent + "  "
            if clause.group(5) is not None:
                statement = f"return {clause.group(5)}"
                out += [f"{inner}if {' and '.join(conditions)} do", f"{inner}  {statement}", f"{inner}end"] if conditions else [
                    f"{inner}{statement}"]
                continue
            for line in body:
                for bound_name, value in bound.items():
                    line = re.sub(rf"\b{bound_name}\b", value, line)
                out.append(line)
        out.append(f"{indent}end")
    text = "\n".join(out)
    text = COND.sub(_cond, text)
    text = re.sub(r"\s*\n\s*(?=\|>)", " ", text)
    while (piped := PIPE.sub(_pipe, text, count=1)) != text:
        text = piped
    text = _string_calls(text)
    for pattern, replacement in ELIXIR_EXPRESSIONS:
        text = pattern.sub(replacement, text)
    text = re.sub(r"^(\s*def\s+\w+)[?!]", r"\1", text, flags=re.M)
    return re.sub(r"^(\s*(?:return\s+|\w+\s*=\s*)?)\{(.*)\}\s*$", r"\1(\2)", text, flags=re.M)  # a tuple


STRING_CALL = re.compile(r"\bString\.(\w+[?!]?)\(")
STRING_METHODS = {  # Elixir's String functions: Python's method (the string first) or its form
    "downcase": ".lower()", "upcase": ".upper()", "trim": ".strip()", "reverse": "[::-1]", "length": "len",
    "replace": ".replace({})", "contains?": "in", "starts_with?": ".startswith({})", "ends_with?": ".endswith({})",
    "split": ".split({})", "capitalize": ".capitalize()", "graphemes": "list",
}


def _string_calls(text: str) -> str:
    """`String.downcase(s)`, `String.replace(s, a, b)`, `String.split(s)`, `String.length(s)` as Python's forms."""
    while match := next((m for m in STRING_CALL.finditer(text) if m.group(1) in STRING_METHODS), None):
        end, arguments = match.end() - 1, None
        depth = 0
        for j in range(end, len(text)):
            depth += text[j] in "([{"
            depth -= text[j] in ")]}"
            if depth == 0:
                arguments = _parameters_of(text[end + 1:j])
                break
        if not arguments:
            return text
        subject, rest, form = arguments[0], arguments[1:], STRING_METHODS[match.group(1)]
        subject = subject if re.fullmatch(r"[\w.\[\]]+(?:\(.*\))?", subject) else f"({subject})"
        if match.group(1) == "split" and any(re.search(r"trim:\s*true", r) for r in rest) and rest[0] == '"\\n"':
            python = f"{subject}.splitlines()"
        elif form in ("len", "list"):
            python = f"{form}({arguments[0]})"
        elif form == "in":
            python = f"{rest[0] if rest else ''} in {subject}"
        else:
            python = subject + form.format(", ".join(r for r in rest if not re.match(r"\w+:", r)))
        text = text[:match.start()] + python + text[j + 1:]
    return text


COND = re.compile(r"^([ \t]*)(?:(\w+\s*=\s*)|(return\s+))?cond\s+do[ \t]*\n((?:\1[ \t]+\S[^\n]*\n)+)\1end\b", re.M)


def _cond(match: re.Match) -> str:
    """`cond do a -> x; true -> y end` as `if a: x / else: y` (each value returned when the `cond` is)."""
    indent, assigned, returned, arms = match.group(1), match.group(2) or "", match.group(3), match.group(4).splitlines()
    out = []
    for k, arm in enumerate(arms):
        condition, _, value = arm.strip().partition("->")
        value = f"{'return ' if returned or not assigned else assigned}{value.strip()}"
        head = "else" if condition.strip() == "true" else ("if " if k == 0 else "elif ") + condition.strip()
        out += [f"{indent}{head} do", f"{indent}  {value}", f"{indent}end"] if head.startswith("if") else [
            f"{indent}{head.replace(' do', '')}{'' if head == 'else' else ' do'}", f"{indent}  {value}"]
    return "\n".join(out)


PIPE = re.compile(r"^([ \t]*(?:\w+\s*=\s*|return\s+)?)([^\n]+?)\s*\|>\s*(\w[\w.]*)\((\)?)", re.M)


def _pipe(match: re.Match) -> str:
    """The first pipe of a line, `xs |> f(a)`, as `f(xs, a)`."""
    start, first, call, closed = match.groups()
    return f"{start}{call}({first})" if closed else f"{start}{call}({first}, "


def _parameters_of(parameters: str) -> list[str]:
    """A parameter list split at its top-level commas."""
    found, depth, current = [], 0, ""
    for ch in parameters + ",":
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            found.append(current.strip())
            current = ""
        else:
            current += ch
    return [f for f in found if f]


def read(text: str) -> str | None:
    """`text` with its lines of these languages read as Python, or None when it holds none."""
    if not (BLOCKS.search(text) or FENCE.search(text)) or len(list(islice(HINTS.finditer(text), MIN_HINTS))) < MIN_HINTS:
        return None
    text = ONE_LINE_BODY.sub(_body_lines, clike.prepare(text))
    text = PERL_SUB.sub(lambda m: f"sub {m.group(1)}({m.group(2)}) {{", CONTINUED.sub("", text))
    if MATLAB_FUNCTION.search(text):
        text = _outputs(text)
    if SCALA_HINTS.search(text):
        text = _scala(text)
    if ELIXIR_HINTS.search(text):
        text = _elixir(text)
    if idioms.NIM_HINTS.search(text):
        text = idioms.nim(text)
    prepare = tuple(rule for found, rules in PREPARE if found.search(text) for rule in rules)
    lines = [_line(line, prepare) for line in text.splitlines()]
    return clike.finish(_lists(_returned([line for line in lines if line is not None])))


def as_python(text: str) -> list[str]:
    """`text` read as Python: its JavaScript, and its other languages' code, when it has some."""
    return list(_readings(text))


TYPESCRIPT = re.compile(r"```(?:ts|typescript)\b|\b(?:function\s+\w+\s*(?:<[^>]*>)?\(|(?:const|let|var)\s+)[^\n]*?\w\??:\s*"
                        r"(?:number|string|boolean|any|void|Record<|Map<|Set<|Array<|\[\s*(?:number|string))", re.I)
TYPE = r"(?:[\w.]+(?:<[^<>]*(?:<[^<>]*>[^<>]*)*>)?|\[[^\[\]]*\]|\{[^{}]*\})(?:\[\])*(?:\s*\|\s*[\w.\[\]<>]+)*"
TYPESCRIPT_RULES = [(re.compile(p, re.M), r) for p, r in [
    (r"(\bfunction\s+\w+)\s*<[^>(]*>\s*\(", r"\1("),
    (r"\)\s*:\s*" + TYPE + r"\s*(?=\{|=>)", ") "),
    (r"([(,]\s*(?:readonly\s+)?\w+)\??\s*:\s*" + TYPE + r"(?=\s*[,)=])", r"\1"),
    (r"(\b(?:const|let|var)\s+\w+)\s*:\s*" + TYPE + r"\s*(?==)", r"\1 "),
    (r"(,\s*\w+)\s*:\s*" + TYPE + r"\s*(?==)", r"\1 "),
    (r"\s+as\s+" + TYPE + r"(?=[\s;,)\]])", ""),
]]
LAST_INDEX = re.compile(r"\b([\w.]+)\[\s*\1\.length\s*-\s*1\s*\]")
PAIR_SORT = re.compile(r"\.sort\(\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)\s*=>\s*\1(?:\[0\])?\s*-\s*\2(?:\[0\])?\s*\)")


def _typescript(text: str) -> str:
    """TypeScript as the JavaScript it types (annotations, generics and `as` casts dropped), and the forms a translation
    of the bank's solutions uses in both (`xs[xs.length - 1]` as `xs.at(-1)`, `.sort((a, b) => a[0] - b[0])`)."""
    if TYPESCRIPT.search(text):
        for pattern, replacement in TYPESCRIPT_RULES:
            text = pattern.sub(replacement, text)
    return PAIR_SORT.sub(".sort()", LAST_INDEX.sub(r"\1.at(-1)", text))


EMPTY_TEST = [(re.compile(r"\bnot\s+len\((\w+)\)\s*==\s*0"), r"\1"), (re.compile(r"\blen\((\w+)\)\s*(?:>\s*0|!=\s*0|>=\s*1)"), r"\1"),
              (re.compile(r"\blen\((\w+)\)\s*==\s*0"), r"not \1")]
LITERAL_START = re.compile(r"(?:^|(?<=[=(,:])|(?<=return)|(?<=[=(,]\s))\[")


def _idiomatic(code: str) -> str:
    """A reading with a pair written as a list literal (`[start, end]`, as arrays are in most languages) as a tuple,
    `len(xs) > 0` as `xs`, and a count in a map of zeros with `.get(k, 0)`: the forms a Python reference uses."""
    code = idioms.zero_default(code)
    for pattern, replacement in EMPTY_TEST:
        code = pattern.sub(replacement, code)
    out, i = [], 0
    for match in LITERAL_START.finditer(code):
        start = match.start()
        if start < i:
            continue
        depth, commas = 0, 0
        for j in range(start, len(code)):
            depth += code[j] in "([{"
            depth -= code[j] in ")]}"
            commas += code[j] == "," and depth == 1
            if depth == 0 or code[j] == "\n":
                break
        if depth == 0 and commas:
            out.append(code[i:start] + "(" + code[start + 1:j] + ")")
            i = j + 1
    return "".join(out) + code[i:]


@lru_cache(maxsize=1024)
def _readings(text: str) -> tuple[str, ...]:  # an answer is read by the views and by the walkthrough
    found = javascript.as_python(_typescript(text))
    others = (read, haskell.read, intersections, sql.read, lisp.read, latex.read, calls.read, sheets.read, pipeline.read,
              prolog.read, assembly.read, fixes.read)
    for other in (reader(text) for reader in others):
        if other is not None and other != text and other not in found:
            found.append(other)
    for reading in list(found):
        if (other := _idiomatic(reading)) not in found:
            found.append(other)
    return tuple(found)

