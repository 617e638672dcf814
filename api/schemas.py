"""Request bodies, validated with pydantic. Limits here are the ones students can hit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..exercise_bank.topics import TOPICS

EXERCISE_ID = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_CODE_CHARS = 100_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class HintRequest(Strict):
    exercise_id: str = EXERCISE_ID
    again: bool = False
    code: str = Field(default="", max_length=MAX_CODE_CHARS)
    error: str = Field(default="", max_length=20_000)
    traceback: str = Field(default="", max_length=20_000)


class SubmissionRequest(Strict):
    exercise_id: str = EXERCISE_ID
    code: str = Field(max_length=MAX_CODE_CHARS)
    idempotency_key: str = Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")


class AssignmentRequest(Strict):
    """Pin an exercise to a day for a Hub group; `due_at` without a UTC offset is in the course's time zone."""

    group: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._@+ -]+$")
    exercise_id: str = EXERCISE_ID
    day: date
    due_at: datetime | None = None


class PlacementAnswers(Strict):
    """One placement question's answers: what each printed line shows, in order."""

    question_id: str = Field(min_length=1, max_length=100)
    answers: list[Annotated[str, Field(max_length=200)]] = Field(max_length=20)


class ProfileRequest(Strict):
    """Onboarding: what the student says about themselves (PUT /me replaces it)."""

    level: Literal["beginner", "intermediate", "advanced"]
    topics: list[str] = Field(default_factory=list, max_length=len(TOPICS))
    timezone: str | None = Field(default=None, min_length=1, max_length=64, description="IANA name, e.g. Europe/Paris; null for the course's")

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, topics: list[str]) -> list[str]:
        unknown = [t for t in topics if t not in TOPICS]
        if unknown:
            raise ValueError(f"unknown topic {unknown[0]!r}; choose from: {', '.join(TOPICS)}")
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
    stream: bool = False


class NewConversationRequest(Strict):
    exercise_id: str = EXERCISE_ID


DeliveryKind = Literal["unreachable", "api_error", "bad_answer", "write_failed", "gave_up"]


class DeliveryReport(Strict):
    """Failed delivery attempts a student server saw since its last report, by kind."""

    failures: dict[DeliveryKind, int] = Field(min_length=1, max_length=5)

    @field_validator("failures")
    @classmethod
    def _bounded(cls, value: dict) -> dict:
        if any(not 1 <= n <= 1000 for n in value.values()):
            raise ValueError("each count must be between 1 and 1000")
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

    confirm: str = Field(max_length=255, description="The user's own name, typed again: the request is refused otherwise.")


class ImportRequest(Strict):
    """An authoring notebook (the .ipynb JSON) to validate and store in the course bank."""

    notebook: dict
