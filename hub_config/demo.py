"""`codementor demo`: the whole stack with demo users, until Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

from .stack import MissingProxy, PortTaken, Stack, write_environment

BANNER = """
CodeMentor Hub is running on {url}

  Sign in as a student:     alice  or  bob     password: {password}
  Sign in as an instructor: ada                 password: {password}
  Sign in as the admin:     admin               password: {admin_password}

  Instructor dashboards:    {url}/services/dashboards/
  Admin panel:              {url}/hub/admin

  Postgres: {database_url}
  Redis:    {redis_url}
  Metrics:  {metrics_url}  (the API's own port)
  Logs:     {log}
  Operator commands (`codementor backup`, `restore`) find the databases in {env_file}

{isolation}
Press Ctrl-C to stop everything.
"""


def isolation_note(uid: int) -> str:
    """What the demo's students share: they run as this process's user, so they can read each other's work."""
    who = "root (every right on this machine)" if uid == 0 else "the user who started the demo"
    return (f"  For a trial only: every student's server runs as {who},\n"
            "  so students can read each other's work and the Hub's files.\n"
            "  A real class uses `codementor classroom` (README: Classroom profile).\n")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def demo_environment(stack: Stack) -> dict[str, str]:
    """What an operator command needs to find this demo: its databases, its API and the Hub's pid."""
    return {
        **stack.operator_environment(),
        "CODEMENTOR_API_PORT": str(stack.api_port),
        "CODEMENTOR_API_URL": stack.api_url,
        "CODEMENTOR_HUB_PID": str(stack._procs[-1].pid),
    }


def run_demo(state_dir: Path, port: int = 8000) -> None:
    # what a person needs: our own progress lines, and other libraries only when something is wrong
    logging.basicConfig(level=logging.WARNING, format="[demo] %(message)s")
    logging.getLogger("codementor").setLevel(logging.INFO)
    state_dir = state_dir.resolve()
    stack = Stack(state_dir=state_dir, hub_port=port, api_port=10101, hub_api_port=8081, proxy_api_port=8001)
    log_file = state_dir / "jupyterhub.log"
    # Ctrl-C, and also SIGINT/SIGTERM when started in the background (where SIGINT is ignored)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        stack.start(log_file=log_file)
        env_file = state_dir / "demo.env"
        write_environment(env_file, demo_environment(stack))
        print(
            BANNER.format(
                url=stack.hub_url,
                password=os.environ.get("CODEMENTOR_DEMO_PASSWORD", "codementor"),
                admin_password=os.environ.get("CODEMENTOR_ADMIN_PASSWORD", "codementor-admin-password-change-me"),
                database_url=stack.database_url,
                redis_url=stack.redis_url,
                metrics_url=stack.metrics_url,
                log=log_file,
                env_file=env_file,
                isolation=isolation_note(os.geteuid()),
            ),
            flush=True,
        )
        while all(p.poll() is None for p in stack._procs):
            time.sleep(1)
        print(f"a component stopped on its own; see {log_file}")
    except (PortTaken, MissingProxy) as err:
        raise SystemExit(f"codementor demo: {err}") from None
    except KeyboardInterrupt:
        print("\nstopping...")
    finally:
        stack.stop()
