"""Benchmarks that print numbers."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path


def state_folder(prefix: str, parent: str | None = None) -> Path:
    """A new folder for a bench's stack, removed when the process ends as well as by the bench: embedded Postgres takes
    its runtime lock (`run/python_PostgresServer/.lockfile` under the first stack's folder) again in its own exit
    handler, after the bench removed the folder, and left it behind. Registered before Postgres starts, this removal
    runs after that handler."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
