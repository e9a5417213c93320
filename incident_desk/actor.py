"""Who is acting: the signed-in user, or the command line acting for an administrator."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

from incident_desk.users.roles import ALL_ROLES, Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    roles: frozenset[Role] = field(default_factory=frozenset)

    @classmethod
    def system(cls, name: str | None = None) -> Actor:
        """The command line or a scheduled task. Whoever can run it can already write the database."""
        if name is None:
            try:
                name = f"command line ({getpass.getuser()})"
            except (KeyError, OSError):
                name = "command line"
        return cls(None, name, ALL_ROLES)

    @classmethod
    def for_user(cls, user: object) -> Actor:
        from incident_desk.users.models import User

        assert isinstance(user, User)
        return cls(user.id, user.full_name, frozenset(Role(r) for r in user.roles))

    @property
    def is_system(self) -> bool:
        return self.user_id is None
