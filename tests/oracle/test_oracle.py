"""Hand-computed cases for the report oracle (tests/oracle/report.py)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from oracle.report import (  # noqa: E402
    expected_fact_staff_daily,
    load_rules,
    normalize_phone,
    normalize_status,
    status_categories,
)

# 2026-01-15 in Asia/Ho_Chi_Minh (UTC+7)
AT_23_30_ON_14 = 1768408200000  # 2026-01-14 23:30 local = 16:30 UTC
AT_00_30_ON_15 = 1768411800000  # 2026-01-15 00:30 local = 2026-01-14 17:30 UTC
AT_09_00_ON_15 = 1768442400000
AT_10_00_ON_15 = 1768446000000
AT_10_00_ON_07 = 1767754800000

STAFF = [{"_id": "s1", "name": "An", "group": {"_id": "g1", "name": "Team A"}},
         {"_id": "s2", "name": "Binh", "group": "g9"}]
GROUPS = [{"_id": "g1", "name": "Team A"}, {"_id": "g2", "name": "Team B"}]


def call(_id, created, staff="s1", bill=0, start=None, end=None, direction="outbound",
         to_number="0901000001", from_number="101", group="g2", staff_name=None):
    return {"_id": _id, "createTime": created, "billDuration": bill, "startTime": start, "endTime": end,
            "direction": direction, "toNumber": to_number, "fromNumber": from_number,
            "fromUser": {"_id": staff, "name": staff_name} if staff else None, "fromGroup": {"_id": group}}


def customer(_id, phone, status=None, owner=None, assigned=0, updated=1):
    fields = [{"_id": "f", "key": "tinh-trang-kh", "val": status if isinstance(status, list) else [status]}] if status else []
    return {"_id": _id, "phone": phone, "updateTime": updated, "assignedTime": assigned,
            "user": {"_id": owner, "name": "owner"} if owner else None, "customFields": fields}


def rows_by_key(rows):
    return {(r["Ngay"].isoformat(), r["Tenant"], r["MaNV_id"]): r for r in rows}


def test_phone_normalisation():
    assert normalize_phone("+84 901-234-567") == "0901234567"
    assert normalize_phone("84901234567") == "0901234567"
    assert normalize_phone("0901234567") == "0901234567"
    assert normalize_phone("(028) 3822 1234") == "02838221234"
    assert normalize_phone(" - ") is None
    assert normalize_phone(None) is None


def test_status_rules_composed_decomposed_and_multi_value():
    rules = load_rules()
    decomposed = "  Kho\u0302ng nghe ma\u0301y "
    assert normalize_status(decomposed) == "không nghe máy"
    assert status_categories(normalize_status(decomposed), rules) == {"KhongNgheMay"}
    assert status_categories(normalize_status("Kết bạn Zalo | BẬN"), rules) == {"KetBanZalo", "KhongNgheMay"}
    assert status_categories(normalize_status("Bận rộn"), rules) == set()  # equals, not contains
    assert status_categories(normalize_status("Có nhu cầu"), rules) == {"CoNhuCau"}
    assert status_categories(normalize_status("Có nhu cầu vay"), rules) == set()
    assert status_categories(normalize_status("Không có nhu cầu"), rules) == {"TuChoi"}
    assert status_categories(None, rules) == set()


def test_local_date_edge_23_30_and_00_30_are_two_days():
    truth = {"PK": {"calls": [call("k1", AT_23_30_ON_14), call("k2", AT_00_30_ON_15)],
                    "customers": [], "staff": STAFF, "groups": GROUPS}}
    rows = rows_by_key(expected_fact_staff_daily(truth))
    assert set(rows) == {("2026-01-14", "PK", "s1"), ("2026-01-15", "PK", "s1")}
    assert rows[("2026-01-14", "PK", "s1")]["TongCuoc"] == 1
    assert rows[("2026-01-15", "PK", "s1")]["TongCuoc"] == 1


def test_every_metric_of_one_day():
    truth = {"PK": {
        "calls": [
            # answered, 45 s billed, outbound to customer c1 (in +84 form)
            call("k1", AT_09_00_ON_15, bill=45, start=AT_09_00_ON_15, end=AT_09_00_ON_15 + 50_000,
                 to_number="+84 901 000 001"),
            # unanswered, rang 25 s, inbound from c2
            call("k2", AT_09_00_ON_15 + 1, start=AT_09_00_ON_15, end=AT_09_00_ON_15 + 25_000,
                 direction="inbound", from_number="0901000002", to_number="101"),
            # unanswered, end before start: floored at 0; same customer number as k1
            call("k3", AT_10_00_ON_15, start=AT_10_00_ON_15, end=AT_10_00_ON_15 - 5_000),
            # unanswered, missing startTime: counts 0 ringing; local direction -> toNumber
            call("k4", AT_10_00_ON_15 + 5, end=AT_10_00_ON_15, direction="local", to_number="0999"),
            # no staff: dropped
            call("k5", AT_10_00_ON_15, staff=None),
        ],
        "customers": [
            customer("c1", "0901000001", "Kết bạn zalo | Bận", owner="s1", assigned=AT_09_00_ON_15),
            customer("c1b", "84901000001", "Kho\u0302ng nghe ma\u0301y", owner="s1", assigned=AT_10_00_ON_15),
            customer("c2", "0901000002", "Không có nhu cầu", owner="s2", assigned=AT_10_00_ON_15),
            customer("c3", "0903", "Có nhu cầu", owner="s1", assigned=0),
        ],
        "staff": STAFF, "groups": GROUPS}}
    rows = rows_by_key(expected_fact_staff_daily(truth))
    s1 = rows[("2026-01-15", "PK", "s1")]
    assert s1 == {
        "Ngay": dt.date(2026, 1, 15), "Tenant": "PK", "Team": "Team A", "MaNV_id": "s1", "MaNV": "An",
        "TongCuoc": 4, "SoSDT_Unique": 3, "SoCuoc_NoiMay": 1, "SoCuoc_KhongNoiMay": 3,
        "TongThoiluongGoi_Giay": 45, "TongRungChuong_Giay": 25.0, "SoDataNhan": 2,
        # 0901000001 is shared by c1 (zalo | bận) and c1b (không nghe máy): counted once
        "SoSDT_KetBanZalo": 1, "SoSDT_CoNhuCau": 0, "SoSDT_TuChoi": 1, "SoSDT_KhongNgheMay": 1,
        "max_create_ms": AT_10_00_ON_15 + 5, "max_assigned_ms": AT_10_00_ON_15,
        "max_create_local": dt.datetime(2026, 1, 15, 10, 0, 0, 5000),
        "max_assigned_local": dt.datetime(2026, 1, 15, 10, 0),
    }
    # s2 only received an assignment that day; its group g9 is unknown and it made no call
    s2 = rows[("2026-01-15", "PK", "s2")]
    assert (s2["TongCuoc"], s2["SoDataNhan"], s2["Team"], s2["MaNV"]) == (0, 1, "Unassigned", "Binh")
    assert len(rows) == 2


def test_team_and_name_fall_back_to_the_calls():
    truth = {"PK": {"calls": [call("k1", AT_09_00_ON_15, staff="gone", staff_name="Gone Name", group="g2"),
                              call("k2", AT_09_00_ON_15, staff="nogroup", staff_name="N", group="g404")],
                    "customers": [], "staff": STAFF, "groups": GROUPS}}
    rows = rows_by_key(expected_fact_staff_daily(truth))
    assert (rows[("2026-01-15", "PK", "gone")]["Team"], rows[("2026-01-15", "PK", "gone")]["MaNV"]) == ("Team B", "Gone Name")
    assert rows[("2026-01-15", "PK", "nogroup")]["Team"] == "Unassigned"


def test_window_and_report_tenants():
    truth = {
        "PK": {"calls": [call("k1", AT_10_00_ON_07), call("k2", AT_10_00_ON_15)], "customers": [],
               "staff": STAFF, "groups": GROUPS},
        "HN": {"calls": [call("k1", AT_10_00_ON_15)], "customers": [], "staff": STAFF, "groups": GROUPS},
    }
    everything = expected_fact_staff_daily(truth)
    assert len(everything) == 3
    window = expected_fact_staff_daily(truth, today=dt.date(2026, 1, 15), lookback_days=7)
    assert {r["Ngay"] for r in window} == {dt.date(2026, 1, 15)}
    assert len(window) == 2
    pk = expected_fact_staff_daily(truth, report_tenants=["PK"])
    assert {r["Tenant"] for r in pk} == {"PK"} and len(pk) == 2


def test_other_time_zone_moves_the_day():
    truth = {"PK": {"calls": [call("k1", AT_00_30_ON_15)], "customers": [], "staff": STAFF, "groups": GROUPS}}
    (row,) = expected_fact_staff_daily(truth, tz="UTC")
    assert row["Ngay"] == dt.date(2026, 1, 14)
    assert row["max_create_local"] == dt.datetime(2026, 1, 14, 17, 30)


@pytest.mark.parametrize("value", ["1768411800000", 1768411800000.0, 1768411800000])
def test_times_are_parsed_leniently(value):
    truth = {"PK": {"calls": [call("k1", value)], "customers": [], "staff": STAFF, "groups": GROUPS}}
    (row,) = expected_fact_staff_daily(truth)
    assert row["max_create_ms"] == 1768411800000 and row["Ngay"] == dt.date(2026, 1, 15)
