"""`codementor demo` and `codementor classroom`: the Hub configuration's subcommands."""

from __future__ import annotations

import os
from pathlib import Path


def cmd_demo(args) -> None:
    from codementor.hub_config.demo import run_demo

    run_demo(Path(args.state_dir), args.port)


def cmd_classroom(args) -> None:
    from codementor.hub_config.classroom_run import run_classroom

    if bool(args.ssl_cert) != bool(args.ssl_key):
        raise SystemExit("codementor classroom: give both --ssl-cert and --ssl-key")
    ssl = (args.ssl_cert, args.ssl_key) if args.ssl_cert else None
    run_classroom(Path(args.state_dir), args.ip, args.port, args.admin, ssl)


def register(sub) -> None:
    p = sub.add_parser("demo", help="start Postgres, Redis and JupyterHub with demo users",
                       description="Start Postgres, Redis and JupyterHub with the demo users (alice, bob, ada, admin) on "
                       "http://127.0.0.1:PORT; Ctrl-C stops everything. `make demo PORT=8001` passes --port.")
    p.add_argument("--state-dir", default=".state/demo", help="where the demo keeps its databases, logs and secrets "
                   "(default: .state/demo; a restart in the same folder finds its users again)")
    p.add_argument("--port", type=int, default=8000, help="the Hub's public port on 127.0.0.1 (default: 8000)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("classroom", help="as root: the classroom profile with its own Postgres and Redis in the state folder")
    p.add_argument("--state-dir", default=os.environ.get("CODEMENTOR_STATE_DIR", "/var/lib/codementor"))
    p.add_argument("--admin", default=os.environ.get("CODEMENTOR_ADMIN_USERS", "admin"), help="the first admin's Hub name (admin)")
    p.add_argument("--ip", default=os.environ.get("CODEMENTOR_HUB_IP", "127.0.0.1"), help="address the Hub listens on (127.0.0.1: behind a proxy)")
    p.add_argument("--port", type=int, default=int(os.environ.get("CODEMENTOR_HUB_PORT", "8000")))
    p.add_argument("--ssl-cert", default=None, help="serve https with this certificate (PEM; with --ssl-key)")
    p.add_argument("--ssl-key", default=None)
    p.set_defaults(func=cmd_classroom)
