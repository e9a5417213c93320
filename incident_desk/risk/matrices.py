"""Stored risk matrices: versions, the active matrix, templates, JSON import and export.

A version is immutable once saved: saving edits always adds a new version, so an assessment
keeps pointing at exactly the definition it was rated on.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incident_desk import audit
from incident_desk.actor import Actor
from incident_desk.errors import NotFound, ValidationError
from incident_desk.org.models import Organisation, Setting
from incident_desk.paths import resources_dir
from incident_desk.risk.matrix import Matrix, normalise, validate
from incident_desk.risk.models import Assessment, RiskMatrix, RiskMatrixVersion
from incident_desk.users.roles import require

DEFAULT_TEMPLATE = "5×5 Likelihood × Consequence"
SEEDED_KEY = "risk.templates_seeded"


@dataclass(frozen=True)
class MatrixSummary:
    id: int
    name: str
    version_id: int
    version: int
    versions: int
    active: bool
    in_use: bool
    archived: bool
    size: str


def templates_dir() -> Path:
    return resources_dir() / "risk_matrices"


def load_templates() -> list[dict[str, Any]]:
    """The shipped templates, validated, in a stable order (largest first)."""
    out = []
    for path in sorted(templates_dir().glob("*.json"), reverse=True):
        out.append(parse_json(path.read_text(encoding="utf-8"), source=path.name))
    return out


# -- JSON ------------------------------------------------------------------------------------


def parse_json(text: str, *, source: str = "the file") -> dict[str, Any]:
    """A validated definition from JSON text; ValidationError names what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    if isinstance(data, dict) and "definition" in data and "schema" not in data:
        data = data["definition"]  # an export wrapped with metadata by hand
    if not isinstance(data, dict):
        raise ValidationError(f"{source} does not contain a risk matrix (expected a JSON object).")
    definition = normalise(data)
    problems = validate(definition)
    if problems:
        raise ValidationError({p.where or "": [p.message] for p in problems})
    return definition


def to_json(definition: dict[str, Any]) -> str:
    return json.dumps(definition, indent=2, ensure_ascii=False) + "\n"


# -- queries ---------------------------------------------------------------------------------


def get(session: Session, matrix_id: int) -> RiskMatrix:
    matrix = session.get(RiskMatrix, matrix_id)
    if matrix is None:
        raise NotFound(f"Risk matrix #{matrix_id} does not exist.")
    return matrix


def by_name(session: Session, name: str) -> RiskMatrix:
    matrix = session.scalars(
        select(RiskMatrix).where(func.lower(RiskMatrix.name) == name.strip().lower())
    ).first()
    if matrix is None:
        names = ", ".join(
            f"“{n}”" for n in session.scalars(select(RiskMatrix.name).order_by(RiskMatrix.name))
        )
        raise NotFound(f"There is no risk matrix called “{name}”. Matrices: {names or 'none'}.")
    return matrix


def latest_version(session: Session, matrix_id: int) -> RiskMatrixVersion:
    version = session.scalars(
        select(RiskMatrixVersion)
        .where(RiskMatrixVersion.matrix_id == matrix_id)
        .order_by(RiskMatrixVersion.number.desc())
        .limit(1)
    ).first()
    if version is None:
        raise NotFound(f"Risk matrix #{matrix_id} has no saved version.")
    return version


def get_version(session: Session, version_id: int) -> RiskMatrixVersion:
    version = session.get(RiskMatrixVersion, version_id)
    if version is None:
        raise NotFound(f"Risk matrix version #{version_id} does not exist.")
    return version


def versions(session: Session, matrix_id: int) -> list[RiskMatrixVersion]:
    return list(
        session.scalars(
            select(RiskMatrixVersion)
            .where(RiskMatrixVersion.matrix_id == matrix_id)
            .order_by(RiskMatrixVersion.number)
        )
    )


def version_in_use(session: Session, version_id: int) -> bool:
    return (
        session.execute(
            select(func.count()).select_from(Assessment).where(Assessment.matrix_version_id == version_id)
        ).scalar_one()
        > 0
    )


def active_matrix_id(session: Session) -> int | None:
    org = session.get(Organisation, 1)
    return org.active_matrix_id if org else None


