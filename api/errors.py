"""Domain exceptions. The HTTP edge (handlers/base.py) maps each to a status and an error code."""


class DomainError(Exception):
    """Base of the errors a request can end with; `code` is the envelope's machine-readable code."""

    code = "error"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidRequest(DomainError):
    code = "invalid_request"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class Busy(DomainError):
    """The grader's queue is full; the client should retry after `retry_after` seconds."""

    code = "busy"

    def __init__(self, message: str, retry_after: int = 5, **details):
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A backing service (Postgres, Redis) is not answering."""

    code = "unavailable"


class SchemaMismatch(RuntimeError):
    """The database is not at the migration this code needs (an operator error, raised at start-up)."""
