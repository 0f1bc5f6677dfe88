"""Prove the fact_staff_daily refresh window on a real DuckDB file.

    plant DB TODAY LOOKBACK   insert a row inside the window and one before it, both with no
                              source data behind them
    verify DB                 after an incremental run: the row inside the window is gone
                              (its source "disappeared"), the frozen one is still there; then
                              remove the frozen probe again
"""

from __future__ import annotations

import datetime as dt
import sys

import duckdb

INSIDE, FROZEN = "probe-inside-window", "probe-before-window"


def plant(db: str, today: str, lookback: int) -> None:
    day = dt.date.fromisoformat(today)
    con = duckdb.connect(db)
    for staff_id, ngay in ((INSIDE, day - dt.timedelta(days=lookback)), (FROZEN, day - dt.timedelta(days=lookback + 1))):
        con.execute("insert into main.fact_staff_daily (Ngay, Tenant, Team, MaNV_id, TongCuoc) values (?, 'PK', 'x', ?, 1)",
                    [ngay, staff_id])


def verify(db: str) -> None:
    con = duckdb.connect(db)
    found = {row[0] for row in con.execute(
        "select MaNV_id from main.fact_staff_daily where MaNV_id in (?, ?)", [INSIDE, FROZEN]).fetchall()}
    con.execute("delete from main.fact_staff_daily where MaNV_id = ?", [FROZEN])
    if found != {FROZEN}:
        sys.exit(f"refresh window wrong: probes left {sorted(found)}, expected only {FROZEN}")
    print("fact window: vanished row inside the window removed, older day left frozen")


if __name__ == "__main__":
    if sys.argv[1] == "plant":
        plant(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        verify(sys.argv[2])
