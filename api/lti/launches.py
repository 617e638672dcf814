"""Launches the Hub's LTI login reports (POST /api/v1/lti/launches): who is in which LMS course.

Only the Hub's LTI login may report one (its own service token, `c.LTIPassback.launch_service`):
the launch's claims were checked there (signature, audience, nonce), and the URLs recorded here
receive the tool's service tokens, so no one else may set them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert

from ..models import LtiEnrolment, LtiLineItem
from .ags import same_origin

Text255 = Field(min_length=1, max_length=255)


HTTP_URL = r"^https?://[^/?#\s]+"


class Launch(BaseModel):
    """What the Hub reports of one verified launch (hub_config/lti.py launch_report sends exactly these fields)."""

    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=255)
    issuer: str = Field(min_length=1, max_length=500)
    client_id: str = Text255
    deployment_id: str = Text255
    context_id: str = Text255
    context_title: str = Field("", max_length=255)
    hub_group: str = Text255
    lms_subject: str = Text255
    role: str = Field(pattern="^(student|instructor)$")
    lineitems_url: str | None = Field(None, max_length=2000, pattern=HTTP_URL)
    scopes: list[str] = Field(default_factory=list, max_length=20)
    # an assignment link's own gradebook column (AGS `lineitem`) and the exercise it names
    lineitem_url: str | None = Field(None, max_length=2000, pattern=HTTP_URL)
    exercise_id: str | None = Field(None, pattern="^[a-z0-9-]{1,100}$")

    @field_validator("lineitems_url", "lineitem_url")
    @classmethod
    def _http_url(cls, value):
        if value is not None and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc):
            raise ValueError("must be an http(s) URL")
        return value


async def record(session, user_id: int, launch: Launch) -> int:
    """Insert or refresh the user's enrolment in the launch's course; returns its id."""
    values = launch.model_dump(exclude={"user", "lineitem_url", "exercise_id"})
    if "https://purl.imsglobal.org/spec/lti-ags/scope/score" not in launch.scopes:
        values["lineitems_url"] = None  # the LMS did not grant score posting for this course
    stmt = insert(LtiEnrolment).values(user_id=user_id, **values)
    stmt = stmt.on_conflict_do_update(
        constraint="uq_lti_enrolments_user_course",
        set_={**{k: stmt.excluded[k] for k in values if k not in ("issuer", "deployment_id", "context_id")}, "updated_at": func.now()},
    ).returning(LtiEnrolment.id)
    enrolment = (await session.execute(stmt)).scalar_one()
    if values["lineitems_url"] and launch.lineitem_url and launch.exercise_id and same_origin(launch.lineitem_url, values["lineitems_url"]):
        # the assignment's own column receives that exercise's scores (exercise mode)
        column = insert(LtiLineItem).values(lineitems_url=values["lineitems_url"], item_key=f"exercise:{launch.exercise_id}", url=launch.lineitem_url)
        await session.execute(column.on_conflict_do_update(constraint="uq_lti_line_items_url_key", set_={"url": column.excluded.url}))
    return enrolment
