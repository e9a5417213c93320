"""Demo data: the full-text index, built in one pass after the bulk inserts.

``search_pause`` (listed before the incidents step) pauses the row triggers; this last step
switches them back on and indexes every incident the demo wrote.
"""

from __future__ import annotations

from incident_desk import search
from incident_desk.demo.context import DemoContext


def index_step(ctx: DemoContext) -> None:
    after = ctx.extra.pop("search_paused_after", None)
    if after is not None:
        search.resume(ctx.session, after)


STEPS = [("search index", index_step)]
