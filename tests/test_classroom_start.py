"""`codementor classroom` before its Hub runs: the proxy it finds, the API port Prometheus scrapes,
what a failed start leaves behind, and a second classroom's dashboards user, each said in one line."""

from __future__ import annotations

import os
import pwd
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from codementor.hub_config.classroom_run import banner, classroom_stack
from codementor.hub_config.stack import MissingProxy, PortTaken, Stack, free_port, proxy_command

from .test_stack import Squatter

KEPT = {"postgres_password": "p" * 16, "redis_password": "r" * 16, "metrics_token": "m" * 16, "ops_token": "o" * 16,
        "admin_password": "a" * 16}
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="`codementor classroom` runs as root only")


def classroom_command(state: Path, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CODEMENTOR_HUB_DB_URL")}
    return subprocess.run([sys.executable, "-m", "codementor.cli", "classroom", "--state-dir", str(state), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=120, env={**clean, **env})


def test_the_proxy_named_in_codementor_proxy_cmd_is_the_one_started(tmp_path, monkeypatch):
    proxy = tmp_path / "bin" / "configurable-http-proxy"
    proxy.parent.mkdir()
    proxy.write_text("#!/bin/sh\n")
    proxy.chmod(0o755)
    monkeypatch.setenv("CODEMENTOR_PROXY_CMD", str(proxy))
    assert proxy_command() == str(proxy)
    assert Stack(state_dir=tmp_path / "state").hub_env()["CODEMENTOR_PROXY_CMD"] == str(proxy)


def test_a_missing_proxy_stops_the_start_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEMENTOR_PROXY_CMD", str(tmp_path / "nowhere" / "configurable-http-proxy"))
    stack = Stack(state_dir=tmp_path / "state", hub_port=free_port())
    with pytest.raises(MissingProxy, match="^CODEMENTOR_PROXY_CMD=.* is not an executable file: set it to configurable-http-proxy's path"):
        stack.start()
    assert not (tmp_path / "state" / "postgres").exists() and stack._procs == []


def test_a_start_that_fails_stops_the_redis_it_started(tmp_path):
    """Migrations against a database that does not answer fail after Redis runs: Redis must not outlive the start."""
    stack = Stack(state_dir=tmp_path / "state", hub_port=free_port(), passwords=True,
                  database_url=f"postgresql://nobody:x@127.0.0.1:{free_port()}/none")
    started = []
    original = stack.start_redis

    def start_redis():
        url = original()
        started.extend(stack._procs)
        return url

    stack.start_redis = start_redis
    with pytest.raises(RuntimeError, match="codementor db upgrade"):
        stack.start()
    assert len(started) == 1 and started[0].poll() is not None, "Redis still runs after the failed start"


def test_the_classroom_api_has_the_documented_port_or_the_one_set(tmp_path, monkeypatch):
    for name in ("CODEMENTOR_API_PORT", "DATABASE_URL", "REDIS_URL", "CODEMENTOR_HUB_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    stack = classroom_stack(tmp_path, "127.0.0.1", 8000, "teacher", KEPT, None)
    assert stack.api_port == 10101  # deploy/prometheus/prometheus.yml's target
    assert "Metrics: http://127.0.0.1:10101/services/codementor/metrics" in banner(stack, "127.0.0.1", "teacher", tmp_path)
    assert f"bearer token in {tmp_path}/secrets/metrics_token" in banner(stack, "127.0.0.1", "teacher", tmp_path)
    monkeypatch.setenv("CODEMENTOR_API_PORT", "10202")
    assert classroom_stack(tmp_path, "127.0.0.1", 8000, "teacher", KEPT, None).api_port == 10202


def test_a_taken_classroom_api_port_stops_the_start_with_one_line(tmp_path, monkeypatch):
    """Another stack's API on 10101: moving ours would have Prometheus scrape the other one."""
    for name in ("DATABASE_URL", "REDIS_URL", "CODEMENTOR_HUB_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    squatter = Squatter()
    try:
        monkeypatch.setenv("CODEMENTOR_API_PORT", str(squatter.port))
        stack = classroom_stack(tmp_path / "state", "127.0.0.1", free_port(), "teacher", KEPT, None)
        with pytest.raises(PortTaken, match=f"^port {squatter.port} for the CodeMentor API is taken \\(another stack\\?\\): "
                                            "stop what holds it, or set CODEMENTOR_API_PORT to a free port$"):
            stack.start()
        assert stack.api_port == squatter.port and not (tmp_path / "state" / "postgres").exists()
    finally:
        squatter.close()


@as_root
def test_the_classroom_command_says_a_missing_proxy_in_one_line(tmp_path):
    done = classroom_command(tmp_path / "state", {"CODEMENTOR_PROXY_CMD": "/nonexistent/configurable-http-proxy"})
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [
        "codementor classroom: CODEMENTOR_PROXY_CMD=/nonexistent/configurable-http-proxy is not an executable file: set it to "
        "configurable-http-proxy's path (`npm install --prefix /opt/codementor configurable-http-proxy` puts it in "
        "/opt/codementor/node_modules/.bin/)"]


@as_root
def test_a_second_classroom_on_the_first_ones_dashboards_user_is_told_to_name_its_own(tmp_path):
    """The first classroom's dashboards server runs as the user: usermod cannot move its home (exit 8)."""
    name = f"cm{secrets.token_hex(2)}-dash"
    subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", str(tmp_path / "first" / "dashboards"),
                    "--shell", "/usr/sbin/nologin", name], check=True)
    entry = pwd.getpwnam(name)
    first = subprocess.Popen(["sleep", "300"], user=entry.pw_uid, group=entry.pw_gid)
    try:
        done = classroom_command(tmp_path / "second", {"CODEMENTOR_DASHBOARDS_USER": name})
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"codementor classroom: the system user {name!r} runs another classroom's dashboards (from {tmp_path}/first/dashboards): "
            f"give this one a user of its own with CODEMENTOR_DASHBOARDS_USER (e.g. {name}-2), or stop the other classroom"]
        assert not (tmp_path / "second" / "postgres").exists()
    finally:
        first.kill()
        first.wait()
        subprocess.run(["userdel", name], capture_output=True)
