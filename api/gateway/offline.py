"""The offline tutor: explanations of common Python errors, tailored to the actual traceback.

It needs no network and no key, so the tutor always answers something useful.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LAST_LINE = re.compile(r"^(?P<cls>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))(?::\s?(?P<msg>.*))?$")
LINE_NO = re.compile(r'(?:File "[^"]*"|Cell In\[\d+\]), line (\d+)')


@dataclass(frozen=True)
class ParsedError:
    cls: str
    message: str
    line: int | None


def _last_match(text: str):
    found = None
    for raw in (text or "").splitlines():
        found = LAST_LINE.match(raw.strip()) or found
    return found


def parse_error(error: str, traceback: str = "") -> ParsedError | None:
    """The exception class, message and line of the last error, from its text."""
    found = _last_match(traceback) or _last_match(error)
    if not found:
        return None
    lines = LINE_NO.findall(traceback or "")
    return ParsedError(found["cls"].rsplit(".", 1)[-1], (found["msg"] or "").strip(), int(lines[-1]) if lines else None)


def _quoted(message: str) -> str:
    match = re.search(r"'([^']+)'", message)
    return match.group(1) if match else ""


def _name_error(e):
    name = _quoted(e.message)
    return (f"Python does not know the name `{name}` at the moment it runs that line. Check the spelling (capitals count), "
            f"that `{name}` is assigned *before* it is used, and that the cell defining it has been run in this kernel.")


def _type_error(e):
    if "not callable" in e.message:
        return "Something that is not a function is being called with `(...)`: look for a variable that shadows a function name, or a missing operator before a parenthesis."
    if "argument" in e.message:
        return "A function got a different number (or kind) of arguments than its definition accepts. Compare the call with the `def` line: " + e.message + "."
    if "unsupported operand" in e.message or "can only concatenate" in e.message:
        return "Two values of types that do not combine were used together (" + e.message + "). Print both values and their `type(...)` just before that line; convert one of them (`int(...)`, `str(...)`) if that is what you meant."
    if "not iterable" in e.message:
        return "A `for` loop (or `sum`, `list`, ...) was given a single value instead of a collection. Check what the variable you loop over actually holds."
    if "subscriptable" in e.message:
        return "Square brackets were used on a value that has no items (often `None` or a number). Check what the variable holds before indexing it."
    return f"An operation got a value of the wrong type: {e.message}. Print the values involved and their `type(...)` just before the failing line."


def _index_error(e):
    return ("An index went past the end of a sequence. For a list of length `n`, valid indexes are `0` to `n - 1`. "
            "Check loop bounds such as `range(len(x) + 1)` and what happens with an empty list.")


def _key_error(e):
    key = e.message or "that key"
    return (f"The dictionary has no key {key}. Use `d.get(key, default)` when a key may be missing, or check `key in d` first; "
            "also make sure the key is built the same way (case, spaces, punctuation) when you store and when you read it.")


def _zero_division(e):
    return "Something was divided by zero. Which input makes the divisor `0` (an empty list has length 0)? Decide what the function should do then, and handle that case before dividing."


def _attribute_error(e):
    if "NoneType" in e.message:
        return "A value is `None` where an object was expected: a function you call probably has no `return` (or returns `None` on some path). Check what it gives back."
    return f"That object does not have the attribute you asked for ({e.message}). Check the spelling and the type of the object: `dir(obj)` lists what it has."


def _syntax_error(e):
    where = f" around line {e.line}" if e.line else ""
    if e.cls == "IndentationError" or "indent" in e.message:
        return f"The indentation is off{where}: every block after a line ending in `:` must be indented one level (4 spaces), and lines of the same block must line up exactly."
    return f"Python could not read the code{where} ({e.message or 'invalid syntax'}). Look for a missing `:` after `if`/`for`/`def`, an unclosed bracket or quote on that line or the one before."


def _recursion_error(e):
    return "A function kept calling itself without stopping. Make sure there is a base case that returns without recursing, and that each call moves closer to it."


def _value_error(e):
    return f"A value had the right type but an unusable content ({e.message}). Print the value just before the failing line to see what actually arrived."


def _assertion_error(e):
    return "An `assert` failed: a test expected a different result. Run the failing call yourself in a cell and compare what you get with what the statement says."


def _module_error(e):
    return f"The module `{_quoted(e.message)}` cannot be imported here. Check the name; exercises only need the standard library."


EXPLAIN = {
    "NameError": _name_error, "UnboundLocalError": _name_error, "TypeError": _type_error, "IndexError": _index_error,
    "KeyError": _key_error, "ZeroDivisionError": _zero_division, "AttributeError": _attribute_error,
    "SyntaxError": _syntax_error, "IndentationError": _syntax_error, "TabError": _syntax_error,
    "RecursionError": _recursion_error, "ValueError": _value_error, "AssertionError": _assertion_error,
    "ModuleNotFoundError": _module_error, "ImportError": _module_error,
}


def explain(error: str, traceback: str = "") -> str | None:
    """A short Markdown explanation of the last error, or None when there is none."""
    parsed = parse_error(error, traceback)
    if parsed is None:
        return None
    explainer = EXPLAIN.get(parsed.cls)
    where = f" (line {parsed.line})" if parsed.line else ""
    head = f"**{parsed.cls}**{where}: {parsed.message}" if parsed.message else f"**{parsed.cls}**{where}"
    body = explainer(parsed) if explainer else "Read the last line of the traceback: it names what went wrong; the line above it shows where."
    return f"{head}\n\n{body}"


def offline_answer(question: str, error: str, traceback: str, ladder_hint: str | None) -> str:
    """What the offline tutor says: the error explained, then the next authored hint."""
    parts = []
    explanation = explain(error, traceback)
    if explanation:
        parts.append(explanation)
    if ladder_hint:
        parts.append(f"**A hint for this exercise:** {ladder_hint}")
    if not parts:
        parts.append("Run your code on the example from the statement and compare what you get with what is expected; then ask again with the error or the output you see.")
    if question.strip():
        parts.append("_(The tutor is answering offline with the authored help: no language model is configured, or it is not answering right now.)_")
    return "\n\n".join(parts)
