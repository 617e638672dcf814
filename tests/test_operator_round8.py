"""What an operator met walking through the README: a backup of running servers holds none of their keys,
`users delete` leaves nothing of the user in Redis and refuses without a terminal, `assignments` and `db current`
find the demo's databases, output piped into `head` ends quietly, an exported authoring notebook is the owner's only."""

from __future__ import annotations

import asyncio
import fnmatch
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from .test_backup import codementor, empty_stack, notebooks, wait_for_notebooks  # noqa: F401 (empty_stack: a fixture)

PROJECT = Path(__file__).resolve().parents[1]
# a running Jupyter server's live keys: its token, cookie and notebook secrets, the kernels' connection keys
LIVE_KEYS = ("*/.local/share/jupyter/runtime/*", "*/jpserver-*.json", "*/jpserver-*-open.html", "*/kernel-*.json",
             "*/jupyter_cookie_secret", "*/notebook_secret", "*/jupyterhub_cookie_secret")


def live_keys(names) -> list[str]:
    return [n for n in names if any(fnmatch.fnmatch(n, p) for p in LIVE_KEYS)]


def cli(*args: str, env: dict | None = None, cwd=None, **kwargs) -> subprocess.CompletedProcess:
    """The command as an operator runs it; `env` entries set to None are left out of the environment."""
    merged = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "codementor.cli", *args], capture_output=True, text=True, env=merged, cwd=cwd,
                          timeout=180, **kwargs)


# --- R1-1: the backup of a stack with a running student server ----------------------------------
@pytest.mark.e2e
def test_a_backup_of_running_servers_holds_none_of_their_keys_and_restores(stack, hub, empty_stack, tmp_path):  # noqa: F811
    name = "bk-live-lu"
    hub.create_user(name)
    hub.spawn(name)
    try:
        wait_for_notebooks(stack.state_dir, name)
        # ask the running server for a kernel: its connection file (and HMAC key) joins the server's token file
        hub.server(name).post("/api/kernels", json={"name": "python3"}).raise_for_status()
        home = stack.state_dir / "users" / name
        present = live_keys(str(p) for p in home.rglob("*"))
        assert present, f"no runtime file in {home}: the test would prove nothing"
        made = codementor("backup", "--state-dir", str(stack.state_dir), "--out", str(tmp_path / "b"),
                          env={"DATABASE_URL": stack.database_url, "CODEMENTOR_HUB_DB_URL": stack.hub_db_url})
        assert made.returncode == 0, made.stderr
        work = {k: v for k, v in notebooks(stack.state_dir).items() if k.startswith(f"{name}/")}
    finally:
        hub.stop(name)
    archive = next((tmp_path / "b").glob("codementor-backup-*.tar.gz"))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert f"state/users/{name}/exercises" in names
    assert live_keys(names) == [], live_keys(names)

    done = codementor("restore", str(archive), "--state-dir", str(empty_stack.state_dir),
                      "--database-url", empty_stack.database_url, "--hub-db-url", empty_stack.hub_db_url, env={})
    assert done.returncode == 0, done.stderr
    restored = notebooks(empty_stack.state_dir)
    assert work and {k: restored.get(k) for k in work} == work
