"""The one mapping from the domain's typed errors to HTTP status codes."""
from __future__ import annotations

from kfflow import errors

STATUS_BY_ERROR: dict[type[errors.KfflowError], int] = {
    errors.NotAuthenticated: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.StaleCase: 409,
    errors.ValidationError: 422,
    errors.GuardFailed: 422,
    errors.TooManyAttempts: 429,
}


def status_for(exc: errors.KfflowError) -> int:
    """The HTTP status for a domain error; a guard refusing because the state moved meanwhile is a conflict."""
    if isinstance(exc, errors.GuardFailed) and exc.state_moved:
        return 409
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500
