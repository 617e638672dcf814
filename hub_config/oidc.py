"""Single sign-on: any OpenID Connect provider, GitHub or Google (oauthenticator).

Who may sign in and with which role is decided by one plain function, `decide`, from what the
provider says about the user (its userinfo claims; GitHub's teams):

- an account is allowed when its (verified) e-mail domain is in `allowed_domains` (if set) and,
  if `allowed_groups` is set, it belongs to one of them; an account in `instructor_groups` or
  `admin_groups` is allowed too, and so is a name listed in `instructor_users`/`admin_users`;
- a member of `admin_groups` is a Hub admin; a member of `instructor_groups` (or a name in
  `instructor_users`) joins the Hub group `instructors`; everyone else joins `students`;
- provider groups matching `course_groups` (patterns such as ``course-*``) become Hub groups of
  the same name, so an instructor sees exactly their course's students (api/services/roster.py).

The Hub's groups follow the provider at every sign-in and refresh (`manage_groups`): a user
moved out of an instructor group is a student at their next sign-in. A refused account gets a
403 page saying why and how to try another account, never a traceback.

Sessions: signing out ends the Hub session, revokes the tokens of that session (the student
server's and the dashboards' cookies stop working), clears those cookies, and sends the browser
to the provider's end_session_endpoint when it has one, so the provider's session ends too.
The provider's access token is checked again every `auth_refresh_age` seconds: once it has
expired (and cannot be refreshed) the Hub asks the user to sign in again.
"""

from __future__ import annotations

import fnmatch
import json
import os
import secrets
import urllib.request
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import quote, urlencode

from jupyterhub.handlers.base import BaseHandler
from jupyterhub.utils import url_path_join
from oauthenticator.generic import GenericOAuthenticator
from oauthenticator.github import GitHubOAuthenticator
from oauthenticator.google import GoogleOAuthenticator
from oauthenticator.oauth2 import OAuthLogoutHandler
from tornado import web
from tornado.httpclient import HTTPClientError
from traitlets import Bool, Set, Unicode
from traitlets.config import Configurable

from .landing import INSTRUCTORS_GROUP

STUDENTS_GROUP = "students"
KINDS = ("oidc", "github", "google")

# JupyterHub 6.1's refresh_auth reads this flag, which only token-authenticated requests set: a
# cookie-authenticated request whose refresh failed raised AttributeError (a traceback in the
# log) instead of asking the user to sign in again. False is what it means for cookie requests.
if not hasattr(BaseHandler, "_token_authenticated"):
    BaseHandler._token_authenticated = False


# --- the rule: who may sign in, and as what ---------------------------------------------


@dataclass(frozen=True)
class Policy:
    """The operator's settings that `decide` applies (see CourseRoles for each one's meaning)."""

    allowed_domains: frozenset[str] = frozenset()
    allowed_groups: frozenset[str] = frozenset()
    instructor_groups: frozenset[str] = frozenset()
    admin_groups: frozenset[str] = frozenset()
    instructor_users: frozenset[str] = frozenset()
    admin_users: frozenset[str] = frozenset()
    course_groups: tuple[str, ...] = ()
    allow_all: bool = False


@dataclass(frozen=True)
class Decision:
    allowed: bool
    admin: bool = False
    groups: frozenset[str] = field(default_factory=frozenset)
    reason: str = ""


def email_domain(email: str | None) -> str:
    return email.rsplit("@", 1)[1].lower() if email and "@" in email else ""


def decide(name: str, email: str | None, email_verified: bool | None, provider_groups, policy: Policy) -> Decision:
    """Allowed or not, admin or not, and the Hub groups, from what the provider said."""
    groups = {str(g) for g in provider_groups or ()}
    admin = name in policy.admin_users or bool(groups & policy.admin_groups)
    instructor = name in policy.instructor_users or bool(groups & policy.instructor_groups)
    refusal = _refusal(name, email, email_verified, groups, admin or instructor, policy)
    if refusal:
        return Decision(False, reason=refusal)
    hub_groups = {INSTRUCTORS_GROUP} if instructor else set() if admin else {STUDENTS_GROUP}
    hub_groups |= {g for g in groups if any(fnmatch.fnmatchcase(g, p) for p in policy.course_groups)}
    return Decision(True, admin=admin, groups=frozenset(hub_groups))


