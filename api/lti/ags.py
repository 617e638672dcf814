"""Assignment and Grade Services, the tool's side: a service token by OAuth 2 client credentials
with a signed JWT assertion, line items found or created, scores posted with the AGS media types.

Errors are `PlatformError`s that say whether a retry may help and carry a message fit for an
instructor's page and the logs: a status and a reason, never a token or an assertion.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx
import jwt

from .keys import ToolKey

LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class PlatformError(Exception):
    """The LMS refused or did not answer; `retry` says whether trying later may help."""

    def __init__(self, message: str, retry: bool, unreachable: bool = False):
        super().__init__(message)
        self.message, self.retry, self.unreachable = message, retry, unreachable


def from_status(what: str, resp: httpx.Response) -> PlatformError:
    """The error for an unexpected answer: 5xx, 408, 429 and 401 (a token revoked early) are worth a retry."""
    retry = resp.status_code >= 500 or resp.status_code in (401, 408, 429)
    return PlatformError(f"{what} answered HTTP {resp.status_code}", retry=retry)


def from_transport(what: str, err: httpx.HTTPError) -> PlatformError:
    return PlatformError(f"{what} did not answer ({type(err).__name__})", retry=True, unreachable=True)


def scores_url(lineitem_url: str) -> str:
    """A line item's scores endpoint: its path + /scores, its query kept (AGS 3.4)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def same_origin(url: str, base: str) -> bool:
    """Whether `url` is on the scheme, host and port of `base` (the course's line items endpoint)."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc) and a.scheme in ("http", "https")


def checked_item_url(url: str, lineitems_url: str) -> str:
    """A line item URL the tool may send its token to: never another host than the course's endpoint."""
    if not same_origin(url, lineitems_url):
        raise PlatformError("the LMS named a line item on another host than the course's line items endpoint", retry=False)
    return url


def client_assertion(key: ToolKey, client_id: str, audience: str, now: float, lifetime: int = 300) -> str:
    """The signed JWT the tool presents instead of a client secret (IMS Security Framework 4.1)."""
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "iat": int(now), "exp": int(now) + lifetime, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})


@dataclass
class AGSClient:
    """Talks to one platform; keeps its service token until shortly before it expires."""

    key: ToolKey
    client_id: str
    token_url: str
    audience: str = ""
    timeout: float = 10.0
    clock: object = time.time
    _token: tuple[str, float] | None = field(default=None, repr=False)

    async def _request(self, what: str, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as http:
                return await http.request(method, url, **kwargs)
        except httpx.HTTPError as err:
            raise from_transport(what, err) from None

    async def token(self) -> str:
        if self._token and self._token[1] > self.clock():
            return self._token[0]
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(self.key, self.client_id, self.audience or self.token_url, self.clock()),
            "scope": f"{SCOPE_LINEITEM} {SCOPE_SCORE}",
        }
        resp = await self._request("the LMS token endpoint", "POST", self.token_url, data=form, headers={"Accept": "application/json"})
        if resp.status_code != 200:
            raise from_status("the LMS token endpoint", resp)
        try:
            body = resp.json()
            token, lifetime = str(body["access_token"]), float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise PlatformError("the LMS token endpoint sent no access_token", retry=True) from None
        self._token = (token, self.clock() + max(0.0, lifetime - 30))
        return token

    def forget_token(self) -> None:
        self._token = None

    async def _authorized(self, what: str, method: str, url: str, media: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self.token()}", "Accept": media, **kwargs.pop("headers", {})}
        resp = await self._request(what, method, url, headers=headers, **kwargs)
        if resp.status_code == 401:
            self.forget_token()  # a new one next time
        return resp

    async def find_line_item(self, lineitems_url: str, resource_id: str, tag: str) -> str | None:
        """The URL of the course's line item for `resource_id` with `tag`, if the course has one."""
        resp = await self._authorized(
            "the LMS line items endpoint", "GET", lineitems_url, CONTAINER, params={"resource_id": resource_id, "tag": tag, "limit": "100"}
        )
        if resp.status_code != 200:
            raise from_status("the LMS line items endpoint", resp)
        try:
            items = resp.json()
        except ValueError:
            raise PlatformError("the LMS line items endpoint sent no JSON", retry=True) from None
        found = [i for i in items if isinstance(i, dict) and i.get("resourceId") == resource_id and i.get("tag") == tag] if isinstance(items, list) else []
        return checked_item_url(str(found[0]["id"]), lineitems_url) if found and found[0].get("id") else None

    async def create_line_item(self, lineitems_url: str, resource_id: str, tag: str, label: str, maximum: float) -> str:
        body = {"scoreMaximum": maximum, "label": label, "resourceId": resource_id, "tag": tag}
        resp = await self._authorized("the LMS line items endpoint", "POST", lineitems_url, LINEITEM, content=json.dumps(body), headers={"Content-Type": LINEITEM})
        if resp.status_code not in (200, 201):
            raise from_status("the LMS line items endpoint", resp)
        try:
            url = str(resp.json()["id"])
        except (ValueError, KeyError, TypeError):
            raise PlatformError("the LMS created a line item but sent no id", retry=True) from None
        return checked_item_url(url, lineitems_url)

    async def post_score(self, lineitem_url: str, score: dict) -> None:
        resp = await self._authorized("the LMS scores endpoint", "POST", scores_url(lineitem_url), "application/json", content=json.dumps(score), headers={"Content-Type": SCORE})
        if resp.status_code not in (200, 201, 202, 204):
            raise from_status("the LMS scores endpoint", resp)
