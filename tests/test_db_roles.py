"""The API connects to Postgres as a role of its own (`codementor db api-role`) that owns nothing:
as that role the audit trail cannot be changed, its triggers cannot be turned off, no table can be
made or dropped, no program can be run and the Hub's database is closed; the running API of the
stack really is connected as it, and a student's data is still deleted through it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid

import httpx
import psycopg
import pytest
from psycopg import errors
from sqlalchemy.engine import make_url

from codementor.api.db_roles import libpq_url, privilege_warning
from codementor.hub_config.stack import free_port

from .test_schema_check import fresh_database

pytestmark = pytest.mark.e2e


@pytest.fixture
def as_api(stack):
    """A connection as the role the stack's API uses (autocommit: each statement on its own)."""
    assert stack.api_database_url, "the stack gives the API no role of its own"
    with psycopg.connect(libpq_url(stack.api_database_url), autocommit=True) as conn:
        yield conn


def refused(conn, statement: str) -> None:
    """`statement` fails for want of a privilege (not for a trigger or a missing object)."""
    with pytest.raises(errors.InsufficientPrivilege) as caught:
        conn.execute(statement)
    print(f"refused: {statement[:60]!r}: {str(caught.value).splitlines()[0]}")


def api_backends(url: str, role: str) -> list[tuple]:
    """Connections to the API's database made as `role` (pg_stat_activity, read as the owner)."""
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute("SELECT pid, usename, application_name FROM pg_stat_activity WHERE datname = current_database() "
                            "AND usename = %s", (role,)).fetchall()


