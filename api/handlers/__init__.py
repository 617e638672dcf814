"""HTTP handlers of the API; each module ends with its route list."""

from . import classes, courses, delivery, exercises, lti, me, meta, placement, progress, submissions, tutor, userdata


def all_routes(prefix: str) -> list:
    """Every route of the API under `prefix` (the service prefix, ending in a slash)."""
    routes = []
    for module in (meta, me, placement, exercises, submissions, progress, tutor, classes, courses, delivery, userdata, lti):
        routes.extend((prefix + "api/v1" + path, handler, *rest) for path, handler, *rest in module.default_handlers)
    return routes
