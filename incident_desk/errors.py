"""Domain errors raised by the core; each carries a message fit to show a user as it is."""

from __future__ import annotations


class IncidentDeskError(Exception):
    """Base of every error the core raises on purpose."""


class ValidationError(IncidentDeskError):
    """Input is wrong. ``problems`` maps a field name (or "" for the whole record) to messages."""

    def __init__(self, problems: dict[str, list[str]] | list[str] | str) -> None:
        if isinstance(problems, str):
            problems = {"": [problems]}
        elif isinstance(problems, list):
            problems = {"": list(problems)}
        self.problems: dict[str, list[str]] = {k: list(v) for k, v in problems.items() if v}
        super().__init__("; ".join(m for msgs in self.problems.values() for m in msgs))

    def messages(self) -> list[str]:
        return [m for msgs in self.problems.values() for m in msgs]


class PermissionDenied(IncidentDeskError):
    """The acting user's roles do not allow the action."""


class NotFound(IncidentDeskError):
    """A record asked for by id or reference does not exist."""


class WorkflowError(IncidentDeskError):
    """An incident cannot make the transition asked for, or lacks the data it requires."""


class ConcurrencyError(IncidentDeskError):
    """Somebody else saved the record since it was loaded."""

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class AuthenticationError(IncidentDeskError):
    """Sign-in failed: unknown user, wrong password, inactive or locked account."""


class DatabaseError(IncidentDeskError):
    """The database cannot be opened, reached, written or upgraded."""
