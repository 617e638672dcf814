"""How the API asks the Hub who is calling."""

from __future__ import annotations

import asyncio
import json

from jupyterhub.services.auth import HubOAuth
from redis.exceptions import RedisError
from tornado.log import app_log
from tornado.web import HTTPError
from traitlets import Any, Float

SHARED_PREFIX = "codementor:hub-auth:"


class HubTokenAuth(HubOAuth):
    """HubOAuth that caches only the Hub's confirmations, never a refusal, and shares them between workers.

    JupyterHub's HubAuth caches every answer, a refusal too, for `cache_max_age`: a token
    checked while the Hub was briefly failing stayed "not signed in" for that long. Here only
    a user model is kept (for `cache_max_age`, which also bounds how long a revoked token keeps
    working); a refusal is asked again next time, and a Hub that cannot answer raises, which
    the API turns into a 503 with Retry-After.

    With `redis` set, a confirmation is also kept there (keyed by the token's SHA-256, expiring
    after `cache_max_age`), so that a client whose requests land on several workers is checked
    with the Hub once per `cache_max_age`, not once per worker; a refusal removes it. A Redis
    that does not answer only means asking the Hub.

    A Hub that takes the connection but does not answer (stalled, or its database locked) is given
    `hub_timeout` seconds; JupyterHub's own client would wait five minutes, and every request with a
    token not in the cache would pile up in the workers meanwhile.
    """

    redis = Any(None, allow_none=True, help="(set by the API) The Redis client holding the confirmations the workers share.")
    hub_timeout = Float(5.0, help="(set by the API: c.TutorAPI.hub_timeout) Seconds a token check waits for the Hub.")

    async def _api_request(self, method, url, /, **kwargs):
        try:
            return await asyncio.wait_for(super()._api_request(method, url, **kwargs), self.hub_timeout)
        except asyncio.TimeoutError:
            app_log.warning("the Hub did not answer a token check within %g s (c.TutorAPI.hub_timeout): the caller gets a 503",
                            self.hub_timeout)
            raise HTTPError(503, "the Hub did not answer in time") from None

    async def _check_hub_authorization(self, url, api_token, cache_key=None, use_cache=True):
        sharing = use_cache and cache_key is not None and self.redis is not None and self.cache_max_age > 0
        if sharing:
            try:
                return self.cache[cache_key]
            except KeyError:
                shared = await self._shared(cache_key)
                if shared is not None:
                    return shared  # not copied into this worker's cache: its age there would restart
        model = await super()._check_hub_authorization(url, api_token, cache_key=cache_key, use_cache=use_cache)
        if model is None and use_cache and cache_key is not None:
            self.cache.pop(cache_key, None)
        if sharing:
            await self._share(cache_key, model)
        return model

    async def _shared(self, cache_key: str) -> dict | None:
        try:
            raw = await self.redis.get(SHARED_PREFIX + cache_key)
            return json.loads(raw) if raw else None
        except (RedisError, OSError, ValueError) as err:
            app_log.warning("shared token cache not read (%r): asking the Hub", err)
            return None

    async def _share(self, cache_key: str, model: dict | None) -> None:
        try:
            if model is None:
                await self.redis.delete(SHARED_PREFIX + cache_key)
            else:
                await self.redis.set(SHARED_PREFIX + cache_key, json.dumps(model), ex=self.cache_max_age)
        except (RedisError, OSError) as err:
            app_log.warning("shared token cache not written (%r)", err)


async def forget_confirmations(redis, name: str) -> int:
    """Delete the shared confirmations of `name`'s tokens (a deleted user's token is then asked of the Hub again); how many."""
    gone = 0
    async for key in redis.scan_iter(match=SHARED_PREFIX + "*", count=1000):
        try:
            model = json.loads(await redis.get(key) or "null")
        except ValueError:
            continue
        if isinstance(model, dict) and model.get("name") == name:
            gone += await redis.delete(key)
    return gone
