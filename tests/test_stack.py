"""The stack launcher's clean-up: nothing it started outlives `stop()`."""

from __future__ import annotations

import subprocess

from codementor.hub_config.stack import Stack


def test_stop_ends_stragglers_working_in_the_state_folder(tmp_path):
    inside = tmp_path / "state" / "users" / "x"
    inside.mkdir(parents=True)
    hub_env = {"PATH": "/usr/bin:/bin", "JUPYTERHUB_API_URL": "http://127.0.0.1:1/hub/api"}
    straggler = subprocess.Popen(["sleep", "300"], cwd=inside, env=hub_env, start_new_session=True)
    outsider = subprocess.Popen(["sleep", "300"], cwd=tmp_path, env=hub_env, start_new_session=True)
    someones_shell = subprocess.Popen(["sleep", "300"], cwd=inside, env={"PATH": "/usr/bin:/bin"}, start_new_session=True)
    try:
        Stack(state_dir=tmp_path / "state").stop()
        assert straggler.wait(10) is not None
        # only the Hub's own processes inside the state folder are ended
        assert outsider.poll() is None and someones_shell.poll() is None
    finally:
        for proc in (straggler, outsider, someones_shell):
            proc.kill()
            proc.wait()
