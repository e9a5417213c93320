"""Demo regulatory data: the organisation's logo, consistent OSHA case facts, photos and a witness
signature on recent injuries, so every report and regulatory output has real content."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

from sqlalchemy import and_, bindparam, func, select

from incident_desk.db.bulk import bulk_insert
from incident_desk.demo.context import DemoContext
from incident_desk.incidents.models import Attachment, Blob, Incident, Person
from incident_desk.org.models import Organisation

PHOTO_INCIDENTS = 25
CAPTIONS = ("Area as found, looking north", "Close-up of the point of contact", "Area after it was made safe")


def _png(draw_fn: Any, size: tuple[int, int], background: Any) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA" if len(background) == 4 else "RGB", size, background)
    draw_fn(ImageDraw.Draw(img), img)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def logo_png() -> bytes:
    def draw(d: Any, _img: Any) -> None:
        d.rounded_rectangle([4, 4, 116, 116], radius=18, fill="#1d4e89")
        d.polygon([(60, 18), (102, 96), (18, 96)], fill="#f9a825")
        d.rectangle([55, 44, 65, 74], fill="#1d4e89")
        d.rectangle([55, 80, 65, 88], fill="#1d4e89")

    return _png(draw, (120, 120), (255, 255, 255, 0))


def scene_png(variant: int) -> bytes:
    """A simple drawn 'photo' of a workplace scene (racking, floor, a hazard marker)."""
    palettes = [
        ("#8fa3b8", "#5d6d7e", "#d35400"),
        ("#a3b18a", "#588157", "#c0392b"),
        ("#b8a38f", "#7e6d5d", "#2471a3"),
    ]
    sky, floor, marker = palettes[variant % len(palettes)]

    def draw(d: Any, img: Any) -> None:
        w, h = img.size
        d.rectangle([0, int(h * 0.62), w, h], fill=floor)
        for x in range(40, w, 150):
            d.rectangle([x, 60, x + 16, int(h * 0.62)], fill="#34495e")
            for y in range(110, int(h * 0.62), 80):
                d.rectangle([x, y, x + 130, y + 10], fill="#e67e22")
        d.ellipse([w // 2 - 50, int(h * 0.70), w // 2 + 50, int(h * 0.70) + 60], outline=marker, width=8)
        d.line([(w // 2 + 40, int(h * 0.72)), (w - 60, int(h * 0.55))], fill=marker, width=6)

    return _png(draw, (800, 600), sky)


def signature_png() -> bytes:
    def draw(d: Any, _img: Any) -> None:
        points = [
            (12, 70),
            (40, 30),
            (62, 78),
            (90, 26),
            (118, 74),
            (150, 40),
            (176, 62),
            (230, 34),
            (290, 58),
        ]
        d.line(points, fill="#102a43", width=4, joint="curve")

    return _png(draw, (300, 100), (255, 255, 255, 0))


def _blob(ctx: DemoContext, data: bytes, mime: str) -> str:
    sha = hashlib.sha256(data).hexdigest()
    if ctx.session.get(Blob, sha) is None:
        ctx.session.add(Blob(sha256=sha, mime_type=mime, size=len(data), data=data))
        ctx.session.flush()
    return sha


def logo_step(ctx: DemoContext) -> None:
    org = ctx.session.get(Organisation, 1)
    if org is not None and not org.logo_sha256:
        org.logo_sha256 = _blob(ctx, logo_png(), "image/png")


def osha_facts_step(ctx: DemoContext) -> None:
    """Make the generated 301 facts consistent: nobody hired after their injury."""
    s = ctx.session
    occurred = select(Incident.occurred_date).where(Incident.id == Person.incident_id).scalar_subquery()
    rows = s.execute(
        select(Person.id, occurred).where(Person.date_hired.is_not(None), Person.date_hired > occurred)
    )
    fixes = [{"pid": pid, "hired": day - dt.timedelta(days=200 + (pid * 97) % 3000)} for pid, day in rows]
    if fixes:
        table = Person.__table__
        s.execute(
            table.update().where(table.c.id == bindparam("pid")).values(date_hired=bindparam("hired")), fixes
        )


def photos_step(ctx: DemoContext) -> None:
    """Photos and a witness signature on the most recent injuries."""
    s = ctx.session
    recent = list(
        s.execute(
            select(Incident.id, Incident.reported_at)
            .join(Person, and_(Person.incident_id == Incident.id, Person.role == "injured"))
            .where(~select(Attachment.id).where(Attachment.incident_id == Incident.id).exists())
            .group_by(Incident.id, Incident.reported_at)
            .order_by(func.max(Incident.reported_at).desc())
            .limit(PHOTO_INCIDENTS)
        )
    )
    if not recent:
        return
    scenes = [(_blob(ctx, data, "image/png"), len(data)) for data in (scene_png(i) for i in range(3))]
    signature = signature_png()
    sig_sha = _blob(ctx, signature, "image/png")
    witnesses = dict(
        s.execute(
            select(Person.incident_id, func.min(Person.name))
            .where(Person.incident_id.in_([r[0] for r in recent]), Person.role == "witness")
            .group_by(Person.incident_id)
        ).all()
    )
    rows = []
    for n, (iid, reported_at) in enumerate(recent):
        for k in range(1 + n % 3):
            sha, size = scenes[(n + k) % 3]
            rows.append(
                dict(
                    incident_id=iid,
                    kind="photo",
                    blob_sha256=sha,
                    filename=f"photo-{k + 1}.png",
                    mime_type="image/png",
                    size=size,
                    caption=CAPTIONS[k],
                    width=800,
                    height=600,
                    person_id=None,
                    signer_name="",
                    signer_role="",
                    signed_at=None,
                    created_at=reported_at + dt.timedelta(minutes=20 + k),
                    created_by_id=None,
                )
            )
        if iid in witnesses:
            rows.append(
                dict(
                    incident_id=iid,
                    kind="signature",
                    blob_sha256=sig_sha,
                    filename="signature.png",
                    mime_type="image/png",
                    size=len(signature),
                    caption="",
                    width=300,
                    height=100,
                    person_id=None,
                    signer_name=witnesses[iid],
                    signer_role="Witness",
                    signed_at=reported_at + dt.timedelta(minutes=45),
                    created_at=reported_at + dt.timedelta(minutes=45),
                    created_by_id=None,
                )
            )
    bulk_insert(s, Attachment.__table__, rows)


STEPS = [("logo", logo_step), ("osha facts", osha_facts_step), ("photos", photos_step)]
