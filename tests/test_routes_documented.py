"""Every route and method the API serves is in its OpenAPI document."""

from __future__ import annotations

import re

from codementor.api.handlers import all_routes
from codementor.api.openapi import PATHS

METHODS = ("get", "post", "put", "patch", "delete")


def template(path: str) -> str:
    return re.sub(r"\([^)]*\)", "{}", path)


def test_every_route_and_method_is_documented():
    documented = {re.sub(r"\{[^}]+\}", "{}", p): ops for p, ops in PATHS.items()}
    for path, handler, *_ in all_routes("/"):
        key = template(path.removeprefix("/api/v1"))
        assert key in documented, f"{path} is missing from api/openapi.py"
        served = {m for m in METHODS if m in vars(handler)}
        assert served <= set(documented[key]), f"{path}: {served - set(documented[key])} not documented"
