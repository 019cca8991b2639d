"""What a use case can refuse, in the domain's words. The services raise these; the HTTP layer maps
each to its status and envelope in one place (api_service/http/errors.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from labelkit.field_errors import FieldError
from shared.org_limits import OrgLimitExceeded


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing does not exist, or belongs to another organization (tenancy: the same answer)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class Conflict(DomainError):
    """The request contradicts the current state (a duplicate, a job already final)."""

    def __init__(self, message: str, *, details: Sequence[Mapping[str, object]] | None = None) -> None:
        super().__init__(message)
        self.details = details


class InvalidRequest(DomainError):
    """The request's own content is wrong; `errors` name each field at fault."""

    def __init__(self, errors: Sequence[FieldError], message: str = "request validation failed") -> None:
        super().__init__(message)
        self.errors = errors


class OverLimit(DomainError):
    """The job would break one of its organization's limits (shared/org_limits.py has the rule and
    the message the render planner uses too). `retry_after`: seconds until a retry may fit."""

    def __init__(self, exceeded: OrgLimitExceeded, *, retry_after: int) -> None:
        super().__init__(exceeded.message)
        self.exceeded = exceeded
        self.retry_after = retry_after
