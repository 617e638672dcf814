"""Retention against the real Postgres: the purge with a moved clock, `codementor purge`,
`codementor users export|delete` on the command line, and the privacy page from the settings."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from codementor.api import db
from codementor.api.models import HintEvent, Submission, TutorConversation, TutorDisclosure, TutorMessage, User
from codementor.api.services.clock import utcnow
from codementor.api.services.privacy import PrivacyFacts, Vendor, render
from codementor.api.services.retention import Retention, purge
from codementor.hub_config.stack import free_port


@pytest.fixture(scope="module")
def sessions(services):
    return db.make_sessionmaker(db.make_engine(services.database_url, pool_size=2))


async def seed_user(sessions, name: str, when) -> int:
    """A user with one submission, one model-written hint and one conversation, all made at `when`."""
    async with sessions() as s, s.begin():
        user = User(name=name, role="student")
        s.add(user)
        await s.flush()
        s.add(Submission(user_id=user.id, exercise_id="sum-of-evens", exercise_version=1, idempotency_key=f"k-{name}", code="print('secret')",
                         status="graded", passed=True, score=1.0, results=[{"name": "a", "passed": True}], duration_ms=3.0, created_at=when))
        s.add(HintEvent(user_id=user.id, exercise_id="sum-of-evens", rung=4, source="llm", text="try a modulo", created_at=when))
        conv = TutorConversation(user_id=user.id, exercise_id="sum-of-evens", created_at=when, updated_at=when)
        s.add(conv)
        await s.flush()
        s.add(TutorMessage(conversation_id=conv.id, role="user", content="why zero?", created_at=when))
        s.add(TutorDisclosure(user_id=user.id, exercise_id="sum-of-evens", text="start from zero", created_at=when))
        return user.id


async def state(sessions, user_id: int) -> dict:
    async with sessions() as s:
        sub = (await s.execute(select(Submission).where(Submission.user_id == user_id))).scalar_one()
        hint = (await s.execute(select(HintEvent).where(HintEvent.user_id == user_id))).scalar_one()
        convs = (await s.execute(select(TutorConversation.id).where(TutorConversation.user_id == user_id))).all()
        kept = (await s.execute(select(TutorDisclosure.id).where(TutorDisclosure.user_id == user_id))).all()
        return {"code": sub.code, "passed": sub.passed, "score": sub.score, "hint_text": hint.text, "hint_rung": hint.rung, "conversations": len(convs),
                "disclosures": len(kept)}


async def test_purge_with_a_moved_clock_keeps_aggregates_without_the_personal_parts(sessions):
    # the clock is moved within the past (rows made 100 days ago), so the purge never reaches other tests' fresh rows
    start = utcnow() - timedelta(days=100)
    user_id = await seed_user(sessions, "ret-ann", start)
    retention = Retention(conversation_days=30, code_days=90, hint_days=60)
    async with sessions() as s, s.begin():
        await purge(s, retention, start + timedelta(days=29))
    assert await state(sessions, user_id) == {"code": "print('secret')", "passed": True, "score": 1.0, "hint_text": "try a modulo", "hint_rung": 4, "conversations": 1, "disclosures": 1}
    async with sessions() as s, s.begin():
        done = await purge(s, retention, start + timedelta(days=61))
    assert done["conversations_deleted"] >= 1 and done["hint_texts_cleared"] >= 1 and done["disclosures_deleted"] >= 1
    assert await state(sessions, user_id) == {"code": "print('secret')", "passed": True, "score": 1.0, "hint_text": "", "hint_rung": 4, "conversations": 0, "disclosures": 0}
    async with sessions() as s, s.begin():
        await purge(s, retention, start + timedelta(days=91))
    assert await state(sessions, user_id) == {"code": "", "passed": True, "score": 1.0, "hint_text": "", "hint_rung": 4, "conversations": 0, "disclosures": 0}


async def test_the_api_purges_periodically_with_its_clock(sessions, caplog):
    import asyncio
    from types import SimpleNamespace

    from traitlets.config import Config

    from codementor.api.app import TutorAPI

    start = utcnow() - timedelta(days=200)
    user_id = await seed_user(sessions, "ret-loop-dan", start)
    config = Config()
    config.Retention.conversation_days, config.Retention.purge_interval_seconds = 30, 3600
    app = TutorAPI(config=config)
    ctx = SimpleNamespace(sessionmaker=sessions, clock=lambda: start + timedelta(days=31))  # the API's clock, moved
    loop = asyncio.create_task(app.purge_periodically(ctx))
    for _ in range(100):
        if (await state(sessions, user_id))["conversations"] == 0:
            break
        await asyncio.sleep(0.05)
    loop.cancel()
    assert (await state(sessions, user_id))["conversations"] == 0 and (await state(sessions, user_id))["code"] == "print('secret')"
    # what it removed is logged at info level (codementor.operations is shown whatever the API's log level)
    purged = [r for r in caplog.records if r.name == "codementor.operations" and r.getMessage().startswith("retention purge")]
    assert purged and purged[0].levelname == "INFO" and "'conversations_deleted': 1" in purged[0].getMessage(), caplog.text


def run_cli(services, *args, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url,
           "CODEMENTOR_STATE_DIR": str(services.state_dir / "no-course-here"), **kwargs.pop("env", {})}
    env = {k: v for k, v in env.items() if v is not None}  # None: not set at all
    return subprocess.run([sys.executable, "-m", "codementor.cli", *args], capture_output=True, text=True, env=env, timeout=120, **kwargs)


async def test_codementor_purge_uses_the_retention_settings(services, sessions, tmp_path):
    user_id = await seed_user(sessions, "ret-old-ben", utcnow() - timedelta(days=400))
    config = tmp_path / "api_config.py"
    config.write_text("c.Retention.code_days = 500\n")
    done = run_cli(services, "purge", "--config", str(config))
    assert done.returncode == 0, done.stderr
    print("\ncodementor purge:", done.stdout)
    after = await state(sessions, user_id)
    assert after["code"] == "print('secret')" and after["conversations"] == 0 and after["hint_text"] == ""


async def test_codementor_users_export_and_delete(services, sessions, tmp_path):
    user_id = await seed_user(sessions, "ret-cli-cat", utcnow())
    out = tmp_path / "cat.zip"
    out.write_bytes(b"")
    out.chmod(0o644)  # an older file in its place, readable by all: the export is still the owner's only
    done = run_cli(services, "users", "export", "ret-cli-cat", "-o", str(out), preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    names = zipfile.ZipFile(out).namelist()
    assert {"users.json", "submissions.json", "tutor_messages.json", "hint_events.json"} <= set(names)
    assert any(n.startswith("code/") for n in names)
    assert run_cli(services, "users", "delete", "ret-cli-cat", input="someone-else\n").returncode != 0  # not confirmed
    done = run_cli(services, "users", "delete", "ret-cli-cat", "--yes", "--hub-api-url", "")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rows"]["users"] == 1 and report["rows"]["tutor_messages"] == 1 and "not asked" in report["hub_user"]
    assert "no system user" in report["host"]
    async with sessions() as s:
        assert (await s.execute(select(User).where(User.id == user_id))).first() is None
    missing = run_cli(services, "users", "export", "nobody-here")
    assert missing.returncode != 0 and "no data about a user named 'nobody-here'" in missing.stderr and "Traceback" not in missing.stderr


def course_folder(tmp_path, services, **values):
    """A state folder as `codementor classroom` leaves it: classroom.env (0600) and, given `ops_token`, secrets/ops_token."""
    from codementor.hub_config.stack import write_environment

    folder = tmp_path / "course"
    (folder / "secrets").mkdir(parents=True)
    token = values.pop("ops_token", None)
    if token:
        (folder / "secrets" / "ops_token").write_text(token + "\n")
    write_environment(folder / "classroom.env", {"DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url, **values})
    return folder


async def test_users_export_and_delete_read_the_course_from_its_state_folder(services, sessions, tmp_path):
    await seed_user(sessions, "ret-env-eli", utcnow())
    bare = {"DATABASE_URL": None, "REDIS_URL": None}
    lost = run_cli(services, "users", "export", "ret-env-eli", "-o", str(tmp_path / "x.zip"), env=bare)
    assert lost.returncode != 0 and "DATABASE_URL" in lost.stderr and "Traceback" not in lost.stderr, lost.stderr
    assert len(lost.stderr.strip().splitlines()) == 1
    env = {**bare, "CODEMENTOR_STATE_DIR": str(course_folder(tmp_path, services))}
    done = run_cli(services, "users", "export", "ret-env-eli", "-o", str(tmp_path / "eli.zip"), env=env)
    assert done.returncode == 0, done.stderr
    assert "users.json" in zipfile.ZipFile(tmp_path / "eli.zip").namelist()
    done = run_cli(services, "users", "delete", "ret-env-eli", "--yes", "--hub-api-url", "", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"]["users"] == 1


async def test_users_delete_checks_every_part_before_deleting_anything(services, sessions):

    user_id = await seed_user(sessions, "ret-half-dan", utcnow())
    closed = f"redis://127.0.0.1:{free_port()}/0"
    for args, env, setting in (
        (["--hub-api-url", ""], {"REDIS_URL": closed}, "REDIS_URL"),
        (["--hub-api-url", ""], {"REDIS_URL": None}, "REDIS_URL"),
        (["--hub-api-url", f"http://127.0.0.1:{free_port()}/hub/api", "--hub-token", "t"], {}, "JUPYTERHUB_API_URL"),
        ([], {"JUPYTERHUB_API_URL": None}, "--hub-api-url"),  # no Hub named anywhere: not skipped in silence
    ):
        done = run_cli(services, "users", "delete", "ret-half-dan", "--yes", *args, env=env)
        assert done.returncode != 0 and setting in done.stderr and "nothing deleted" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert (await state(sessions, user_id))["conversations"] == 1
    done = run_cli(services, "users", "delete", "ret-half-dan", "--yes", "--hub-api-url", "")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"]["submissions"] == 1


async def test_users_delete_takes_the_hub_from_the_state_folder_and_finishes_a_half_done_deletion(services, sessions, stack, hub, tmp_path):
    """classroom.env names the Hub, secrets/ops_token is the token; a run after the rows went still removes the Hub account."""
    folder = course_folder(tmp_path, services, JUPYTERHUB_API_URL=stack.hub_api_url, ops_token=stack.ops_token)
    env = {"DATABASE_URL": None, "REDIS_URL": None, "JUPYTERHUB_API_URL": None, "CODEMENTOR_STATE_DIR": str(folder)}
    user_id = await seed_user(sessions, "ret-hub-ada", utcnow())
    hub.create_user("ret-hub-ada")
    done = run_cli(services, "users", "delete", "ret-hub-ada", "--yes", env={**env, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    assert done.returncode != 0 and "REDIS_URL" in done.stderr, done.stderr
    assert hub.api("GET", "/users/ret-hub-ada").status_code == 200 and (await state(sessions, user_id))["conversations"] == 1
    done = run_cli(services, "users", "delete", "ret-hub-ada", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["hub_user"] == "deleted" and report["rows"]["users"] == 1
    assert hub.api("GET", "/users/ret-hub-ada").status_code == 404
    # an earlier run deleted the rows and stopped: the Hub account is still removed
    hub.create_user("ret-hub-ada")
    async with sessions() as s, s.begin():
        await s.execute(delete(User).where(User.name == "ret-hub-ada"))  # the Hub's group change may have told the API of her
    done = run_cli(services, "users", "delete", "ret-hub-ada", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["hub_user"] == "deleted" and hub.api("GET", "/users/ret-hub-ada").status_code == 404
    again = run_cli(services, "users", "delete", "ret-hub-ada", "--yes", env=env)
    assert again.returncode != 0 and "nothing about 'ret-hub-ada'" in again.stderr and "Traceback" not in again.stderr


def facts(**changes) -> PrivacyFacts:
    base = dict(conversation_days=180, code_days=365, hint_days=365, log_days=30, vendors=(Vendor("openai", "llm.example.org", "small-model"),),
                daily_budget_usd={"student": 0.05}, cache_days=7, api_path="/services/codementor/api/v1/")
    return PrivacyFacts(**{**base, **changes})


def test_the_privacy_page_follows_the_settings():
    page = render(facts())
    assert "Tutor conversations (after their last message): kept 180 days" in page and "llm.example.org" in page and "small-model" in page
    assert "students 0.05 USD" in page and "/services/codementor/api/v1/me/export" in page
    changed = render(facts(conversation_days=14, vendors=(), daily_budget_usd={"student": 0.2}))
    assert "kept 14 days" in changed and "kept 180 days" not in changed
    assert "No outside AI vendor" in changed and "llm.example.org" not in changed and "students 0.2 USD" in changed
    assert "until your account is deleted" in render(facts(code_days=0))
    assert "<script" not in render(facts(vendors=(Vendor("x", "<script>", "m"),)))


@pytest.mark.skipif(os.geteuid() != 0, reason="removing a system user needs root")
def test_the_command_removes_the_classroom_system_user_and_home(tmp_path):
    import pwd

    from codementor.cli.data import remove_host_account

    account = "cmdata-zz-ret"  # its own prefix: never one of the classroom tests' cm-* users
    home = tmp_path / account
    subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--user-group", account], check=True, capture_output=True)
    try:
        (home / "notes.py").write_text("secret = 1\n")
        assert "removed system user cmdata-zz-ret" in remove_host_account("zz-ret", "cmdata-")
        assert not home.exists()
        with pytest.raises(KeyError):
            pwd.getpwnam(account)
        assert "no system user" in remove_host_account("zz-ret", "cmdata-")
        assert "refused" in remove_host_account("ot", "ro")  # root's uid 0: never removed
    finally:
        subprocess.run(["userdel", "--remove", account], capture_output=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="removing a system user and mounting a disk image need root")
async def test_the_command_removes_the_home_disk_image(services, sessions, tmp_path):
    """Her home is her disk image, mounted while her server runs: it is unmounted and removed with her system user."""
    import pwd

    from codementor.hub_config.classroom_layers import is_mount_point, mount_home, release_home

    account, folder = "cmdata-zz-img", tmp_path / "course"
    home, image = tmp_path / account, folder / "homes" / f"{account}.img"
    subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--user-group", account], check=True, capture_output=True)
    entry = pwd.getpwnam(account)
    try:
        mount_home(image, 8 << 20, home, entry.pw_uid, entry.pw_gid)  # as her server's start does
        (home / "notes.py").write_text("secret = 1\n")
        await seed_user(sessions, "zz-img", utcnow())
        done = run_cli(services, "users", "delete", "zz-img", "--yes", "--hub-api-url", "", "--system-user-prefix", "cmdata-",
                       env={"CODEMENTOR_STATE_DIR": str(folder)})
        assert done.returncode == 0, done.stderr
        host = json.loads(done.stdout)["host"]
        assert f"system user {account}" in host and str(image) in host, host
        assert not image.exists() and not home.exists() and not is_mount_point(home)
        with pytest.raises(KeyError):
            pwd.getpwnam(account)
    finally:
        release_home(image, home)  # nothing to do unless the command failed
        subprocess.run(["userdel", "--remove", account], capture_output=True)


async def test_an_api_process_looks_a_deleted_user_up_again(sessions):
    """Another API process deleted the user: after remember_seconds this one upserts again instead of reusing the old id."""
    from codementor.api.services.userdata import delete_rows
    from codementor.api.services.users import Identity, UserDirectory

    who = Identity("ret-gone-eve", "student", ())
    directory, elsewhere = UserDirectory(sessions, [], remember_seconds=0.0), UserDirectory(sessions, [])
    first = await directory.user_id(who)
    async with sessions() as s, s.begin():
        await delete_rows(s, await elsewhere.user_id(who))
    second = await directory.user_id(who)
    assert second != first
    async with sessions() as s:
        assert (await s.execute(select(User.name).where(User.id == second))).scalar_one() == "ret-gone-eve"


async def test_concurrent_first_lookups_of_a_user_agree(sessions):
    import asyncio

    from codementor.api.services.users import Identity, UserDirectory

    directory = UserDirectory(sessions, [])
    ids = await asyncio.gather(*(directory.user_id(Identity("ret-many-fay", "student", ())) for _ in range(20)))
    assert len(set(ids)) == 1
