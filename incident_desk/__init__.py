"""Incident Desk: workplace incident management. The core of this package never imports Qt."""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "Incident Desk"
APP_ID = "org.incidentdesk.IncidentDesk"
