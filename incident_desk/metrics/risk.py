"""Risk heat map: how many assessments (or hazards) fall in each cell of the matrix version they used."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics.summary import memoized
from incident_desk.risk.models import Assessment, Hazard, RiskMatrix, RiskMatrixVersion

BASES = {
    "overall": "Overall rating of the current assessment",
    "inherent": "Hazards before controls",
    "residual": "Hazards after controls",
}


@dataclass
class HeatMap:
    """Counts per (likelihood code, severity code) for one matrix version."""

    version_id: int
    matrix_name: str
    version_number: int
    definition: dict[str, Any]
    basis: str
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    filters: dict[tuple[str, str], IncidentFilter] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def title(self) -> str:
        return f"{self.matrix_name} (version {self.version_number})"


def current_assessment_condition() -> ColumnElement[bool]:
    """The incident's latest assessment revision (earlier revisions are history, not risk)."""
    later = aliased(Assessment)
    return ~exists(
        select(later.id).where(
            later.incident_id == Assessment.incident_id, later.revision > Assessment.revision
        )
    )


def _codes(basis: str) -> tuple[Any, Any]:
    if basis == "overall":
        return Assessment.overall_likelihood, Assessment.overall_severity
    if basis == "inherent":
        return Hazard.inherent_likelihood, Hazard.inherent_severity
    if basis == "residual":
        return Hazard.residual_likelihood, Hazard.residual_severity
    raise ValueError(f"unknown heat-map basis {basis!r}")


@memoized("heat_maps")
def heat_maps(session: Session, filt: IncidentFilter, basis: str = "overall") -> list[HeatMap]:
    """One heat map per matrix version in use by the filtered incidents' current assessments,
    most used first. ``basis``: "overall" counts assessments by their overall rating; "inherent"
    or "residual" counts hazards by their rating before or after controls."""
    lik, sev = _codes(basis)
    stmt = select(Assessment.matrix_version_id, lik, sev, func.count()).select_from(Assessment)
    if basis != "overall":
        stmt = stmt.join(Hazard, Hazard.assessment_id == Assessment.id)
    stmt = (
        stmt.join(Incident, Incident.id == Assessment.incident_id)
        .where(*filt.conditions(), current_assessment_condition(), lik.is_not(None), sev.is_not(None))
        .group_by(Assessment.matrix_version_id, lik, sev)
    )
    rows = session.execute(stmt).all()
    if not rows:
        return []
    versions = {
        v.id: v
        for v in session.scalars(
            select(RiskMatrixVersion).where(RiskMatrixVersion.id.in_({r[0] for r in rows}))
        )
    }
    names = dict(session.execute(select(RiskMatrix.id, RiskMatrix.name)).all())
    maps: dict[int, HeatMap] = {}
    for vid, lcode, scode, n in rows:
        v = versions[vid]
        hm = maps.get(vid)
        if hm is None:
            hm = maps[vid] = HeatMap(
                vid, names.get(v.matrix_id, "Risk matrix"), v.number, v.definition or {}, basis
            )
        key = (str(lcode), str(scode))
        hm.counts[key] = hm.counts.get(key, 0) + int(n)
        hm.filters[key] = cell_filter(filt, vid, key[0], key[1], basis)
    return sorted(maps.values(), key=lambda h: -h.total)


def cell_filter(
    base: IncidentFilter, version_id: int, likelihood: str, severity: str, basis: str = "overall"
) -> IncidentFilter:
    """The incidents whose current assessment puts them (or one of their hazards) in the cell."""
    lik, sev = _codes(basis)
    inner = select(Assessment.id).where(
        Assessment.incident_id == Incident.id,
        current_assessment_condition(),
        Assessment.matrix_version_id == version_id,
    )
    if basis != "overall":
        inner = inner.join(Hazard, Hazard.assessment_id == Assessment.id)
    cond = exists(inner.where(and_(lik == likelihood, sev == severity)))
    return base.with_(extra=(*base.extra, cond))


def matrix_axes(definition: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(likelihood levels, severity levels) as (code, label), lowest first, from a version's definition."""

    def levels(axis: str) -> list[tuple[str, str]]:
        return [
            (str(lv.get("code")), str(lv.get("label") or lv.get("code")))
            for lv in definition.get(axis) or []
            if isinstance(lv, dict)
        ]

    return levels("likelihood"), levels("severity")


def cell_colour(definition: dict[str, Any], likelihood: str, severity: str) -> str:
    """The band colour of a cell (grey when the definition cannot say)."""
    try:
        from incident_desk.risk.matrix import Matrix

        return Matrix(definition).rate(likelihood, severity).colour
    except Exception:  # an unknown or older definition: fall back to neutral
        return "#9e9e9e"
