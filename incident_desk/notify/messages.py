"""The words of a notification: inbox title, e-mail subject, plain-text and HTML bodies."""

from __future__ import annotations

import datetime as dt
import html
import zoneinfo
from dataclasses import dataclass

from sqlalchemy.orm import Session

from incident_desk import APP_NAME
from incident_desk.incidents.models import Incident
from incident_desk.org.models import Organisation


@dataclass(frozen=True)
class Message:
    title: str  # inbox title and e-mail subject (after the reference)
    subject: str
    text: str
    html: str
    inbox_body: str


def _tz(session: Session) -> zoneinfo.ZoneInfo:
    org = session.get(Organisation, 1)
    try:
        return zoneinfo.ZoneInfo((org.timezone if org else "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_time(session: Session, when: dt.datetime) -> str:
    tz = _tz(session)
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M ") + (tz.key if tz.key != "UTC" else "UTC")


def compose(
    session: Session, incident: Incident, headline: str, expected: str, details: list[str] | None = None
) -> Message:
    """``headline`` says what happened; ``expected`` what the recipient should now do."""
    severity = incident.severity.name if incident.severity else "—"
    site = incident.site.name if incident.site else "No site"
    location = incident.location.name if incident.location else ""
    kind = incident.incident_type.name if incident.incident_type else ""
    summary = (incident.description or "").strip()
    if len(summary) > 600:
        summary = summary[:600].rsplit(" ", 1)[0] + "…"
    facts = [
        ("Reference", incident.reference),
        ("Title", incident.title),
        ("Severity", severity),
        ("Type", kind),
        ("Site", site + (f" — {location}" if location else "")),
        (
            "Reported",
            local_time(session, incident.reported_at)
            + (f" by {incident.reporter_name}" if incident.reporter_name else ""),
        ),
        ("Status", incident.status.replace("_", " ").capitalize()),
    ]
    details = details or []
    title = f"{incident.reference} · {headline} — {incident.title}"
    subject = f"[{severity}] {incident.reference} {headline} — {incident.title} ({site})"
    width = max(len(k) for k, _v in facts)
    text_lines = [f"{headline}.", "", *[f"{k + ':':<{width + 1}} {v}" for k, v in facts if v], ""]
    if summary:
        text_lines += ["What happened:", summary, ""]
    text_lines += [
        *details,
        *([""] if details else []),
        "What is expected of you:",
        expected,
        "",
        f"Open {incident.reference} in {APP_NAME} to act on it.",
        "",
        f"-- \nSent by {APP_NAME}. You receive this because a notification rule or the escalation "
        "ladder names you.",
    ]
    e = html.escape
    rows = "".join(
        f'<tr><th align="left" style="padding:2px 12px 2px 0;color:#555">{e(k)}</th>'
        f'<td style="padding:2px 0">{e(v)}</td></tr>'
        for k, v in facts
        if v
    )
    colour = incident.severity.colour if incident.severity else "#808080"
    html_body = (
        '<!DOCTYPE html><html><body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#222">'
        f'<p style="margin:0 0 8px"><span style="background:{e(colour)};color:#fff;padding:2px 8px;'
        f'border-radius:3px;font-weight:bold">{e(severity)}</span> <strong>{e(headline)}</strong></p>'
        f'<h2 style="margin:8px 0">{e(incident.reference)} — {e(incident.title)}</h2>'
        f"<table>{rows}</table>"
        + (f"<h3>What happened</h3><p>{e(summary)}</p>" if summary else "")
        + "".join(f"<p>{e(line)}</p>" for line in details)
        + f'<h3>What is expected of you</h3><p style="font-weight:bold">{e(expected)}</p>'
        f"<p>Open {e(incident.reference)} in {e(APP_NAME)} to act on it.</p>"
        f'<hr><p style="color:#777;font-size:12px">Sent by {e(APP_NAME)}. You receive this because a '
        "notification rule or the escalation ladder names you.</p></body></html>"
    )
    inbox_body = "\n".join([f"{severity} · {site}", *details, expected])
    return Message(title[:300], subject[:300], "\n".join(text_lines), html_body, inbox_body)
