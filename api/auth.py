"""How the API asks the Hub who is calling."""

from __future__ import annotations

from jupyterhub.services.auth import HubOAuth


class HubTokenAuth(HubOAuth):
    """HubOAuth that caches only the Hub's confirmations, never a refusal.

    JupyterHub's HubAuth caches every answer, a refusal too, for `cache_max_age`: a token
    checked while the Hub was briefly failing stayed "not signed in" for that long. Here only
    a user model is kept (for `cache_max_age`, which also bounds how long a revoked token keeps
    working); a refusal is asked again next time, and a Hub that cannot answer raises, which
    the API turns into a 503 with Retry-After.
    """

    async def _check_hub_authorization(self, url, api_token, cache_key=None, use_cache=True):
        model = await super()._check_hub_authorization(url, api_token, cache_key=cache_key, use_cache=use_cache)
        if model is None and use_cache and cache_key is not None:
            self.cache.pop(cache_key, None)
        return model