def _refusal(name, email, email_verified, groups, staff: bool, policy: Policy) -> str:
    """Why this account may not sign in ("" when it may)."""
    if policy.allowed_domains:
        domain = email_domain(email)
        if not domain:
            return "your account did not tell this hub its e-mail address, which decides who may sign in here."
        if email_verified is False:
            return f"the e-mail address {email} is not verified by your sign-in provider."
        if domain not in policy.allowed_domains:
            return f"accounts of {domain} may not sign in here (allowed: {', '.join(sorted(policy.allowed_domains))})."
    if policy.allowed_groups and not staff and not groups & policy.allowed_groups:
        return f"the account {name} is in none of the groups allowed on this hub ({', '.join(sorted(policy.allowed_groups))})."
    if not (policy.allow_all or policy.allowed_domains or policy.allowed_groups or staff):
        return f"the account {name} is not on this hub's list."
    return ""


def claim(info: dict, path: str):
    """A claim by dotted path ("realm_access.roles"), or None."""
    value = info
    for key in path.split(".") if path else ():
        value = value.get(key) if isinstance(value, dict) else None
    return value


def as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    return [str(v) for v in value]


def refused(reason: str, logout_url: str) -> web.HTTPError:
    """The 403 page of a refused account: why, and the way to another account (the provider's sign-out)."""
    err = web.HTTPError(403, "sign-in refused")
    text = f"You cannot sign in to this hub: {reason}"
    err.jupyterhub_message = text
    err.jupyterhub_html_message = (
        f"<p id='cm-refused'>{escape(text)}</p>"
        "<p>Ask your instructor to add you to the course, or "
        f"<a id='cm-switch-account' href='{escape(logout_url)}'>sign in with another account</a>.</p>"
    )
    return err


def exchange_failed(code: int) -> web.HTTPError:
    """The page when the provider would not exchange the sign-in code (a replayed, forged or stale callback)."""
    if 400 <= code < 500:
        err = web.HTTPError(403, "sign-in code refused")
        err.jupyterhub_message = "This sign-in link was already used or has expired: sign in again from the Hub's login page."
    else:
        err = web.HTTPError(502, "sign-in provider unavailable")
        err.jupyterhub_message = "The sign-in provider did not answer: try again in a minute."
    return err


# --- the authenticators -------------------------------------------------------------------


class SignOutEverywhere(OAuthLogoutHandler):
    """Sign-out: the Hub's session (and its tokens), the servers' cookies, the provider's session."""

    async def get(self):
        user = self.current_user
        self._signed_out = user.name if user else ""
        self._provider_url = await self.authenticator.provider_logout_url(user, self) if user else ""
        await super().get()

    async def handle_logout(self):
        await super().handle_logout()
        if self._signed_out:
            # their tokens were revoked with the session; the browser forgets the cookies too
            name = quote(self._signed_out, safe="")
            self.clear_cookie(f"jupyterhub-user-{name}", path=url_path_join(self.base_url, "user", name) + "/")
            for service in self.authenticator.service_cookies:
                self.clear_cookie(f"service-{service}", path=url_path_join(self.base_url, "services", service) + "/")

    async def render_logout_page(self):
        if self._provider_url:
            self.redirect(self._provider_url)
            return
        await super().render_logout_page()