def active_version(session: Session) -> RiskMatrixVersion:
    """The latest version of the organisation's active matrix: what new assessments are rated on."""
    matrix_id = active_matrix_id(session)
    if matrix_id is None:
        raise NotFound("No risk matrix is active: choose one under Risk matrices (Set active).")
    return latest_version(session, matrix_id)


def matrix_of_version(session: Session, version_id: int) -> Matrix:
    return Matrix(get_version(session, version_id).definition)


def list_matrices(session: Session, *, include_archived: bool = False) -> list[MatrixSummary]:
    active = active_matrix_id(session)
    latest = (
        select(
            RiskMatrixVersion.matrix_id,
            func.max(RiskMatrixVersion.number).label("n"),
            func.count().label("count"),
        )
        .group_by(RiskMatrixVersion.matrix_id)
        .subquery()
    )
    used = set(
        session.scalars(
            select(RiskMatrixVersion.matrix_id)
            .join(Assessment, Assessment.matrix_version_id == RiskMatrixVersion.id)
            .distinct()
        )
    )
    rows = session.execute(
        select(RiskMatrix, RiskMatrixVersion, latest.c.count)
        .join(latest, latest.c.matrix_id == RiskMatrix.id)
        .join(
            RiskMatrixVersion,
            (RiskMatrixVersion.matrix_id == RiskMatrix.id) & (RiskMatrixVersion.number == latest.c.n),
        )
        .order_by(RiskMatrix.name)
    ).all()
    out = []
    for matrix, version, count in rows:
        if matrix.archived and not include_archived:
            continue
        d = version.definition
        out.append(
            MatrixSummary(
                matrix.id,
                matrix.name,
                version.id,
                version.number,
                count,
                matrix.id == active,
                matrix.id in used,
                matrix.archived,
                f"{len(d.get('severity', []))}×{len(d.get('likelihood', []))}",
            )
        )
    return out


# -- changes ---------------------------------------------------------------------------------


def _check_name(session: Session, name: str, *, except_id: int | None = None) -> None:
    clash = session.scalars(select(RiskMatrix).where(func.lower(RiskMatrix.name) == name.lower())).first()
    if clash is not None and clash.id != except_id:
        raise ValidationError(
            {"name": [f"A risk matrix called “{clash.name}” already exists: choose another name."]}
        )


def _validated(definition: dict[str, Any]) -> dict[str, Any]:
    d = normalise(definition)
    problems = validate(d)
    if problems:
        raise ValidationError({p.where or "": [p.message] for p in problems})
    return d


def create(
    session: Session, actor: Actor | None, definition: dict[str, Any], *, note: str = "", _check: bool = True
) -> RiskMatrix:
    """A new matrix with version 1."""
    if actor is not None:
        require(actor, "risk.matrix.edit")
    d = _validated(definition)
    _check_name(session, d["name"])
    matrix = RiskMatrix(name=d["name"])
    session.add(matrix)
    session.flush()
    session.add(
        RiskMatrixVersion(
            matrix_id=matrix.id,
            number=1,
            definition=d,
            note=note or "Created",
            created_by_id=actor.user_id if actor else None,
        )
    )
    session.flush()
    if actor is not None:
        audit.record(
            session,
            actor,
            "create",
            entity="risk_matrix",
            entity_id=matrix.id,
            summary=f"Created risk matrix “{matrix.name}”",
            details={"note": note},
        )
    return matrix


def save(
    session: Session,
    actor: Actor,
    matrix_id: int,
    definition: dict[str, Any],
    *,
    note: str = "",
    based_on_version: int | None = None,
) -> RiskMatrixVersion:
    """Save edits as a new version (versions are never changed in place).

    ``based_on_version`` is the version number the editor started from; if someone saved a newer
    one meanwhile, the save is refused rather than silently overwriting their change.
    """
    require(actor, "risk.matrix.edit")
    matrix = get(session, matrix_id)
    d = _validated(definition)
    latest = latest_version(session, matrix_id)
    if based_on_version is not None and latest.number != based_on_version:
        raise ValidationError(
            f"“{matrix.name}” was saved as version {latest.number} by someone else while you "
            f"were editing version {based_on_version}. Reload it and make your change again."
        )
    if d == latest.definition:
        raise ValidationError("Nothing has changed since the last version.")
    _check_name(session, d["name"], except_id=matrix.id)
    old_name = matrix.name
    matrix.name = d["name"]
    version = RiskMatrixVersion(
        matrix_id=matrix.id, number=latest.number + 1, definition=d, note=note, created_by_id=actor.user_id
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        entity="risk_matrix",
        entity_id=matrix.id,
        summary=f"Saved “{matrix.name}” as version {version.number}"
        + (f" (renamed from “{old_name}”)" if old_name != matrix.name else ""),
        details={"note": note, "version": version.number},
    )
    return version


