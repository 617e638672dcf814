"""What an operator met walking through the README: a backup of running servers holds none of their keys,
`users delete` leaves nothing of the user in Redis and refuses without a terminal, `assignments` and `db current`
find the demo's databases, output piped into `head` ends quietly, an exported authoring notebook is the owner's only."""

from __future__ import annotations

import fnmatch
import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from .test_backup import codementor, empty_stack, notebooks, wait_for_notebooks  # noqa: F401 (empty_stack: a fixture)

# a running Jupyter server's live keys: its token, cookie and notebook secrets, the kernels' connection keys
LIVE_KEYS = ("*/.local/share/jupyter/runtime/*", "*/jpserver-*.json", "*/jpserver-*-open.html", "*/kernel-*.json",
             "*/jupyter_cookie_secret", "*/notebook_secret", "*/jupyterhub_cookie_secret")


def live_keys(names) -> list[str]:
    return [n for n in names if any(fnmatch.fnmatch(n, p) for p in LIVE_KEYS)]


def cli(*args: str, env: dict | None = None, cwd=None, **kwargs) -> subprocess.CompletedProcess:
    """The command as an operator runs it; `env` entries set to None are left out of the environment."""
    merged = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "codementor.cli", *args], capture_output=True, text=True, env=merged, cwd=cwd,
                          timeout=180, **kwargs)


# --- the backup of a stack with a running student server ----------------------------------
@pytest.mark.e2e
def test_a_backup_of_running_servers_holds_none_of_their_keys_and_restores(stack, hub, empty_stack, tmp_path):  # noqa: F811
    name = "bk-live-lu"
    hub.create_user(name)
    hub.spawn(name)
    try:
        wait_for_notebooks(stack.state_dir, name)
        # ask the running server for a kernel: its connection file (and HMAC key) joins the server's token file
        hub.server(name).post("/api/kernels", json={"name": "python3"}).raise_for_status()
        home = stack.state_dir / "users" / name
        present = live_keys(str(p) for p in home.rglob("*"))
        assert present, f"no runtime file in {home}: the test would prove nothing"
        made = codementor("backup", "--state-dir", str(stack.state_dir), "--out", str(tmp_path / "b"),
                          env={"DATABASE_URL": stack.database_url, "CODEMENTOR_HUB_DB_URL": stack.hub_db_url})
        assert made.returncode == 0, made.stderr
        work = {k: v for k, v in notebooks(stack.state_dir).items() if k.startswith(f"{name}/")}
    finally:
        hub.stop(name)
    archive = next((tmp_path / "b").glob("codementor-backup-*.tar.gz"))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert f"state/users/{name}/exercises" in names
    assert live_keys(names) == [], live_keys(names)

    done = codementor("restore", str(archive), "--state-dir", str(empty_stack.state_dir),
                      "--database-url", empty_stack.database_url, "--hub-db-url", empty_stack.hub_db_url, env={})
    assert done.returncode == 0, done.stderr
    restored = notebooks(empty_stack.state_dir)
    assert work and {k: restored.get(k) for k in work} == work


# --- `codementor users delete` ----------------------------------------------------------
async def new_user(services, name: str) -> int:
    from codementor.api import db
    from codementor.api.models import User

    engine = db.make_engine(services.database_url, pool_size=1)
    try:
        async with db.make_sessionmaker(engine)() as s, s.begin():
            user = User(name=name, role="student")
            s.add(user)
            await s.flush()
            return user.id
    finally:
        await engine.dispose()


