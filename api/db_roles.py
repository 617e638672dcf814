"""The API's own Postgres role: what it may do, made and checked from here.

The API does not need to own its tables. Connected as their owner (or a superuser) it could
disable the audit trail's append-only triggers, drop tables, read other databases on the
server or, as a superuser, run programs as the server's OS user (`COPY ... TO PROGRAM`).
`ensure_api_role`, run with the owner's URL by `codementor db api-role` (and by the stack
after each migration), makes a LOGIN role that owns nothing and may only:

- connect to the API's database, use its schema;
- SELECT, INSERT, UPDATE, DELETE on the API's tables (a student's data is deleted on request);
- SELECT and INSERT on `audit_events` (append-only for it as for the code);
- SELECT on `alembic_version` (the API checks the schema version at start);
- use the schema's sequences and call its functions.

Nothing else: no TRUNCATE, TRIGGER or REFERENCES, no DDL, no temporary tables (TEMPORARY on
the API's database is revoked from PUBLIC), no other database named to it (its CONNECT from
PUBLIC is revoked). Run again after every migration: each run grants afresh on
the tables that exist then.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

DEFAULT_ROLE = "codementor_api"
# tables the API only appends to or only reads; every other table of its schema gets all four
APPEND_ONLY = ("audit_events",)
READ_ONLY = ("alembic_version",)
ROLE_ATTRIBUTES = {"rolsuper": "NOSUPERUSER", "rolcreatedb": "NOCREATEDB", "rolcreaterole": "NOCREATEROLE",
                   "rolreplication": "NOREPLICATION", "rolbypassrls": "NOBYPASSRLS", "rolcanlogin": "LOGIN"}
SETUP_COMMAND = "codementor db api-role"


class RoleError(RuntimeError):
    """The role cannot be made least-privileged as asked: one line that says why and what to do."""


@dataclass
class RoleReport:
    role: str
    database: str
    schema: str
    created: bool = False
    password: str = ""  # set when this run made one up
    tables: list[str] = field(default_factory=list)
    revoked_memberships: list[str] = field(default_factory=list)
    denied_databases: list[str] = field(default_factory=list)
    other_databases: list[str] = field(default_factory=list)  # it can still connect to these (PUBLIC has CONNECT)


def libpq_url(url: str) -> str:
    """A URL psycopg (libpq) takes: without SQLAlchemy's driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def role_url(owner_url: str, role: str, password: str) -> str:
    """The owner's URL with the API role's name and password instead (same server, database and options)."""
    return make_url(owner_url).set(username=role, password=password or None).render_as_string(hide_password=False)


def ensure_api_role(owner_url: str, role: str = DEFAULT_ROLE, password: str = "", deny_databases=()) -> RoleReport:
    """Create or update the API's role and its grants (idempotent); `deny_databases`: names on this
    server (the Hub's) whose CONNECT from PUBLIC is revoked. A new role without a password gets one made up."""
    with psycopg.connect(libpq_url(owner_url)) as conn:
        database, schema, me = conn.execute("SELECT current_database(), current_schema(), current_user").fetchone()
        if role == me:
            raise RoleError(f"the API role {role!r} is the role this command connects as (the owner): name another role (--role)")
        report = RoleReport(role, database, schema)
        _ensure_login_role(conn, report, password)
        _refuse_ownership(conn, role)
        _revoke_memberships(conn, report)
        _grant(conn, report)
        _deny(conn, report, deny_databases)
        report.other_databases = [name for (name,) in conn.execute(
            "SELECT datname FROM pg_database WHERE datallowconn AND datname <> current_database() "
            "AND has_database_privilege(%s, datname, 'CONNECT') ORDER BY datname", (role,))]
    return report


