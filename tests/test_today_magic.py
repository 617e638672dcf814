"""%today on the kernel side: where it finds the student's server, and what it tells the student."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from tutor_kernel_ext.client import own_server_url
from tutor_kernel_ext.magics import TutorMagics, format_today


@pytest.fixture(scope="module")
def ip(ipython_shell):
    return ipython_shell


def test_server_url_comes_from_what_jupyterhub_sets():
    env = {"JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:40123/user/gwen/", "JUPYTERHUB_SERVICE_PREFIX": "/user/gwen/"}
    assert own_server_url(env) == "http://127.0.0.1:40123/user/gwen/"
    assert own_server_url({"JUPYTERHUB_SERVICE_URL": "http://0.0.0.0:8888", "JUPYTERHUB_SERVICE_PREFIX": "/user/x/"}) == "http://127.0.0.1:8888/user/x/"
    assert own_server_url({}) == ""


def test_today_outside_jupyterhub_is_one_helpful_line(ip):
    magics = TutorMagics(shell=ip, server_url="", api_token="t")
    ip.register_magics(magics)
    with pytest.raises(UsageError, match="started from your JupyterHub server"):
        ip.run_line_magic("today", "")


def test_today_unreachable_server_is_one_helpful_line(ip):
    magics = TutorMagics(shell=ip, server_url="http://127.0.0.1:9/user/x/", api_token="t", timeout=2)
    ip.register_magics(magics)
    with pytest.raises(UsageError, match="not reachable"):
        ip.run_line_magic("today", "")


def test_today_lists_what_happened_to_each_notebook():
    markdown, plain = format_today([
        {"path": "exercises/2026-03-02-sum-of-evens.ipynb", "action": "restored"},
        {"path": "exercises/2026-03-02-word-frequencies.ipynb", "action": "kept-edited"},
    ])
    assert "exercises/2026-03-02-sum-of-evens.ipynb: brought back" in plain
    assert "your edited copy, kept as it is" in plain
    assert format_today([])[1] == "No exercises today."
