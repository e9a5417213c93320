"""Human references like INC-2026-00042, numbered per year without gaps or duplicates."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from incident_desk.audit.models import Counter


def reserve(session: Session, prefix: str, year: int, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive references for ``year`` in the caller's transaction."""
    name = f"ref:{year}"
    for _attempt in range(3):
        last = session.execute(
            update(Counter).where(Counter.name == name).values(value=Counter.value + count).returning(Counter.value)
        ).scalar_one_or_none()
        if last is not None:
            return [format_reference(prefix, year, n) for n in range(last - count + 1, last + 1)]
        try:
            with session.begin_nested():
                session.execute(insert(Counter).values(name=name, value=0, text=""))
        except IntegrityError:
            pass  # another client created the counter first; bump it on the next pass
    raise RuntimeError(f"could not reserve a reference number for {year}")


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:05d}"


def ensure_at_least(session: Session, year: int, number: int) -> None:
    """Move the counter past references written directly (bulk demo or import)."""
    name = f"ref:{year}"
    current = session.execute(select(Counter.value).where(Counter.name == name)).scalar_one_or_none()
    if current is None:
        session.execute(insert(Counter).values(name=name, value=number, text=""))
    elif current < number:
        session.execute(update(Counter).where(Counter.name == name).values(value=number))
