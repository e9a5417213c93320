"""Reading dates, times and numbers as people write them in spreadsheets."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

# Slashed dates are read the US way (month first) unless the mapping names a format.
DATE_FORMATS = (
    "%m/%d/%Y",
    "%m/%d/%y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%Y%m%d",
)
TIME_SUFFIXES = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I %p")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I %p", "%H%M")


@lru_cache(maxsize=65536)
def parse_date(text: str, fmt: str = "") -> dt.date | dt.datetime | None:
    """A date, or a naive date-time when the text has a time; None when it is not a date."""
    value = text.strip()
    if not value:
        return None
    if fmt:
        try:
            parsed = dt.datetime.strptime(value, fmt)
        except ValueError:
            return None
        return parsed if any(c in fmt for c in "HIMSp") else parsed.date()
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is not None:
            return parsed
        return (
            parsed
            if (parsed.hour, parsed.minute, parsed.second) != (0, 0, 0) or "T" in value or ":" in value
            else parsed.date()
        )
    except ValueError:
        pass
    for f in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, f).date()
        except ValueError:
            continue
    date_part, _, time_part = value.partition(" ")
    if time_part:
        day = parse_date(date_part)
        clock = parse_time(time_part)
        if isinstance(day, dt.date) and not isinstance(day, dt.datetime) and clock is not None:
            return dt.datetime.combine(day, clock)
    return None


@lru_cache(maxsize=4096)
def parse_time(text: str) -> dt.time | None:
    value = text.strip().upper().replace(".", "")
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        pass
    for f in TIME_FORMATS:
        try:
            return dt.datetime.strptime(value, f).time()
        except ValueError:
            continue
    return None


def parse_int(text: str) -> int | None:
    value = text.strip().replace(",", "")
    if not value:
        return 0
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() and number >= 0 else None


def cut(text: str, limit: int) -> str:
    """Shorten to ``limit`` characters at a word boundary, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:-") + "…"
