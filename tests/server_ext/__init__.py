"""Tests of the student server's extension and launcher (extensions/)."""

from __future__ import annotations

import subprocess
import sys


def run_python(code: str, timeout: float, env: dict[str, str] | None = None) -> None:
    """Run `code` in a fresh interpreter (what it imports is its own); its asserts must hold."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
