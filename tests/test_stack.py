"""The stack launcher's clean-up: nothing it started outlives `stop()`."""

from __future__ import annotations

import subprocess

from codementor.hub_config.stack import Stack


def test_stop_ends_stragglers_working_in_the_state_folder(tmp_path):
    inside = tmp_path / "state" / "users" / "x"
    inside.mkdir(parents=True)
    straggler = subprocess.Popen(["sleep", "300"], cwd=inside, start_new_session=True)
    outsider = subprocess.Popen(["sleep", "300"], cwd=tmp_path, start_new_session=True)
    try:
        Stack(state_dir=tmp_path / "state").stop()
        assert straggler.wait(10) is not None
        assert outsider.poll() is None  # only what works inside the state folder is ended
    finally:
        for proc in (straggler, outsider):
            proc.kill()
            proc.wait()
