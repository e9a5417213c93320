"""Registers the risk-matrix seeder: shipped templates installed, the 5×5 made active."""

from __future__ import annotations

from incident_desk.bootstrap import EXTRA_SEEDERS
from incident_desk.risk.matrices import install_templates

if install_templates not in EXTRA_SEEDERS:
    EXTRA_SEEDERS.append(install_templates)
