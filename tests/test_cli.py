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
