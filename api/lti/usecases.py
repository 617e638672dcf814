"""The LTI use cases behind the handlers: the tool's keys, a launch the Hub reports, the passback's state."""

from __future__ import annotations

from ..errors import Forbidden, NotFound
from ..services.users import Identity
from .launches import Launch, record
from .passback import sync_status


def _settings(ctx):
    if ctx.lti is None or ctx.lti_key is None:
        raise NotFound("LTI is not configured on this API (c.LTIPassback.key_file, CODEMENTOR_LTI_KEY_FILE)")
    return ctx.lti


def tool_jwks(ctx) -> dict:
    """The tool's public key set."""
    _settings(ctx)
    return ctx.lti_key.jwks()


def require_launcher(ctx, caller: Identity) -> None:
    """Only the Hub's LTI login (its service token) records launches; anyone else learns nothing more, not even
    what a launch's body must hold."""
    settings = _settings(ctx)
    if caller.kind != "service" or caller.name != settings.launch_service:
        raise Forbidden(f"only the Hub's LTI login (the service {settings.launch_service!r}) may record launches")


async def record_launch(ctx, caller: Identity, launch: Launch) -> dict:
    """Record a launch; only the Hub's LTI login (its service token) may."""
    require_launcher(ctx, caller)
    settings = _settings(ctx)
    user_id = await ctx.users.user_id(Identity(name=launch.user, role=launch.role, groups=()))
    async with ctx.sessionmaker() as session, session.begin():
        enrolment = await record(session, user_id, launch)
    return {"enrolment": enrolment, "passback": launch.role == "student" and settings.posting}


async def passback_status(ctx, who: Identity) -> dict:
    """Per LMS course the viewer teaches (admins: all): last sync, sent, queued and failed scores."""
    scope = await ctx.roster.scope_for(who)  # Forbidden for a student
    async with ctx.reads() as session:
        data = await sync_status(session, scope.groups, ctx.clock())
    data["mode"] = ctx.lti.mode if ctx.lti is not None and ctx.lti.posting else "off"
    return data