class CourseRoles(Configurable):
    """Mixin for an OAuthenticator: roles and admission from the provider (see `decide`)."""

    logout_handler = SignOutEverywhere

    groups_claim = Unicode("groups", help="Dotted path of the userinfo claim listing the user's groups (Keycloak: realm_access.roles; Entra: groups).").tag(config=True)
    email_claim = Unicode("email", help="Userinfo claim holding the user's e-mail address (matched against allowed_domains).").tag(config=True)
    instructor_groups = Set(Unicode(), help="Provider groups whose members are instructors (the Hub group `instructors`, the dashboards).").tag(config=True)
    course_admin_groups = Set(Unicode(), help="Provider groups whose members are Hub admins.").tag(config=True)
    course_allowed_groups = Set(Unicode(), help="Provider groups whose members may sign in (empty: any group). Instructors and admins always may.").tag(config=True)
    allowed_domains = Set(Unicode(), help="E-mail domains whose (verified) accounts may sign in (empty: any domain).").tag(config=True)
    instructor_users = Set(Unicode(), help="Hub user names that are instructors whatever their groups (e.g. for GitHub or Google).").tag(config=True)
    course_groups = Set(Unicode(), help="Patterns (fnmatch) of provider groups kept as Hub groups of the same name, e.g. `course-*`: an instructor sees their course.").tag(config=True)
    allow_any_account = Bool(False, help="Let every account the provider signs in join as a student. Off: an allowed domain, group or user list is needed.").tag(config=True)
    end_session_url = Unicode("", help="The provider's end_session_endpoint: sign-out there too (empty: the Hub's session only).").tag(config=True)
    post_logout_url = Unicode("", help="Where the provider sends the browser after sign-out (register it with the provider); empty: the Hub's login page.").tag(config=True)
    service_cookies = Set(Unicode(), {"dashboards"}, help="Hub services whose cookies sign-out clears.").tag(config=True)

    def policy(self) -> Policy:
        return Policy(
            allowed_domains=frozenset(d.lower() for d in self.allowed_domains),
            allowed_groups=frozenset(self.course_allowed_groups),
            instructor_groups=frozenset(self.instructor_groups),
            admin_groups=frozenset(self.course_admin_groups),
            instructor_users=frozenset(self.instructor_users),
            admin_users=frozenset(self.admin_users),
            course_groups=tuple(sorted(self.course_groups)),
            allow_all=self.allow_any_account or self.allow_all,
        )

    def provider_groups(self, auth_state: dict) -> list[str]:
        return as_list(claim(auth_state.get(self.user_auth_state_key) or {}, self.groups_claim))

    def decision(self, name: str, auth_state: dict) -> Decision:
        info = auth_state.get(self.user_auth_state_key) or {}
        verified = info.get("email_verified", info.get("verified_email"))
        return decide(name, claim(info, self.email_claim), verified, self.provider_groups(auth_state), self.policy())

    async def update_auth_model(self, auth_model):
        auth_model = await super().update_auth_model(auth_model)
        if auth_model["admin"] is None:  # None: admin_users, already True, or unchanged
            admin = self.decision(auth_model["name"], auth_model["auth_state"]).admin
            # with admin groups the provider decides; without, an admin made in the admin panel stays one
            auth_model["admin"] = admin if (admin or self.course_admin_groups) else None
        return auth_model

    async def get_user_groups(self, auth_state: dict):
        name = self.normalize_username(self.user_info_to_username(auth_state.get(self.user_auth_state_key) or {}))
        return set(self.decision(name, auth_state).groups)

    async def check_allowed(self, username, auth_model):
        if auth_model is None:
            return await super().check_allowed(username, auth_model)
        found = self.decision(username, auth_model["auth_state"])
        if not found.allowed:
            self.log.info("sign-in refused for user#%s: %s", secrets.token_hex(4), found.reason.split(":")[0])
            state = auth_model["auth_state"] or {}
            raise refused(found.reason, self.end_session_link(state.get("id_token"), self.post_logout_url) or self.login_url(self.hub_base_url()))
        return True

    async def get_token_info(self, handler, params):
        """The provider's tokens for a code; its refusal is a clear 403 page, not a 500."""
        try:
            return await super().get_token_info(handler, params)
        except HTTPClientError as err:
            self.log.info("the provider refused a code or refresh token: HTTP %s", err.code)
            raise exchange_failed(err.code) from None

    async def refresh_user(self, user, handler=None, **kwargs):
        """Also ends the session of an account that may no longer sign in (moved out of its groups)."""
        model = await super().refresh_user(user, handler, **kwargs)
        if isinstance(model, dict) and not self.decision(model["name"], model["auth_state"]).allowed:
            return False
        return model

    def hub_base_url(self) -> str:
        return url_path_join(self.parent.base_url if self.parent is not None else "/", "hub") + "/"

    def end_session_link(self, id_token: str | None, back_to: str) -> str:
        """The provider's end-session URL (RP-initiated logout), or "" when it has none."""
        if not self.end_session_url:
            return ""
        params = {"client_id": self.client_id, **({"id_token_hint": id_token} if id_token else {}), "post_logout_redirect_uri": back_to}
        return f"{self.end_session_url}{'&' if '?' in self.end_session_url else '?'}{urlencode(params)}"

    async def provider_logout_url(self, user, handler) -> str:
        """Where sign-out sends this user: the provider's end-session URL (their id_token as hint), or ""."""
        state = await user.get_auth_state() if self.enable_auth_state and self.end_session_url else None
        back_to = self.post_logout_url or f"{handler.request.protocol}://{handler.request.host}{handler.settings['login_url']}"
        return self.end_session_link((state or {}).get("id_token"), back_to)