def duplicate(session: Session, actor: Actor, matrix_id: int, new_name: str | None = None) -> RiskMatrix:
    require(actor, "risk.matrix.edit")
    source = get(session, matrix_id)
    d = copy.deepcopy(latest_version(session, matrix_id).definition)
    name = (new_name or "").strip()
    if not name:
        n = 1
        name = f"{source.name} (copy)"
        while session.scalars(
            select(RiskMatrix.id).where(func.lower(RiskMatrix.name) == name.lower())
        ).first():
            n += 1
            name = f"{source.name} (copy {n})"
    d["name"] = name
    return create(session, actor, d, note=f"Copied from “{source.name}”")


def set_active(session: Session, actor: Actor, matrix_id: int) -> None:
    require(actor, "risk.matrix.edit")
    matrix = get(session, matrix_id)
    if matrix.archived:
        raise ValidationError(f"“{matrix.name}” is archived; restore it before making it active.")
    org = session.get(Organisation, 1)
    if org is None:
        raise NotFound("The database has no organisation settings; run `incident-desk init`.")
    if org.active_matrix_id == matrix.id:
        return
    org.active_matrix_id = matrix.id
    audit.record(
        session,
        actor,
        "update",
        entity="organisation",
        entity_id=1,
        summary=f"Active risk matrix set to “{matrix.name}”",
        details={"matrix_id": matrix.id},
    )


def import_json(
    session: Session,
    actor: Actor,
    text: str,
    *,
    name: str | None = None,
    new_version: bool = False,
    source: str = "the file",
) -> RiskMatrixVersion:
    """Import a matrix from JSON: a new matrix, or (``new_version``) a new version of the one
    with the same name. Raises ValidationError and changes nothing when the file is wrong."""
    require(actor, "risk.matrix.edit")
    d = parse_json(text, source=source)
    if name:
        d["name"] = name.strip()
    existing = session.scalars(
        select(RiskMatrix).where(func.lower(RiskMatrix.name) == d["name"].lower())
    ).first()
    if existing is not None:
        if not new_version:
            raise ValidationError(
                f"A risk matrix called “{existing.name}” already exists. Import under another "
                "name, or as a new version of that matrix."
            )
        return save(session, actor, existing.id, d, note=f"Imported from {source}")
    matrix = create(session, actor, d, note=f"Imported from {source}")
    return latest_version(session, matrix.id)


def export_json(session: Session, matrix_id: int, version_number: int | None = None) -> str:
    if version_number is None:
        version = latest_version(session, matrix_id)
    else:
        version = session.scalars(
            select(RiskMatrixVersion).where(
                RiskMatrixVersion.matrix_id == matrix_id, RiskMatrixVersion.number == version_number
            )
        ).first()
        if version is None:
            raise NotFound(f"Risk matrix #{matrix_id} has no version {version_number}.")
    return to_json(version.definition)


def install_templates(session: Session) -> None:
    """Seeder: add each shipped template once (a deleted one is not brought back) and make the 5×5
    active when no matrix is. Idempotent."""
    marker = session.get(Setting, SEEDED_KEY)
    done: list[str] = list(marker.value) if marker and isinstance(marker.value, list) else []
    names = {n.lower() for n in session.scalars(select(RiskMatrix.name))}
    for definition in load_templates():
        if definition["name"] in done:
            continue
        if definition["name"].lower() not in names:
            create(session, None, definition, note="Shipped template")
        done.append(definition["name"])
    if marker is None:
        session.add(Setting(key=SEEDED_KEY, value=done))
    else:
        marker.value = done
    session.flush()
    org = session.get(Organisation, 1)
    if org is not None and org.active_matrix_id is None:
        default = session.scalars(select(RiskMatrix).where(RiskMatrix.name == DEFAULT_TEMPLATE)).first()
        default = default or session.scalars(select(RiskMatrix).order_by(RiskMatrix.id).limit(1)).first()
        if default is not None:
            org.active_matrix_id = default.id
            session.flush()
