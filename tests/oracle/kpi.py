"""Independent oracle for the call-centre KPI tables: fact_agent_kpi_daily, fact_calls_hourly.

Plain Python from the warehouse spec's "Call-centre KPIs" (README.md beside this file), over the
same ground truth as report.py, whose value rules (text, numbers, phones, local dates, direction
classes from the dbt seed) and fact_staff_daily rows it reuses: an agent's KPI row exists for
each fact_staff_daily row, and a staff member's Team is the one of that row.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

from oracle.report import (
    DIRECTIONS_PATH,
    _latest_by_id,
    _nested,
    customer_number,
    direction_class,
    expected_fact_staff_daily,
    load_direction_classes,
    local_date,
    local_time,
    to_int,
    to_text,
    window_start,
)

CLASSES = ("outbound", "inbound", "internal", "other")
AGENT_COLUMNS = (
    "Ngay", "Tenant", "Team", "MaNV_id", "MaNV",
    "calls_outbound", "calls_inbound", "calls_internal", "calls_other",
    "answered_outbound", "answered_inbound", "answer_rate_outbound", "answer_rate_inbound",
    "avg_talk_s", "avg_wait_s", "missed_inbound", "missed_inbound_called_back", "avg_callback_delay_s",
)
AGENT_KEY = ("Ngay", "Tenant", "MaNV_id")
HOURLY_COLUMNS = (
    "Ngay", "Tenant", "Gio", "Team",
    "calls_outbound", "calls_inbound", "calls_internal", "calls_other",
    "answered_outbound", "answered_inbound", "missed_inbound", "missed_inbound_called_back", "talk_s",
)
HOURLY_KEY = ("Ngay", "Tenant", "Gio", "Team")
DEFAULT_CALLBACK_WINDOW_HOURS = 24


def wait_ms(call: Mapping) -> int | None:
    """Ring time before an answer, when the API recorded it: both times set (> 0), in order."""
    start, answer = to_int(call.get("startTime")), to_int(call.get("answerTime"))
    if start and answer and start > 0 and answer > 0 and answer >= start:
        return answer - start
    return None


def callback_delays(calls: Iterable[Mapping], classes: Mapping[str, str], window_ms: int) -> dict[str, int]:
    """Missed inbound call id -> ms to its first callback: the first outbound call (by anyone) to
    the same customer number created strictly after it and at most `window_ms` later."""
    outbound: dict[str, list[int]] = defaultdict(list)
    missed = []
    for call in calls:
        created, number = to_int(call.get("createTime")), customer_number(call, classes)
        if not created or number is None:
            continue
        kind = direction_class(call.get("direction"), classes)
        if kind == "outbound":
            outbound[number].append(created)
        elif kind == "inbound" and (to_int(call.get("billDuration")) or 0) <= 0:
            missed.append((to_text(call.get("_id")), created, number))
    for times in outbound.values():
        times.sort()
    delays = {}
    for call_id, created, number in missed:
        times = outbound.get(number, [])
        first = bisect.bisect_right(times, created)  # strictly after the missed call
        if first < len(times) and times[first] - created <= window_ms:
            delays[call_id] = times[first] - created
    return delays


def _tenant_calls(streams: Mapping) -> list[Mapping]:
    return list(_latest_by_id(streams.get("calls")).values())


def _ratio(numerator: int, denominator: int, scale: int = 1) -> float | None:
    """One division of integers (the SQL casts the sum to FLOAT64 and divides once)."""
    return numerator / (scale * denominator) if denominator else None


def expected_fact_agent_kpi_daily(
    truth: Mapping[str, Mapping[str, Iterable[Mapping]]],
    *,
    tz: str = "Asia/Ho_Chi_Minh",
    report_tenants: Iterable[str] | None = None,
    today: dt.date | None = None,
    lookback_days: int | None = None,
    callback_window_hours: float = DEFAULT_CALLBACK_WINDOW_HOURS,
    directions_path: Path = DIRECTIONS_PATH,
    **report_options,
) -> list[dict]:
    """Expected fact_agent_kpi_daily rows (AGENT_COLUMNS), sorted by (Ngay, Tenant, MaNV_id):
    one per expected fact_staff_daily row, from the same calls."""
    zone = ZoneInfo(tz)
    classes = load_direction_classes(directions_path)
    window_ms = round(callback_window_hours * 3_600_000)
    staff_rows = expected_fact_staff_daily(truth, tz=tz, report_tenants=report_tenants, today=today,
                                           lookback_days=lookback_days, directions_path=directions_path,
                                           **report_options)
    calls_of: dict[tuple, list[Mapping]] = defaultdict(list)
    delays: dict[str, dict[str, int]] = {}
    for tenant, streams in truth.items():
        calls = _tenant_calls(streams)
        delays[tenant] = callback_delays(calls, classes, window_ms)
        for call in calls:
            staff_id = to_text(_nested(call, "fromUser", "_id"))
            day = local_date(call.get("createTime"), zone)
            if staff_id is not None and day is not None:
                calls_of[(day, tenant, staff_id)].append(call)
    rows = []
    for fact in staff_rows:
        key = (fact["Ngay"], fact["Tenant"], fact["MaNV_id"])
        counts = dict.fromkeys(("answered", "talk", "waits", "wait_ms", "called_back", "delay_ms"), 0)
        per_class = dict.fromkeys(CLASSES, 0)
        answered_of = dict.fromkeys(CLASSES, 0)
        missed = 0
        for call in calls_of.get(key, []):
            kind = direction_class(call.get("direction"), classes)
            bill = to_int(call.get("billDuration")) or 0
            per_class[kind] += 1
            if bill > 0:
                answered_of[kind] += 1
                counts["answered"] += 1
                counts["talk"] += bill
                wait = wait_ms(call)
                if wait is not None:
                    counts["waits"] += 1
                    counts["wait_ms"] += wait
            elif kind == "inbound":
                missed += 1
                delay = delays[fact["Tenant"]].get(to_text(call.get("_id")))
                if delay is not None:
                    counts["called_back"] += 1
                    counts["delay_ms"] += delay
        row = {column: fact[column] for column in ("Ngay", "Tenant", "Team", "MaNV_id", "MaNV")}
        row.update({f"calls_{kind}": per_class[kind] for kind in CLASSES})
        row.update(
            answered_outbound=answered_of["outbound"], answered_inbound=answered_of["inbound"],
            answer_rate_outbound=_ratio(answered_of["outbound"], per_class["outbound"]),
            answer_rate_inbound=_ratio(answered_of["inbound"], per_class["inbound"]),
            avg_talk_s=_ratio(counts["talk"], counts["answered"]),
            avg_wait_s=_ratio(counts["wait_ms"], counts["waits"], 1000),
            missed_inbound=missed, missed_inbound_called_back=counts["called_back"],
            avg_callback_delay_s=_ratio(counts["delay_ms"], counts["called_back"], 1000),
        )
        rows.append(row)
    return rows


def expected_fact_calls_hourly(
    truth: Mapping[str, Mapping[str, Iterable[Mapping]]],
    *,
    tz: str = "Asia/Ho_Chi_Minh",
    report_tenants: Iterable[str] | None = None,
    today: dt.date | None = None,
    lookback_days: int | None = None,
    callback_window_hours: float = DEFAULT_CALLBACK_WINDOW_HOURS,
    directions_path: Path = DIRECTIONS_PATH,
    **report_options,
) -> list[dict]:
    """Expected fact_calls_hourly rows (HOURLY_COLUMNS), sorted by (Ngay, Tenant, Gio, Team):
    every call with a createTime, with or without a staff member."""
    zone = ZoneInfo(tz)
    classes = load_direction_classes(directions_path)
    window_ms = round(callback_window_hours * 3_600_000)
    start = window_start(today, lookback_days)
    keep = set(report_tenants) if report_tenants is not None else None
    teams = {(r["Ngay"], r["Tenant"], r["MaNV_id"]): r["Team"]
             for r in expected_fact_staff_daily(truth, tz=tz, report_tenants=report_tenants,
                                                directions_path=directions_path, **report_options)}
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(HOURLY_COLUMNS[4:], 0))
    for tenant, streams in truth.items():
        if keep is not None and tenant not in keep:
            continue
        groups = {gid: to_text(g.get("name")) for gid, g in _latest_by_id(streams.get("groups")).items()}
        calls = _tenant_calls(streams)
        called_back = callback_delays(calls, classes, window_ms)
        for call in calls:
            moment = local_time(call.get("createTime"), zone)
            if moment is None or (start and moment.date() < start):
                continue
            staff_id = to_text(_nested(call, "fromUser", "_id"))
            if staff_id is not None:
                team = teams[(moment.date(), tenant, staff_id)]
            else:
                team = groups.get(to_text(_nested(call, "fromGroup", "_id"))) or "Unassigned"
            kind = direction_class(call.get("direction"), classes)
            bill = to_int(call.get("billDuration")) or 0
            row = totals[(moment.date(), tenant, moment.hour, team)]
            row[f"calls_{kind}"] += 1
            if bill > 0:
                row["talk_s"] += bill
                if kind in ("outbound", "inbound"):
                    row[f"answered_{kind}"] += 1
            elif kind == "inbound":
                row["missed_inbound"] += 1
                row["missed_inbound_called_back"] += to_text(call.get("_id")) in called_back
    rows = [dict(zip(HOURLY_KEY, key), **counts) for key, counts in totals.items()]
    rows.sort(key=lambda r: tuple(r[c] for c in HOURLY_KEY))
    return rows
