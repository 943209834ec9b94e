"""The typed errors of the domain. The web layer maps each one to an HTTP status once.

Messages are Swedish because they reach users; log lines are written in English by the caller.
"""
from __future__ import annotations


class KfflowError(Exception):
    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(KfflowError):
    """The actor's role or relation to the case does not allow this (HTTP 403)."""
    code = "forbidden"


class NotFound(KfflowError):
    """HTTP 404."""
    code = "not_found"


class ValidationError(KfflowError):
    """Input is missing or malformed; `fields` maps a field name to a Swedish message (HTTP 422)."""
    code = "invalid"

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = dict(fields or {})


class StaleCase(KfflowError):
    """Someone else changed the case since the caller read it (HTTP 409)."""
    code = "stale"


class GuardFailed(KfflowError):
    """A rule of the lifecycle stops this transition now (HTTP 422, or 409 when the state moved)."""
    code = "guard_failed"

    def __init__(self, message: str, *, state_moved: bool = False):
        super().__init__(message)
        self.state_moved = state_moved


class WorkflowDefinitionError(KfflowError):
    """A workflow file is invalid; the message names the file, the transition and the bad value."""
    code = "workflow_definition"


class NotAuthenticated(KfflowError):
    """No valid credentials or token were given (HTTP 401)."""
    code = "unauthorized"


class TooManyAttempts(KfflowError):
    """Too many failed sign-in attempts for this username lately (HTTP 429)."""
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class TooManyJobs(KfflowError):
    """The user already has as many heavy jobs waiting as one person may (HTTP 429)."""
    code = "too_many_jobs"


class StorageUnavailable(KfflowError):
    """The database or disk refuses writes (full, read-only, a standby); nothing was saved (HTTP 503)."""
    code = "storage_unavailable"

    def __init__(self, message: str = "Det går inte att spara just nu: lagringen är full eller skrivskyddad. "
                                      "Inget har sparats. Försök igen om en stund eller kontakta driften."):
        super().__init__(message)
