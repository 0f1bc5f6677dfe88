"""The business time zone (dbt var ``business_tz``, Asia/Ho_Chi_Minh by default) for the
orchestrator's own output: operators in Vietnam read run times and give back-fill dates in it,
while schedules and bookmarks stay in UTC."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from orchestrate.project_files import business_time_zone


@functools.cache
def zone() -> ZoneInfo:
    return ZoneInfo(business_time_zone())


def local_text(moment: dt.datetime) -> str:
    """``2026-12-07 20:05 Asia/Ho_Chi_Minh``: an aware moment in the business time zone."""
    return f"{moment.astimezone(zone()):%Y-%m-%d %H:%M} {zone().key}"


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight of a business day, as an aware moment."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone())
