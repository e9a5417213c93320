"""CSV and Excel (XLSX) export of any filtered incident list, and writing the ITA files; all audited.

Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) are prefixed with an apostrophe. Rows are read in batches, so an export of
100,000 incidents keeps memory flat.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from incident_desk import audit
from incident_desk.actor import Actor
from incident_desk.errors import ValidationError
from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from incident_desk.org.models import Customer, IncidentType, Location, Organisation, SeverityLevel, Site
from incident_desk.progress import Progress
from incident_desk.reports import ita
from incident_desk.reports.incident_report import org_timezone, status_label
from incident_desk.users.models import User
from incident_desk.users.roles import require

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
COLUMNS = (
    "Reference",
    "Title",
    "Status",
    "Severity",
    "Type",
    "Site",
    "Location",
    "Customer",
    "Occurred",
    "Reported",
    "Assigned to",
    "Priority",
    "Response due",
    "Resolved",
    "Closed",
    "Direct cost",
    "Indirect cost",
    "Currency",
    "Description",
    "Immediate actions",
    "Void",
)
BATCH = 2000


def neutralise(value: Any) -> Any:
    """A text value a spreadsheet would treat as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _rows(session: Session, filt: IncidentFilter, tz: dt.tzinfo) -> Iterator[list[Any]]:
    assignee = aliased(User)
    stmt = (
        filt.apply(
            select(
                Incident.reference,
                Incident.title,
                Incident.status,
                SeverityLevel.name,
                IncidentType.name,
                Site.name,
                Location.name,
                Customer.name,
                Incident.occurred_at,
                Incident.reported_at,
                assignee.full_name,
                Incident.priority,
                Incident.response_due_at,
                Incident.resolved_at,
                Incident.closed_at,
                Incident.direct_cost,
                Incident.indirect_cost,
                Incident.currency,
                Incident.description,
                Incident.immediate_actions,
                Incident.voided,
            )
            .join(SeverityLevel, SeverityLevel.id == Incident.severity_id)
            .join(IncidentType, IncidentType.id == Incident.type_id)
            .outerjoin(Site, Site.id == Incident.site_id)
            .outerjoin(Location, Location.id == Incident.location_id)
            .outerjoin(Customer, Customer.id == Incident.customer_id)
            .outerjoin(assignee, assignee.id == Incident.assignee_id)
        )
        .order_by(Incident.occurred_at, Incident.id)
        .execution_options(yield_per=BATCH)
    )

    def local(value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(tz).replace(tzinfo=None) if value else None

    for r in session.execute(stmt):
        yield [
            r[0],
            r[1],
            status_label(r[2]),
            r[3],
            r[4],
            r[5] or "",
            r[6] or "",
            r[7] or "",
            local(r[8]),
            local(r[9]),
            r[10] or "",
            r[11] or "",
            local(r[12]),
            local(r[13]),
            local(r[14]),
            Decimal(r[15] or 0),
            Decimal(r[16] or 0),
            r[17],
            r[18] or "",
            r[19] or "",
            "yes" if r[20] else "",
        ]


def count(session: Session, filt: IncidentFilter) -> int:
    return int(session.execute(filt.apply(select(func.count()).select_from(Incident))).scalar_one())


def _atomic_path(path: Path) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)


def _write_csv(path: Path, rows: Iterator[list[Any]], total: int, progress: Progress | None) -> int:
    fd, tmp = _atomic_path(path)
    n = 0
    try:
        # UTF-8 with BOM: Excel then opens accented and non-Latin names correctly.
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow([neutralise(_csv_value(v)) for v in row])
                n += 1
                if progress and n % BATCH == 0:
                    progress.update(n, total, f"Exported {n:,} of {total:,} incidents…")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n


def _csv_value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    return "" if v is None else v


def _write_xlsx(path: Path, rows: Iterator[list[Any]], total: int, progress: Progress | None) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Incidents")
    ws.freeze_panes = "A2"
    for i, width in enumerate(
        (16, 40, 16, 11, 16, 22, 20, 20, 17, 17, 20, 10, 17, 17, 17, 12, 12, 9, 60, 40, 6)
    ):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    n = 0
    for row in rows:
        cells = []
        for v in row:
            cell = WriteOnlyCell(ws, value=neutralise(_xlsx_value(v)))
            if isinstance(v, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(v, Decimal):
                cell.number_format = "#,##0.00"
            cells.append(cell)
        ws.append(cells)
        n += 1
        if progress and n % BATCH == 0:
            progress.update(n, total, f"Exported {n:,} of {total:,} incidents…")
    fd, tmp = _atomic_path(path)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n


def _xlsx_value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, str):
        # Control characters other than tab and newline are not allowed in XLSX cells.
        return "".join(ch for ch in v if ch >= " " or ch in "\t\n")
    return v


def filter_details(filt: IncidentFilter) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(filt):
        if f.name == "extra":
            continue
        value = getattr(filt, f.name)
        if value not in (None, "", (), False):
            out[f.name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def export_incidents(
    session: Session,
    actor: Actor,
    filt: IncidentFilter,
    path: str | Path,
    fmt: str,
    *,
    progress: Progress | None = None,
) -> int:
    """Write the incidents matching ``filt`` to ``path`` as CSV or XLSX; audited. Returns the row count."""
    require(actor, "export.run")
    if fmt not in FORMATS:
        raise ValidationError(f"Unknown export format {fmt!r}: use csv or xlsx.")
    path = Path(path)
    org = session.get(Organisation, 1)
    total = count(session, filt)
    if progress:
        progress.update(0, total, f"Exporting {total:,} incidents…")
    rows = _rows(session, filt, org_timezone(org))
    n = (_write_csv if fmt == "csv" else _write_xlsx)(path, rows, total, progress)
    audit.record(
        session,
        actor,
        "export",
        entity="incident",
        summary=f"Exported {n:,} incidents as {fmt.upper()} to {path.name}",
        details={"format": fmt, "count": n, "file": str(path), "filter": filter_details(filt)},
    )
    return n


def export_ita(
    session: Session, actor: Actor, which: str, year: int, path: str | Path, sites: list[Site] | None = None
) -> int:
    """Write the ITA summary ("summary") or case ("cases") file; audited. Raises ItaValidationError."""
    if which == "summary":
        data, n = ita.summary_csv(session, actor, year, sites)
    elif which == "cases":
        data, n = ita.cases_csv(session, actor, year, sites)
    else:
        raise ValidationError(f"Unknown ITA file {which!r}: use summary or cases.")
    path = Path(path)
    fd, tmp = _atomic_path(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    audit.record(
        session,
        actor,
        "export",
        entity="osha_ita",
        summary=f"Exported the OSHA ITA {which} file for {year} ({n} rows) to {path.name}",
        details={
            "format": f"ita-{which}",
            "year": year,
            "count": n,
            "file": str(path),
            "sites": [s.name for s in sites] if sites else "all",
        },
    )
    return n


def save_report(
    session: Session,
    actor: Actor,
    data: bytes,
    path: str | Path,
    what: str,
    *,
    incident_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> Path:
    """Write a finished report to ``path`` (atomically) and record it in the audit trail."""
    path = Path(path)
    fd, tmp = _atomic_path(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    audit.record(
        session,
        actor,
        "export",
        entity="report",
        incident_id=incident_id,
        summary=f"Saved {what} to {path.name}",
        details={"report": what, "file": str(path), "bytes": len(data), **(details or {})},
    )
    return path
