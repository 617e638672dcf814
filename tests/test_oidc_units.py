"""The single sign-on rules without a Hub: who may sign in and as what (hub_config/oidc.py), the
settings' checks, and the lifetimes of a sign-in (hub_config/sessions.py)."""

from __future__ import annotations

import stat

import pytest
from traitlets.config import Config

from codementor.hub_config import oidc
from codementor.hub_config.oidc import Policy, claim, decide
from codementor.hub_config.sessions import configure_sessions, session_settings

COURSE = Policy(
    allowed_domains=frozenset({"uni.test"}),
    allowed_groups=frozenset({"course-cs101"}),
    instructor_groups=frozenset({"teachers"}),
    admin_groups=frozenset({"hub-admins"}),
    course_groups=("course-*",),
)


def test_student_instructor_and_admin_from_the_group_claim():
    student = decide("olga", "olga@uni.test", True, ["course-cs101", "library"], COURSE)
    assert student.allowed and not student.admin and student.groups == {"students", "course-cs101"}
    teacher = decide("ines", "ines@UNI.test", True, ["teachers", "course-cs101"], COURSE)
    assert teacher.allowed and not teacher.admin and teacher.groups == {"instructors", "course-cs101"}
    admin = decide("root", "root@uni.test", True, ["hub-admins"], COURSE)
    # an admin outside any class is in no group: never listed as a student
    assert admin.allowed and admin.admin and admin.groups == frozenset()


def test_refusals_say_why():
    assert "none of the groups allowed" in decide("dora", "dora@uni.test", True, ["alumni"], COURSE).reason
    assert "accounts of elsewhere.test" in decide("eve", "eve@elsewhere.test", True, ["course-cs101"], COURSE).reason
    # an address the provider did not verify proves nothing about the domain
    unverified = decide("mal", "mal@uni.test", False, ["course-cs101"], COURSE)
    assert not unverified.allowed and "not verified" in unverified.reason
    assert "did not tell" in decide("nomail", None, None, ["course-cs101"], COURSE).reason
    # instructors are let in even outside the allowed groups, but never from another domain
    assert decide("ines", "ines@uni.test", True, ["teachers"], COURSE).allowed
    assert not decide("ines", "ines@evil.test", True, ["teachers"], COURSE).allowed


def test_nobody_is_let_in_by_default():
    assert not decide("anyone", "a@b.test", True, [], Policy()).allowed
    assert decide("anyone", "a@b.test", True, [], Policy(allow_all=True)).groups == {"students"}
    listed = Policy(instructor_users=frozenset({"ada"}))
    assert decide("ada", None, None, [], listed).groups == {"instructors"}
    assert not decide("bob", None, None, [], listed).allowed


def test_claims_by_dotted_path_and_refusal_page_escapes():
    info = {"realm_access": {"roles": ["teachers"]}, "groups": "a b,c"}
    assert claim(info, "realm_access.roles") == ["teachers"]
    assert claim(info, "realm_access.missing") is None and claim(info, "groups.x") is None
    assert oidc.as_list("a b,c") == ["a", "b", "c"] and oidc.as_list(None) == []
    err = oidc.refused("accounts of <script> may not sign in here.", "/hub/logout")
    assert err.status_code == 403 and "<script>" not in err.jupyterhub_html_message
    assert "&lt;script&gt;" in err.jupyterhub_html_message


def env_of(values: dict):
    return lambda name, default=None: values.get(name, default)


def test_configure_names_each_missing_setting(tmp_path):
    with pytest.raises(SystemExit, match="CODEMENTOR_OIDC_CLIENT_ID"):
        oidc.configure(Config(), "github", tmp_path, env_of({}))
    base = {"CODEMENTOR_OIDC_CLIENT_ID": "id", "CODEMENTOR_OIDC_CLIENT_SECRET": "s"}
    with pytest.raises(SystemExit, match="CODEMENTOR_PUBLIC_URL"):
        oidc.configure(Config(), "github", tmp_path, env_of(base))
    base["CODEMENTOR_PUBLIC_URL"] = "https://hub.example.edu/"
    with pytest.raises(SystemExit, match="CODEMENTOR_OIDC_ALLOWED_DOMAINS or CODEMENTOR_OIDC_ALLOWED_GROUPS"):
        oidc.configure(Config(), "github", tmp_path, env_of(base))
    with pytest.raises(SystemExit, match="CODEMENTOR_OIDC_ISSUER"):
        oidc.configure(Config(), "oidc", tmp_path, env_of(base))
    with pytest.raises(SystemExit, match="cannot read http://127.0.0.1:9/.well-known/openid-configuration"):
        oidc.configure(Config(), "oidc", tmp_path, env_of({**base, "CODEMENTOR_OIDC_ISSUER": "http://127.0.0.1:9", "CODEMENTOR_OIDC_ALLOWED_DOMAINS": "x.test"}))
    with pytest.raises(SystemExit, match="knows oidc, github, google"):
        oidc.configure(Config(), "saml", tmp_path, env_of(base))