def test_the_api_role_may_append_to_the_audit_trail_and_nothing_more(as_api):
    who = as_api.execute("SELECT current_user, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone()
    assert who[0] == "codementor_api" and not any(who[1:])
    as_api.execute("INSERT INTO audit_events (actor_role, action, details) VALUES ('test', 'role_check', '{}')")
    assert as_api.execute("SELECT count(*) FROM audit_events WHERE action = 'role_check'").fetchone()[0] >= 1
    refused(as_api, "UPDATE audit_events SET action = 'rewritten' WHERE action = 'role_check'")
    refused(as_api, "DELETE FROM audit_events WHERE action = 'role_check'")
    refused(as_api, "TRUNCATE audit_events")
    refused(as_api, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
    refused(as_api, "DROP TRIGGER audit_events_no_change ON audit_events")
    refused(as_api, "UPDATE alembic_version SET version_num = 'x'")


def test_the_api_role_makes_and_drops_nothing_and_runs_no_program(as_api):
    refused(as_api, "DROP TABLE submissions")
    refused(as_api, "CREATE TABLE smuggled (x int)")
    refused(as_api, "CREATE TEMPORARY TABLE smuggled (x int)")
    refused(as_api, "ALTER TABLE users ADD COLUMN smuggled int")
    refused(as_api, "COPY (SELECT 1) TO PROGRAM 'id'")
    refused(as_api, "COPY users TO '/tmp/users.csv'")
    refused(as_api, "CREATE ROLE smuggled SUPERUSER")
    refused(as_api, "ALTER ROLE codementor_api SUPERUSER")


def test_the_api_role_cannot_reach_the_hubs_database(stack):
    hub_db = make_url(stack.hub_db_url).database
    other = make_url(stack.api_database_url).set(database=hub_db)
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(libpq_url(other.render_as_string(hide_password=False))).close()
    # the Hub itself (the owner) still connects
    psycopg.connect(libpq_url(stack.hub_db_url)).close()


def test_the_running_api_connects_as_its_role_and_operators_keep_the_owner(stack):
    deadline = time.monotonic() + 30
    while not (backends := api_backends(stack.database_url, "codementor_api")):  # the direct pool connects in the background
        assert time.monotonic() < deadline, "no connection of the API's role to its database"
        time.sleep(0.5)
    print("the API's connections:", backends)
    # the API process was given the role's URL, the operator's file keeps the owner's
    env = stack.hub_env()
    assert make_url(env["CODEMENTOR_API_DATABASE_URL"]).username == "codementor_api"
    assert make_url(stack.operator_environment()["DATABASE_URL"]).username == make_url(stack.database_url).username != "codementor_api"


def test_the_api_warns_once_when_it_connects_as_a_superuser(services):
    assert "codementor db api-role" in privilege_warning(services.database_url)
    env = {**os.environ, "DATABASE_URL": services.database_url, "JUPYTERHUB_API_TOKEN": "unused", "CODEMENTOR_API_WORKERS": "1",
           "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{free_port()}", "REDIS_URL": services.redis_url}
    proc = subprocess.Popen([sys.executable, "-m", "codementor.cli", "api"], env=env, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(proc.stderr), daemon=True)  # the API keeps running: never block on it
    reader.start()
    try:
        # the check runs right after the schema check, before the API serves: once it serves, the warning would be out
        wait_until = time.monotonic() + 60
        while time.monotonic() < wait_until and not any("retention purge" in line or "CodeMentor API on" in line for line in seen):
            if any("codementor db api-role" in line for line in seen) or proc.poll() is not None:
                break
            time.sleep(0.2)
        time.sleep(1)
    finally:
        proc.kill()
        proc.wait()
        reader.join(5)
    warned = [line for line in seen if "codementor db api-role" in line]
    assert len(warned) == 1, "".join(seen[-20:])
    assert "superuser" in warned[0] and "CODEMENTOR_API_DATABASE_URL" in warned[0]


def test_the_command_is_idempotent_and_grants_tables_added_later(services, tmp_path):
    url = fresh_database(services.database_url)
    role = f"cm_api_{uuid.uuid4().hex[:8]}"
    password = tmp_path / "password"
    password.write_text("first-secret\n")

    def api_role(*extra):
        done = subprocess.run([sys.executable, "-m", "codementor.cli", "db", "api-role", "--database-url", url, "--role", role,
                               "--hub-db-url", "", *extra], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert subprocess.run([sys.executable, "-m", "codementor.cli", "db", "upgrade", "--database-url", url], capture_output=True).returncode == 0
    assert "created" in api_role("--password-file", str(password))
    assert "updated" in api_role()
    with psycopg.connect(libpq_url(url), autocommit=True) as owner:
        owner.execute("CREATE TABLE added_later (id bigserial PRIMARY KEY, x int)")  # what a later migration does
    api_role()
    as_role = make_url(url).set(username=role, password="first-secret").render_as_string(hide_password=False)
    assert privilege_warning(as_role) is None
    with psycopg.connect(libpq_url(as_role), autocommit=True) as conn:
        conn.execute("INSERT INTO added_later (x) VALUES (1)")
        assert conn.execute("SELECT count(*) FROM added_later").fetchone()[0] == 1
        refused(conn, "TRUNCATE added_later")
        refused(conn, "DELETE FROM audit_events")
    with psycopg.connect(libpq_url(url), autocommit=True) as owner:  # leave the server's roles as they were
        owner.execute(f'DROP OWNED BY "{role}"')
        owner.execute(f'DROP ROLE "{role}"')


def test_the_command_refuses_a_role_that_owns_something(services):
    url = fresh_database(services.database_url)
    role = f"cm_owner_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_url(url), autocommit=True) as owner:
        owner.execute(f'CREATE ROLE "{role}" LOGIN')
        owner.execute("CREATE TABLE owned_by_it (x int)")
        owner.execute(f'ALTER TABLE owned_by_it OWNER TO "{role}"')
    done = subprocess.run([sys.executable, "-m", "codementor.cli", "db", "api-role", "--database-url", url, "--role", role, "--hub-db-url", ""],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "REASSIGN OWNED" in done.stderr and "Traceback" not in done.stderr
    with psycopg.connect(libpq_url(url), autocommit=True) as owner:
        owner.execute(f'DROP OWNED BY "{role}"')
        owner.execute(f'DROP ROLE "{role}"')


def test_a_students_data_is_deleted_through_the_api_connected_as_its_role(stack, hub):
    assert api_backends(stack.database_url, "codementor_api"), "the API is not connected as its role"
    name = f"role-purge-{uuid.uuid4().hex[:6]}"
    hub.create_user(name)
    student, admin = hub.user_token(name), hub.user_token("admin")

    def call(token, method, path, **kwargs):
        return httpx.request(method, f"{stack.api_url}{path}", headers={"Authorization": f"token {token}"}, timeout=60, **kwargs)

    assert call(student, "GET", "/exercises/today").status_code == 200
    submitted = call(student, "POST", "/submissions", json={"exercise_id": "sum-of-evens", "code": "def sum_of_evens(n):\n    return 0\n",
                                                             "idempotency_key": uuid.uuid4().hex})
    assert submitted.status_code == 201, submitted.text
    with psycopg.connect(libpq_url(stack.database_url)) as owner:
        user_id = owner.execute("SELECT id FROM users WHERE name = %s", (name,)).fetchone()[0]
    deleted = call(admin, "DELETE", f"/users/{name}")
    assert deleted.status_code == 200, deleted.text
    with psycopg.connect(libpq_url(stack.database_url)) as owner:
        assert owner.execute("SELECT count(*) FROM users WHERE id = %s", (user_id,)).fetchone()[0] == 0
        assert owner.execute("SELECT count(*) FROM submissions WHERE user_id = %s", (user_id,)).fetchone()[0] == 0
        # the deletion itself is in the trail, written by the API's role
        assert owner.execute("SELECT count(*) FROM audit_events WHERE subject_user_id = %s", (user_id,)).fetchone()[0] >= 1


def test_a_restore_gives_the_api_role_its_grants_again(services, capsys):
    """pg_restore recreates the tables without privileges (the dumps leave them out): `codementor restore`
    grants them again to the API's role where the server has one."""
    from codementor.cli.backup import regrant_api_role

    url = fresh_database(services.database_url)
    assert subprocess.run([sys.executable, "-m", "codementor.cli", "db", "upgrade", "--database-url", url], capture_output=True).returncode == 0
    password = "restore-check"
    done = subprocess.run([sys.executable, "-m", "codementor.cli", "db", "api-role", "--database-url", url, "--hub-db-url", ""],
                          capture_output=True, text=True, env={**os.environ, "CODEMENTOR_API_DB_PASSWORD": password})
    assert done.returncode == 0, done.stderr
    as_role = libpq_url(make_url(url).set(username="codementor_api", password=password).render_as_string(hide_password=False))
    with psycopg.connect(libpq_url(url), autocommit=True) as owner:  # what a restore leaves: tables without grants
        owner.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM codementor_api")
    with psycopg.connect(as_role, autocommit=True) as conn:
        refused(conn, "SELECT count(*) FROM users")
    regrant_api_role(url)
    assert "its grants on the" in capsys.readouterr().out
    with psycopg.connect(as_role, autocommit=True) as conn:
        conn.execute("SELECT count(*) FROM users")
        refused(conn, "DELETE FROM audit_events")


def test_with_passwords_the_api_role_needs_the_password_of_this_start(tmp_path):
    """The classroom's Postgres asks every connection for a password: the role's is made up at each start."""
    from codementor.hub_config.stack import Stack

    stack = Stack(state_dir=tmp_path / "state", passwords=True)
    stack.state_dir.mkdir()
    try:
        stack.start_postgres()
        stack.migrate()
        stack.create_hub_database()
        first = stack.create_api_role()
        assert make_url(first).password
        psycopg.connect(libpq_url(first)).close()
        wrong = make_url(first).set(password="not-the-password").render_as_string(hide_password=False)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(libpq_url(wrong)).close()
        second = stack.create_api_role()  # the next start
        assert make_url(second).password != make_url(first).password
        psycopg.connect(libpq_url(second)).close()
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(libpq_url(first)).close()
        assert make_url(stack.operator_environment()["DATABASE_URL"]).username == "postgres"
    finally:
        stack.stop()


def test_an_owner_that_is_no_superuser_makes_the_role_too(services):
    """A managed Postgres: the API's database belongs to a role with CREATEROLE, not a superuser."""
    suffix = uuid.uuid4().hex[:8]
    owner_role, api_role_name, database = f"cm_owner_{suffix}", f"cm_api_{suffix}", f"owned_{suffix}"
    with psycopg.connect(libpq_url(services.database_url), autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{owner_role}" LOGIN CREATEROLE')
        admin.execute(f'CREATE DATABASE "{database}" OWNER "{owner_role}"')
    owner_url = make_url(services.database_url).set(username=owner_role, database=database).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": owner_url, "CODEMENTOR_API_DB_PASSWORD": "x"}
    assert subprocess.run([sys.executable, "-m", "codementor.cli", "db", "upgrade"], env=env, capture_output=True).returncode == 0
    for _ in range(2):  # idempotent for such an owner too (it may not restate NOSUPERUSER)
        done = subprocess.run([sys.executable, "-m", "codementor.cli", "db", "api-role", "--role", api_role_name, "--hub-db-url", ""],
                              env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert "codementor db api-role" in privilege_warning(owner_url)  # the owner is warned about, though no superuser
    as_role = make_url(owner_url).set(username=api_role_name, password="x").render_as_string(hide_password=False)
    assert privilege_warning(as_role) is None
    with psycopg.connect(libpq_url(as_role), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0
        refused(conn, "DROP TABLE users")
        refused(conn, "UPDATE audit_events SET action = 'x'")
