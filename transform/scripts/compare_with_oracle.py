"""Compare a report table in a DuckDB file with the oracle (tests/oracle) over a truth.json.

    .venv/bin/python scripts/compare_with_oracle.py --db DB --truth truth.json --today 2026-01-15
        [--lookback-days 7] [--table fact_staff_daily_PK --report-tenants PK]
        [--table fact_agent_kpi_daily | fact_calls_hourly]

Exits 1 and prints the first differences when any row or value differs. Used by check.sh on
the sample data set; the lead's end-to-end test does the same after a real pipeline run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from oracle.kpi import (  # noqa: E402
    AGENT_COLUMNS,
    AGENT_KEY,
    HOURLY_COLUMNS,
    HOURLY_KEY,
    expected_fact_agent_kpi_daily,
    expected_fact_calls_hourly,
)
from oracle.report import COLUMNS, expected_fact_staff_daily, report_differences  # noqa: E402

KEY = ("Ngay", "Tenant", "MaNV_id")
# table -> (oracle, its columns, key)
ORACLES = {
    "fact_staff_daily": (expected_fact_staff_daily, COLUMNS, KEY),
    "fact_staff_daily_PK": (expected_fact_staff_daily, COLUMNS, KEY),
    "fact_agent_kpi_daily": (expected_fact_agent_kpi_daily, AGENT_COLUMNS, AGENT_KEY),
    "fact_calls_hourly": (expected_fact_calls_hourly, HOURLY_COLUMNS, HOURLY_KEY),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--today", type=dt.date.fromisoformat)
    parser.add_argument("--lookback-days", type=int)
    parser.add_argument("--tz", default="Asia/Ho_Chi_Minh")
    parser.add_argument("--table", default="fact_staff_daily", choices=sorted(ORACLES))
    parser.add_argument("--report-tenants", default=None, help="comma-separated")
    args = parser.parse_args()
    truth = json.loads(args.truth.read_text(encoding="utf-8"))
    tenants = args.report_tenants.split(",") if args.report_tenants else None
    oracle, columns, key = ORACLES[args.table]
    expected = oracle(truth, tz=args.tz, report_tenants=tenants, today=args.today, lookback_days=args.lookback_days)
    con = duckdb.connect(args.db, read_only=True)
    where = ""
    if args.today and args.lookback_days is not None:
        where = f" where Ngay >= date '{args.today - dt.timedelta(days=args.lookback_days)}'"
    cursor = con.execute(f'select {", ".join(columns)} from main."{args.table}"{where}')
    actual = [dict(zip(columns, row)) for row in cursor.fetchall()]
    problems = report_differences(actual, expected, columns, key)
    print(f"{args.table}: dbt {len(actual)} rows, oracle {len(expected)} rows, {len(problems)} differences")
    for problem in problems[:20]:
        print("  " + problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