def test_github_and_google_presets(tmp_path):
    c = Config()
    env = {"CODEMENTOR_OIDC_CLIENT_ID": "id", "CODEMENTOR_OIDC_CLIENT_SECRET": "s", "CODEMENTOR_PUBLIC_URL": "https://hub.example.edu",
           "CODEMENTOR_OIDC_ALLOWED_GROUPS": "my-school", "CODEMENTOR_OIDC_INSTRUCTOR_GROUPS": "my-school:teachers"}
    assert oidc.configure(c, "github", tmp_path, env_of(env)) == "CourseGitHubAuthenticator"
    gh = c.CourseGitHubAuthenticator
    assert gh.oauth_callback_url == "https://hub.example.edu/hub/oauth_callback" and "read:org" in gh.scope
    assert gh.populate_teams_in_auth_state and gh.manage_groups and gh.enable_auth_state
    assert gh.instructor_groups == {"my-school:teachers"} and c.JupyterHub.load_groups == {}
    # the key that encrypts the users' tokens: made once, readable by the Hub's user only
    key = tmp_path / "jupyterhub_crypt_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and c.CryptKeeper["keys"] == [bytes.fromhex(key.read_text())]
    teams = [{"organization": {"login": "my-school"}, "slug": "teachers"}]
    authenticator = oidc.CourseGitHubAuthenticator(config=c)
    assert authenticator.provider_groups({"teams": teams}) == ["my-school", "my-school:teachers"]

    c = Config()
    oidc.configure(c, "google", tmp_path, env_of({**env, "CODEMENTOR_OIDC_ALLOWED_DOMAINS": "uni.test"}))
    assert c.CourseGoogleAuthenticator.hosted_domain == ["uni.test"] and c.CourseGoogleAuthenticator.allowed_domains == {"uni.test"}


def test_session_lifetimes_have_safe_defaults_and_are_checked():
    found = session_settings(env_of({}))
    assert found == {"session_hours": 12.0, "oauth_token_seconds": 12 * 3600, "refresh_seconds": 300, "cache_seconds": 30}
    short = session_settings(env_of({"CODEMENTOR_SESSION_HOURS": "2", "CODEMENTOR_AUTH_CACHE_SECONDS": "5"}))
    assert short["oauth_token_seconds"] == 7200 and short["cache_seconds"] == 5
    for bad in ({"CODEMENTOR_SESSION_HOURS": "forever"}, {"CODEMENTOR_SESSION_HOURS": "0"}, {"CODEMENTOR_OAUTH_TOKEN_SECONDS": "nan"}, {"CODEMENTOR_AUTH_CACHE_SECONDS": "-1"}):
        with pytest.raises(SystemExit, match=next(iter(bad))):
            session_settings(env_of(bad))
    c = Config()
    c.Spawner.args = []
    configure_sessions(c, c.Spawner, env_of({}))
    assert c.JupyterHub.cookie_max_age_days == 0.5 and c.JupyterHub.oauth_token_expires_in == 43200
    assert c.JupyterHub.tornado_settings["cookie_options"] == {"expires_days": 0.5}
    assert c.Authenticator.auth_refresh_age == 300 and c.Spawner.args == ["--HubOAuth.cache_max_age=30"]


def test_a_refused_code_exchange_is_a_clear_page_not_a_500():
    replayed = oidc.exchange_failed(400)
    assert replayed.status_code == 403 and "sign in again" in replayed.jupyterhub_message
    down = oidc.exchange_failed(599)
    assert down.status_code == 502 and "try again in a minute" in down.jupyterhub_message
