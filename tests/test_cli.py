"""The `codementor` command: every subcommand the README lists exists, one module per runtime adds it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from codementor.cli import RUNTIMES, build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_commands() -> list[list[str]]:
    section = README.read_text().split("## The `codementor` command", 1)[1].split("\n## ", 1)[0]
    return [shlex.split(line.split("#", 1)[0])[1:] for line in section.splitlines() if re.match(r"^codementor \w", line)]


def test_every_command_in_the_readme_parses():
    parser = build_parser()
    commands = readme_commands()
    assert len(commands) >= 7
    for argv in commands:
        argv = [a for a in argv if not a.startswith("[")]  # optional flags shown as [--json]
        args, rest = parser.parse_known_args(argv)
        assert args.command == argv[0] and not [r for r in rest if r != "ID"], argv


def test_bench_subcommands_parse():
    parser = build_parser()
    for bench in ("adaptive", "grading", "tutor", "dashboard", "guardrail", "lti-day"):
        assert parser.parse_args(["bench", bench]).bench == bench


def test_each_runtime_module_registers_its_own_subcommands():
    assert [m.__name__.rsplit(".", 1)[-1] for m in RUNTIMES] == ["api", "bank", "hub", "backup", "bench"]


def test_every_commands_help_renders():
    """`--help` on any command or subcommand prints its help (a bare `%` in a help text made argparse raise)."""
    import argparse

    seen = []

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        assert parser.format_help().startswith("usage:"), path
        seen.append(path)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, (*path, name))

    walk(build_parser(), ())
    assert ("bench", "class") in seen and len(seen) > 20
