"""Request bodies and query strings, validated with pydantic. Limits here are the ones students can hit.

The OpenAPI document is generated from these models (api/openapi.py): a constraint written here is
both enforced and documented."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator

from ..exercise_bank.topics import TOPICS

EXERCISE_ID = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", examples=["sum-of-evens"])
Topic = Literal[tuple(TOPICS)]
MAX_CODE_CHARS = 100_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class HintRequest(Strict):
    exercise_id: str = EXERCISE_ID
    again: StrictBool = False  # not 0/1 or "yes": the document says boolean
    code: str = Field(default="", max_length=MAX_CODE_CHARS)
    error: str = Field(default="", max_length=20_000)
    traceback: str = Field(default="", max_length=20_000)


class SubmissionRequest(Strict):
    exercise_id: str = EXERCISE_ID
    code: str = Field(max_length=MAX_CODE_CHARS)
    idempotency_key: str = Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")


def _iso(kind):
    """ISO 8601 text only: pydantic would also read a number (or a text of digits) as seconds since 1970."""
    def parse(value):
        if value is None:
            return None  # where the field allows none, the type says so
        if isinstance(value, str):
            try:
                return kind.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(f"must be an ISO 8601 {'date, e.g. 2026-12-07' if kind is date else 'date and time, e.g. 2026-12-07T17:00'}")
    return BeforeValidator(parse)


class AssignmentRequest(Strict):
    """Pin an exercise to a day for a Hub group; `due_at` without a UTC offset is in the course's time zone."""

    group: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._@+ -]+$")
    exercise_id: str = EXERCISE_ID
    day: Annotated[date, _iso(date)]
    due_at: Annotated[datetime | None, _iso(datetime)] = None


class PlacementAnswers(Strict):
    """One placement question's answers: what each printed line shows, in order."""

    question_id: str = Field(min_length=1, max_length=100)
    answers: list[Annotated[str, Field(max_length=200)]] = Field(max_length=20)


class ProfileRequest(Strict):
    """Onboarding: what the student says about themselves (PUT /me replaces it)."""

    level: Literal["beginner", "intermediate", "advanced"]
    topics: list[Topic] = Field(default_factory=list, max_length=len(TOPICS))
    timezone: str | None = Field(default=None, min_length=1, max_length=64, description="IANA name, e.g. Europe/Paris; null for the course's")

    @field_validator("topics", mode="before")
    @classmethod
    def _known_topics(cls, topics):
        if not isinstance(topics, list):
            return topics
        unknown = [t for t in topics if t not in TOPICS]
        if unknown:
            raise ValueError(f"unknown topic {unknown[0]!r}; choose from: {', '.join(TOPICS)}")
        return topics

    @field_validator("topics")
    @classmethod
    def _once_each(cls, topics):
        return list(dict.fromkeys(topics))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Europe/Paris or America/New_York") from None
        return name


class TutorRequest(Strict):
    exercise_id: str = EXERCISE_ID
    question: str = Field(default="", max_length=4_000)
    code: str = Field(default="", max_length=MAX_CODE_CHARS)
    error: str = Field(default="", max_length=20_000)
    traceback: str = Field(default="", max_length=20_000)
    stream: StrictBool = False


class NewConversationRequest(Strict):
    exercise_id: str = EXERCISE_ID


DeliveryKind = Literal["unreachable", "api_error", "bad_answer", "write_failed", "gave_up"]


class DeliveryReport(Strict):
    """Failed delivery attempts a student server saw since its last report, by kind."""

    failures: dict[DeliveryKind, Annotated[int, Field(ge=1, le=1000)]] = Field(min_length=1, max_length=5, description="Attempts per kind, each 1 to 1000.")

    @field_validator("failures", mode="before")
    @classmethod
    def _json_integers(cls, value):
        """Counts are JSON integers as JSON Schema reads them: numbers with no fraction (2 and 2.0), never texts or booleans."""
        if isinstance(value, dict):
            for kind, count in value.items():
                if isinstance(count, bool) or not isinstance(count, (int, float)):
                    raise ValueError(f"{kind}: a count must be a whole number")
        return value


HUB_NAME = Field(min_length=1, max_length=255, pattern=r"^[^\s/]+$")


