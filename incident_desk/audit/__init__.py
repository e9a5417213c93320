"""The tamper-evident audit trail: every change, transition, sign-in and export, hash-chained."""

from __future__ import annotations

from incident_desk.audit.chain import record, verify_chain

__all__ = ["record", "verify_chain"]
