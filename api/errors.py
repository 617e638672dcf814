"""Domain exceptions, and the one map from their codes to HTTP statuses (handlers/base.py writes them)."""

from __future__ import annotations

from ..exercise_bank import ExerciseNotFound


class DomainError(Exception):
    """Base of the errors a request can end with; `code` is the envelope's machine-readable code.

    `retry_after` (seconds), when set, goes out as the Retry-After header."""

    code = "error"
    retry_after: int | None = None

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidRequest(DomainError):
    code = "invalid_request"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    """A body declared as something other than JSON (every body of the API is a JSON object)."""

    code = "unsupported_media_type"


class NotFound(DomainError):
    code = "not_found"


class Unauthorized(DomainError):
    """No credentials where some are needed (a wrong one is Forbidden, or the Hub's 401 for a user's token)."""

    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    """The request does not fit the current state of what it acts on (answering a question that is not the current one,
    an id taken by another course)."""

    code = "conflict"


class Busy(DomainError):
    """The grader's queue is full; the client should retry after `retry_after` seconds."""

    code = "busy"

    def __init__(self, message: str, retry_after: int = 5, **details):
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class GradingLineFull(DomainError):
    """A student has as many submissions waiting to be graded as one may (`Grader.per_user_waiting`); 429."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int, **details):
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class ReferenceBroken(DomainError):
    """An exercise's reference solution does not run (fails to import, crashes, times out), so nothing can be graded
    against it: a fault in the course material, not in the submission. Why it fails goes to the operator's log only."""

    code = "exercise_unavailable"

    def __init__(self, exercise_id: str, problem: str):
        super().__init__(
            f"exercise {exercise_id!r} cannot be graded right now: its reference solution does not run (a problem in the "
            "course material, not in your code). Nothing was stored; please tell your instructor.",
            exercise_id=exercise_id,
        )
        self.exercise_id = exercise_id
        self.problem = problem


class Unavailable(DomainError):
    """A backing service (Postgres, Redis, the Hub) is not answering."""

    code = "unavailable"
    retry_after = 5


# The one map from an error code to its HTTP status: domain errors by their `code` (those
# defined elsewhere too: RateLimited in services/limits.py, OverBudget in gateway/ledger.py),
# and the codes of the errors Tornado and the Hub raise themselves.
STATUS = {
    "invalid_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "over_budget": 429,
    "busy": 503,
    "exercise_unavailable": 503,
    "unavailable": 503,
}


def status_of(error: DomainError) -> int:
    return STATUS.get(error.code, 400)


def code_of(status: int) -> str:
    """The envelope's code for an HTTP status no domain error chose (e.g. Tornado's 405)."""
    if status >= 500:
        return "internal_error"
    return next((code for code, s in STATUS.items() if s == status), "error")


def as_domain_error(exc: BaseException) -> DomainError | None:
    """`exc` as a domain error: itself, or what an error from the bank means to a caller."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, ExerciseNotFound):
        return NotFound(f"there is no exercise {exc.exercise_id!r}")
    if _user_row_gone(exc):
        return Unauthorized("this account was deleted while the request ran; nothing was stored")
    return None


def _user_row_gone(exc: BaseException) -> bool:
    """A write that names a user whose row was deleted meanwhile (an admin deleting the account while its
    submission was graded): Postgres' foreign-key violation on a `fk_<table>_user_id_users` constraint, as psycopg
    raises it or SQLAlchemy wraps it."""
    exc = getattr(exc, "orig", None) or exc
    if getattr(exc, "sqlstate", None) != "23503":
        return False
    constraint = getattr(getattr(exc, "diag", None), "constraint_name", None) or ""
    return constraint.endswith("_user_id_users")


class SchemaMismatch(RuntimeError):
    """The database is not at the migration this code needs (an operator error, raised at start-up)."""
