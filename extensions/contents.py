"""Saving into a full home: one clear line instead of a traceback-like error.

On the classroom profile each home is a file system of a fixed size (the student's disk
allowance, CODEMENTOR_DISK_LIMIT in bytes). jupyter-server writes files atomically (the old
file is kept aside and put back when a write fails), so a save that does not fit loses
nothing; this manager only turns "no space left" into a message that says what to do.
"""

from __future__ import annotations

import errno
import os

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado import web

FULL = (errno.ENOSPC, errno.EDQUOT)


def full_message(path: str, limit_bytes: int) -> str:
    """What the student reads when `path` did not fit into her allowance."""
    allowance = f" (your allowance is {limit_bytes / (1 << 20):.0f} MiB)" if limit_bytes else ""
    return f"{path} was not saved: your folder is full{allowance}. Delete files you no longer need, then save again; the last saved version is kept."


def _disk_full(err: BaseException) -> bool:
    seen = err
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in FULL:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class AllowanceContentsManager(AsyncLargeFileManager):
    """The default contents manager, with a clear 507 when the student's home is full."""

    async def save(self, model, path=""):
        try:
            return await super().save(model, path)
        except (OSError, web.HTTPError) as err:
            if not _disk_full(err):
                raise
            limit = int(os.environ.get("CODEMENTOR_DISK_LIMIT", "0") or 0)
            raise web.HTTPError(507, full_message(path.lstrip("/"), limit)) from None
