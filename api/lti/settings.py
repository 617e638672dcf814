"""The grade passback's settings (c.LTIPassback.*), each with its environment variable."""

from __future__ import annotations

import os

from traitlets import CaselessStrEnum, Float, Integer, Unicode, default
from traitlets.config import LoggingConfigurable

MODES = ("exercise", "daily", "weekly", "off")


def _env(name: str, fallback: str = "") -> str:
    return os.environ.get(name, fallback).strip()


class LTIPassback(LoggingConfigurable):
    """Posts students' scores to their LMS course's gradebook (LTI Advantage AGS)."""

    mode = CaselessStrEnum(
        MODES, help="What is posted ($CODEMENTOR_LTI_PASSBACK): `exercise` (one gradebook column per exercise, 1/1 once "
        "solved), `daily` or `weekly` (one column per day or ISO week: exercises solved in it), or `off`.",
    ).tag(config=True)
    client_id = Unicode(help="The tool's client id at the LMS ($CODEMENTOR_LTI_CLIENT_ID).").tag(config=True)
    token_url = Unicode(help="The LMS's OAuth 2 token endpoint ($CODEMENTOR_LTI_TOKEN_URL); empty: no passback.").tag(config=True)
    token_audience = Unicode(
        help="`aud` of the tool's client assertion ($CODEMENTOR_LTI_TOKEN_AUDIENCE); empty: the token URL (Canvas, Moodle). "
        "Brightspace names its own audience."
    ).tag(config=True)
    key_file = Unicode(help="The tool's private key, created with mode 0600 when missing ($CODEMENTOR_LTI_KEY_FILE).").tag(config=True)
    launch_service = Unicode(
        "lti-launches", help="The Hub service whose token may record launches (POST /api/v1/lti/launches): the Hub's LTI login."
    ).tag(config=True)
    tag = Unicode("codementor", help="The `tag` of the line items this tool creates and looks for.").tag(config=True)
    poll_seconds = Float(help="How often each API process looks for scores due ($CODEMENTOR_LTI_POLL_SECONDS, default 10).").tag(config=True)
    retry_first_seconds = Float(
        help="Wait after a first failure, doubled after each ($CODEMENTOR_LTI_RETRY_FIRST_SECONDS, default 30)."
    ).tag(config=True)
    retry_max_seconds = Float(3600.0, help="Longest wait between two attempts at one score.").tag(config=True)
    max_attempts = Integer(40, help="Attempts before a score is marked failed (instructors see it; the next solve queues it again).").tag(config=True)
    batch = Integer(20, help="Scores one process sends per pass.").tag(config=True)
    request_timeout = Float(10.0, help="Seconds to wait for the LMS on each request.").tag(config=True)

    @default("mode")
    def _default_mode(self):
        return _env("CODEMENTOR_LTI_PASSBACK", "exercise").lower()

    @default("client_id")
    def _default_client_id(self):
        return _env("CODEMENTOR_LTI_CLIENT_ID")

    @default("token_url")
    def _default_token_url(self):
        return _env("CODEMENTOR_LTI_TOKEN_URL")

    @default("token_audience")
    def _default_audience(self):
        return _env("CODEMENTOR_LTI_TOKEN_AUDIENCE")

    @default("key_file")
    def _default_key_file(self):
        return _env("CODEMENTOR_LTI_KEY_FILE")

    @default("poll_seconds")
    def _default_poll(self):
        return float(_env("CODEMENTOR_LTI_POLL_SECONDS", "10"))

    @default("retry_first_seconds")
    def _default_retry(self):
        return float(_env("CODEMENTOR_LTI_RETRY_FIRST_SECONDS", "30"))

    @property
    def configured(self) -> bool:
        """Whether launches may be recorded and the JWKS served (a key file is set)."""
        return bool(self.key_file)

    @property
    def posting(self) -> bool:
        """Whether scores are queued and sent."""
        return self.configured and self.mode != "off" and bool(self.token_url and self.client_id)

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt `attempts + 1` of a score that failed `attempts` times."""
        return min(self.retry_max_seconds, self.retry_first_seconds * 2 ** max(0, attempts - 1))
