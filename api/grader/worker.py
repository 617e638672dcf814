"""The grader's worker: runs one submission's tests in a child process and reports observations.

This file is executed as a script by ``python -I -S`` in a separate process; it imports only
the standard library. It never sees expected values: it evaluates each test's expression
against the student's code and reports *what happened* (a value converted to plain tagged
data, an exception class, the printed output). The verdict is computed by the parent
process (``grader.py``), so nothing the student's code does in here can declare a test
passed; at most it can report wrong observations, which then fail.

Protocol: a JSON line on stdin ``{"code": str, "tests": [{"name", "setup", "call"}], "report": ...}``;
JSON lines on the original stdout: one ``{"event": "loaded", ...}`` then one
``{"event": "test", "index": i, ...}`` per test, then ``{"event": "done"}``. ``"report": "at_end"``
writes them all at once at the end; otherwise each test's line is out before the next test runs.
After ``done`` the worker reads one more line, the next phase's ``{"tests": ..., "report": ...}``,
and answers it the same way on a fresh load of the code; it ends at the end of stdin.
"""

import builtins
import io
import json
import os
import sys
import traceback

MAX_DEPTH = 40
MAX_ITEMS = 20_000
MAX_CAPTURE = 64 * 1024
_type, _isinstance, _len, _repr, _str = type, isinstance, len, repr, str
# the class names a raised exception is reported under, taken before any student code runs: the student can rebind
# `builtins.ValueError`, make a class named ValueError, or give a metaclass a `__mro__` of its own
_BUILTIN_EXCEPTIONS = {}  # id of a built-in exception class -> its names (OSError is also IOError and EnvironmentError)
for _name, _value in vars(builtins).items():
    if isinstance(_value, type) and issubclass(_value, BaseException):
        _BUILTIN_EXCEPTIONS.setdefault(id(_value), []).append(_name)
del _name, _value
_real_mro = type.__dict__["__mro__"].__get__
_real_name = type.__dict__["__name__"].__get__
NOT_BUILTIN = "defined:"  # marks the name of a class that is not the built-in of that name (verdict.py)


class TooBig(Exception):
    pass


def tag(value, _state=None):
    """Convert a value to tagged plain data, accepting only exact builtin types."""
    state = _state if _state is not None else {"items": 0}
    state["items"] += 1
    if state["items"] > MAX_ITEMS:
        raise TooBig("the value is too large to compare")
    depth = state.get("depth", 0)
    if depth > MAX_DEPTH:
        raise TooBig("the value is nested too deeply to compare")
    kind = _type(value)
    if value is None:
        return ["none"]
    if kind is bool or kind is int or kind is str:
        return [kind.__name__, value]
    if kind is float:
        return ["float", _repr(value)]
    state["depth"] = depth + 1
    try:
        if kind is list or kind is tuple:
            return [kind.__name__, [tag(v, state) for v in value]]
        if kind is dict:
            pairs = [[tag(k, state), tag(v, state)] for k, v in value.items()]
            return ["dict", sorted(pairs, key=json.dumps)]
        if kind is set or kind is frozenset:
            return [kind.__name__, sorted((tag(v, state) for v in value), key=json.dumps)]
    finally:
        state["depth"] = depth
    return ["object", getattr(kind, "__qualname__", "?")]


class CappedText(io.StringIO):
    """A stdout replacement that keeps at most MAX_CAPTURE characters."""

    def write(self, text):
        if not _isinstance(text, _str):
            raise TypeError("write() argument must be str")
        room = MAX_CAPTURE - self.tell()
        if room > 0:
            super().write(text[:room])
        return _len(text)


