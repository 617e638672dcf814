"""A local LTI 1.3 platform (an LMS's side), a real HTTP server the tests run.

What a real platform does for a tool, over HTTP:

- publishes its public keys (``GET /jwks``) and signs launch id_tokens with its private key;
- the OIDC authentication request (``GET /auth``): checks client id, redirect URI, login hint and
  nonce, and answers the form that posts the signed id_token and the state to the tool;
- the OAuth 2 token endpoint (``POST /token``): client credentials with a JWT client assertion,
  checked against the tool's JWKS (fetched from the tool) for signature, issuer, subject,
  audience, expiry and a jti never used before;
- Assignment and Grade Services under ``/contexts/<course>/lineitems``: line items listed and
  created, scores received, each with its media type and the scope its token must hold.

Launches are registered by the test (`add_link`) and named by `lti_message_hint`; `faults`
makes the next launches badly signed or for another audience. `stop()` closes the port (an LMS
outage); `start()` opens it again on the same port with the same records.
"""

from __future__ import annotations

import asyncio
import html
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from tornado.httpclient import AsyncHTTPClient
from tornado.httpserver import HTTPServer
from tornado.web import Application, HTTPError, RequestHandler

LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


def _rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@dataclass
class Records:
    """What the platform saw and holds, kept across stop() and start()."""

    users: dict = field(default_factory=dict)  # login_hint -> claims about the person
    links: dict = field(default_factory=dict)  # lti_message_hint -> the launch's course, roles, custom
    line_items: dict = field(default_factory=dict)  # course -> [line item]
    scores: list = field(default_factory=list)  # (line item id, score body)
    score_times: list = field(default_factory=list)  # when each score arrived (time.time())
    tokens: dict = field(default_factory=dict)  # access token -> scopes
    used_jti: set = field(default_factory=set)
    log: list = field(default_factory=list)  # (time, method, path, status)
    refusals: list = field(default_factory=list)  # why the token endpoint refused


class Base(RequestHandler):
    def initialize(self, platform):
        self.platform = platform
        self.rec: Records = platform.records

    def on_finish(self):
        self.rec.log.append((time.time(), self.request.method, self.request.path, self.get_status()))

    def send_json(self, data, media="application/json", status=200):
        self.set_status(status)
        self.set_header("Content-Type", media)
        self.finish(json.dumps(data))

    def bearer_scopes(self) -> set:
        header = self.request.headers.get("Authorization", "")
        scopes = self.rec.tokens.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
        if scopes is None:
            raise HTTPError(401, "no valid bearer token")
        return scopes


class JwksHandler(Base):
    def get(self):
        self.send_json({"keys": [self.platform.public_jwk]})


class AuthHandler(Base):
    """The OIDC authentication request of the third-party initiated login."""

    def get(self):
        arg = self.get_query_argument
        p = self.platform
        if arg("response_type", "") != "id_token" or arg("scope", "") != "openid" or arg("response_mode", "") != "form_post":
            raise HTTPError(400, "not an LTI authentication request")
        if arg("client_id", "") != p.client_id or arg("redirect_uri", "") != p.redirect_uri:
            raise HTTPError(400, "unknown client or redirect URI")
        user = self.rec.users.get(arg("login_hint", ""))
        link = self.rec.links.get(arg("lti_message_hint", ""))
        if user is None or link is None or not arg("nonce", ""):
            raise HTTPError(400, "unknown login hint, message hint or no nonce")
        token = p.id_token(user, link, arg("nonce"))
        fields = {"id_token": token, "state": arg("state", "")}
        inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items())
        self.finish(f'<form method="post" action="{html.escape(p.redirect_uri)}">{inputs}</form><script>document.forms[0].submit()</script>')


class TokenHandler(Base):
    """Client credentials with a signed JWT assertion (IMS Security Framework 4.1)."""

    def refuse(self, why: str):
        self.rec.refusals.append(why)
        self.send_json({"error": "invalid_client", "error_description": why}, status=401)

    async def post(self):
        arg = self.get_body_argument
        if arg("grant_type", "") != "client_credentials" or arg("client_assertion_type", "") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return self.send_json({"error": "unsupported_grant_type"}, status=400)
        try:
            claims = await self.platform.verify_assertion(arg("client_assertion", ""))
        except (jwt.PyJWTError, KeyError, ValueError) as err:
            return self.refuse(f"assertion: {type(err).__name__}: {err}")
        if claims["iss"] != self.platform.client_id or claims["sub"] != self.platform.client_id:
            return self.refuse("assertion is not from the registered client")
        if claims["jti"] in self.rec.used_jti:
            return self.refuse("assertion replayed (jti used)")
        self.rec.used_jti.add(claims["jti"])
        granted = set(arg("scope", "").split()) & {SCOPE_LINEITEM, SCOPE_SCORE}
        token = uuid.uuid4().hex
        self.rec.tokens[token] = granted
        self.send_json({"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": " ".join(sorted(granted))})


class LineItemsHandler(Base):
    def get(self, course):
        if SCOPE_LINEITEM not in self.bearer_scopes():
            raise HTTPError(403)
        items = self.rec.line_items.get(course, [])
        for key, name in (("resource_id", "resourceId"), ("tag", "tag"), ("resource_link_id", "resourceLinkId")):
            wanted = self.get_query_argument(key, None)
            if wanted is not None:
                items = [i for i in items if i.get(name) == wanted]
        self.send_json(items, CONTAINER)

    def post(self, course):
        if SCOPE_LINEITEM not in self.bearer_scopes():
            raise HTTPError(403)
        if self.request.headers.get("Content-Type", "").split(";")[0] != LINEITEM:
            raise HTTPError(415, "a line item must be sent as " + LINEITEM)
        body = json.loads(self.request.body)
        if not isinstance(body.get("scoreMaximum"), (int, float)) or body["scoreMaximum"] <= 0 or not body.get("label"):
            raise HTTPError(400, "scoreMaximum > 0 and label are required")
        items = self.rec.line_items.setdefault(course, [])
        item = {**body, "id": f"{self.platform.url}/contexts/{course}/lineitems/{len(items) + 1}"}
        items.append(item)
        self.send_json(item, LINEITEM, 201)


