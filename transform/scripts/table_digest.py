"""Print one digest per mart table of a DuckDB file, to prove re-runs and full refreshes
change nothing. Columns that record when a row was computed (_ingested_at) and up to which load
its build looked (_load_watermark: a full refresh stamps every row with the newest) are left out.

    .venv/bin/python scripts/table_digest.py DB [table ...]
"""

from __future__ import annotations

import hashlib
import sys

import duckdb

TABLES = ["call_log", "customer", "staff", "group", "update_log", "fact_staff_daily", "fact_staff_daily_PK",
          "fact_agent_kpi_daily", "fact_calls_hourly"]
VOLATILE = {"_ingested_at", "_load_watermark"}


def digest(con: duckdb.DuckDBPyConnection, table: str) -> str:
    columns = [row[0] for row in con.execute(f'describe main."{table}"').fetchall() if row[0] not in VOLATILE]
    select = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f'select {select} from main."{table}" order by all').fetchall()
    return f"{len(rows)} rows {hashlib.md5(repr(rows).encode()).hexdigest()}"


def main() -> None:
    con = duckdb.connect(sys.argv[1], read_only=True)
    for table in sys.argv[2:] or TABLES:
        print(f"{table}: {digest(con, table)}")


if __name__ == "__main__":
    main()