class CourseOIDCAuthenticator(CourseRoles, GenericOAuthenticator):
    """Any OpenID Connect provider (Keycloak, Entra, Okta, Google Workspace, a university's)."""


class CourseGitHubAuthenticator(CourseRoles, GitHubOAuthenticator):
    """GitHub: groups are the user's organisations and teams (`org`, `org:team`), read with read:org."""

    def provider_groups(self, auth_state: dict) -> list[str]:
        teams = auth_state.get("teams") or []
        orgs = {t["organization"]["login"] for t in teams if t.get("organization")}
        return sorted(orgs | {f"{t['organization']['login']}:{t['slug']}" for t in teams if t.get("organization")})


class CourseGoogleAuthenticator(CourseRoles, GoogleOAuthenticator):
    """Google: roles from instructor_users/admin_users (e-mail addresses), admission by domain."""


AUTHENTICATORS = {
    "oidc": CourseOIDCAuthenticator,
    "github": CourseGitHubAuthenticator,
    "google": CourseGoogleAuthenticator,
}


# --- configuration from the environment ---------------------------------------------------


def discover(issuer: str, timeout: float = 10) -> dict:
    """The provider's discovery document (/.well-known/openid-configuration)."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return json.load(resp)
    except (OSError, ValueError) as err:
        raise SystemExit(f"CODEMENTOR_OIDC_ISSUER={issuer}: cannot read {url} ({err}); check the issuer URL and that the Hub can reach it") from None


def words(env, name: str) -> set[str]:
    return set(as_list(env(name, "")))


def crypt_key(state: Path) -> bytes:
    """The key that encrypts users' tokens in the Hub's database: JUPYTERHUB_CRYPT_KEY or a file of the state folder."""
    path = state / "jupyterhub_crypt_key"
    if not path.exists():
        state.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def configure(c, kind: str, state: Path, env=os.environ.get) -> str:
    """Sign in with `kind` (oidc, github or google) from CODEMENTOR_OIDC_* settings; returns the class name."""
    if kind not in AUTHENTICATORS:
        raise SystemExit(f"CODEMENTOR_AUTH={kind!r}: this configuration knows {', '.join(KINDS)} (or empty for the profile's own sign-in)")
    cls = AUTHENTICATORS[kind]
    a = getattr(c, cls.__name__)
    c.JupyterHub.authenticator_class = f"{cls.__module__}.{cls.__name__}"
    # the provider decides who is who: no profile's own user lists or pre-loaded groups
    c.Authenticator.allowed_users = set()
    c.Authenticator.admin_users = set()
    c.JupyterHub.load_groups = {}
    client_id, secret = env("CODEMENTOR_OIDC_CLIENT_ID", ""), env("CODEMENTOR_OIDC_CLIENT_SECRET", "")
    if not (client_id and secret):
        raise SystemExit(f"CODEMENTOR_AUTH={kind} needs CODEMENTOR_OIDC_CLIENT_ID and CODEMENTOR_OIDC_CLIENT_SECRET (from registering the Hub with the provider)")
    public = env("CODEMENTOR_PUBLIC_URL", "").rstrip("/")
    if not public:
        raise SystemExit(f"CODEMENTOR_AUTH={kind} needs CODEMENTOR_PUBLIC_URL, the Hub's address as users type it (https://hub.example.edu)")
    a.client_id, a.client_secret = client_id, secret
    a.oauth_callback_url = f"{public}/hub/oauth_callback"
    a.post_logout_url = f"{public}/hub/login"
    a.login_service = env("CODEMENTOR_OIDC_NAME", {"oidc": "your institution", "github": "GitHub", "google": "Google"}[kind])
    if kind == "oidc":
        _configure_generic(a, env)
    elif kind == "github":
        a.scope = ["read:user", "user:email", "read:org"]
        a.populate_teams_in_auth_state = True
    else:
        a.hosted_domain = sorted(words(env, "CODEMENTOR_OIDC_ALLOWED_DOMAINS"))
        a.end_session_url = ""
    a.manage_groups = True
    a.enable_auth_state = True
    c.CryptKeeper.keys = [bytes.fromhex(env("JUPYTERHUB_CRYPT_KEY")) if env("JUPYTERHUB_CRYPT_KEY") else crypt_key(state)]
    a.groups_claim = env("CODEMENTOR_OIDC_GROUPS_CLAIM", "groups")
    a.instructor_groups = words(env, "CODEMENTOR_OIDC_INSTRUCTOR_GROUPS")
    a.course_admin_groups = words(env, "CODEMENTOR_OIDC_ADMIN_GROUPS")
    a.course_allowed_groups = words(env, "CODEMENTOR_OIDC_ALLOWED_GROUPS")
    a.allowed_domains = words(env, "CODEMENTOR_OIDC_ALLOWED_DOMAINS")
    a.instructor_users = words(env, "CODEMENTOR_OIDC_INSTRUCTORS")
    a.admin_users = words(env, "CODEMENTOR_OIDC_ADMINS")
    a.course_groups = words(env, "CODEMENTOR_OIDC_COURSE_GROUPS")
    a.allow_any_account = env("CODEMENTOR_OIDC_ALLOW_ANY_ACCOUNT", "") == "1"
    if not (a.allowed_domains or a.course_allowed_groups or a.instructor_groups or a.admin_users or a.instructor_users or a.allow_any_account):
        raise SystemExit(
            f"CODEMENTOR_AUTH={kind}: say who may sign in with CODEMENTOR_OIDC_ALLOWED_DOMAINS or CODEMENTOR_OIDC_ALLOWED_GROUPS "
            "(or CODEMENTOR_OIDC_ALLOW_ANY_ACCOUNT=1 to let every account of the provider in)"
        )
    return cls.__name__


def _configure_generic(a, env) -> None:
    issuer = env("CODEMENTOR_OIDC_ISSUER", "")
    if not issuer:
        raise SystemExit("CODEMENTOR_AUTH=oidc needs CODEMENTOR_OIDC_ISSUER, the provider's issuer URL (its /.well-known/openid-configuration is read)")
    found = discover(issuer)
    a.authorize_url = found["authorization_endpoint"]
    a.token_url = found["token_endpoint"]
    a.userdata_url = found["userinfo_endpoint"]
    a.end_session_url = env("CODEMENTOR_OIDC_LOGOUT_URL", found.get("end_session_endpoint", ""))
    a.scope = as_list(env("CODEMENTOR_OIDC_SCOPES", "openid email profile groups"))
    a.username_claim = env("CODEMENTOR_OIDC_USERNAME_CLAIM", "preferred_username")
