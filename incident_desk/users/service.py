"""User accounts: creation, sign-in with lockout, password changes, roles and deactivation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incident_desk import audit
from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.errors import AuthenticationError, NotFound, ValidationError
from incident_desk.users.models import User, UserRole
from incident_desk.users.roles import Role, require

MIN_PASSWORD_LENGTH = 10
MAX_FAILED_SIGN_INS = 5
LOCKOUT = dt.timedelta(minutes=15)
# Argon2id (argon2-cffi's default type) with its RFC 9106 low-memory profile.
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str) -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if password.strip() != password:
        problems.append("The password must not start or end with a space.")
    return problems


def parse_roles(roles: Iterable[str]) -> set[Role]:
    result = set()
    for r in roles:
        r = r.strip().lower()
        if not r:
            continue
        try:
            result.add(Role(r))
        except ValueError:
            raise ValidationError({"roles": [f"Unknown role {r!r}: choose from "
                                              f"{', '.join(x.value for x in Role)}."]}) from None
    return result


def count_users(session: Session) -> int:
    return session.execute(select(func.count()).select_from(User)).scalar_one()


def by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(func.lower(User.username) == username.strip().lower())).first()


def get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User #{user_id} does not exist.")
    return user


def create_user(session: Session, actor: Actor | None, *, username: str, full_name: str, password: str,
                roles: Iterable[str], email: str = "", job_title: str = "") -> User:
    """Create an account. ``actor`` None is allowed only for the first account of an empty database."""
    if actor is None:
        if count_users(session):
            raise AuthenticationError("Only an administrator can create accounts.")
        actor = Actor.system("first start")
    else:
        require(actor, "users.manage")
    problems: dict[str, list[str]] = {}
    username = username.strip()
    if not username:
        problems["username"] = ["Enter a user name."]
    elif len(username) > 64 or any(c.isspace() for c in username):
        problems["username"] = ["A user name has no spaces and at most 64 characters."]
    elif by_username(session, username) is not None:
        problems["username"] = [f"The user name {username!r} is taken."]
    if not full_name.strip():
        problems["full_name"] = ["Enter the person's full name."]
    if pw := check_password_rules(password):
        problems["password"] = pw
    role_set = parse_roles(roles)
    if not role_set:
        problems["roles"] = ["Give the user at least one role."]
    if email and "@" not in email:
        problems["email"] = ["That is not an e-mail address."]
    if problems:
        raise ValidationError(problems)
    user = User(username=username, full_name=full_name.strip(), email=email.strip(), job_title=job_title.strip(),
                password_hash=hash_password(password), password_changed_at=utcnow(),
                role_rows=[UserRole(role=r.value) for r in sorted(role_set)])
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", entity="user", entity_id=user.id,
                 summary=f"Created user {username} ({', '.join(sorted(r.value for r in role_set))})",
                 details={"username": username, "full_name": user.full_name, "roles": sorted(role_set)})
    return user


def authenticate(session: Session, username: str, password: str, *, now: dt.datetime | None = None) -> User:
    """Check a sign-in. Failures are recorded and the fifth locks the account for 15 minutes.

    Callers commit even when this raises, so the failed attempt is kept.
    """
    now = now or utcnow()
    user = by_username(session, username)
    if user is None:
        audit.record(session, Actor(None, username), "sign_in_failed", entity="user",
                     summary=f"Unknown user {username!r}")
        raise AuthenticationError("Unknown user name or wrong password.")
    if not user.active:
        raise AuthenticationError(f"The account {user.username} is deactivated. Ask an administrator.")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AuthenticationError(f"The account {user.username} is locked after {MAX_FAILED_SIGN_INS} failed "
                                  f"sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''} or ask "
                                  "an administrator to reset the password.")
    if not verify_password(user, password):
        user.failed_logins += 1
        locked = user.failed_logins >= MAX_FAILED_SIGN_INS
        if locked:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        audit.record(session, Actor(user.id, user.full_name), "sign_in_failed", entity="user", entity_id=user.id,
                     summary="Wrong password" + (" — account locked for 15 minutes" if locked else ""))
        if locked:
            raise AuthenticationError(f"Wrong password. The account {user.username} is now locked for 15 minutes.")
        raise AuthenticationError("Unknown user name or wrong password.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, Actor(user.id, user.full_name), "sign_in", entity="user", entity_id=user.id,
                 summary=f"{user.username} signed in")
    return user


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def change_password(session: Session, actor: Actor, user_id: int, old_password: str, new_password: str) -> None:
    user = get(session, user_id)
    if actor.user_id != user.id:
        raise AuthenticationError("You can only change your own password; administrators reset others'.")
    if not verify_password(user, old_password):
        raise AuthenticationError("The current password is wrong.")
    _set_password(session, actor, user, new_password, "Changed own password")


def reset_password(session: Session, actor: Actor, user_id: int, new_password: str) -> None:
    require(actor, "users.manage")
    user = get(session, user_id)
    _set_password(session, actor, user, new_password, f"Reset the password of {user.username}")
    user.locked_until = None
    user.failed_logins = 0


def _set_password(session: Session, actor: Actor, user: User, password: str, summary: str) -> None:
    if problems := check_password_rules(password):
        raise ValidationError({"password": problems})
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    session.flush()
    audit.record(session, actor, "update", entity="user", entity_id=user.id, summary=summary)


def set_roles(session: Session, actor: Actor, user_id: int, roles: Iterable[str]) -> None:
    require(actor, "users.manage")
    user = get(session, user_id)
    new = parse_roles(roles)
    if not new:
        raise ValidationError({"roles": ["Give the user at least one role."]})
    old = set(user.roles)
    if old == {r.value for r in new}:
        return
    user.role_rows = [UserRole(role=r.value) for r in sorted(new)]
    session.flush()
    audit.record(session, actor, "update", entity="user", entity_id=user.id, summary=f"Changed roles of {user.username}",
                 details={"changes": {"roles": [sorted(old), sorted(r.value for r in new)]}})


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> None:
    """Deactivated users keep their history and signatures; they just cannot sign in."""
    require(actor, "users.manage")
    user = get(session, user_id)
    if actor.user_id == user.id and not active:
        raise ValidationError("You cannot deactivate your own account.")
    if user.active != active:
        user.active = active
        session.flush()
        audit.record(session, actor, "update", entity="user", entity_id=user.id,
                     summary=f"{'Reactivated' if active else 'Deactivated'} {user.username}",
                     details={"changes": {"active": [not active, active]}})


def list_users(session: Session, *, include_inactive: bool = True) -> list[User]:
    stmt = select(User).order_by(User.username)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return list(session.scalars(stmt))
