"""Request bodies, validated with pydantic. Limits here are the ones students can hit."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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


class TutorRequest(Strict):
    exercise_id: str = EXERCISE_ID
    question: str = Field(default="", max_length=4_000)
    code: str = Field(default="", max_length=MAX_CODE_CHARS)
    error: str = Field(default="", max_length=20_000)
    traceback: str = Field(default="", max_length=20_000)
    stream: bool = False


class NewConversationRequest(Strict):
    exercise_id: str = EXERCISE_ID