class HubAuditEvent(Strict):
    """An admin's action on the Hub's own pages, reported by the Hub (hub_config/audit.py)."""

    action: Literal["approve_signup", "revoke_signup", "grant_admin", "revoke_admin", "add_to_group", "remove_from_group"]
    actor: str | None = Field(default=None, min_length=1, max_length=255, description="The Hub user who did it; null for a service")
    actor_role: Literal["admin", "instructor", "student", "service"]
    subject: str = HUB_NAME
    details: dict[str, str] = Field(default_factory=dict, max_length=4, description="e.g. the group, or the service that did it")

    @field_validator("details")
    @classmethod
    def _short_details(cls, value: dict[str, str]) -> dict[str, str]:
        if any(key not in ("group", "service") or len(text) > 255 for key, text in value.items()):
            raise ValueError("details may hold 'group' and 'service', each at most 255 characters")
        return value


class DeletionRequestBody(BaseModel):
    """A student's request to have everything about them deleted."""

    confirm: str = Field(min_length=1, max_length=255, description="The user's own name, typed again: the request is refused otherwise.")


class ImportRequest(Strict):
    """An authoring notebook (the .ipynb JSON) to validate and store in the course bank."""

    notebook: dict


# --- query strings: every value arrives as text; integers are whole numbers in a documented range
def _stripped(raw):
    return raw.strip() if isinstance(raw, str) else raw


WholeNumber = Annotated[int, BeforeValidator(_stripped)]
CURSOR = Field(default=None, max_length=1000, description="The next_cursor of the page before; absent for the first page.")
EXERCISE_FILTER = Field(default=None, max_length=100, pattern=r"^([a-z0-9]+(-[a-z0-9]+)*)?$", description="Only this exercise.")
DAY = r"^\d{4}-\d{2}-\d{2}$"
DATE = {"format": "date"}  # the document says so too, so that clients and fuzzers send real dates


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SubmissionsQuery(Query):
    limit: WholeNumber = Field(default=20, ge=1, le=100)
    cursor: str | None = CURSOR
    exercise_id: str | None = EXERCISE_FILTER
    since: str | None = Field(default=None, max_length=40, description="From this date (YYYY-MM-DD: the student's local midnight) or ISO 8601 time; not with day.")
    until: str | None = Field(default=None, max_length=40, description="Before this time, or up to the end of this date; after since; not with day.")
    day: str | None = Field(default=None, pattern=DAY, json_schema_extra=DATE, description="One day (YYYY-MM-DD) in the student's time zone; not with since or until (400).")


class ConversationsQuery(Query):
    limit: WholeNumber = Field(default=20, ge=1, le=100)
    cursor: str | None = CURSOR
    exercise_id: str | None = EXERCISE_FILTER


class HistoryQuery(Query):
    limit: WholeNumber = Field(default=30, ge=1, le=100)
    cursor: str | None = CURSOR


class TodayQuery(Query):
    include: Literal["notebook", ""] = Field(default="", description="notebook: each exercise with its student notebook.")


class ExerciseQuery(Query):
    format: Literal["notebook", "json", ""] = Field(default="", description="notebook: the student notebook (nbformat 4) instead of the student view.")


class OverviewQuery(Query):
    days: WholeNumber = Field(default=7, ge=1, le=90, description="The window of the per-exercise statistics, in days.")


class StuckQuery(Query):
    minutes: WholeNumber = Field(default=30, ge=1, le=1440)
    failures: WholeNumber = Field(default=3, ge=1, le=1000)
    hints: WholeNumber = Field(default=3, ge=1, le=1000)


class StudentsQuery(Query):
    limit: WholeNumber = Field(default=50, ge=1, le=200)
    cursor: str | None = CURSOR


class TimelineQuery(StudentsQuery):
    pass


class ExportQuery(Query):
    first: str | None = Field(default=None, alias="from", pattern=DAY, json_schema_extra=DATE, description="First day (default: 6 days before to).")
    last: str | None = Field(default=None, alias="to", pattern=DAY, json_schema_extra=DATE, description="Last day, included (default: today); at most 366 days after from.")
    limit: WholeNumber = Field(default=500, ge=1, le=1000)
    cursor: str | None = CURSOR


class AuditQuery(Query):
    limit: WholeNumber = Field(default=50, ge=1, le=200)
    cursor: str | None = CURSOR


class AssignmentsQuery(Query):
    group: str | None = Field(default=None, min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._@+ -]+$", description="Only this group.")
    since: str | None = Field(default=None, pattern=DAY, json_schema_extra=DATE, description="From this day (YYYY-MM-DD).")
    until: str | None = Field(default=None, pattern=DAY, json_schema_extra=DATE, description="Up to this day, included.")
    limit: WholeNumber = Field(default=500, ge=1, le=1000)
