"""Demo data: pause the full-text row triggers before the bulk inserts (``demo.search`` resumes)."""

from __future__ import annotations

from incident_desk import search
from incident_desk.demo.context import DemoContext


def pause_step(ctx: DemoContext) -> None:
    ctx.extra["search_paused_after"] = search.pause(ctx.session)


STEPS = [("pause search index", pause_step)]
