"""Students' data against the real stack: the export holds every table about a user, a deletion
leaves none of their rows (found by walking the models' metadata, not a list), other students'
data stays, the cached answers made from their prompts go, and the audit trail records it all."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text

from codementor.api.models import Base
from codementor.api.services.userdata import RETAINED

pytestmark = pytest.mark.e2e

STUDENT, OTHER, TEACHER = "zelda-quartz", "data-bystander", "data-teacher"
QUESTION = "which numbers does my loop skip?"


def personal_tables() -> dict[str, str]:
    """Tables with a user column, walked from the metadata: direct (FK to users or a *user_id column) or through another."""
    found: dict[str, str] = {}
    for _ in range(len(Base.metadata.tables)):
        for table in Base.metadata.sorted_tables:
            if table.name == "users" or table.name in found:
                continue
            if any(c.name.endswith("user_id") for c in table.columns) or any(fk.column.table.name == "users" for fk in table.foreign_keys):
                found[table.name] = "direct"
            elif any(fk.column.table.name in found for fk in table.foreign_keys):
                found[table.name] = "through " + next(fk.column.table.name for fk in table.foreign_keys if fk.column.table.name in found)
    return found


def call(url: str, token: str, method: str = "GET", **kwargs) -> httpx.Response:
    return httpx.request(method, url, headers={"Authorization": f"token {token}"}, timeout=60, **kwargs)


def whole_roster(api: str, token: str) -> dict:
    """Every student an admin sees, page by page (other tests' students share the stack)."""
    roster, cursor = {}, None
    while True:
        page = call(f"{api}/class/students", token, params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        roster.update((r["name"], r) for r in page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return roster


def seed(stack, token: str, bank) -> None:
    """A student day through the real API: onboarding and placement, today's exercise, a hint, submissions, the tutor, a deletion request."""
    api = stack.api_url
    ex = bank.get("sum-of-evens")
    assert call(f"{api}/me", token, "PUT", json={"level": "beginner", "topics": ["loops"], "timezone": "Europe/Paris"}).status_code == 200
    question = call(f"{api}/me/placement", token, "POST").json()["question"]
    assert call(f"{api}/me/placement/answers", token, "POST", json={"question_id": question["id"], "answers": ["13"]}).status_code == 200
    assert call(f"{api}/exercises/today", token).status_code == 200
    assert call(f"{api}/hints", token, "POST", json={"exercise_id": ex.id}).status_code == 200
    for code in (ex.starter, ex.solution):
        resp = call(f"{api}/submissions", token, "POST", json={"exercise_id": ex.id, "code": code, "idempotency_key": uuid.uuid4().hex})
        assert resp.status_code == 201, resp.text
    asked = call(f"{api}/tutor/ask", token, "POST", json={"exercise_id": ex.id, "question": QUESTION, "code": "def sum_of_evens(numbers):\n    return -7\n"})
    assert asked.status_code == 200, asked.text


def counts(engine, user_id: int, pks: dict[str, set]) -> dict[str, int]:
    """Rows still there per personal table: by user column where there is one, else by the primary keys exported."""
    out = {}
    with engine.connect() as conn:
        for name, how in personal_tables().items():
            table = Base.metadata.tables[name]
            cols = [c.name for c in table.columns if c.name.endswith("user_id") or any(fk.column.table.name == "users" for fk in c.foreign_keys)]
            if cols:
                out[name] = conn.execute(text(f"SELECT count(*) FROM {name} WHERE " + " OR ".join(f"{c} = :u" for c in cols)), {"u": user_id}).scalar()
            elif how.startswith("through"):
                pk = list(table.primary_key.columns)[0].name
                out[name] = conn.execute(text(f"SELECT count(*) FROM {name} WHERE {pk} = ANY(:ids)"), {"ids": list(pks.get(name, ()))}).scalar()
        out["users"] = conn.execute(text("SELECT count(*) FROM users WHERE id = :u"), {"u": user_id}).scalar()
    return out


@pytest.fixture(scope="module")
def engine(services):
    return create_engine(services.database_url.replace("+asyncpg", "+psycopg"))


def seed_lti(engine, name: str) -> None:
    """An LMS course enrolment and a score sent to its gradebook (what LTI launches and passback store;
    this stack signs in by password, so they are written as the API would)."""
    with engine.begin() as conn:
        user_id = conn.execute(text("SELECT id FROM users WHERE name = :n"), {"n": name}).scalar_one()
        enrolment = conn.execute(text(
            "INSERT INTO lti_enrolments (user_id, issuer, client_id, deployment_id, context_id, context_title, hub_group, lms_subject, role, lineitems_url, scopes) "
            "VALUES (:u, 'https://lms.example', 'tool', 'd1', 'cs101', 'Programming 1', 'course-cs101-0', :sub, 'student', 'https://lms.example/li', '[]') RETURNING id"
        ), {"u": user_id, "sub": f"lms-{name}"}).scalar_one()
        conn.execute(text(
            "INSERT INTO lti_scores (user_id, enrolment_id, item_key, label, score_given, score_maximum, scored_at, status, attempts) "
            "VALUES (:u, :e, 'exercise:sum-of-evens', 'CodeMentor', 1, 1, now(), 'sent', 1)"
        ), {"u": user_id, "e": enrolment})


@pytest.fixture(scope="module")
def people(stack, hub, bank, engine):
    for name in (STUDENT, OTHER):
        hub.create_user(name)
    hub.create_user(TEACHER, groups=("instructors",))
    hub.api("DELETE", "/groups/students/users", json={"users": [TEACHER]}).raise_for_status()
    tokens = {n: hub.user_token(n) for n in (STUDENT, OTHER, TEACHER, "admin")}
    seed(stack, tokens[STUDENT], bank)
    seed(stack, tokens[OTHER], bank)
    for name in (STUDENT, OTHER):
        seed_lti(engine, name)
    resp = call(f"{stack.api_url}/me/deletion-request", tokens[STUDENT], "POST", json={"confirm": STUDENT})
    assert resp.status_code == 202, resp.text
    return tokens


def test_a_deletion_request_needs_the_typed_name(stack, people):
    resp = call(f"{stack.api_url}/me/deletion-request", people[OTHER], "POST", json={"confirm": STUDENT})
    assert resp.status_code == 400 and "confirm" in resp.json()["error"]["details"]["fields"]
    assert call(f"{stack.api_url}/admin/deletion-requests", people[OTHER]).status_code == 403
    listed = call(f"{stack.api_url}/admin/deletion-requests", people["admin"]).json()["requests"]
    assert [r["name"] for r in listed] == [STUDENT]


def test_export_holds_every_table_about_the_student(stack, people, engine):
    resp = call(f"{stack.api_url}/me/export", people[STUDENT])
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(resp.content))
    manifest = json.loads(zf.read("manifest.json"))["rows"]
    print("\nexport of", STUDENT, {n: zf.getinfo(n).file_size for n in zf.namelist()}, "rows:", manifest)
    expected = set(personal_tables()) | {"users"}
    missing = expected - {n.removesuffix(".json") for n in zf.namelist()}
    assert not missing, f"tables about a user missing from the export: {missing}"
    empty = {t for t in expected - {"audit_events"} if manifest[t] == 0}
    assert not empty, f"the seeded student has no rows in {empty}: seed them so the export and deletion are checked"
    subs = json.loads(zf.read("submissions.json"))
    assert {f"code/{s['id']}-{s['exercise_id']}.py" for s in subs} <= set(zf.namelist())
    assert zf.read(f"code/{subs[0]['id']}-{subs[0]['exercise_id']}.py").decode() == subs[0]["code"]
    # as in the API, the hidden tests are counted, not listed
    assert all(not r["hidden"] for s in subs for r in s["results"]) and all(s["hidden_tests"]["total"] > 0 for s in subs)
    assert any(m["content"] == QUESTION for m in json.loads(zf.read("tutor_messages.json")))
    assert all(r["name"] == STUDENT for r in json.loads(zf.read("users.json")))
    assert OTHER.encode() not in resp.content


def test_admin_deletes_everything_about_the_student_and_nothing_else(stack, hub, people, engine, services):
    api = stack.api_url
    user_id = json.loads(zipfile.ZipFile(io.BytesIO(call(f"{api}/me/export", people[STUDENT]).content)).read("users.json"))[0]["id"]
    other_id = json.loads(zipfile.ZipFile(io.BytesIO(call(f"{api}/me/export", people[OTHER]).content)).read("users.json"))[0]["id"]
    exported = zipfile.ZipFile(io.BytesIO(call(f"{api}/users/{STUDENT}/export", people["admin"]).content))
    pks = {}
    for name in personal_tables():
        table = Base.metadata.tables[name]
        pk = list(table.primary_key.columns)[0].name
        pks[name] = {row[pk] for row in json.loads(exported.read(f"{name}.json"))}
    cache = redis.Redis.from_url(services.redis_url)
    cached = {k.decode() for k in cache.smembers(f"codementor:tutor:cache:owner:{user_id}")}
    assert cached and all(cache.exists(k) for k in cached), "the tutor answer from the student's prompt should be in the shared cache"
    other_before = counts(engine, other_id, {})
    roster_before = whole_roster(api, people["admin"])

    assert call(f"{api}/users/{STUDENT}", people[TEACHER], "DELETE").status_code == 403
    resp = call(f"{api}/users/{STUDENT}", people["admin"], "DELETE")
    assert resp.status_code == 200, resp.text
    report = resp.json()
    print("\ndeletion report:", report)
    assert report["hub_user"] == "deleted" and report["cached_answers"] == len(cached)

    left = counts(engine, user_id, pks)
    for name in RETAINED:  # kept on purpose, with opaque ids only (the reason is in RETAINED)
        print(f"kept: {name}: {left.pop(name)} rows ({RETAINED[name]})")
    print("rows left per table after the deletion:", left)
    assert not {t: n for t, n in left.items() if n}, f"rows about the deleted student survived: {left}"
    assert not any(cache.exists(k) for k in cached)
    assert hub.api("GET", f"/users/{STUDENT}").status_code == 404
    assert counts(engine, other_id, {}) == other_before
    roster_after = whole_roster(api, people["admin"])
    assert STUDENT in roster_before and STUDENT not in roster_after
    assert roster_after[OTHER] == roster_before[OTHER]  # the others' totals do not move
    assert call(f"{api}/users/{STUDENT}", people["admin"], "DELETE").status_code == 404


def test_audit_trail_records_instructor_and_admin_actions(stack, people, engine):
    api = stack.api_url
    # a scripted instructor session: the drill-down of one student, then the class export
    assert call(f"{api}/class/students/{OTHER}", people[TEACHER]).status_code == 200
    assert call(f"{api}/class/export", people[TEACHER]).status_code == 200
    assert call(f"{api}/admin/audit", people[TEACHER]).status_code == 403
    page = call(f"{api}/admin/audit?limit=3", people["admin"]).json()
    assert len(page["events"]) == 3 and page["next_cursor"]
    events = page["events"] + call(f"{api}/admin/audit?limit=50&cursor={page['next_cursor']}", people["admin"]).json()["events"]
    actions = [(e["action"], e["actor"], e["subject"]) for e in events]
    print("\naudit trail (newest first):")
    for e in events:
        print(f"  {e['at']} {e['actor'] or e['actor_id']} ({e['actor_role']}) {e['action']} subject={e['subject'] or e['subject_id']} {e['details']}")
    assert ("export_class_csv", TEACHER, None) in actions and ("view_student", TEACHER, OTHER) in actions
    assert next(e for e in events if e["action"] == "view_student")["actor_role"] == "instructor"
    deleted = [e for e in events if e["action"] == "delete_user"]
    assert deleted and deleted[0]["subject"] is None and deleted[0]["subject_id"]  # the name is gone, the opaque id stays
    assert deleted[0]["details"]["host"] == "pending"  # the API cannot remove a system user: recorded as pending
    assert any(e["action"] == "export_user" for e in events)
    with engine.connect() as conn:
        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events"):
            with pytest.raises(Exception, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()


def hub_events(api: str, admin_token: str, subject: str) -> list[tuple]:
    events = call(f"{api}/admin/audit?limit=200", admin_token).json()["events"]
    return [(e["action"], e["actor"], e["actor_role"], e["details"].get("group"), e["details"].get("service"))
            for e in reversed(events) if e["subject"] == subject and e["details"].get("source") == "hub"]


def test_role_changes_on_the_hub_are_audited_and_no_one_else_can_write_them(stack, hub, people):
    api, hub_api = stack.api_url, f"{stack.hub_url}/hub/api"
    promoted = "data-promoted"
    hub.create_user(promoted)  # by the ops service: into the students group
    # the admin changes her roles through the Hub's REST API (what the admin panel calls)
    as_admin = {"Authorization": f"token {people['admin']}"}
    for method, path, body in (("PATCH", f"/users/{promoted}", {"admin": True}), ("PATCH", f"/users/{promoted}", {"admin": False}),
                               ("POST", "/groups/instructors/users", {"users": [promoted]}),
                               ("DELETE", "/groups/students/users", {"users": [promoted]})):
        assert httpx.request(method, hub_api + path, json=body, headers=as_admin, timeout=30).status_code < 300
    recorded = hub_events(api, people["admin"], promoted)
    print("\nthe Hub's events about", promoted, recorded)
    assert recorded == [
        ("add_to_group", None, "service", "students", "ops"),
        ("grant_admin", "admin", "admin", None, None),
        ("revoke_admin", "admin", "admin", None, None),
        ("add_to_group", "admin", "admin", "instructors", None),
        ("remove_from_group", "admin", "admin", "students", None),
    ]
    # nobody but the Hub may write an event: not a student's token, not an admin's, not a made-up one
    forged = {"action": "approve_signup", "actor": "admin", "actor_role": "admin", "subject": promoted}
    for headers in ({"Authorization": f"token {people[OTHER]}"}, {"Authorization": f"token {people['admin']}"},
                    {"Authorization": "token not-the-hub"}, {}):
        resp = httpx.post(f"{api}/admin/audit/hub-events", json=forged, headers=headers, timeout=30)
        expected = (403, "forbidden") if headers else (401, "unauthorized")  # no token at all: 401, as everywhere
        assert (resp.status_code, resp.json()["error"]["code"]) == expected, resp.text
    for method in ("GET", "PUT", "DELETE"):  # another method is a 405 naming the one there is, token or not
        resp = httpx.request(method, f"{api}/admin/audit/hub-events", headers={"Authorization": f"token {people['admin']}"}, timeout=30)
        assert (resp.status_code, resp.headers.get("Allow"), resp.json()["error"]["code"]) == (405, "POST", "method_not_allowed"), resp.text
    assert hub_events(api, people["admin"], promoted) == recorded


def test_mydata_and_delete_my_data_magics(stack, hub, people, ipython_shell, tmp_path, monkeypatch, capsys):
    from IPython.core.error import UsageError

    from tutor_kernel_ext.magics import TutorMagics

    hub.create_user("data-magic-mo")
    ipython_shell.register_magics(TutorMagics(shell=ipython_shell, api_url=stack.api_url, api_token=hub.user_token("data-magic-mo")))
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "exercises" / "today.ipynb"))
    (tmp_path / "exercises").mkdir()
    ipython_shell.run_line_magic("mydata", "")
    out = capsys.readouterr().out
    saved = list((tmp_path / "exercises").glob("codementor-mydata-*.zip"))
    assert len(saved) == 1 and str(saved[0]) in out and "/services/codementor/privacy" in out
    assert json.loads(zipfile.ZipFile(saved[0]).read("users.json"))[0]["name"] == "data-magic-mo"
    with pytest.raises(UsageError, match="not confirmed"):
        ipython_shell.run_line_magic("delete_my_data", "--confirm someone-else")
    ipython_shell.run_line_magic("delete_my_data", "--confirm data-magic-mo")
    assert "Deletion requested" in capsys.readouterr().out
    listed = call(f"{stack.api_url}/admin/deletion-requests", people["admin"]).json()["requests"]
    assert "data-magic-mo" in [r["name"] for r in listed]


def test_privacy_page_is_public_follows_the_settings_and_the_login_page_links_it(stack):
    page = httpx.get(f"{stack.hub_url}/services/codementor/privacy", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "local-test" in page.text and "127.0.0.1" in page.text  # the configured vendor and model (CODEMENTOR_LLM_*)
    assert "Tutor conversations (after their last message): kept 180 days" in page.text
    login = httpx.get(f"{stack.hub_url}/hub/login", timeout=30)
    assert 'href="../services/codementor/privacy"' in login.text


def test_the_audit_dashboard_page_shows_the_trail_to_admins_only(stack, people, monkeypatch):
    from codementor.dashboards.audit import audit_page

    monkeypatch.setenv("CODEMENTOR_API_URL", stack.api_url)
    monkeypatch.setenv("CODEMENTOR_VIEWER_TOKEN", people["admin"])
    assert call(f"{stack.api_url}/class/export", people[TEACHER]).status_code == 200  # among the newest, whatever ran before
    header, table, more = audit_page(limit=5).children
    assert "Audit trail" in header.value and "view_audit" in table.value and "export_class_csv" in table.value
    more.click()  # older events: the next page is appended
    assert table.value.count("<tr>") > 6
    monkeypatch.setenv("CODEMENTOR_VIEWER_TOKEN", people[TEACHER])
    _, refused, _ = audit_page().children
    assert "only admins" in refused.value


def test_the_walk_finds_a_table_added_later():
    """A new table pointing at users, or at a table that does, is exported and deleted without a list to update."""
    from sqlalchemy import BigInteger, Column, ForeignKey, MetaData, Table

    from codementor.api.services import userdata

    meta = MetaData()
    Table("users", meta, Column("id", BigInteger, primary_key=True))
    notes = Table("notes", meta, Column("id", BigInteger, primary_key=True), Column("author", BigInteger, ForeignKey("users.id")))
    Table("note_tags", meta, Column("id", BigInteger, primary_key=True), Column("note_id", BigInteger, ForeignKey("notes.id")))
    Table("exercises_seen", meta, Column("id", BigInteger, primary_key=True))
    links = userdata.user_links(meta)
    assert set(links) == {"notes", "note_tags"}
    assert links["note_tags"].refs[0][1] is notes
