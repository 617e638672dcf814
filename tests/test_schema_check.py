"""The API refuses to start on a database that is not at the latest migration."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg


def fresh_database(server_url: str) -> str:
    name = f"empty_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.replace("/postgres?", f"/{name}?")


def test_api_refuses_an_unmigrated_database_and_names_the_fix(services):
    url = fresh_database(services.database_url)
    codementor = Path(sys.executable).parent / "codementor"
    env = {**os.environ, "DATABASE_URL": url, "JUPYTERHUB_API_TOKEN": "unused", "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:1"}
    proc = subprocess.run([str(codementor), "api"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "codementor db upgrade" in proc.stderr
    assert "Traceback" not in proc.stderr

    upgraded = subprocess.run([str(codementor), "db", "upgrade", "--database-url", url], capture_output=True, text=True, timeout=60)
    assert upgraded.returncode == 0, upgraded.stderr
    from codementor.api.db import current_revision, head_revision

    assert current_revision(url) == head_revision()
    assert head_revision() in upgraded.stdout