async def leave_traces(redis, name: str, user_id: int) -> None:
    """What a day of use leaves in Redis under a name and an id: windows, a daily cap, marks, a tutor turn, a token's confirmation."""
    from codementor.api.auth import SHARED_PREFIX
    from codementor.api.services.answering import PREFIX as ANSWERING
    from codementor.api.services.limits import RateLimiter, day_cap

    limiter = RateLimiter(redis=redis)
    cap = day_cap("sum-of-evens", 1, "UTC", limiter.clock())
    assert await limiter.hit_once("submit", name, "student", "sum-of-evens:key-0001", cap) is True
    await limiter.hit("tutor", name, "student")
    await limiter.take_runs("leakrun", name, day_cap("sum-of-evens", 5, "UTC", limiter.clock()), [("d1", False)])
    await redis.set(f"{ANSWERING}:{user_id}", "turn", ex=60)
    await redis.set(f"{SHARED_PREFIX}{name}-token-hash", json.dumps({"name": name, "kind": "user"}), ex=60)


async def keys_naming(redis, name: str) -> list[str]:
    found = [k.decode() for k in await redis.keys("codementor:*")]
    return sorted(k for k in found if f":{name}:" in k or k.endswith(f":{name}") or f"{name}-token" in k)


async def test_users_delete_leaves_nothing_of_the_user_in_redis_and_a_new_user_of_that_name_starts_clean(services):
    import redis.asyncio as aioredis

    from codementor.api.services.answering import PREFIX as ANSWERING
    from codementor.api.services.limits import RateLimited, RateLimiter, day_cap

    name, neighbours = "r8-del-bo", ("r8-del-bob", "r8-del")  # names sharing a prefix keep what is theirs
    redis = aioredis.from_url(services.redis_url)
    try:
        user_id = await new_user(services, name)
        await leave_traces(redis, name, user_id)
        for other in neighbours:
            await leave_traces(redis, other, await new_user(services, other))
        limiter = RateLimiter(redis=redis)
        with pytest.raises(RateLimited):  # the day's one submission is used
            await limiter.hit_once("submit", name, "student", "sum-of-evens:key-0002", day_cap("sum-of-evens", 1, "UTC", limiter.clock()))
        before = {n: await keys_naming(redis, n) for n in (name, *neighbours)}
        assert len(before[name]) >= 6, before[name]

        done = cli("users", "delete", name, "--yes", "--hub-api-url", "",
                   env={"DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url, "CODEMENTOR_STATE_DIR": str(services.state_dir / "none")})
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["redis_keys"] == len(before[name]) + 1  # and the tutor turn, keyed by id
        assert await keys_naming(redis, name) == [] and not await redis.exists(f"{ANSWERING}:{user_id}")
        assert {n: await keys_naming(redis, n) for n in neighbours} == {n: before[n] for n in neighbours}
        # the same name again: a clean day
        assert await limiter.hit_once("submit", name, "student", "sum-of-evens:key-0002", day_cap("sum-of-evens", 1, "UTC", limiter.clock())) is True
    finally:
        await redis.aclose()


async def test_a_redis_that_stops_answering_after_the_rows_went_is_one_line_in_the_report(services):
    import redis.asyncio as aioredis

    from codementor.api import db
    from codementor.api.services.erase import erase_user
    from codementor.hub_config.stack import free_port

    user_id = await new_user(services, "r8-del-cy")
    engine = db.make_engine(services.database_url, pool_size=1)
    closed = aioredis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    try:
        report = await erase_user(db.make_sessionmaker(engine), closed, None, "r8-del-cy", None, "cli")
    finally:
        await closed.aclose()
        await engine.dispose()
    assert report["user_id"] == user_id and report["rows"]["users"] == 1
    assert "REDIS_URL" in report["redis_left"] and "\n" not in report["redis_left"]


def test_users_delete_without_a_terminal_asks_for_the_flag_in_one_line():
    done = cli("users", "delete", "r8-nobody", stdin=subprocess.DEVNULL)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == ["codementor users delete: no terminal to confirm on: pass --yes; nothing deleted"]


# --- `assignments` and `db current` find the demo's database from the project folder ------
def demo_folder(tmp_path, services) -> Path:
    """A project folder after `make demo`: .state/demo/demo.env names the databases."""
    from codementor.hub_config.stack import write_environment

    if Path("/var/lib/codementor").exists():
        pytest.skip("a classroom state folder on this machine comes first")
    (tmp_path / ".state" / "demo").mkdir(parents=True)
    write_environment(tmp_path / ".state" / "demo" / "demo.env", {"DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url})
    return tmp_path


BARE = {"DATABASE_URL": None, "REDIS_URL": None, "CODEMENTOR_STATE_DIR": None, "CODEMENTOR_HUB_DB_URL": None}


def test_assignments_and_db_current_find_the_demo_from_the_project_folder(services, tmp_path):
    from codementor.api import db

    folder = demo_folder(tmp_path, services)
    added = cli("assignments", "add", "r8-group", "sum-of-evens", "2031-02-03", env=BARE, cwd=folder)
    assert added.returncode == 0 and "Traceback" not in added.stderr, added.stderr
    listed = cli("assignments", "list", "--group", "r8-group", env=BARE, cwd=folder)
    assert listed.returncode == 0, listed.stderr
    assert "2031-02-03  r8-group" in listed.stdout and "sum-of-evens" in listed.stdout, listed.stdout
    removed = cli("assignments", "remove", str(json.loads(added.stdout)["id"]), env=BARE, cwd=folder)
    assert removed.returncode == 0, removed.stderr
    current = cli("db", "current", env=BARE, cwd=folder)
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == f"current: {db.head_revision()}  latest: {db.head_revision()}"


@pytest.mark.parametrize("argv", [("assignments", "list"), ("assignments", "remove", "1"), ("db", "current"), ("db", "upgrade")])
def test_no_database_anywhere_is_one_line_naming_the_setting(argv, tmp_path):
    done = cli(*argv, env={**BARE, "CODEMENTOR_STATE_DIR": str(tmp_path)}, cwd=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "DATABASE_URL" in done.stderr and "--state-dir" in done.stderr, done.stderr


# --- output piped into a reader that stops early ----------------------------------------------
@pytest.mark.parametrize("argv", [("exercises", "list"), ("exercises", "list", "--json"), ("exercises", "render", "sum-of-evens")])
def test_a_reader_that_stops_early_ends_the_command_quietly(argv):
    """As `codementor exercises list | head -1`: the pipe's reader is gone before the command writes."""
    proc = subprocess.Popen([sys.executable, "-m", "codementor.cli", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone: every write to the pipe fails
    err = proc.stderr.read().decode()
    proc.wait(120)
    proc.stderr.close()
    assert err == "", err


# --- authoring notebooks and course folders others can read -----------------------------------
def test_an_exported_authoring_notebook_is_the_owners_only_and_an_import_into_an_open_folder_warns(tmp_path):
    stale = tmp_path / "sum-of-evens.ipynb"
    stale.write_text("{}")
    stale.chmod(0o644)  # an older file in its place, readable by all
    done = cli("exercises", "export", "sum-of-evens", "--force", cwd=tmp_path, preexec_fn=lambda: os.umask(0o022),
               env={"CODEMENTOR_COURSE_DIRS": None})
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(stale.stat().st_mode) == 0o600 and "0600" in done.stdout, done.stdout
    created = cli("exercises", "new", "r8-count", cwd=tmp_path, preexec_fn=lambda: os.umask(0o022))
    assert created.returncode == 0 and stat.S_IMODE((tmp_path / "r8-count.ipynb").stat().st_mode) == 0o600, created.stderr

    course = tmp_path / "course"
    course.mkdir(mode=0o755)
    course.chmod(0o755)
    imported = cli("exercises", "import", str(stale), "--course", str(course), cwd=tmp_path, env={"CODEMENTOR_COURSE_DIRS": None})
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert f"warning: {course} is open to every user of this machine" in imported.stdout, imported.stdout
    course.chmod(0o750)
    again = cli("exercises", "import", str(stale), "--course", str(course), cwd=tmp_path, env={"CODEMENTOR_COURSE_DIRS": None})
    assert again.returncode == 0 and "warning" not in again.stdout, again.stdout + again.stderr
