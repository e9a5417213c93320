"""The SMTP server settings (Setting "smtp", password in the system keyring when possible) and
the sender that talks to the server."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any, Protocol

from sqlalchemy.orm import Session

from incident_desk import APP_NAME, audit
from incident_desk.actor import Actor
from incident_desk.errors import ValidationError
from incident_desk.org.models import Setting
from incident_desk.users.roles import require

SETTING_KEY = "smtp"
KEYRING_SERVICE = "incident-desk-smtp"
SECURITY = {"none": "None (plain, port 25)", "starttls": "STARTTLS (port 587)", "ssl": "SSL/TLS (port 465)"}


@dataclass
class SmtpSettings:
    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    from_address: str = ""
    from_name: str = APP_NAME
    timeout: float = 20.0
    # Where the password lives: "keyring", "database" or "" (no password: no login).
    password_storage: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.host and self.from_address)

    def keyring_user(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"


def _keyring() -> Any | None:
    """The keyring module when it is installed and has a usable backend, else None."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        if isinstance(keyring.get_keyring(), fail.Keyring):
            return None
    except Exception:
        return None
    return keyring


def keyring_available() -> bool:
    return _keyring() is not None


def load(session: Session) -> tuple[SmtpSettings, str]:
    """The settings and the password (empty when none is stored or the keyring cannot be read)."""
    row = session.get(Setting, SETTING_KEY)
    value = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    password = str(value.pop("password", "") or "")
    known = {k: v for k, v in value.items() if k in SmtpSettings.__dataclass_fields__}
    settings = SmtpSettings(**known)
    if settings.password_storage == "keyring":
        kr = _keyring()
        try:
            password = (kr.get_password(KEYRING_SERVICE, settings.keyring_user()) or "") if kr else ""
        except Exception:
            password = ""
    return settings, password


def save(session: Session, actor: Actor, settings: SmtpSettings, password: str | None = None) -> str:
    """Store the settings; ``password`` None keeps the current one, "" removes it.

    Returns a sentence saying where the password was kept, for the settings dialog to show.
    """
    require(actor, "settings.manage")
    problems: dict[str, list[str]] = {}
    settings.host = settings.host.strip()
    settings.from_address = settings.from_address.strip()
    if settings.host and not settings.from_address:
        problems["from_address"] = ["Enter the address the e-mails are sent from."]
    if settings.from_address and "@" not in settings.from_address:
        problems["from_address"] = [f"“{settings.from_address}” is not an e-mail address."]
    if not 0 < int(settings.port) < 65536:
        problems["port"] = ["The port is a number from 1 to 65535."]
    if settings.security not in SECURITY:
        problems["security"] = [f"Unknown connection security {settings.security!r}."]
    if problems:
        raise ValidationError(problems)
    old_settings, old_password = load(session)
    if password is None:
        password = old_password
    note = "No password is stored: the server is used without login."
    value: dict[str, Any] = asdict(settings)
    value["password_storage"] = ""
    if password and settings.username:
        kr = _keyring()
        stored = False
        if kr is not None:
            try:
                kr.set_password(KEYRING_SERVICE, settings.keyring_user(), password)
                stored = True
            except Exception:
                stored = False
        if stored:
            value["password_storage"] = "keyring"
            note = "The password is kept in the system keyring."
        else:
            value["password_storage"] = "database"
            value["password"] = password
            note = (
                "No system keyring is available, so the password is stored in the database: anyone "
                "who can read the database file can read it. Install the “keyring” extra to avoid this."
            )
    row = session.get(Setting, SETTING_KEY)
    if row is None:
        session.add(Setting(key=SETTING_KEY, value=value))
    else:
        row.value = value
    session.flush()
    shown = {k: v for k, v in value.items() if k != "password"}
    audit.record(
        session,
        actor,
        "update",
        entity="setting",
        summary="Changed the e-mail (SMTP) server settings",
        details={
            "smtp": shown,
            "password_changed": password != old_password,
            "previous_host": old_settings.host,
        },
    )
    return note


class DeliveryError(Exception):
    """Sending failed. ``connection`` is True when the server itself could not be used."""

    def __init__(self, message: str, *, connection: bool) -> None:
        super().__init__(message)
        self.connection = connection


class OutgoingMail(Protocol):
    dedupe_key: str
    to_address: str
    subject: str
    body_text: str
    body_html: str


def build_message(settings: SmtpSettings, mail: OutgoingMail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((settings.from_name, settings.from_address))
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    domain = settings.from_address.partition("@")[2] or "incident-desk.invalid"
    # The same queued message always carries the same Message-ID, so a resend is recognisable.
    msg["Message-ID"] = f"<{hashlib.sha256(mail.dedupe_key.encode()).hexdigest()[:32]}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.body_text)
    if mail.body_html:
        msg.add_alternative(mail.body_html, subtype="html")
    return msg


class SmtpSender:
    """Sends messages over one connection, opened on first use and reopened after a failure."""

    def __init__(self, settings: SmtpSettings, password: str = "") -> None:
        self.settings = settings
        self.password = password
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        try:
            conn: smtplib.SMTP
            if s.security == "ssl":
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    conn.starttls(context=context)
            if s.username and self.password:
                conn.login(s.username, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"The mail server {s.host} refused the login for {s.username}: "
                f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}",
                connection=True,
            ) from exc
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            raise DeliveryError(
                f"Cannot connect to the mail server {s.host}:{s.port}: {exc or type(exc).__name__}",
                connection=True,
            ) from exc
        return conn

    def send(self, mail: OutgoingMail) -> None:
        if self._conn is None:
            self._conn = self._connect()
        msg = build_message(self.settings, mail)
        try:
            refused = self._conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise DeliveryError(
                f"The mail server refused {mail.to_address}: {code} {text.decode(errors='replace')}",
                connection=False,
            ) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise DeliveryError(
                f"The mail server refused the message: {exc.smtp_code} "
                f"{exc.smtp_error.decode(errors='replace')}",
                connection=False,
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise DeliveryError(
                f"The connection to {self.settings.host} failed while sending: {exc}", connection=True
            ) from exc
        if refused:
            raise DeliveryError(f"The mail server refused {', '.join(refused)}", connection=False)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (TimeoutError, OSError, smtplib.SMTPException):
                conn.close()


def check_connection(settings: SmtpSettings, password: str) -> None:
    """Connect (and log in) once; raises DeliveryError with a plain reason."""
    sender = SmtpSender(settings, password)
    sender._conn = sender._connect()
    sender.close()
