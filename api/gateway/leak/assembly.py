"""Pseudo-assembly (MOV/ADD/CMP/JMP loops) read as the Python loop it spells out.

A model asked not to give the solution may give it as assembly: a label jumped back to (`loop:` ... `JMP loop`) is a
`while True:`, a `CMP a, b` then a jump past that `JMP` (`JGE done`) an `if a >= b: break`, a jump forward within the
loop (`JNE next`, `next:`) an `if` round the lines it skips, `MOV`, `ADD`, `SUB`, `MUL`, `DIV`, `MOD`, `INC`, `DEC`
assignments, `[xs + i]` the subscript `xs[i]` (and a bare `len` that list's `len(xs)`), `RET x` a `return` (`RET 1`
and `RET 0` alone a predicate's `True` and `False`). The lists it reads and the names it reads before setting them are
the function's parameters. Only a text naming `MOV`, `CMP` or `JMP` with three or more such instructions in capitals
(or fenced as assembly) is read; the reading only has to be good enough for the fingerprints and for a run.
"""

from __future__ import annotations

import ast
import re
import textwrap

from .similarity import parsed

INSTRUCTION = re.compile(r"^\s*(MOV|ADD|SUB|MUL|IMUL|DIV|IDIV|MOD|INC|DEC|CMP|JMP|J[A-Z]{1,3}|RET|LOAD|STORE)\b", re.M)
LABEL = re.compile(r"^\s*(\w+):\s*(?:;.*)?$")
LINE = re.compile(r"^\s*([A-Z]+)\s*(.*?)\s*(?:;.*)?$")
JUMPS = {"JE": "==", "JZ": "==", "JNE": "!=", "JNZ": "!=", "JL": "<", "JB": "<", "JLE": "<=", "JBE": "<=", "JG": ">",
         "JA": ">", "JGE": ">=", "JAE": ">=", "JNL": ">=", "JNG": "<="}
NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
UPDATES = {"ADD": "+=", "SUB": "-=", "MUL": "*=", "IMUL": "*=", "DIV": "//=", "IDIV": "//=", "MOD": "%="}


def _operand(text: str, lists: list[str]) -> str:
    text = text.strip()
    if (memory := re.fullmatch(r"\[\s*(\w+)\s*\+\s*(\w+)\s*(?:\*\s*\d+\s*)?\]", text)):
        lists.append(memory.group(1))
        return f"{memory.group(1)}[{memory.group(2)}]"
    return text


def read(text: str) -> str | None:
    """`text`'s assembly loop as a Python function, or None when it shows none."""
    if not any(word in text for word in ("MOV", "CMP", "JMP", "```asm", "```nasm", "```assembly")):
        return None
    fenced = re.findall(r"```(?:asm|nasm|assembly|x86asm|armasm)\n(.*?)```", text, re.S)
    if len(INSTRUCTION.findall(text)) < 3 and not fenced:
        return None
    lines = [l for l in ("\n".join(fenced) if fenced else text).splitlines() if l.strip()]
    labels = {m.group(1): k for k, l in enumerate(lines) if (m := LABEL.match(l))}
    backward = {re.sub(r"^\s*JMP\s+", "", l).strip(): k for k, l in enumerate(lines)
                if re.match(r"^\s*JMP\s+\w+", l) and labels.get(re.sub(r"^\s*JMP\s+", "", l).strip(), len(lines)) < k}
    out, lists, depth, closing, loops, compared = [], [], 1, [], [], None
    for k, line in enumerate(lines):
        while closing and closing[-1] == k:
            closing.pop()
            depth -= 1
        if (label := LABEL.match(line)):
            if label.group(1) in backward:
                out.append("    " * depth + "while True:")
                depth += 1
                closing.append(backward[label.group(1)] + 1)
                loops.append(backward[label.group(1)] + 1)
            continue
        match = LINE.match(line)
        if not match:
            continue
        op, args = match.group(1), [_operand(a, lists) for a in match.group(2).split(",")] if match.group(2) else []
        pad = "    " * depth
        if op in ("MOV", "LOAD", "STORE") and len(args) == 2:
            out.append(f"{pad}{args[0]} = {args[1]}")
        elif op in UPDATES and len(args) == 2:
            out.append(f"{pad}{args[0]} {UPDATES[op]} {args[1]}")
        elif op in ("INC", "DEC") and args:
            out.append(f"{pad}{args[0]} {'+' if op == 'INC' else '-'}= 1")
        elif op == "CMP" and len(args) == 2:
            compared = args
        elif op in JUMPS and compared and args:
            test = f"{compared[0]} {JUMPS[op]} {compared[1]}"
            target = labels.get(args[0], len(lines))
            if loops and target >= loops[-1] - 1:  # past the jump back: out of the loop
                out += [f"{pad}if {test}:", f"{pad}    break"]
            else:  # forward within it: the lines up to the label run when the jump is not taken
                out.append(f"{pad}if {compared[0]} {NEGATED[JUMPS[op]]} {compared[1]}:")
                depth += 1
                closing.append(target)
                closing.sort(reverse=True)
        elif op == "RET":
            out.append(f"{pad}return {args[0] if args else ''}".rstrip())
    code = "\n".join(out)
    if set(re.findall(r"return (.*)", code)) == {"0", "1"}:  # a test answering 1 or 0: a predicate's True and False
        code = code.replace("return 1", "return True").replace("return 0", "return False")
    if lists:
        code = re.sub(r"(?<![\w.(])(?:len|length|count)(?![\w(\[])", f"len({lists[0]})", code)
    try:
        params = _inputs(code, lists)
    except SyntaxError:
        return None
    return f"def program({', '.join(params)}):\n{code}" if out and params else None


def _inputs(code: str, lists: list[str]) -> list[str]:
    """The lists the code reads and the names it reads before it sets them: what it is given."""
    found = list(dict.fromkeys(lists))
    stored = set()
    names = (n for n in ast.walk(parsed(textwrap.dedent(code))) if isinstance(n, ast.Name))
    for node in sorted(names, key=lambda n: (n.lineno, n.col_offset)):
        if isinstance(node.ctx, ast.Store):
            stored.add(node.id)
        elif node.id not in stored and node.id not in found and node.id != "len":
            found.append(node.id)
    return found
