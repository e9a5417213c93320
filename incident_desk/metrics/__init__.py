"""Metrics: response times against SLA, frequency, cost, satisfaction, recordable rates, backlog,
risk heat map — aggregated in SQL — and the charts built from them (no Qt)."""

from __future__ import annotations
