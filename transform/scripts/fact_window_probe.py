"""Prove the fact_staff_daily refresh rule on a real DuckDB file (macros/report_refresh.sql).

    plant DB TODAY LOOKBACK   insert a row inside the window and one before it, both with no
                              source data behind them; and on two older days, make a customer
                              look loaded after the table's watermark: one whose day's row
                              counts its assignment wrongly (as after an outage), one whose row
                              is right (a re-read)
    verify DB                 after an incremental run: the row inside the window is gone
                              (its source "disappeared"), the frozen one is still there; the
                              wrong older day was rebuilt with the right count, the right one
                              left as it was; then undo the probes
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import duckdb

INSIDE, FROZEN = "probe-inside-window", "probe-before-window"
LATE_LOAD = "999999999999-probe"  # after every load the marts hold
STATE = "fact_window_probe.json"  # beside the database: what verify checks and undoes


def _older_assignment_days(con, window_start: dt.date) -> tuple[tuple, tuple]:
    """(tenant, day, staff, a customer id, its load id) on two different older days."""
    rows = con.execute("""
        select tenant, NgayAssign, user_id, min(_id), min(_load_id)
        from main.customer
        where NgayAssign < ? and user_id is not null
        group by all order by NgayAssign, tenant, user_id""", [window_start]).fetchall()
    first = rows[0]
    return first, next(row for row in rows if row[1] != first[1])


def plant(db: str, today: str, lookback: int) -> None:
    day = dt.date.fromisoformat(today)
    window_start = day - dt.timedelta(days=lookback)
    con = duckdb.connect(db)
    for staff_id, ngay in ((INSIDE, window_start), (FROZEN, window_start - dt.timedelta(days=1))):
        con.execute("insert into main.fact_staff_daily (Ngay, Tenant, Team, MaNV_id, TongCuoc) values (?, 'PK', 'x', ?, 1)",
                    [ngay, staff_id])
    (wrong, reread) = _older_assignment_days(con, window_start)
    right_count = con.execute('select "SoDataNhan" from main.fact_staff_daily where "Tenant" = ? and "Ngay" = ? '
                              'and "MaNV_id" = ?', wrong[:3]).fetchone()[0]
    con.execute('update main.fact_staff_daily set "SoDataNhan" = "SoDataNhan" + 5 where "Tenant" = ? and "Ngay" = ? '
                'and "MaNV_id" = ?', wrong[:3])
    watermarks = dict(con.execute('select "Ngay", max(_load_watermark) from main.fact_staff_daily where "Ngay" in (?, ?) '
                                  'group by all', [wrong[1], reread[1]]).fetchall())
    for tenant, _, _, customer_id, _ in (wrong, reread):
        con.execute("update main.customer set _load_id = ? where tenant = ? and _id = ?", [LATE_LOAD, tenant, customer_id])
    Path(db).with_name(STATE).write_text(json.dumps({
        "wrong": [str(v) for v in wrong], "reread": [str(v) for v in reread], "right_count": right_count,
        "reread_watermark": watermarks[reread[1]]}))


def verify(db: str) -> None:
    con = duckdb.connect(db)
    found = {row[0] for row in con.execute(
        "select MaNV_id from main.fact_staff_daily where MaNV_id in (?, ?)", [INSIDE, FROZEN]).fetchall()}
    con.execute("delete from main.fact_staff_daily where MaNV_id = ?", [FROZEN])
    state_file = Path(db).with_name(STATE)
    state = json.loads(state_file.read_text())
    wrong, reread = state["wrong"], state["reread"]
    count = con.execute('select "SoDataNhan" from main.fact_staff_daily where "Tenant" = ? and "Ngay" = ? '
                        'and "MaNV_id" = ?', wrong[:3]).fetchone()[0]
    reread_watermark = con.execute('select max(_load_watermark) from main.fact_staff_daily where "Ngay" = ?',
                                   [reread[1]]).fetchone()[0]
    for tenant, _, _, customer_id, load_id in (wrong, reread):
        con.execute("update main.customer set _load_id = ? where tenant = ? and _id = ?", [load_id, tenant, customer_id])
    state_file.unlink()
    if found != {FROZEN}:
        sys.exit(f"refresh window wrong: probes left {sorted(found)}, expected only {FROZEN}")
    if count != state["right_count"]:
        sys.exit(f"older day {wrong[1]} loaded late not rebuilt: SoDataNhan {count}, expected {state['right_count']}")
    if reread_watermark != state["reread_watermark"]:
        sys.exit(f"older day {reread[1]} of a re-read customer rebuilt (watermark {reread_watermark})")
    print("fact window: vanished row inside the window removed, older day left frozen; an older day whose "
          "assigned customers came in a later load rebuilt, a re-read one left as it was")


if __name__ == "__main__":
    if sys.argv[1] == "plant":
        plant(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        verify(sys.argv[2])
