"""Notifications end to end against a real SMTP server on loopback (aiosmtpd): rules, bodies, outbox, retries."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import PermissionDenied, ValidationError
from incident_desk.notify import inbox, outbox, rules, smtp
from incident_desk.notify.models import InboxItem, OutboxMessage


class Sink:
    """An SMTP handler keeping every message it is given."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self) -> list[str]:
        return sorted(r for rcpts, _m in self.received for r in rcpts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.sink = Sink()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def configure_smtp(db: Database, admin: Actor, port: int) -> None:
    with db.transaction() as s:
        smtp.save(
            s,
            admin,
            smtp.SmtpSettings(
                host="127.0.0.1", port=port, security="none", from_address="alerts@example.test", timeout=5
            ),
        )


def body(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


def test_critical_incident_mails_the_right_people(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any, smtp_server: SmtpServer
) -> None:
    configure_smtp(db, actors["admin"], smtp_server.port)
    with db.transaction() as s:
        # A rule for another site must not fire; one for this site and type adds a plain address.
        rules.create_rule(
            s,
            actors["admin"],
            name="Depot",
            event="incident_created",
            site_ids=[refs["site"]["Test Depot"]],
            recipients=[{"kind": "email", "value": "depot@example.test"}],
            channels=["email"],
        )
        rules.create_rule(
            s,
            actors["admin"],
            name="Plant injuries",
            event="incident_created",
            site_ids=[refs["site"]["Test Plant"]],
            type_ids=[refs["type"]["injury"]],
            recipients=[
                {"kind": "email", "value": "plant-hse@example.test"},
                {"kind": "role", "value": "manager"},
            ],
            channels=["email"],
        )
    iid = make_incident(
        "reporter",
        title="Arm caught in press",
        severity_id=refs["severity"]["Critical"],
        description="Operator's forearm was caught between the press platens.",
    )
    with db.reading() as s:
        reference = s.scalars(select(OutboxMessage.subject)).first()
        assert reference is not None
    report = outbox.deliver_due(db)
    assert report.sent == 5 and report.failed == 0
    # Officers and managers by the default rule, the plant address by the site+type rule; the managers,
    # named by two rules, get one mail each; the depot rule did not fire.
    assert smtp_server.sink.to() == [
        "manager2@example.test",
        "manager@example.test",
        "officer2@example.test",
        "officer@example.test",
        "plant-hse@example.test",
    ]
    with db.reading() as s:
        from incident_desk.incidents.models import Incident

        inc = s.get(Incident, iid)
        assert inc is not None
        ref = inc.reference
        assert (
            s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent"))
            == 5
        )
    for _rcpts, msg in smtp_server.sink.received:
        assert msg["From"] == "Incident Desk <alerts@example.test>"
        assert (
            ref in msg["Subject"] and "Critical" in msg["Subject"] and "Arm caught in press" in msg["Subject"]
        )
        assert "Test Plant" in msg["Subject"]
        for part in (body(msg, "plain"), body(msg, "html")):
            for fact in (
                ref,
                "Critical",
                "Test Plant",
                "Workshop",
                "Operator",
                "forearm was caught",
                "What is expected of you",
                "acknowledged",
            ):
                assert fact in part, (fact, part)
    html = body(smtp_server.sink.received[0][1], "html")
    assert html.startswith("<!DOCTYPE html>") and "Operator&#x27;s forearm" in html


def test_in_app_inbox_and_channels(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any
) -> None:
    make_incident("officer", severity_id=refs["severity"]["Minor"])
    with db.reading() as s:
        # Minor: officers' inbox only, never the actor's own, no e-mail.
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert inbox.unread_count(s, actors["officer2"].user_id) == 1  # type: ignore[arg-type]
        assert inbox.unread_count(s, actors["officer"].user_id) == 0  # type: ignore[arg-type]
        assert inbox.unread_count(s, actors["manager"].user_id) == 0  # type: ignore[arg-type]
        item = inbox.items(s, actors["officer2"].user_id)[0]  # type: ignore[arg-type]
        assert "New incident reported" in item.title and item.read_at is None
    with db.transaction() as s:
        # Marking read only touches one's own items.
        assert inbox.mark_read(s, actors["manager"], [item.id]) == 0
        assert inbox.mark_read(s, actors["officer2"], [item.id]) == 1
    with db.reading() as s:
        assert inbox.unread_count(s, actors["officer2"].user_id) == 0  # type: ignore[arg-type]


def test_assignment_notifies_the_assignee(db: Database, actors: dict[str, Actor], make_incident: Any) -> None:
    from incident_desk.incidents import service

    iid = make_incident("reporter")
    with db.transaction() as s:
        service.assign(s, actors["manager"], iid, actors["officer"].user_id)
    with db.reading() as s:
        items = s.scalars(
            select(InboxItem).where(
                InboxItem.user_id == actors["officer"].user_id, InboxItem.event == "incident_assigned"
            )
        ).all()
        assert len(items) == 1 and items[0].incident_id == iid
        assert s.scalars(
            select(OutboxMessage.to_address).where(OutboxMessage.subject.contains("assigned"))
        ).all() == ["officer@example.test"]


def test_server_down_message_waits_then_is_delivered_once(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any, smtp_server: SmtpServer
) -> None:
    configure_smtp(db, actors["admin"], smtp_server.port)
    with db.transaction() as s:
        for rule in rules.list_rules(s):
            s.delete(rule)
        rules.create_rule(
            s,
            actors["admin"],
            name="HSE",
            event="incident_created",
            recipients=[{"kind": "email", "value": "hse@example.test"}],
            channels=["email"],
        )
    smtp_server.stop()
    make_incident("officer", severity_id=refs["severity"]["Critical"])
    t0 = dt.datetime.now(dt.UTC)
    report = outbox.deliver_due(db, now=t0)
    assert (report.sent, report.failed) == (0, 1)
    with db.reading() as s:
        msg = s.scalars(select(OutboxMessage)).one()
        assert msg.status == "pending" and msg.attempts == 1
        assert "Cannot connect to the mail server 127.0.0.1" in msg.last_error
        assert msg.next_attempt_at == t0 + dt.timedelta(minutes=1)
    # Not due yet: nothing is tried.
    assert outbox.deliver_due(db, now=t0 + dt.timedelta(seconds=30)).failed == 0
    # Still down: the wait doubles.
    t1 = t0 + dt.timedelta(minutes=1)
    assert outbox.deliver_due(db, now=t1).failed == 1
    with db.reading() as s:
        msg = s.scalars(select(OutboxMessage)).one()
        assert msg.attempts == 2 and msg.next_attempt_at == t1 + dt.timedelta(minutes=2)
    smtp_server.start()
    t2 = t1 + dt.timedelta(minutes=2)
    assert outbox.deliver_due(db, now=t2).sent == 1
    assert outbox.deliver_due(db, now=t2 + dt.timedelta(hours=1)).sent == 0
    assert smtp_server.sink.to() == ["hse@example.test"]
    with db.reading() as s:
        msg = s.scalars(select(OutboxMessage)).one()
        assert (msg.status, msg.attempts, msg.last_error, msg.sent_at) == ("sent", 3, "", t2)


def test_refused_recipient_is_retried_then_failed_and_can_be_retried(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any, smtp_server: SmtpServer
) -> None:
    configure_smtp(db, actors["admin"], smtp_server.port)
    smtp_server.sink.refuse.add("officer2@example.test")
    make_incident("reporter", severity_id=refs["severity"]["Urgent"])
    now = dt.datetime.now(dt.UTC)
    report = outbox.deliver_due(db, now=now)
    # One bad address does not hold up the others.
    assert (report.sent, report.failed) == (3, 1)
    with db.transaction() as s:
        bad = s.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")).one()
        assert "refused officer2@example.test: 550" in bad.last_error
        bad.attempts = outbox.MAX_ATTEMPTS - 1
    outbox.deliver_due(db, now=now + dt.timedelta(days=1))
    with db.reading() as s:
        assert s.get(OutboxMessage, bad.id).status == "failed"  # type: ignore[union-attr]
    with db.transaction() as s, pytest.raises(PermissionDenied):
        outbox.retry(s, actors["officer"], [bad.id])
    smtp_server.sink.refuse.clear()
    with db.transaction() as s:
        assert outbox.retry(s, actors["admin"], [bad.id]) == 1
    assert outbox.deliver_due(db).sent == 1
    assert smtp_server.sink.to().count("officer2@example.test") == 1


def test_without_a_server_configured_mail_waits(
    db: Database, refs: dict[str, Any], make_incident: Any
) -> None:
    make_incident("reporter", severity_id=refs["severity"]["Critical"])
    report = outbox.deliver_due(db)
    assert not report.configured and report.skipped == 4
    assert "No e-mail server is configured" in report.summary()
    with db.reading() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"pending"}


def test_two_clients_deliver_each_message_once(
    db: Database,
    db_url: str,
    actors: dict[str, Actor],
    refs: dict[str, Any],
    make_incident: Any,
    smtp_server: SmtpServer,
) -> None:
    configure_smtp(db, actors["admin"], smtp_server.port)
    for i in range(6):
        make_incident("reporter", title=f"Gas leak {i}", severity_id=refs["severity"]["Critical"])
    with db.reading() as s:
        queued = s.scalar(select(func.count()).select_from(OutboxMessage))
    assert queued == 24
    other = Database(db_url)
    barrier = threading.Barrier(2)
    reports: list[outbox.DeliveryReport] = []
    errors: list[BaseException] = []

    def run(database: Database, name: str) -> None:
        try:
            barrier.wait()
            reports.append(outbox.deliver_due(database, worker=name))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d, n)) for d, n in ((db, "client-a"), (other, "client-b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.dispose()
    assert not errors
    assert sum(r.sent for r in reports) == 24
    ids = [m["Message-ID"] for _r, m in smtp_server.sink.received]
    assert len(ids) == 24 and len(set(ids)) == 24
    with db.reading() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}


def test_a_lease_that_ran_out_is_taken_over(db: Database, refs: dict[str, Any], make_incident: Any) -> None:
    make_incident("reporter", severity_id=refs["severity"]["Critical"])
    now = dt.datetime.now(dt.UTC)
    with db.reading() as s:
        first = s.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).first()
    assert first is not None
    assert outbox.claim(db, first, "a", now) is not None
    assert outbox.claim(db, first, "b", now + dt.timedelta(minutes=1)) is None
    taken = outbox.claim(db, first, "b", now + outbox.LEASE + dt.timedelta(seconds=1))
    assert taken is not None and taken.claimed_by == "b"


