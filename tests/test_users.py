"""User accounts: Argon2id hashes, password rules, sign-in lockout, password changes, deactivation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from incident_desk.actor import Actor
from incident_desk.audit.models import AuditEvent
from incident_desk.errors import AuthenticationError, PermissionDenied, ValidationError
from incident_desk.users import service as users
from incident_desk.users.models import User
from tests.conftest import PASSWORD

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _sign_in(db, username, password, now):
    """As the sign-in dialog does: the failed attempt is committed even though sign-in fails."""
    with db.transaction() as s:
        try:
            return users.authenticate(s, username, password, now=now).id, None
        except AuthenticationError as exc:
            return None, str(exc)


def test_passwords_are_argon2id_and_never_stored_plain(db):
    with db.reading() as s:
        user = users.by_username(s, "officer")
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert users.verify_password(user, PASSWORD)
        assert not users.verify_password(user, PASSWORD + "x")


def test_five_failures_lock_the_account_for_fifteen_minutes(db):
    for i in range(4):
        uid, err = _sign_in(db, "officer", "wrong password", T0 + dt.timedelta(seconds=i))
        assert uid is None and err == "Unknown user name or wrong password."
    uid, err = _sign_in(db, "officer", "wrong password", T0 + dt.timedelta(seconds=5))
    assert "now locked for 15 minutes" in err
    # Even the right password is refused while locked...
    uid, err = _sign_in(db, "officer", PASSWORD, T0 + dt.timedelta(minutes=14))
    assert uid is None and "locked" in err and "Try again in 2 minutes" in err
    # ...and accepted once the 15 minutes are over.
    uid, err = _sign_in(db, "officer", PASSWORD, T0 + dt.timedelta(minutes=15, seconds=6))
    assert err is None and uid is not None
    with db.reading() as s:
        user = s.get(User, uid)
        assert user.locked_until is None and user.failed_logins == 0
        kinds = [
            e.kind
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity == "user", AuditEvent.entity_id == uid)
                .order_by(AuditEvent.seq)
            )
        ]
    assert kinds[-6:] == ["sign_in_failed"] * 5 + ["sign_in"]


def test_a_successful_sign_in_resets_the_failure_count(db):
    for i in range(4):
        _sign_in(db, "manager", "nope nope nope", T0 + dt.timedelta(seconds=i))
    assert _sign_in(db, "manager", PASSWORD, T0 + dt.timedelta(seconds=10))[1] is None
    for i in range(4):
        assert "locked" not in _sign_in(db, "manager", "nope nope nope", T0 + dt.timedelta(seconds=20 + i))[1]


def test_unknown_user_and_deactivated_user(db, actors):
    assert _sign_in(db, "nobody", PASSWORD, T0)[1] == "Unknown user name or wrong password."
    with db.transaction() as s:
        users.set_active(s, actors["admin"], actors["reporter"].user_id, False)
    assert "deactivated" in _sign_in(db, "reporter", PASSWORD, T0)[1]
    with db.transaction() as s:
        users.set_active(s, actors["admin"], actors["reporter"].user_id, True)
    assert _sign_in(db, "reporter", PASSWORD, T0)[1] is None


def test_deactivated_users_keep_their_history(db, actors, make_incident):
    iid = make_incident(actor="reporter")
    with db.transaction() as s:
        users.set_active(s, actors["admin"], actors["reporter"].user_id, False)
    with db.reading() as s:
        from incident_desk.incidents.models import Incident

        assert s.get(Incident, iid).reporter_id == actors["reporter"].user_id
        assert s.scalars(select(AuditEvent).where(AuditEvent.user_id == actors["reporter"].user_id)).first()


def test_password_rules_and_changes(db, actors):
    uid = actors["officer"].user_id
    with pytest.raises(ValidationError, match="at least 10 characters"), db.transaction() as s:
        users.change_password(s, actors["officer"], uid, PASSWORD, "short")
    with pytest.raises(AuthenticationError, match="current password is wrong"), db.transaction() as s:
        users.change_password(s, actors["officer"], uid, "not the password", "a new long password")
    with pytest.raises(AuthenticationError, match="only change your own"), db.transaction() as s:
        users.change_password(s, actors["manager"], uid, PASSWORD, "a new long password")
    with db.transaction() as s:
        users.change_password(s, actors["officer"], uid, PASSWORD, "a new long password")
    assert _sign_in(db, "officer", "a new long password", T0)[1] is None
    assert _sign_in(db, "officer", PASSWORD, T0)[1] is not None


def test_admin_reset_unlocks_and_only_admins_manage_users(db, actors):
    for i in range(5):
        _sign_in(db, "officer", "wrong password", T0 + dt.timedelta(seconds=i))
    with db.transaction() as s:
        users.reset_password(s, actors["admin"], actors["officer"].user_id, "fresh password 1")
    assert _sign_in(db, "officer", "fresh password 1", T0 + dt.timedelta(minutes=1))[1] is None
    for who in ("officer", "manager", "reporter"):
        with pytest.raises(PermissionDenied, match="manage users"), db.transaction() as s:
            users.reset_password(s, actors[who], actors["officer2"].user_id, "whatever password")
    with pytest.raises(ValidationError, match="cannot deactivate your own"), db.transaction() as s:
        users.set_active(s, actors["admin"], actors["admin"].user_id, False)


def test_first_account_only_on_an_empty_database(db):
    with pytest.raises(AuthenticationError, match="Only an administrator"), db.transaction() as s:
        users.create_user(s, None, username="sneaky", full_name="Sneaky", password=PASSWORD, roles=["admin"])


def test_create_user_validates_and_records_roles(db, actors):
    with pytest.raises(ValidationError) as info, db.transaction() as s:
        users.create_user(s, actors["admin"], username="officer", full_name="", password="x", roles=[])
    problems = info.value.problems
    assert set(problems) == {"username", "full_name", "password", "roles"}
    with db.transaction() as s:
        u = users.create_user(
            s,
            actors["admin"],
            username="dual",
            full_name="Dee Dual",
            password=PASSWORD,
            roles=["officer", "manager"],
        )
        assert Actor.for_user(u).roles == {"officer", "manager"}
        users.set_roles(s, actors["admin"], u.id, ["reporter"])
    with db.reading() as s:
        assert users.by_username(s, "DUAL").roles == {"reporter"}
