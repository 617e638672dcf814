"""Probing a layer without disturbing the caller: run the attempt in a forked child."""

from __future__ import annotations

import os


def in_child(action, failure: str) -> str | None:
    """Run `action` in a forked child, so nothing it changes reaches this process.

    None if it returned true; else why not: its exception's text, or `failure`."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            os._exit(0 if action() else 2)
        except BaseException as exc:  # report anything, never return into the caller's code
            os.write(write, str(exc).encode()[:200])
            os._exit(1)
    os.close(write)
    reason = os.read(read, 400).decode(errors="replace")
    os.close(read)
    _, status = os.waitpid(pid, 0)
    return None if status == 0 else (reason or failure)