class ScoresHandler(Base):
    def post(self, course, number):
        if SCOPE_SCORE not in self.bearer_scopes():
            raise HTTPError(403)
        if self.platform.score_status:
            raise HTTPError(self.platform.score_status)
        if self.request.headers.get("Content-Type", "").split(";")[0] != SCORE:
            raise HTTPError(415, "a score must be sent as " + SCORE)
        items = self.rec.line_items.get(course, [])
        if not number.isdigit() or not 0 < int(number) <= len(items):
            raise HTTPError(404)
        body = json.loads(self.request.body)
        for name in ("userId", "timestamp", "activityProgress", "gradingProgress"):
            if name not in body:
                raise HTTPError(400, f"{name} is required")
        self.rec.scores.append((items[int(number) - 1]["id"], body))
        self.rec.score_times.append(time.time())
        self.set_status(204)


class Platform:
    """The platform: its keys, its registration of the tool, its records and its server thread."""

    def __init__(self, client_id: str = "codementor-tool", deployment_id: str = "deployment-1"):
        self.client_id, self.deployment_id = client_id, deployment_id
        self._key, self._rogue = _rsa_key(), _rsa_key()
        self.public_jwk = {**json.loads(RSAAlgorithm.to_jwk(self._key.public_key())), "kid": "platform-1", "alg": "RS256", "use": "sig"}
        self.records = Records()
        self.port = 0
        self.redirect_uri = ""  # the tool's launch URL (set by the test)
        self.tool_jwks_url = ""  # the tool's JWKS URL (set by the test)
        self.tool_jwks: dict | None = None  # or its keys pasted into the registration, as LMSs also allow
        self.score_status: int | None = None  # answer every score with this status (an LMS refusing or failing)
        self.faults: set = set()  # "bad_signature", "wrong_audience", "other_deployment"
        self._thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_user(self, hint: str, sub: str, email: str, name: str = "") -> None:
        self.records.users[hint] = {"sub": sub, "email": email, "name": name or sub}

    def add_link(self, hint: str, course: str, title: str, roles: list[str], custom: dict | None = None, target: str = "", column: str = "") -> None:
        """A resource link; with `column`, an assignment whose own line item (that label, out of 10) the launch names."""
        lineitem = None
        if column:
            items = self.records.line_items.setdefault(course, [])
            lineitem = f"{self.url}/contexts/{course}/lineitems/{len(items) + 1}"
            items.append({"id": lineitem, "label": column, "scoreMaximum": 10, "resourceLinkId": f"link-{course}"})
        self.records.links[hint] = {"course": course, "title": title, "roles": [ROLE + r for r in roles], "custom": custom or {}, "target": target,
                                    "lineitem": lineitem}

    def id_token(self, user: dict, link: dict, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url, "aud": "someone-else" if "wrong_audience" in self.faults else self.client_id,
            "sub": user["sub"], "email": user["email"], "name": user["name"], "iat": now, "exp": now + 300, "nonce": nonce,
            CLAIM + "message_type": "LtiResourceLinkRequest", CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": "deployment-9" if "other_deployment" in self.faults else self.deployment_id,
            CLAIM + "target_link_uri": link["target"] or self.redirect_uri, CLAIM + "roles": link["roles"],
            CLAIM + "resource_link": {"id": f"link-{link['course']}"},
            CLAIM + "context": {"id": link["course"], "label": link["course"].upper(), "title": link["title"]},
            CLAIM + "custom": link["custom"],
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [SCOPE_LINEITEM, SCOPE_SCORE], "lineitems": f"{self.url}/contexts/{link['course']}/lineitems",
                **({"lineitem": link["lineitem"]} if link.get("lineitem") else {}),
            },
        }
        key = self._rogue if "bad_signature" in self.faults else self._key
        return jwt.encode(claims, _pem(key), algorithm="RS256", headers={"kid": "platform-1"})

    async def verify_assertion(self, assertion: str) -> dict:
        if self.tool_jwks is None:
            resp = await AsyncHTTPClient().fetch(self.tool_jwks_url, request_timeout=10)
        keys = jwt.PyJWKSet.from_dict(self.tool_jwks or json.loads(resp.body))
        kid = jwt.get_unverified_header(assertion)["kid"]
        key = next(k for k in keys.keys if k.key_id == kid)
        return jwt.decode(assertion, key.key, algorithms=["RS256"], audience=f"{self.url}/token", options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]})

    def app(self) -> Application:
        ctx = {"platform": self}
        return Application([
            ("/jwks", JwksHandler, ctx), ("/auth", AuthHandler, ctx), ("/token", TokenHandler, ctx),
            (r"/contexts/([\w-]+)/lineitems", LineItemsHandler, ctx),
            (r"/contexts/([\w-]+)/lineitems/(\d+)/scores", ScoresHandler, ctx),
        ])

    def start(self) -> "Platform":
        ready = threading.Event()

        def run():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            self._server = HTTPServer(self.app())
            self._server.listen(self.port, "127.0.0.1")
            if not self.port:
                self.port = next(iter(self._server._sockets.values())).getsockname()[1]
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="lti-platform", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        """Close the port and every connection: to the tool, the LMS is down."""
        async def close():
            self._server.stop()
            await self._server.close_all_connections()
            self._loop.stop()

        self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(close()))
        self._thread.join(10)
