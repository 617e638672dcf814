"""The one clock of the API, injectable so tests can move time across days."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_day(tz_name: str, now: datetime | None = None) -> date:
    """The calendar day in the course's time zone."""
    return (now or utcnow()).astimezone(ZoneInfo(tz_name)).date()