def short_error(exc):
    """One line naming the exception and, when it comes from the student's code, its line."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<submission>":
            line = frame.lineno
    where = f" (line {line})" if line else ""
    message = _str(exc)[:300]
    return f"{_type(exc).__name__}{where}: {message}" if message else f"{_type(exc).__name__}{where}"


def exception_names(kind):
    """The names a raised `kind` is reported under: the built-in exception classes of one lineage, the nearest built-in in
    its MRO and that class's bases, by their names; every other class of its MRO as NOT_BUILTIN + its name.

    A class made up with the name of a built-in (`type("ValueError", (Exception,), {})`) is reported as made up, and a class
    inheriting from many built-ins (ValueError and TypeError and KeyError...) counts as the first of them only: neither can
    pass a test that expects one built-in exception by raising something that merely claims every name."""
    mro = _real_mro(kind)
    nearest = next((c for c in mro if id(c) in _BUILTIN_EXCEPTIONS), BaseException)
    lineage = {id(c) for c in _real_mro(nearest) if id(c) in _BUILTIN_EXCEPTIONS}
    names = []
    for c in mro:
        if id(c) in lineage:
            names.extend(_BUILTIN_EXCEPTIONS[id(c)])
        elif id(c) not in _BUILTIN_EXCEPTIONS and c is not object:
            names.append(NOT_BUILTIN + _str(_real_name(c)))
    return names


def run_test(namespace, test):
    """Evaluate one test in a copy of the student's namespace; return an observation."""
    env = dict(namespace)
    out = CappedText()
    sys.stdout = out
    try:
        if test.get("setup"):
            exec(compile(test["setup"], "<test setup>", "exec"), env)
        value = eval(compile(test["call"], "<test>", "eval"), env)
        sys.stdout = sys.__stdout__
        return {"outcome": "value", "value": tag(value), "stdout": out.getvalue()}
    except BaseException as exc:  # a test may raise anything, SystemExit included
        sys.stdout = sys.__stdout__
        names = exception_names(_type(exc))
        return {"outcome": "raised", "exception": names, "error": short_error(exc), "stdout": out.getvalue()}


def main():
    """Run the job on stdin: a JSON line with the code and the first tests, then possibly one more line with more
    tests (`"tests"` and `"report"`, no code), each run on a fresh load of the code once the line before is answered.

    The grader sends the next line only when it has read this one's `done`: what a phase observes is out of the
    process before the next phase's tests are in it (the hidden tests come after the visible feedback is final)."""
    source = os.fdopen(os.dup(0), "rb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # the student's code reads an empty stdin, not the grader's next line
    job = json.loads(source.readline())
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stdout = sys.__stdout__ = CappedText()
    sys.stderr = CappedText()
    sys.stdin = io.StringIO("")
    try:
        program = compile(job["code"], "<submission>", "exec")  # once: each phase runs the same code object
    except BaseException as exc:
        channel.write(json.dumps({"event": "loaded", "ok": False, "error": short_error(exc)}) + "\n")
        return
    while run_phase(program, job, channel):
        line = source.readline()
        if not line:
            return
        job = json.loads(line)
        fresh_folder()


def fresh_folder():
    """Work from an empty folder inside the job's own: code that makes a file or folder of a fixed name when it
    loads (`os.mkdir("out")`) loads again for the next phase as it did in a fresh job."""
    for n in range(100):
        name = f".phase-{n + 2}"
        try:
            os.mkdir(name, 0o700)
        except OSError:
            continue
        os.chdir(name)
        return


def run_phase(program, job, channel):
    """Load the compiled code in a fresh namespace and run the phase's tests, writing what they observe; did the code load?"""

    def line(message):
        return json.dumps(message) + "\n"

    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        exec(program, namespace)
    except BaseException as exc:
        channel.write(line({"event": "loaded", "ok": False, "error": short_error(exc)}))
        return False
    # Lines are held back and written together, one write per wake-up of the grader, but every
    # observation is out before more of the student's code runs, so a crash or a timeout in a
    # later test loses none of them. Only `loaded` waits for the first test: a job that stops in
    # it ends as crashed or timed out either way. With "report": "at_end" (jobs of which the
    # grader uses nothing unless they finish: the hidden tests, pass/fail only, the reference)
    # everything is written once, at the end.
    per_test = job.get("report") != "at_end"
    held = [line({"event": "loaded", "ok": True})]
    for index, test in enumerate(job["tests"]):
        if index and per_test:
            channel.write("".join(held))
            held = []
        observation = run_test(namespace, test)
        observation.update(event="test", index=index)
        try:
            held.append(line(observation))
        except (TypeError, ValueError):
            held.append(line({"event": "test", "index": index, "outcome": "unreportable"}))
    held.append(line({"event": "done"}))
    channel.write("".join(held))
    namespace.clear()  # what this load made goes now (its functions' globals are this dict), not at a later collection
    return True


if __name__ == "__main__":
    main()
