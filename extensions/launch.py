"""`codementor-singleuser`: a student's server, jupyterhub-singleuser without two start-up costs.

The Hub starts every student server with this command (hub_config/jupyterhub_config.py); it
takes jupyterhub-singleuser's arguments and runs it. What it leaves out, measured with
`codementor bench spawn --servers N` (about half of a server's CPU at start):

- jsonschema, imported by every jupyter-server through jupyter_events, checks the "iri"
  format with the rfc3987-syntax package whenever that package can be imported, and
  importing it builds an Earley grammar: about a CPU-second per process. No schema a
  server validates (its event schemas) uses that format; without the package jsonschema
  simply does not check it.
- JupyterLab asks Node for yarn's package registry when its labapp module is imported
  (`node yarn.js config --json`, about a quarter of a CPU-second), for building and
  installing extensions, which a student's server never does. Node is hidden from that one
  import; the server and its kernels keep the PATH they were given.

It also stops cleanly at the Hub's first signal. The Hub stops a server with SIGINT, and
jupyter-server (its stdin not a terminal) leaves SIGINT to Python: a KeyboardInterrupt that
ends the event loop without the server's clean stop (kernels, extensions), after which the
process could wait at exit for an idle worker thread nobody told to stop, until the Hub's
SIGKILL. Here SIGINT is handled as SIGTERM, jupyter-server's clean stop.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import sys
from contextlib import contextmanager

SKIPPED_MODULES = ("rfc3987_syntax",)


def skip_modules(names=SKIPPED_MODULES) -> None:
    """Make `import name` raise ImportError, which jsonschema expects of an optional package."""
    for name in names:
        sys.modules.setdefault(name, None)


def path_without(program: str, path: str) -> str:
    """`path` (a PATH value) without the folders in which `program` is found."""
    return os.pathsep.join(d for d in path.split(os.pathsep) if d and not shutil.which(program, path=d))


@contextmanager
def hidden_program(*programs: str):
    """PATH without `programs` inside the block, as it was after it."""
    before = os.environ.get("PATH")
    path = before or os.defpath
    for program in programs:
        path = path_without(program, path)
    # an empty PATH means the default one to some (jupyterlab's `which`): then this package's folder, which holds no program
    os.environ["PATH"] = path or os.path.dirname(os.path.abspath(__file__))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = before


def _sigint_as_sigterm(signum, frame) -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def stop_on_sigint() -> None:
    """SIGINT does what SIGTERM does: before the server runs, end the process; once it runs, its clean stop.

    (In a terminal, jupyter-server installs its own SIGINT handler, the confirmation prompt, later.)
    """
    signal.signal(signal.SIGINT, _sigint_as_sigterm)


def main() -> int | None:
    stop_on_sigint()
    skip_modules()
    with hidden_program("node", "nodejs"):
        importlib.import_module("jupyterlab.labapp")
    from jupyterhub.singleuser import main as singleuser_main

    return singleuser_main()


if __name__ == "__main__":
    sys.exit(main())
