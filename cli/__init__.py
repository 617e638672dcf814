"""The `codementor` command: one command, one subcommand module per runtime.

``api.py`` (run the API, migrate, grade a file), ``bank.py`` (list, render and validate the
exercises), ``hub.py`` (the demo), ``backup.py`` (backup and restore of both databases and the
students' files, through pg_dump and tar rather than either runtime's code) and ``bench.py``
(benchmarks) each add their subcommands with ``register(subparsers)``. This package is the only place allowed to wire runtimes together
(the validator gets the API grader's grade function here); see the import contracts in
pyproject.toml.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..server_ext.launch import skip_modules

# before any runtime is imported: jsonschema (through nbformat) would build rfc3987-syntax's grammar, a CPU-second in
# every API worker and command, for a format no schema here uses (extensions/launch.py says more)
skip_modules()

from . import api, backup, bank, bench, hub  # noqa: E402

RUNTIMES = (api, bank, hub, backup, bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codementor", description="CodeMentor Hub: run the API, migrate, grade, inspect the bank, run the demo.")
    sub = parser.add_subparsers(dest="command", required=True)
    for runtime in RUNTIMES:
        runtime.register(sub)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["api"]:  # every later argument belongs to the API's own (traitlets) parser
        return api.run_api(argv[1:])
    try:
        result = run(argv)
        sys.stdout.flush()  # here, not at exit: a reader gone by then is a BrokenPipeError too
    except BrokenPipeError:
        # the reader stopped early (`codementor exercises list | head`): what it wanted it has; end quietly, and
        # point stdout at devnull so that the interpreter's own flush at exit does not complain again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    return result


def run(argv: list[str]):
    """Parse `argv` and run its subcommand."""
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "exercises" and not any(r.startswith("-") for r in rest):
        args.ids += rest  # ids given after an option: `exercises validate --json a b`
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args.func(args)
