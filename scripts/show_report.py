"""Print what a run produced: the per-tenant/stream log of the last run and fact_staff_daily_PK.

    python scripts/show_report.py output/demo.duckdb [--days N]
"""

from __future__ import annotations

import argparse
import sys

import duckdb


def print_table(title: str, cursor: duckdb.DuckDBPyConnection, limit: int | None) -> None:
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    shown = rows if limit is None else rows[:limit]
    text = [[("" if v is None else str(v)) for v in row] for row in shown]
    widths = [max([len(c)] + [len(r[i]) for r in text]) for i, c in enumerate(columns)]
    print(f"\n{title} ({len(rows)} rows{'' if len(shown) == len(rows) else f', first {len(shown)} shown'})")
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for r in text:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database")
    parser.add_argument("--days", type=int, default=8, help="local days of fact_staff_daily_PK to print (default: the refresh window, 8)")
    args = parser.parse_args()
    con = duckdb.connect(args.database, read_only=True)
    print_table(
        "update_log, latest run per table and tenant",
        con.execute(
            """
            select table_name, tenant, mode, rows_loaded, max_updateTime, updated_at
            from main.update_log
            qualify row_number() over (partition by table_name, tenant order by updated_at desc) = 1
            order by table_name, tenant
            """
        ),
        None,
    )
    total = con.execute('select count(*) from main."fact_staff_daily_PK"').fetchone()[0]
    print_table(
        f"fact_staff_daily_PK, the last {args.days} local days ({total} rows in all)",
        con.execute(
            """
            select * exclude (_ingested_at) from main."fact_staff_daily_PK"
            where "Ngay" > (select max("Ngay") from main."fact_staff_daily_PK") - ?::integer
            order by "Ngay" desc, "Team", "MaNV"
            """,
            [args.days],
        ),
        None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
