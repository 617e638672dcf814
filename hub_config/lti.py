"""LTI 1.3 launches from an LMS (Canvas, Moodle, Blackboard, Brightspace): `CODEMENTOR_AUTH=lti`.

jupyterhub-ltiauthenticator's LTI13Authenticator does the OpenID Connect third-party login
(login initiation, the platform's form post of a signed id_token, signature, issuer, audience,
`azp`, age and the nonce against the browser's cookie). On top of it, this module:

- refuses a launch whose nonce was already used (the cookie check alone lets a captured
  id_token be posted again with the captured cookies) and one from a deployment not listed;
- maps the launch's course roles to the Hub's: Instructor, TeachingAssistant, ContentDeveloper
  and Administrator of the course make an instructor (group `instructors`, like the project's
  instructors today), everyone else is a student;
- puts the user in a Hub group for the LMS course (the `context` claim), so an instructor's
  dashboards show exactly their course's students (the API's roster reads Hub groups);
- reports the launch to the API (course, LMS user id, the AGS line items endpoint) with the
  token of the Hub service `lti-launches`, for grade passback;
- opens the exercise an assignment link names (custom parameter `exercise`, or `?exercise=`
  in its target link URI) in the student's server.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import secrets
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from jupyterhub import orm
from jupyterhub.utils import url_path_join
from ltiauthenticator.lti13.auth import LTI13Authenticator
from ltiauthenticator.lti13.error import InvalidAudienceError, LoginError, ValidationError
from ltiauthenticator.lti13.handlers import LTI13CallbackHandler, LTI13LoginInitHandler
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.web import HTTPError
from traitlets import Float, List, Set, Unicode

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CONTEXT_ROLES = "http://purl.imsglobal.org/vocab/lis/v2/membership"
EXERCISE_ID = re.compile(r"^[a-z0-9-]{1,100}$")


def context_role_names(roles) -> set[str]:
    """The short names of a launch's course roles (`...membership#Instructor` -> Instructor).

    Institution and system roles are ignored: what someone is in this course decides."""
    names = set()
    for role in roles if isinstance(roles, list) else ():
        if not isinstance(role, str):
            continue
        if role.startswith(CONTEXT_ROLES):
            names.add(role.rsplit("#", 1)[-1])
        elif "/" not in role and "#" not in role:
            names.add(role)  # the simple names LTI 1.3 still accepts
    return names


def role_for(roles, instructor_roles) -> str:
    """'instructor' when any course role is one of `instructor_roles`, else 'student'."""
    return "instructor" if context_role_names(roles) & set(instructor_roles) else "student"


def course_group(issuer: str, context: dict, prefix: str) -> str:
    """The Hub group of an LMS course: readable (its label) and unique (a hash of issuer and course id)."""
    readable = re.sub(r"[^a-z0-9]+", "-", str(context.get("label") or context.get("title") or "course").lower()).strip("-")[:40] or "course"
    digest = hashlib.sha256(f"{issuer}|{context['id']}".encode()).hexdigest()[:8]
    return f"{prefix}{readable}-{digest}"


def exercise_of(claims: dict) -> str | None:
    """The exercise an assignment link names: custom `exercise`, else `?exercise=` in its target link URI."""
    custom = claims.get(CLAIM + "custom") or {}
    candidate = custom.get("exercise") if isinstance(custom, dict) else None
    if not candidate:
        query = parse_qs(urlsplit(str(claims.get(CLAIM + "target_link_uri") or "")).query)
        candidate = (query.get("exercise") or [None])[0]
    candidate = str(candidate or "").strip().lower()
    return candidate if EXERCISE_ID.match(candidate) else None


def safe_username(raw: str) -> str:
    """A Hub user name from an LMS value: lower case, only [a-z0-9._@+-], at most 100 characters."""
    name = re.sub(r"[^a-z0-9._@+-]+", "-", raw.strip().lower()).strip("-")[:100]
    if not name:
        raise LoginError("the launch carries no usable user name (c.LTI13Authenticator.username_key)")
    return name


class NonceLedger:
    """The nonces of accepted launches, kept as long as a launch that old could still be accepted.

    With a `path` they survive a Hub restart (only their SHA-256 is written, mode 0600)."""

    def __init__(self, keep_seconds: float, path: Path | None = None):
        self.keep_seconds, self.path = keep_seconds, path
        self._seen: dict[str, float] = self._load()

    def _load(self) -> dict[str, float]:
        try:
            data = json.loads(self.path.read_text()) if self.path else {}
        except (OSError, ValueError):
            return {}
        return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(self._seen, f)
        os.replace(tmp, self.path)

    def use(self, nonce: str, now: float | None = None) -> bool:
        """Record `nonce`; False if it was used already (a replayed launch)."""
        now = time.time() if now is None else now
        key = hashlib.sha256(nonce.encode()).hexdigest()
        self._seen = {n: t for n, t in self._seen.items() if now - t < self.keep_seconds}
        if key in self._seen:
            return False
        self._seen[key] = now
        self._save()
        return True


def launch_report(user: str, role: str, group: str, claims: dict) -> dict:
    """What the API records of a verified launch (api/lti/launches.py, Launch)."""
    context = claims.get(CLAIM + "context") or {}
    ags = claims.get(AGS_CLAIM) or {}
    aud = claims["aud"]
    return {
        "user": user, "role": role, "hub_group": group, "issuer": claims["iss"],
        "client_id": claims.get("azp") or (aud[0] if isinstance(aud, list) else aud),
        "deployment_id": claims[CLAIM + "deployment_id"], "context_id": context["id"],
        "context_title": str(context.get("title") or context.get("label") or "")[:255], "lms_subject": claims["sub"],
        "lineitems_url": ags.get("lineitems") if isinstance(ags, dict) else None,
        "scopes": [s for s in ags.get("scope", []) if isinstance(s, str)][:20] if isinstance(ags, dict) else [],
        # an assignment link's own gradebook column, for the exercise it opens
        "lineitem_url": ags.get("lineitem") if isinstance(ags, dict) else None, "exercise_id": exercise_of(claims),
    }


class CodeMentorLTILoginHandler(LTI13LoginInitHandler):
    """The login initiation; over https its state and nonce cookies are SameSite=None, since the
    platform's form post that must carry them back comes from the LMS's site."""

    def post(self):
        # someone who opens the Hub's sign-in directly gets what to do, not a missing-argument error
        if not self.get_argument("iss", "") or not self.get_argument("login_hint", ""):
            raise HTTPError(400, "Sign-in here starts from your course: open CodeMentor from its link in your LMS (Canvas, Moodle, ...).")
        return super().post()

    get = post

    def _set_oauth_cookie(self, key: str, value):
        cross_site = {"samesite": "None", "secure": True} if self.authenticator.get_uri_scheme(self.request) == "https" else {}
        self._set_cookie(key, value, expires_days=1, httponly=True, encrypted=True, **cross_site)


class CodeMentorLTICallbackHandler(LTI13CallbackHandler):
    """The launch (the platform's form post): verify, refuse replays, join groups, report, open."""

    def decode_and_validate_launch_request(self):
        claims = super().decode_and_validate_launch_request()
        auth = self.authenticator
        deployment = claims.get(CLAIM + "deployment_id")
        if auth.deployment_ids and deployment not in auth.deployment_ids:
            raise ValidationError(f"this tool is not installed for deployment {str(deployment)[:80]!r} (c.CodeMentorLTIAuthenticator.deployment_ids)")
        if not auth.nonces.use(str(claims["nonce"])):
            raise ValidationError("this launch was already used (nonce seen before); start it again from the LMS")
        return claims

    async def post(self):
        try:
            claims = self.decode_and_validate_launch_request()
        except InvalidAudienceError as err:
            self.log.warning("LTI launch refused: wrong audience (%s)", err)
            raise HTTPError(401, f"this launch was meant for another tool (wrong audience: {err}); check c.CodeMentorLTIAuthenticator.client_id") from None
        except ValidationError as err:
            self.log.warning("LTI launch refused: %s", err)
            raise HTTPError(400, f"LTI launch refused: {err}") from None
        try:
            user = await self.login_user(claims)
        except LoginError as err:
            raise HTTPError(400, str(err)) from None
        if user is None:
            raise HTTPError(403, "this LMS user may not use the Hub")
        await self.authenticator.enrol(self.db, user, claims)
        exercise = exercise_of(claims)
        if exercise:
            self.redirect(url_path_join(self.hub.base_url, "user-redirect/codementor/open-exercise") + f"?id={quote(exercise)}")
        else:
            self.redirect(super(LTI13CallbackHandler, self).get_next_url(user))


class CodeMentorLTIAuthenticator(LTI13Authenticator):
    """LTI13Authenticator with course groups, instructor roles, replay refusal and launch reports."""

    login_handler = CodeMentorLTILoginHandler
    callback_handler = CodeMentorLTICallbackHandler

    instructor_roles = List(
        Unicode(), ["Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"],
        help="Course (context membership) roles, by short name, that make an instructor; everyone else is a student.",
    ).tag(config=True)
    instructor_group = Unicode("instructors", help="The Hub group of instructors (the dashboards' role is granted to it).").tag(config=True)
    course_group_prefix = Unicode("course-", help="Prefix of the Hub group made for each LMS course.").tag(config=True)
    deployment_ids = Set(Unicode(), help="Deployment ids this tool accepts launches from (empty: any of the platform's).").tag(config=True)
    report_url = Unicode(help="The API's endpoint for launches (.../api/v1/lti/launches); empty: no grade passback.").tag(config=True)
    report_token = Unicode(help="Token of the Hub service that may report launches to the API.").tag(config=True)
    report_timeout = Float(5.0, help="Seconds to wait for the API when reporting a launch.").tag(config=True)
    report_retries = List(
        Float(), [5.0, 30.0, 120.0, 600.0], help="Pauses (seconds) before reporting a launch again while the API does not take it."
    ).tag(config=True)
    nonce_file = Unicode(help="Where the used launch nonces are kept across Hub restarts (empty: in memory only).").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # a launch older than the validator's max_age (600 s by default) is refused anyway
        self.nonces = NonceLedger(keep_seconds=3600, path=Path(self.nonce_file) if self.nonce_file else None)

    def get_username(self, token):
        return safe_username(str(super().get_username(token)))

    async def authenticate(self, handler, data=None):
        # keep no id_token in the Hub's database: the API gets what it needs from the launch report
        return {"name": self.get_username(data or {})}

    async def enrol(self, db, user, claims: dict) -> None:
        """Join the course's group (and `instructors` for an instructor); report the launch to the API."""
        role = role_for(claims.get(CLAIM + "roles"), self.instructor_roles)
        context = claims.get(CLAIM + "context")
        group = course_group(claims["iss"], context, self.course_group_prefix) if isinstance(context, dict) and context.get("id") else None
        join_groups(db, user.orm_user, [g for g in (group, self.instructor_group if role == "instructor" else None) if g])
        self.log.info("LTI launch: user#%s as %s, course group %s", user.id, role, group or "(none)")
        if group and self.report_url:
            await self.report(launch_report(user.name, role, group, claims))

    async def report(self, body: dict) -> None:
        """Report a launch to the API; while the API does not take it, try again in the background."""
        if not await self._report_once(body, first=True):
            asyncio.ensure_future(self._report_later(body))

    async def _report_later(self, body: dict) -> None:
        for pause in self.report_retries:
            await asyncio.sleep(pause)
            if await self._report_once(body):
                return
        self.log.warning("an LTI launch was not recorded by the API after %d tries; that student's scores wait for their next launch",
                         len(self.report_retries) + 1)

    async def _report_once(self, body: dict, first: bool = False) -> bool:
        """True when the API took the report, or refused it for good (a retry would not change that)."""
        request = HTTPRequest(
            self.report_url, method="POST", body=json.dumps(body), request_timeout=self.report_timeout,
            headers={"Authorization": f"token {self.report_token}", "Content-Type": "application/json"},
        )
        try:
            await AsyncHTTPClient().fetch(request)
            return True
        except (HTTPClientError, OSError) as err:
            code = getattr(err, "code", 0)
            if 400 <= code < 500 and code not in (408, 429):
                self.log.error("the API refused an LTI launch report (HTTP %s); check c.LTIPassback.launch_service", code)
                return True
            if first:  # the user is signed in all the same; their scores wait for the report
                self.log.warning("LTI launch not recorded by the API yet (%s); trying again in the background", code or type(err).__name__)
            return False


def join_groups(db, orm_user, names) -> None:
    """Add the user to each group (created when missing); groups they are in stay as they are."""
    for name in names:
        group = orm.Group.find(db, name)
        if group is None:
            group = orm.Group(name=name)
            db.add(group)
        if group not in orm_user.groups:
            orm_user.groups.append(group)
    db.commit()


REQUIRED = {
    "CODEMENTOR_LTI_ISSUER": "the platform's issuer (iss), e.g. https://canvas.instructure.com",
    "CODEMENTOR_LTI_CLIENT_ID": "the client id the LMS gave this tool",
    "CODEMENTOR_LTI_AUTH_URL": "the platform's OIDC authorization (authentication request) URL",
    "CODEMENTOR_LTI_PLATFORM_JWKS_URL": "the platform's public keyset (JWKS) URL",
}
# passed on to the API service (grade passback)
API_SETTINGS = ("CODEMENTOR_LTI_CLIENT_ID", "CODEMENTOR_LTI_TOKEN_URL", "CODEMENTOR_LTI_TOKEN_AUDIENCE", "CODEMENTOR_LTI_PASSBACK",
                "CODEMENTOR_LTI_POLL_SECONDS", "CODEMENTOR_LTI_RETRY_FIRST_SECONDS")
LAUNCH_SERVICE = "lti-launches"


def configure_lti(c, env, state: Path, api_url: str, api_service: str) -> dict:
    """Sign-in by LTI 1.3 launch (CODEMENTOR_AUTH=lti); returns the API service's LTI environment."""
    missing = [f"{name} ({what})" for name, what in REQUIRED.items() if not env(name, "").strip()]
    if missing:
        raise SystemExit("CODEMENTOR_AUTH=lti needs " + "; ".join(missing))
    c.JupyterHub.authenticator_class = "codementor.hub_config.lti.CodeMentorLTIAuthenticator"
    auth = c.CodeMentorLTIAuthenticator
    auth.issuer = env("CODEMENTOR_LTI_ISSUER").strip()
    auth.client_id = {env("CODEMENTOR_LTI_CLIENT_ID").strip()}
    auth.authorize_url = env("CODEMENTOR_LTI_AUTH_URL").strip()
    auth.jwks_endpoint = env("CODEMENTOR_LTI_PLATFORM_JWKS_URL").strip()
    # `sub` by default: the platform assigns it and no user can change it (an e-mail address a
    # user may edit in the LMS could be made someone else's Hub name)
    auth.username_key = env("CODEMENTOR_LTI_USERNAME_KEY", "sub").strip() or "sub"
    auth.deployment_ids = {d.strip() for d in env("CODEMENTOR_LTI_DEPLOYMENT_IDS", "").split(",") if d.strip()}
    auth.report_url = f"{api_url}/services/{api_service}/api/v1/lti/launches"
    auth.nonce_file = str(state / "lti-used-nonces.json")  # the Hub's own; lti/ holds the API's key
    auth.report_token = secrets.token_hex(32)  # a new one at each Hub start; only this process and the Hub's database (hashed) know it
    # anyone the platform launches may sign in: the platform is the gatekeeper
    c.Authenticator.allow_all = True
    c.Authenticator.allowed_users = set()
    c.Authenticator.admin_users = {n.strip() for n in env("CODEMENTOR_LTI_ADMIN_USERS", "").split(",") if n.strip()}
    key_file = env("CODEMENTOR_LTI_KEY_FILE", "") or str(state / "lti" / "tool-key.pem")
    return {"CODEMENTOR_LTI_KEY_FILE": key_file, **{n: env(n) for n in API_SETTINGS if env(n, "")}}


def add_launch_service(c, services: list, roles: list, api_service: str) -> None:
    """The Hub service whose token the LTI login reports launches to the API with (nothing else)."""
    services.append({"name": LAUNCH_SERVICE, "api_token": c.CodeMentorLTIAuthenticator.report_token})
    roles.append({"name": LAUNCH_SERVICE, "description": "report LTI launches to the API", "scopes": [f"access:services!service={api_service}"], "services": [LAUNCH_SERVICE]})
