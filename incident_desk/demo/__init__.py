"""Realistic, reproducible demo data: ``incident-desk demo --incidents N --seed S``.

The generator is a list of steps sharing one ``DemoContext``; each concern (risk, sign-off,
alerts, hours worked…) adds its own step module to ``STEP_MODULES``.
"""

from __future__ import annotations

from incident_desk.demo.context import DemoContext, DemoResult, generate

__all__ = ["DemoContext", "DemoResult", "generate"]
