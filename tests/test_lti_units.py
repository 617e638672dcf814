"""LTI pieces that need no server: roles, course groups, assignment links, replays, keys, backoff, columns."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timezone
from types import SimpleNamespace

import httpx
import jwt
import pytest

from codementor.api.lti import keys
from codementor.api.lti.ags import PlatformError, checked_item_url, client_assertion, from_status, scores_url
from codementor.api.lti.passback import column_for
from codementor.api.lti.settings import LTIPassback
from codementor.hub_config.lti import NonceLedger, course_group, exercise_of, role_for, safe_username

M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"
TARGET = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
TEACHERS = ["Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"]


def test_course_roles_decide_instructor_or_student():
    assert role_for([M + "Instructor"], TEACHERS) == "instructor"
    assert role_for(["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"], TEACHERS) == "instructor"
    assert role_for(["Instructor"], TEACHERS) == "instructor"  # a simple name
    assert role_for([M + "Learner"], TEACHERS) == "student"
    # an institution's instructor who takes a course as a learner is a student in it
    assert role_for(["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor", M + "Learner"], TEACHERS) == "student"
    assert role_for("Instructor", TEACHERS) == "student"  # not a list: no role
    assert role_for([], TEACHERS) == "student"


def test_course_group_is_readable_and_unique_per_platform():
    one = course_group("https://lms.example", {"id": "42", "label": "CS 101 (Fall)"}, "course-")
    assert one.startswith("course-cs-101-fall-") and len(one) == len("course-cs-101-fall-") + 8
    assert course_group("https://other.example", {"id": "42", "label": "CS 101 (Fall)"}, "course-") != one
    assert course_group("https://lms.example", {"id": "42"}, "course-").startswith("course-course-")


def test_assignment_link_names_an_exercise():
    assert exercise_of({CUSTOM: {"exercise": "sum-of-evens"}}) == "sum-of-evens"
    assert exercise_of({TARGET: "https://hub.example/hub/lti13/oauth_callback?exercise=digit-sum"}) == "digit-sum"
    assert exercise_of({CUSTOM: {"exercise": "../../etc/passwd"}}) is None
    assert exercise_of({CUSTOM: "not a dict", TARGET: "https://hub.example/"}) is None


def test_user_names_from_the_lms_are_safe():
    assert safe_username(" Ada.Lovelace@Uni.EDU ") == "ada.lovelace@uni.edu"
    assert safe_username("a b/c") == "a-b-c"
    with pytest.raises(Exception):
        safe_username("///")


def test_a_nonce_is_accepted_once_within_its_window():
    ledger = NonceLedger(keep_seconds=600)
    assert ledger.use("n1", now=0) is True
    assert ledger.use("n1", now=10) is False
    assert ledger.use("n2", now=10) is True
    assert ledger.use("n1", now=700) is True  # the validator refuses a launch that old anyway


def test_used_nonces_survive_a_hub_restart(tmp_path):
    path = tmp_path / "lti" / "used-nonces.json"
    assert NonceLedger(600, path).use("n1", now=1000) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "n1" not in path.read_text()  # hashes only
    restarted = NonceLedger(600, path)
    assert restarted.use("n1", now=1100) is False and restarted.use("n2", now=1100) is True
    assert NonceLedger(600, path).use("n1", now=1700) is True  # expired with its window


def test_backoff_doubles_up_to_its_ceiling():
    settings = LTIPassback(retry_first_seconds=30, retry_max_seconds=600)
    assert [settings.backoff(n) for n in (1, 2, 3, 4, 5, 6)] == [30, 60, 120, 240, 480, 600]


def test_which_lms_answers_are_worth_a_retry():
    for status, retry in ((500, True), (503, True), (429, True), (401, True), (400, False), (403, False), (404, False), (415, False)):
        assert from_status("x", httpx.Response(status)).retry is retry, status


def test_the_token_goes_only_to_the_courses_own_host():
    base = "https://lms.example/api/lti/courses/7/line_items"
    assert checked_item_url("https://lms.example/api/lti/courses/7/line_items/3", base).endswith("/3")
    for elsewhere in ("https://attacker.example/li/3", "http://lms.example/api/lti/courses/7/line_items/3", "https://lms.example:444/x", "file:///etc/passwd"):
        with pytest.raises(PlatformError) as refused:
            checked_item_url(elsewhere, base)
        assert refused.value.retry is False


def test_scores_url_keeps_the_query():
    assert scores_url("https://lms/ctx/7/lineitems/3?type=x") == "https://lms/ctx/7/lineitems/3/scores?type=x"
    assert scores_url("https://lms/lineitems/3/") == "https://lms/lineitems/3/scores"


def test_columns_per_mode():
    ex = SimpleNamespace(id="digit-sum", title="Digit sum")
    now = datetime(2026, 12, 4, 23, 30, tzinfo=timezone.utc)
    assert column_for("exercise", ex, now, "UTC", 1).key == "exercise:digit-sum"
    assert column_for("daily", ex, now, "Europe/Berlin", 2).key == "day:2026-12-05"  # already the 5th in Berlin
    week = column_for("weekly", ex, now, "UTC", 2)
    assert (week.key, week.maximum, week.start.date().isoformat()) == ("week:2026-W49", 14.0, "2026-11-30")


def test_tool_key_is_owner_only_and_signs_assertions(tmp_path):
    path = tmp_path / "lti" / "tool-key.pem"
    key = keys.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.load_or_create(path).kid == key.kid  # the same key at the next start
    signed = client_assertion(key, "client-1", "https://lms/token", now=1_000_000_000, lifetime=10**10)
    public = jwt.PyJWKSet.from_dict(key.jwks()).keys[0]
    claims = jwt.decode(signed, public.key, algorithms=["RS256"], audience="https://lms/token")
    assert claims["iss"] == claims["sub"] == "client-1" and claims["jti"]
    assert jwt.get_unverified_header(signed)["kid"] == key.kid
    assert "d" not in key.jwks()["keys"][0]  # the public half only
    os.chmod(path, 0o644)
    with pytest.raises(keys.KeyFileError, match="chmod 600"):
        keys.load_or_create(path)


def test_the_gradebook_page_shows_failures_and_waits():
    from codementor.dashboards.views import gradebook_html

    course = {"group": "course-cs101-1", "title": "Programming 1", "last_sync": "2026-12-04 10:00", "sent": 3, "pending": 1, "retrying": 1, "failed": 1, "next_attempt": "2026-12-04 10:05"}
    row = {"student": "ann", "label": "CodeMentor: <b>Digit sum</b>", "score": 1, "maximum": 1, "status": "failed", "attempts": 1, "sent_at": None,
           "next_attempt": None, "last_error": "the LMS scores endpoint answered HTTP 403"}
    shown = gradebook_html({"mode": "exercise", "courses": [course], "recent": [row]})
    assert "Programming 1" in shown and "1 scores could not be posted" in shown and "1 scores wait for the LMS" in shown
    assert "HTTP 403" in shown and "<b>Digit sum</b>" not in shown  # escaped
    assert "off" in gradebook_html({"mode": "off", "courses": [], "recent": []})


def test_state_cookies_cross_sites_only_over_https():
    from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

    from codementor.hub_config.lti import CodeMentorLTILoginHandler

    def cookie_of(proto: str) -> str:
        request = HTTPServerRequest(start_line=RequestStartLine("GET", "/hub/lti13/oauth_login", "HTTP/1.1"), headers=HTTPHeaders({"Host": "hub.example", "X-Forwarded-Proto": proto}))
        handler = SimpleNamespace(
            authenticator=SimpleNamespace(get_uri_scheme=lambda req: req.headers["X-Forwarded-Proto"]), request=request, calls=[],
        )
        handler._set_cookie = lambda key, value, **kw: handler.calls.append(kw)
        CodeMentorLTILoginHandler._set_oauth_cookie(handler, "lti13authenticator-state", "s")
        return handler.calls[0]

    assert cookie_of("https")["samesite"] == "None" and cookie_of("https")["secure"] is True
    assert "samesite" not in cookie_of("http")


def test_lti_settings_name_what_is_missing_and_default_to_the_platforms_id(tmp_path):
    from traitlets.config import Config

    from codementor.hub_config.lti import configure_lti

    given = {"CODEMENTOR_LTI_ISSUER": "https://lms.example", "CODEMENTOR_LTI_CLIENT_ID": "tool-1", "CODEMENTOR_LTI_AUTH_URL": "https://lms.example/auth"}
    with pytest.raises(SystemExit, match="CODEMENTOR_LTI_PLATFORM_JWKS_URL"):
        configure_lti(Config(), lambda k, d=None: given.get(k, d), tmp_path, "http://127.0.0.1:10101", "codementor")
    given["CODEMENTOR_LTI_PLATFORM_JWKS_URL"] = "https://lms.example/jwks"
    c = Config()
    api_env = configure_lti(c, lambda k, d=None: given.get(k, d), tmp_path, "http://127.0.0.1:10101", "codementor")
    auth = c.CodeMentorLTIAuthenticator
    assert auth.username_key == "sub" and auth.client_id == {"tool-1"} and auth.report_url.endswith("/services/codementor/api/v1/lti/launches")
    assert len(auth.report_token) == 64 and auth.report_token not in str(api_env)  # the launch token stays in the Hub
    assert api_env == {"CODEMENTOR_LTI_KEY_FILE": str(tmp_path / "lti" / "tool-key.pem"), "CODEMENTOR_LTI_CLIENT_ID": "tool-1"}


async def test_a_launch_report_the_api_misses_is_sent_again_in_the_background():
    import asyncio

    from tornado.httpserver import HTTPServer
    from tornado.web import Application, RequestHandler

    from codementor.hub_config.lti import CodeMentorLTIAuthenticator
    from codementor.hub_config.stack import free_port

    seen = []

    class API(RequestHandler):  # answers 503 twice (a restarting API), then takes the report
        def post(self):
            seen.append((self.request.headers["Authorization"], self.request.body))
            self.set_status(503 if len(seen) <= 2 else 201)
            if self.get_query_argument("refuse", ""):
                self.set_status(400)

    port = free_port()
    server = HTTPServer(Application([("/launches", API)]))
    server.listen(port, "127.0.0.1")
    try:
        auth = CodeMentorLTIAuthenticator(report_url=f"http://127.0.0.1:{port}/launches", report_token="hub-token", report_retries=[0.05, 0.05, 0.05])
        await auth.report({"user": "ann"})  # returns after the first try: the launch is not held up
        assert len(seen) == 1
        for _ in range(100):
            if len(seen) == 3:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        assert [h for h, _ in seen] == ["token hub-token"] * 3  # third time taken, no fourth
        seen.clear()
        seen.extend([None, None])  # a refusal that will not change is not repeated
        auth.report_url += "?refuse=1"
        await auth.report({"user": "ann"})
        await asyncio.sleep(0.3)
        assert len(seen) == 3
    finally:
        server.stop()
