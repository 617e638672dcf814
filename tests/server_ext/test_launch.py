"""`codementor-singleuser` (extensions/launch.py): what a student's server leaves out at start."""

from __future__ import annotations

import os
import sys

import pytest

from codementor.server_ext import launch

from . import run_python


def test_path_without_drops_only_the_folders_holding_the_program(tmp_path):
    with_node, without = tmp_path / "a", tmp_path / "b"
    with_node.mkdir()
    without.mkdir()
    (with_node / "node").write_text("#!/bin/sh\n")
    (with_node / "node").chmod(0o755)
    assert launch.path_without("node", f"{with_node}{os.pathsep}{without}") == str(without)
    assert launch.path_without("node", str(with_node)) == ""


def test_hidden_program_restores_path(monkeypatch, tmp_path):
    (tmp_path / "node").write_text("#!/bin/sh\n")
    (tmp_path / "node").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with launch.hidden_program("node"):
        assert os.environ["PATH"] != str(tmp_path)
        from shutil import which

        assert which("node") is None
    assert os.environ["PATH"] == str(tmp_path)


def test_a_student_server_imports_jupyter_server_without_the_iri_grammar():
    """jupyter-server and JupyterLab import, jsonschema still checks URIs, the grammar is not built, node is not run."""
    code = (
        "import sys, subprocess\n"
        "from codementor.server_ext import launch\n"
        "runs = []\n"
        "sys.addaudithook(lambda event, args: runs.append(args[1]) if event == 'subprocess.Popen' else None)\n"
        "launch.skip_modules()\n"
        "with launch.hidden_program('node', 'nodejs'):\n"
        "    import jupyterlab.labapp\n"
        "import jupyter_server.serverapp, jsonschema\n"
        "assert sys.modules['rfc3987_syntax'] is None and 'lark' not in sys.modules, sorted(m for m in sys.modules if 'lark' in m)\n"
        "checker = jsonschema.Draft7Validator.FORMAT_CHECKER\n"
        "assert not checker.conforms('not a uri', 'uri') and checker.conforms('https://example.org/x', 'uri')\n"
        "assert not [r for r in runs if any('node' in str(a) for a in r)], runs\n"
    )
    run_python(code, timeout=120)


def test_sigint_is_the_clean_stop_of_sigterm():
    """The Hub's first signal, SIGINT, reaches jupyter-server's SIGTERM handler (its clean stop), not KeyboardInterrupt."""
    code = (
        "import os, signal, time\n"
        "from codementor.server_ext import launch\n"
        "got = []\n"
        "launch.stop_on_sigint()\n"
        "signal.signal(signal.SIGTERM, lambda signum, frame: got.append(signum))\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "deadline = time.monotonic() + 10\n"
        "while not got and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "assert got == [signal.SIGTERM], got\n"
    )
    run_python(code, timeout=60)


def test_jupyterhub_singleuser_imports_without_the_hubs_database_side():
    """The Hub's models, roles and handlers wait until used; scope checks work without them; they run when used."""
    code = (
        "import sys\n"
        "from codementor.server_ext import launch\n"
        "launch.skip_modules()\n"
        "launch.defer_hub_modules()\n"
        "import jupyterhub.singleuser.extension\n"
        "from jupyterhub.scopes import _intersect_expanded_scopes\n"
        "from jupyterhub.utils import SQLAlchemyError\n"
        "assert _intersect_expanded_scopes({'access:servers!user=ann'}, {'access:servers'}) == {'access:servers!user=ann'}\n"
        "loaded = sorted(m for m in ('sqlalchemy.orm', 'alembic', 'jupyterhub.handlers') if m in sys.modules)\n"
        "assert not loaded, loaded\n"
        "import jupyterhub.orm, jupyterhub.roles, sqlalchemy\n"
        "assert jupyterhub.orm.User.__tablename__ == 'users' and callable(jupyterhub.roles.get_roles_for)\n"
        "assert sqlalchemy.exc.SQLAlchemyError is SQLAlchemyError and sqlalchemy.func and sqlalchemy.__version__\n"
        "from jupyterhub.log import coroutine_frames, log_request\n"
        "assert log_request.__module__ == 'jupyterhub.log' and 'jupyterhub.handlers' in sys.modules\n"
    )
    run_python(code, timeout=120)


def test_a_deferred_module_runs_at_its_first_use_and_its_early_function_runs_it_too(tmp_path, monkeypatch):
    (tmp_path / "deferred_mod.py").write_text("import sys\nsys.ran = getattr(sys, 'ran', 0) + 1\nVALUE = 42\ndef hello(x):\n    return f'real {x}'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "deferred_mod", raising=False)
    module = launch.defer_module("deferred_mod", hello=lambda x: launch.run_deferred(sys.modules["deferred_mod"]).hello(x))
    import deferred_mod
    from deferred_mod import hello

    assert deferred_mod is module and getattr(sys, "ran", 0) == 0
    assert hello("x") == "real x" and sys.ran == 1 and deferred_mod.hello is not hello
    assert deferred_mod.VALUE == 42 and deferred_mod.hello("y") == "real y" and sys.ran == 1
    monkeypatch.delattr(sys, "ran")


def test_a_deferred_module_runs_at_a_name_it_lacks(tmp_path, monkeypatch):
    (tmp_path / "deferred_two.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "deferred_two", raising=False)
    module = launch.defer_module("deferred_two")
    assert module.VALUE == 1
    with pytest.raises(AttributeError):
        module.MISSING  # a name the module does not define


def test_httpx_imports_without_its_command_line_client():
    """httpx works without its CLI (click, rich, pygments), and its `main` says the CLI is not there."""
    code = (
        "import sys\n"
        "from codementor.server_ext import launch\n"
        "launch.skip_modules()\n"
        "import httpx\n"
        "assert not [m for m in ('rich', 'click') if m in sys.modules]\n"
        "assert httpx.Client().base_url == httpx.URL('') and callable(httpx.main)\n"
    )
    run_python(code, timeout=60)
