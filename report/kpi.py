"""The figures of the report, in plain Python over the rows report.warehouse reads: the page's
tiles and charts (report.page, report.charts) and `scripts/show_report.py --kpi` print the same
numbers from these functions.

Staff figures (calls, answered, talk, leads, agents) come from fact_staff_daily_PK, as the old
report counted them; the call-centre figures (answer rates by direction, missed inbound calls
and callbacks, busy hours) from fact_calls_hourly, which counts every call, queue calls without
an agent too. Rates are sums divided once: a team's rate over days is its answered calls over
its calls, never an average of daily rates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Rows = Iterable[Mapping]


def _sum(rows: Rows, column: str) -> float:
    return sum(row[column] or 0 for row in rows)


def share(part: float, whole: float) -> float | None:
    """part / whole; None when there is no whole to divide by."""
    return part / whole if whole else None


def summary(staff_rows: Rows, hourly_rows: Rows | None) -> dict[str, float | None]:
    """One period's tiles: counts, hours and shares (None where nothing was counted)."""
    staff_rows, hourly_rows = list(staff_rows), list(hourly_rows or [])
    calls, answered = _sum(staff_rows, "TongCuoc"), _sum(staff_rows, "SoCuoc_NoiMay")
    missed = _sum(hourly_rows, "missed_inbound")
    return {
        "calls": calls,
        "answered": answered,
        "answered_share": share(answered, calls),
        "talk_hours": _sum(staff_rows, "TongThoiluongGoi_Giay") / 3600,
        "leads": _sum(staff_rows, "SoDataNhan"),
        "agents": len({(row["Tenant"], row["MaNV_id"]) for row in staff_rows}),
        "rate_outbound": share(_sum(hourly_rows, "answered_outbound"), _sum(hourly_rows, "calls_outbound")),
        "rate_inbound": share(_sum(hourly_rows, "answered_inbound"), _sum(hourly_rows, "calls_inbound")),
        "missed_inbound": missed,
        "called_back_share": share(_sum(hourly_rows, "missed_inbound_called_back"), missed),
    }


@dataclass(frozen=True)
class Change:
    """A figure this period, the one before, and the change: relative for counts, in
    percentage points (a difference of shares) for rates. None when it cannot be told."""

    key: str
    current: float | None
    previous: float | None
    change: float | None
    is_rate: bool


RATES = ("answered_share", "rate_outbound", "rate_inbound", "called_back_share")


def compare(current: Mapping[str, float | None], previous: Mapping[str, float | None]) -> list[Change]:
    changes = []
    for key, now in current.items():
        before = previous.get(key)
        if key in RATES:
            change = now - before if now is not None and before is not None else None
        else:
            change = (now - before) / before if now is not None and before else None
        changes.append(Change(key, now, before, change, key in RATES))
    return changes


def per_team_and_day(rows: Rows, column: str, team_of) -> dict[str, dict[dt.date, float]]:
    totals: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        totals[team_of(row)][row["Ngay"]] += row[column] or 0
    return {team: dict(by_day) for team, by_day in sorted(totals.items())}


def answer_rates(hourly_rows: Rows, direction: str, team_of) -> dict[str, dict[dt.date, float | None]]:
    """Team -> day -> answered / calls of one direction (outbound, inbound); None: no such call."""
    rows = list(hourly_rows)
    answered = per_team_and_day(rows, f"answered_{direction}", team_of)
    calls = per_team_and_day(rows, f"calls_{direction}", team_of)
    return {team: {day: share(answered[team].get(day, 0), n) for day, n in by_day.items()}
            for team, by_day in calls.items() if any(by_day.values())}


def missed_per_day(hourly_rows: Rows) -> dict[dt.date, tuple[int, int]]:
    """Day -> (missed inbound calls, of them called back)."""
    days: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for row in hourly_rows:
        days[row["Ngay"]][0] += row["missed_inbound"] or 0
        days[row["Ngay"]][1] += row["missed_inbound_called_back"] or 0
    return {day: (missed, back) for day, (missed, back) in sorted(days.items())}


CALL_COLUMNS = ("calls_outbound", "calls_inbound", "calls_internal", "calls_other")
# fact_calls_hourly's counts a team's day adds up
HOURLY_SUMS = (*CALL_COLUMNS, "answered_outbound", "answered_inbound", "missed_inbound", "missed_inbound_called_back")


def hour_by_weekday(hourly_rows: Rows, columns: tuple[str, ...]) -> list[list[int]]:
    """7 x 24 grid (Monday first, hour 0 to 23) of the sum of `columns` over the period."""
    grid = [[0] * 24 for _ in range(7)]
    for row in hourly_rows:
        grid[row["Ngay"].weekday()][row["Gio"]] += sum(row[column] or 0 for column in columns)
    return grid