def test_rules_are_validated_and_admin_only(db: Database, actors: dict[str, Actor]) -> None:
    with db.transaction() as s, pytest.raises(PermissionDenied):
        rules.create_rule(
            s,
            actors["manager"],
            name="x",
            event="incident_created",
            recipients=[{"kind": "role", "value": "officer"}],
            channels=["inbox"],
        )
    with db.transaction() as s, pytest.raises(ValidationError) as err:
        rules.create_rule(
            s,
            actors["admin"],
            name="",
            event="incident_created",
            recipients=[{"kind": "email", "value": "not-an-address"}],
            channels=[],
        )
    assert err.value.problems["name"] == ["Give the rule a name."]
    assert err.value.problems["recipients"] == ["“not-an-address” is not an e-mail address."]
    assert "channels" in err.value.problems
    with db.transaction() as s:
        rule = rules.create_rule(
            s,
            actors["admin"],
            name="Sign-off",
            event="submitted_for_signoff",
            recipients=[{"kind": "role", "value": "manager"}],
            channels=["inbox"],
        )
        rules.update_rule(s, actors["admin"], rule.id, active=False)
        from incident_desk.audit.models import AuditEvent

        kinds = s.scalars(select(AuditEvent.summary).where(AuditEvent.entity == "notification_rule")).all()
        assert kinds == ["Added the notification rule “Sign-off”", "Changed the notification rule “Sign-off”"]