def _ensure_login_role(conn, report: RoleReport, password: str) -> None:
    found = conn.execute("SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin "
                         "FROM pg_roles WHERE rolname = %s", (report.role,)).fetchone()
    name = sql.Identifier(report.role)
    if found is None:
        report.created = True
        report.password = password = password or secrets.token_urlsafe(24)
        conn.execute(sql.SQL("CREATE ROLE {} " + " ".join(ROLE_ATTRIBUTES.values()) + " PASSWORD {}").format(name, sql.Literal(password)))
        return
    # only what differs: a non-superuser owner may not even restate NOSUPERUSER
    wrong = [attr for attr, value in zip(ROLE_ATTRIBUTES.values(), found) if value != (attr == "LOGIN")]
    if wrong:
        conn.execute(sql.SQL("ALTER ROLE {} " + " ".join(wrong)).format(name))
    if password:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, sql.Literal(password)))


def _refuse_ownership(conn, role: str) -> None:
    owned = conn.execute("SELECT count(*) FROM pg_shdepend WHERE refclassid = 'pg_authid'::regclass AND deptype = 'o' "
                         "AND refobjid = (SELECT oid FROM pg_roles WHERE rolname = %s)", (role,)).fetchone()[0]
    owned += conn.execute("SELECT count(*) FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = %s)", (role,)).fetchone()[0]
    if owned:
        raise RoleError(f"the role {role!r} owns {owned} objects (tables, databases, ...), so it could alter or drop them: "
                        f"give them to the owner (`REASSIGN OWNED BY {role} TO <owner>` in each database) or name another role (--role)")


def _revoke_memberships(conn, report: RoleReport) -> None:
    """A member of another role has that role's rights (the owner's, pg_read_server_files, ...): none for the API's."""
    for (granted,) in conn.execute("SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                                   "WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = %s)", (report.role,)).fetchall():
        conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(granted), sql.Identifier(report.role)))
        report.revoked_memberships.append(granted)


def _grant(conn, report: RoleReport) -> None:
    role, schema = sql.Identifier(report.role), sql.Identifier(report.schema)
    report.tables = [name for (name,) in conn.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') "
        "ORDER BY c.relname")]
    steps = [
        "GRANT CONNECT ON DATABASE {database} TO {role}",
        # no temporary tables either (every role may make them by default; the API uses none)
        "REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC",
        "REVOKE TEMPORARY ON DATABASE {database} FROM {role}",
        # Postgres before 15 let every role create tables in public
        "REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        "REVOKE CREATE ON SCHEMA {schema} FROM {role}",
        "GRANT USAGE ON SCHEMA {schema} TO {role}",
        "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {role}",
    ]
    for step in steps:
        conn.execute(sql.SQL(step).format(database=sql.Identifier(report.database), schema=schema, role=role))
    for table, keep in [(t, "UPDATE, DELETE") for t in APPEND_ONLY] + [(t, "INSERT, UPDATE, DELETE") for t in READ_ONLY]:
        if table in report.tables:
            conn.execute(sql.SQL("REVOKE " + keep + " ON {} FROM {}").format(sql.Identifier(report.schema, table), role))


def _deny(conn, report: RoleReport, names) -> None:
    for name in names:
        if name == report.database or not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            continue
        conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE {db} FROM PUBLIC").format(db=sql.Identifier(name)))
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {db} FROM {role}").format(db=sql.Identifier(name), role=sql.Identifier(report.role)))
        report.denied_databases.append(name)


def privilege_warning(url: str) -> str | None:
    """One line for the API's log when it connects as a superuser or as its tables' owner, else None."""
    with psycopg.connect(libpq_url(url), connect_timeout=10) as conn:
        me, superuser = conn.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        owned = conn.execute("SELECT count(*) FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
                             "AND c.relkind IN ('r', 'p') AND pg_has_role(current_user, c.relowner, 'USAGE')").fetchone()[0]
    if not superuser and not owned:
        return None
    what = "a superuser" if superuser else f"the owner of {owned} of its tables"
    return (f"the API connects to Postgres as {me!r}, {what}: code running in the API could disable the audit trail's "
            f"triggers or drop tables. Run `{SETUP_COMMAND}` with this URL and give the API the role's URL "
            "(CODEMENTOR_API_DATABASE_URL in the Hub's environment, or DATABASE_URL / c.TutorAPI.database_url)")
