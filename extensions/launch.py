"""`codementor-singleuser`: a student's server, jupyterhub-singleuser without four start-up costs.

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
- jupyterhub-singleuser imports the Hub's database models and roles (`jupyterhub.orm`,
  `jupyterhub.roles`, through `jupyterhub.scopes`) and, for its access-log function, the
  Hub's request handlers (`jupyterhub.log`), which bring SQLAlchemy's ORM and Alembic: about
  0.16 of a server's 1.0 CPU-seconds at start. A single-user server has no Hub database:
  those modules are used only with a database session (group membership in scope checks),
  and our server extension replaces that log function (extensions/access_log.py). Their code
  runs when first used instead (`defer_hub_modules`): each is in sys.modules at once, and
  the first name looked up in it runs it in place; `jupyterhub.log` offers `log_request`
  before that, which runs it when called.
- `import httpx` (by JupyterLab's extension manager) also loads httpx's command-line client
  with click, rich and pygments whenever they are installed: about 0.03 CPU-seconds. It is
  skipped as an absent optional part (httpx then offers a `main` that says so).

It also stops cleanly at the Hub's first signal. The Hub stops a server with SIGINT, and
jupyter-server (its stdin not a terminal) leaves SIGINT to Python: a KeyboardInterrupt that
ends the event loop without the server's clean stop (kernels, extensions), after which the
process could wait at exit for an idle worker thread nobody told to stop, until the Hub's
SIGKILL. Here SIGINT is handled as SIGTERM, jupyter-server's clean stop.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import signal
import sys
import types
from contextlib import contextmanager

# rfc3987_syntax: jsonschema's "iri" format check (a grammar built at import); httpx._main: httpx's
# command-line client, which `import httpx` loads with click, rich and pygments whenever they are installed
SKIPPED_MODULES = ("rfc3987_syntax", "httpx._main")
# Modules a student's server imports but whose code it needs only on paths it never takes; each
# stays unrun until a name it defines is looked up in it (`defer_module`):
# (SQLAlchemy itself, 0.09 CPU-seconds, is not among them: jupyterhub.utils imports sqlalchemy.exc,
# and SQLAlchemy's modules import one another in an order only its package's own code gets right.)
DEFERRED_MODULES = (
    # the Hub's database models and roles: used only with a Hub database session
    "jupyterhub.orm",
    "jupyterhub.roles",
    # the Hub's access-log function, which our extension replaces (extensions/access_log.py),
    # and through it the Hub's request handlers
    "jupyterhub.log",
)


def skip_modules(names=SKIPPED_MODULES) -> None:
    """Make `import name` raise ImportError, which the importers (jsonschema, httpx) expect of an optional package."""
    for name in names:
        sys.modules.setdefault(name, None)


def run_deferred(module: types.ModuleType) -> types.ModuleType:
    """Run a deferred module's own code in it, once (its definitions replace any early names)."""
    if vars(module).pop("_codementor_deferred", False):
        vars(module).pop("__getattr__", None)
        module.__spec__.loader.exec_module(module)
    return module


def defer_module(name: str, **early) -> types.ModuleType:
    """`name` in sys.modules without running its code: the first name looked up in it that it lacks runs it.

    `early` names are there at once (a function that needs the real module calls run_deferred).
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    module = importlib.util.module_from_spec(spec)

    def __getattr__(attr):
        if attr.startswith("__"):  # __path__, __spec__ and the like, asked for by the import system
            raise AttributeError(attr)
        return getattr(run_deferred(module), attr)

    vars(module).update(early, _codementor_deferred=True, __getattr__=__getattr__)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def _hub_log_request(handler):
    """JupyterHub's access-log function, its module run first (the server's log function until our extension's replaces it)."""
    return run_deferred(sys.modules["jupyterhub.log"]).log_request(handler)


def defer_hub_modules(names=DEFERRED_MODULES) -> None:
    """Run the Hub's database models, roles and request handlers only if this server uses them."""
    for name in names:
        defer_module(name, **({"log_request": _hub_log_request} if name == "jupyterhub.log" else {}))


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
    defer_hub_modules()
    with hidden_program("node", "nodejs"):
        importlib.import_module("jupyterlab.labapp")
    from jupyterhub.singleuser import main as singleuser_main

    return singleuser_main()


if __name__ == "__main__":
    sys.exit(main())