def test_smtp_password_without_keyring_is_stored_with_a_note(
    db: Database, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smtp, "_keyring", lambda: None)
    with db.transaction() as s:
        note = smtp.save(
            s,
            actors["admin"],
            smtp.SmtpSettings(
                host="mail.example.test",
                port=465,
                security="ssl",
                username="alerts",
                from_address="a@example.test",
            ),
            "s3cret",
        )
    assert "stored in the database" in note
    with db.reading() as s:
        settings, password = smtp.load(s)
        assert (settings.host, settings.security, password) == ("mail.example.test", "ssl", "s3cret")
        from incident_desk.audit.models import AuditEvent

        audit_text = str(s.scalars(select(AuditEvent.details).where(AuditEvent.entity == "setting")).all())
        assert "s3cret" not in audit_text
    with db.transaction() as s, pytest.raises(PermissionDenied):
        smtp.save(s, actors["officer"], smtp.SmtpSettings(host="x", from_address="a@b.c"))


def test_smtp_password_goes_to_the_keyring_when_there_is_one(
    db: Database, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    store: dict[tuple[str, str], str] = {}

    class FakeKeyring:
        def set_password(self, service: str, user: str, password: str) -> None:
            store[(service, user)] = password

        def get_password(self, service: str, user: str) -> str | None:
            return store.get((service, user))

    monkeypatch.setattr(smtp, "_keyring", lambda: FakeKeyring())
    with db.transaction() as s:
        note = smtp.save(
            s,
            actors["admin"],
            smtp.SmtpSettings(host="mail.example.test", username="alerts", from_address="a@example.test"),
            "s3cret",
        )
    assert "system keyring" in note
    with db.reading() as s:
        from incident_desk.org.models import Setting

        assert "s3cret" not in str(s.get(Setting, "smtp").value)  # type: ignore[union-attr]
        assert smtp.load(s)[1] == "s3cret"


def test_signoff_events_reach_managers_and_assignee(
    db: Database, actors: dict[str, Actor], make_incident: Any
) -> None:
    from incident_desk import events
    from incident_desk.incidents import service
    from incident_desk.incidents.models import Incident

    iid = make_incident("reporter")
    with db.transaction() as s:
        service.assign(s, actors["manager"], iid, actors["officer"].user_id)
    with db.transaction() as s:
        events.emit(
            s, "incident.submit_for_signoff", incident=s.get(Incident, iid), actor=actors["officer"], note=""
        )
    with db.transaction() as s:
        events.emit(
            s,
            "assessment.rejected",
            incident=s.get(Incident, iid),
            actor=actors["manager"],
            reason="The controls for the wet floor are not specific enough.",
            assessor_id=actors["officer2"].user_id,
        )
    with db.reading() as s:
        asked = s.scalars(
            select(OutboxMessage).where(OutboxMessage.subject.contains("awaiting sign-off"))
        ).all()
        assert sorted(m.to_address for m in asked) == ["manager2@example.test", "manager@example.test"]
        assert "sign it off or reject it in the sign-off queue" in asked[0].body_text
        rejected = s.scalars(select(InboxItem).where(InboxItem.event == "rejected")).all()
        # The assignee and the assessment's author (who may be someone else) are both told.
        assert sorted(i.user_id for i in rejected) == sorted(
            [actors["officer"].user_id, actors["officer2"].user_id]
        )
        assert "not specific enough" in rejected[0].body
