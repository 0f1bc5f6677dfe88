"""A small warehouse with the final tables the report and show_report read (fact_staff_daily_PK,
fact_calls_hourly, update_log), built by SQL.

Made by hand on purpose: the unit-level tests of the report need days and tenants they control
(a window edge, an older day, a second tenant) in seconds. The real pipeline's tables are
checked by tests/test_meltano_demo.py and tests/bigquery.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb

LAST_DAY = dt.date(2026, 11, 30)
DAYS = 40  # more than the report's 30, so the window has to cut
TEAMS = {"PK": ["Team Alpha", "Team Beta", "Team Gamma"], "HN": ["Ha Noi 1"]}
AGENTS_PER_TEAM = 3
QUEUE_TEAM = "Tong dai"  # inbound calls nobody took, in fact_calls_hourly only
LAST_LOAD_UTC = dt.datetime(2026, 11, 30, 10, 15)  # 17:15 in Asia/Ho_Chi_Minh


def fact_rows() -> list[tuple]:
    rows = []
    for tenant, teams in TEAMS.items():
        for t, team in enumerate(teams):
            for a in range(AGENTS_PER_TEAM):
                staff_id = f"{tenant}-s{t}{a}"
                name = f"NGUYEN VAN {chr(65 + t)}{a} - NV{t}{a:02d} - CN {tenant}"
                for d in range(DAYS):
                    day = LAST_DAY - dt.timedelta(days=d)
                    calls = 5 + (d * 7 + t * 3 + a) % 23
                    answered = calls * 2 // 3
                    rows.append((day, tenant, team, staff_id, name, calls, calls - 1, answered, calls - answered,
                                 answered * 95, (calls - answered) * 17.5, (d + a) % 4,
                                 d % 3, (d + 1) % 4, (d + t) % 3, a % 2, 1764460800000 - d * 86400000, None))
    return rows


def hourly_rows() -> list[tuple]:
    """fact_calls_hourly of the same tenants, teams and days: calls from 8:00 to 17:00, and a
    queue team without agents whose inbound calls are often missed."""
    rows = []
    for tenant, teams in TEAMS.items():
        for t, team in enumerate([*teams, QUEUE_TEAM]):
            for d in range(DAYS):
                day = LAST_DAY - dt.timedelta(days=d)
                for hour in range(8, 18):
                    outbound = 0 if team == QUEUE_TEAM else 2 + (d + hour + t) % 5
                    inbound = 1 + (d * 3 + hour + t) % 4
                    answered_in = 0 if team == QUEUE_TEAM else inbound * 3 // 4
                    missed = inbound - answered_in
                    rows.append((day, tenant, hour, team, outbound, inbound, (d + hour) % 2, int(hour == 12),
                                 outbound * 2 // 3, answered_in, missed, missed * ((d + t) % 3) // 2,
                                 (outbound * 2 // 3 + answered_in) * 80))
    return rows


FACT_COLUMNS = {"Ngay": "date", "Tenant": "varchar", "Team": "varchar", "MaNV_id": "varchar", "MaNV": "varchar",
                **dict.fromkeys(("TongCuoc", "SoSDT_Unique", "SoCuoc_NoiMay", "SoCuoc_KhongNoiMay",
                                 "TongThoiluongGoi_Giay"), "bigint"),
                "TongRungChuong_Giay": "double",
                **dict.fromkeys(("SoDataNhan", "SoSDT_KetBanZalo", "SoSDT_CoNhuCau", "SoSDT_TuChoi",
                                 "SoSDT_KhongNgheMay", "max_create_ms", "max_assigned_ms"), "bigint")}
HOURLY_COLUMNS = {"Ngay": "date", "Tenant": "varchar", "Gio": "bigint", "Team": "varchar",
                  **dict.fromkeys(("calls_outbound", "calls_inbound", "calls_internal", "calls_other",
                                   "answered_outbound", "answered_inbound", "missed_inbound",
                                   "missed_inbound_called_back", "talk_s"), "bigint")}


def _insert(con, path: Path, table: str, columns: dict[str, str], rows: list[tuple]) -> None:
    """The rows into the table through a CSV file beside the database: an INSERT with the
    40,000 parameters of 3,200 rows took DuckDB 6 s to bind, executemany one statement a row."""
    csv_path = path.with_name(path.name + ".rows.csv")
    with csv_path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    types = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
    con.execute(f"insert into {table} ({', '.join(columns)}) "
                f"select * from read_csv('{csv_path}', header = false, columns = {{{types}}})")
    csv_path.unlink()


def build_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("""
        create table main."fact_staff_daily_PK" (
            Ngay date, Tenant varchar, Team varchar, MaNV_id varchar, MaNV varchar, TongCuoc bigint,
            SoSDT_Unique bigint, SoCuoc_NoiMay bigint, SoCuoc_KhongNoiMay bigint,
            TongThoiluongGoi_Giay bigint, TongRungChuong_Giay double, SoDataNhan bigint,
            SoSDT_KetBanZalo bigint, SoSDT_CoNhuCau bigint, SoSDT_TuChoi bigint, SoSDT_KhongNgheMay bigint,
            max_create_ms bigint, max_assigned_ms bigint, _ingested_at timestamp default current_timestamp)""")
    _insert(con, path, 'main."fact_staff_daily_PK"', FACT_COLUMNS, fact_rows())
    con.execute("""
        create table main.fact_calls_hourly (
            Ngay date, Tenant varchar, Gio bigint, Team varchar, calls_outbound bigint, calls_inbound bigint,
            calls_internal bigint, calls_other bigint, answered_outbound bigint, answered_inbound bigint,
            missed_inbound bigint, missed_inbound_called_back bigint, talk_s bigint)""")
    _insert(con, path, "main.fact_calls_hourly", HOURLY_COLUMNS, hourly_rows())
    con.execute("""
        create table main.update_log (table_name varchar, tenant varchar, updated_at timestamp, rows_loaded bigint,
            max_updateTime bigint, mode varchar, status varchar, max_updateTime_utc timestamp
                as (epoch_ms(max_updateTime)))""")
    con.executemany("insert into main.update_log values (?, ?, ?, ?, ?, ?, ?)", [
        ("call_log", "PK", LAST_LOAD_UTC - dt.timedelta(hours=2), 120, 1764490000000, "MERGED", "OK"),
        ("call_log", "PK", LAST_LOAD_UTC, 80, 1764497000000, "MERGED", "OK"),
        ("customer", "PK", LAST_LOAD_UTC - dt.timedelta(hours=1), 5, 1764496000000, "MERGED", "OK"),
        ("customer", "PK", LAST_LOAD_UTC + dt.timedelta(hours=1), 0, None, "ERROR_LOGIN", "ERROR_LOGIN"),
        ("call_log", "HN", LAST_LOAD_UTC - dt.timedelta(days=1), 10, 1764400000000, "MERGED", "OK"),
    ])
    con.close()
    return path
