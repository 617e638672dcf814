"""`codementor demo`: the Hub configuration's subcommand."""

from __future__ import annotations

from pathlib import Path


def cmd_demo(args) -> None:
    from codementor.hub_config.demo import run_demo

    run_demo(Path(args.state_dir), args.port)


def register(sub) -> None:
    p = sub.add_parser("demo", help="start Postgres, Redis and JupyterHub with demo users")
    p.add_argument("--state-dir", default=".state/demo")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_demo)
