"""The kernel's side of the shared API client (codementor.client): its one-line errors, the
idempotency keys of %submit and the student's own server address."""

from __future__ import annotations

import hashlib
import urllib.parse
import uuid

from codementor.client import APIClient as _SharedClient
from codementor.client import ClientError as TutorError
from codementor.client import Unreachable

__all__ = ["APIClient", "IdempotencyKeys", "TutorError", "Unreachable", "own_server_url"]


class APIClient(_SharedClient):
    not_configured = ("this kernel is not connected to CodeMentor (CODEMENTOR_API_URL or the Hub token is missing); "
                      "start it from your JupyterHub server")


class IdempotencyKeys:
    """One key per request still waiting for an answer, so that sending it again is safe.

    The key of a request (identified by its parts, e.g. notebook, exercise and code) is kept
    until `answered` is called: a retry after a timeout, or the student running %submit again
    on the same code, reuses it and the API stores the request once. Once an answer arrived,
    the same parts get a new key (a deliberate new submission)."""

    LIMIT = 64  # unanswered requests remembered (oldest forgotten first)

    def __init__(self):
        self._keys: dict[str, str] = {}

    @staticmethod
    def _digest(parts) -> str:
        return hashlib.sha256("\0".join(str(p) for p in parts).encode()).hexdigest()

    def key(self, *parts) -> str:
        digest = self._digest(parts)
        if digest not in self._keys and len(self._keys) >= self.LIMIT:
            self._keys.pop(next(iter(self._keys)))
        return self._keys.setdefault(digest, uuid.uuid4().hex)

    def answered(self, *parts) -> None:
        self._keys.pop(self._digest(parts), None)


def own_server_url(env) -> str:
    """The student's Jupyter server as seen from its kernels (from what JupyterHub puts in the environment)."""
    url = env.get("JUPYTERHUB_SERVICE_URL", "")
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # the server listens everywhere: reach it on this machine
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{parts.port}" if parts.port else ""
    path = parts.path if parts.path.strip("/") else env.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    return urllib.parse.urlunsplit((parts.scheme or "http", netloc, path, "", ""))
