"""How long personal data is kept, and the purge that enforces it.

What a dashboard needs survives without its personal part: a submission keeps its verdict,
score and per-test results but loses its code; a hint keeps its exercise and rung but loses a
model's text; a tutor conversation (questions and answers) is deleted whole, with the copies of
its answers the leak filter keeps, while its cost ledger rows (no text) stay for the spend figures.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from traitlets import Integer
from traitlets.config import Configurable

from ..models import HintEvent, Submission, TutorConversation, TutorDisclosure
from .clock import utcnow


class Retention(Configurable):
    """Days each kind of personal data is kept (0: kept until the user is deleted)."""

    conversation_days = Integer(180, help="Days a tutor conversation (questions and answers) is kept after its last message; a model's answer copied for the leak filter is kept as many days after it was written.").tag(config=True)
    code_days = Integer(365, help="Days a submission's code is kept; the verdict and score stay for the dashboards.").tag(config=True)
    hint_days = Integer(365, help="Days the text of a model-written hint is kept; the hint's exercise and rung stay.").tag(config=True)
    log_days = Integer(
        30, help="Days the operator keeps the API's and the Hub's logs (stderr: set the same in journald or logrotate); shown on the privacy page.",
    ).tag(config=True)
    purge_interval_seconds = Integer(3600, help="How often the API runs the purge (0: never; `codementor purge` runs it by hand).").tag(config=True)


def _cutoff(now: datetime, days: int) -> datetime | None:
    return now - timedelta(days=days) if days > 0 else None


async def purge(session, retention: Retention, now: datetime | None = None) -> dict[str, int]:
    """Remove what is older than `retention` allows; how many rows were touched, by kind."""
    now = now or utcnow()
    done = {"conversations_deleted": 0, "disclosures_deleted": 0, "submissions_code_cleared": 0, "hint_texts_cleared": 0}
    if cutoff := _cutoff(now, retention.conversation_days):
        result = await session.execute(delete(TutorConversation).where(TutorConversation.updated_at < cutoff))
        done["conversations_deleted"] = result.rowcount
        done["disclosures_deleted"] = (await session.execute(delete(TutorDisclosure).where(TutorDisclosure.created_at < cutoff))).rowcount
    if cutoff := _cutoff(now, retention.code_days):
        stmt = update(Submission).where(Submission.created_at < cutoff, Submission.code != "").values(code="")
        done["submissions_code_cleared"] = (await session.execute(stmt)).rowcount
    if cutoff := _cutoff(now, retention.hint_days):
        stmt = update(HintEvent).where(HintEvent.created_at < cutoff, HintEvent.text != "").values(text="")
        done["hint_texts_cleared"] = (await session.execute(stmt)).rowcount
    return done
