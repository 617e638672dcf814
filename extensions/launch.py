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
  and our server extension replaces that log function (extensions/access_log.py). They are
  loaded when first used instead (`defer_hub_modules`): `jupyterhub.orm` and
  `jupyterhub.roles` with importlib's LazyLoader, `jupyterhub.log` by a stand-in whose
  `log_request` (or any other name) loads the real module.
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
import importlib.machinery
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
# the Hub's database side: a single-user server uses them only when handed a database session.
# (A plain `import name` of a module registered here loads it at once: only modules imported with
# `from package import name`, as jupyterhub.scopes imports these two, stay deferred.)
LAZY_MODULES = ("jupyterhub.orm", "jupyterhub.roles")


def skip_modules(names=SKIPPED_MODULES) -> None:
    """Make `import name` raise ImportError, which the importers (jsonschema, httpx) expect of an optional package."""
    for name in names:
        sys.modules.setdefault(name, None)


def lazy_module(name: str) -> None:
    """Register `name` so that it is executed at its first attribute access, not at `import name`."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def _real_hub_log() -> types.ModuleType:
    """The real `jupyterhub.log`, loaded in place of the stand-in the first time it is needed."""
    module = sys.modules.get("jupyterhub.log")
    if module is not None and not getattr(module, "_codementor_stand_in", False):
        return module
    import jupyterhub

    spec = importlib.machinery.PathFinder.find_spec("jupyterhub.log", jupyterhub.__path__)
    module = importlib.util.module_from_spec(spec)
    sys.modules["jupyterhub.log"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop("jupyterhub.log", None)
        raise
    jupyterhub.log = module
    return module


def hub_log_stand_in() -> types.ModuleType:
    """A module in place of `jupyterhub.log`: its `log_request` and any other name load and use the real one."""
    stand_in = types.ModuleType("jupyterhub.log", "Stands in for jupyterhub.log until it is used (extensions/launch.py).")
    stand_in._codementor_stand_in = True

    def log_request(handler):
        return _real_hub_log().log_request(handler)

    def __getattr__(name):
        if name.startswith("__"):  # the import system asks for __path__ and the like: a plain module has none
            raise AttributeError(name)
        return getattr(_real_hub_log(), name)

    stand_in.log_request = log_request
    stand_in.__getattr__ = __getattr__
    return stand_in


def defer_hub_modules(names=LAZY_MODULES) -> None:
    """Load the Hub's database models, roles and request handlers only if something in this server uses them."""
    for name in names:
        lazy_module(name)
    sys.modules.setdefault("jupyterhub.log", hub_log_stand_in())


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
