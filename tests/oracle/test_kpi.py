"""Hand-computed cases for the KPI oracle (tests/oracle/kpi.py), from the warehouse spec."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from oracle.kpi import (  # noqa: E402
    callback_delays,
    expected_fact_agent_kpi_daily,
    expected_fact_calls_hourly,
    wait_ms,
)
from oracle.report import direction_class, expected_fact_staff_daily, load_direction_classes  # noqa: E402

AT_09_00_ON_15 = 1768442400000  # 2026-01-15 09:00 in Asia/Ho_Chi_Minh
AT_23_30_ON_14 = 1768408200000
HOUR = 3_600_000
STAFF = [{"_id": "s1", "name": "An", "group": {"_id": "g1"}}, {"_id": "s2", "name": "Binh", "group": "g1"}]
GROUPS = [{"_id": "g1", "name": "Team A"}, {"_id": "g2", "name": "Queue"}]


def call(_id, created, direction, number="0901000001", staff="s1", bill=0, start=None, answer=None, group="g1"):
    inbound = direction_class(direction, load_direction_classes()) == "inbound"
    return {"_id": _id, "createTime": created, "direction": direction, "billDuration": bill,
            "startTime": start if start is not None else created, "answerTime": answer or 0,
            "endTime": created + 60_000, "fromNumber": number if inbound else "101",
            "toNumber": "hotline" if inbound else number,
            "fromUser": {"_id": staff, "name": None} if staff else None, "fromGroup": {"_id": group} if group else None}


def one_tenant(calls):
    return {"PK": {"calls": calls, "customers": [], "staff": STAFF, "groups": GROUPS}}


@pytest.mark.parametrize(("spelling", "expected"), [
    ("outbound", "outbound"), (" Outbound ", "outbound"), ("OUT", "outbound"), (2, "outbound"), ("2", "outbound"),
    ("inbound", "inbound"), ("In", "inbound"), (1, "inbound"), ("1", "inbound"),
    ("local", "internal"), ("Internal", "internal"), (3, "internal"), ("3", "internal"),
    (None, "other"), ("", "other"), ("transfer", "other"), (4, "other"), ("2.0", "other"),
])
def test_the_shipped_spellings_are_the_specs(spelling, expected):
    assert direction_class(spelling, load_direction_classes()) == expected


def test_wait_is_known_only_when_both_times_are_set_and_in_order():
    assert wait_ms({"startTime": 1_000, "answerTime": 13_500}) == 12_500
    assert wait_ms({"startTime": 1_000, "answerTime": 1_000}) == 0
    assert wait_ms({"startTime": 1_000, "answerTime": 0}) is None
    assert wait_ms({"startTime": 1_000, "answerTime": None}) is None
    assert wait_ms({"startTime": 0, "answerTime": 5_000}) is None
    assert wait_ms({"startTime": 9_000, "answerTime": 5_000}) is None


def test_callbacks_strictly_after_and_at_most_the_window_later():
    t = AT_09_00_ON_15
    calls = [
        call("m-before", t, "inbound", number="0901"), call("o-before", t - 1, "outbound", number="0901"),
        call("m-same", t, "inbound", number="0902"), call("o-same", t, "outbound", number="0902"),
        call("m-inside", t, "inbound", number="0903"), call("o-inside", t + 600_000, "2", number="+84 903"),
        call("o-inside-later", t + 900_000, "outbound", number="0903"),
        call("m-edge", t, "1", number="0904"), call("o-edge", t + 24 * HOUR, "out", number="0904"),
        call("m-past", t, "inbound", number="0905"), call("o-past", t + 24 * HOUR + 1, "outbound", number="0905"),
        # an answered inbound call is not missed; an internal call to the number is no callback
        call("answered", t, "inbound", number="0906", bill=5), call("o-answered", t + 1, "outbound", number="0906"),
        call("m-internal", t, "inbound", number="0907"), call("i", t + 1, "local", number="0907"),
    ]
    delays = callback_delays(calls, load_direction_classes(), 24 * HOUR)
    assert delays == {"m-inside": 600_000, "m-edge": 24 * HOUR}
    assert callback_delays(calls, load_direction_classes(), 2 * HOUR) == {"m-inside": 600_000}


def test_agent_kpis_of_one_day():
    t = AT_09_00_ON_15
    truth = one_tenant([
        call("k1", t, "outbound", bill=30, answer=t + 12_000),            # wait 12 s
        call("k2", t + 1, " Outbound ", bill=0),
        call("k3", t + 2, "2", bill=20, answer=0),                         # answered, wait unknown
        call("k4", t + 3, "inbound", number="0902", bill=10, start=t + 3, answer=t + 4_003),  # wait 4 s
        call("k5", t + 4, "1", number="0903"),                             # missed, called back (k8)
        call("k6", t + 5, "inbound", number="0904"),                       # missed, never called back
        call("k7", t + 6, "local", bill=7, start=t + 6, answer=t + 5),     # answered before it started
        call("k8", t + 3 * HOUR, "outbound", number="0903", staff="s2"),   # s2's call: the callback
        call("k9", t + 7, None),
    ])
    rows = {r["MaNV_id"]: r for r in expected_fact_agent_kpi_daily(truth)}
    assert rows["s1"] == {
        "Ngay": dt.date(2026, 1, 15), "Tenant": "PK", "Team": "Team A", "MaNV_id": "s1", "MaNV": "An",
        "calls_outbound": 3, "calls_inbound": 3, "calls_internal": 1, "calls_other": 1,
        "answered_outbound": 2, "answered_inbound": 1,
        "answer_rate_outbound": 2 / 3, "answer_rate_inbound": 1 / 3,
        "avg_talk_s": (30 + 20 + 10 + 7) / 4, "avg_wait_s": (12_000 + 4_000) / 2000,
        "missed_inbound": 2, "missed_inbound_called_back": 1, "avg_callback_delay_s": (3 * HOUR - 4) / 1000,
    }
    s2 = rows["s2"]
    assert (s2["calls_outbound"], s2["answer_rate_outbound"], s2["answer_rate_inbound"], s2["avg_talk_s"],
            s2["avg_wait_s"], s2["avg_callback_delay_s"]) == (1, 0.0, None, None, None, None)


def test_one_agent_row_for_each_report_row_and_the_missed_call_owns_its_callback_day():
    customers = [{"_id": "c1", "phone": "0", "updateTime": 1, "assignedTime": AT_09_00_ON_15,
                  "user": {"_id": "s2", "name": "Binh"}}]
    truth = one_tenant([call("m", AT_23_30_ON_14, "inbound", number="0909"),
                        call("o", AT_23_30_ON_14 + HOUR, "outbound", number="0909")])
    truth["PK"]["customers"] = customers
    rows = expected_fact_agent_kpi_daily(truth)
    staff_rows = expected_fact_staff_daily(truth)
    assert [(r["Ngay"], r["MaNV_id"]) for r in rows] == [(r["Ngay"], r["MaNV_id"]) for r in staff_rows]
    by_day = {(r["Ngay"].isoformat(), r["MaNV_id"]): r for r in rows}
    # the 23:30 missed call is called back at 00:30 the next day: the 14th owns the callback
    assert by_day[("2026-01-14", "s1")]["missed_inbound_called_back"] == 1
    assert by_day[("2026-01-15", "s1")]["missed_inbound"] == 0
    # an assignment-only row: no calls, every rate and average NULL
    assert by_day[("2026-01-15", "s2")]["calls_outbound"] == 0
    assert by_day[("2026-01-15", "s2")]["answer_rate_inbound"] is None
    window = expected_fact_agent_kpi_daily(truth, today=dt.date(2026, 1, 15), lookback_days=0)
    assert {r["Ngay"] for r in window} == {dt.date(2026, 1, 15)}


def test_hourly_counts_every_call_with_or_without_a_staff_member():
    t = AT_09_00_ON_15
    truth = one_tenant([
        call("k1", t, "outbound", bill=30), call("k2", t + 10 * 60_000, "inbound", number="0902", bill=12),
        call("q1", t + 20 * 60_000, "inbound", number="0903", staff=None, group="g2"),   # queue: missed
        call("q2", t + 30 * 60_000, "1", number="0904", staff=None, group=None),         # IVR: missed
        call("o", t + HOUR, "outbound", number="0903", staff="s2"),                       # calls q1 back
        call("k3", AT_23_30_ON_14, "local"),
    ])
    rows = {(r["Ngay"].isoformat(), r["Gio"], r["Team"]): r for r in expected_fact_calls_hourly(truth)}
    assert set(rows) == {("2026-01-15", 9, "Team A"), ("2026-01-15", 9, "Queue"), ("2026-01-15", 9, "Unassigned"),
                         ("2026-01-15", 10, "Team A"), ("2026-01-14", 23, "Team A")}
    assert rows[("2026-01-15", 9, "Team A")] == {
        "Ngay": dt.date(2026, 1, 15), "Tenant": "PK", "Gio": 9, "Team": "Team A",
        "calls_outbound": 1, "calls_inbound": 1, "calls_internal": 0, "calls_other": 0,
        "answered_outbound": 1, "answered_inbound": 1, "missed_inbound": 0, "missed_inbound_called_back": 0,
        "talk_s": 42,
    }
    queue = rows[("2026-01-15", 9, "Queue")]
    assert (queue["missed_inbound"], queue["missed_inbound_called_back"]) == (1, 1)
    ivr = rows[("2026-01-15", 9, "Unassigned")]
    assert (ivr["missed_inbound"], ivr["missed_inbound_called_back"]) == (1, 0)
    assert rows[("2026-01-14", 23, "Team A")]["calls_internal"] == 1
    window = expected_fact_calls_hourly(truth, today=dt.date(2026, 1, 15), lookback_days=0)
    assert {r["Ngay"] for r in window} == {dt.date(2026, 1, 15)}


def test_hourly_team_of_a_staff_member_is_their_report_team():
    # "gone" is not in the staff snapshot: fact_staff_daily takes the smallest group name of their
    # calls that day (Queue < Team A), and so does every hour of theirs
    truth = one_tenant([call("k1", AT_09_00_ON_15, "outbound", staff="gone", group="g1"),
                        call("k2", AT_09_00_ON_15 + 2 * HOUR, "outbound", staff="gone", group="g2")])
    assert {r["Team"] for r in expected_fact_calls_hourly(truth)} == {"Queue"}
    assert {r["Team"] for r in expected_fact_staff_daily(truth)} == {"Queue"}
