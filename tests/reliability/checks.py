"""Judge the final tables against the simulator's ground truth, record by record.

`assert_final_tables_match_truth` checks that every record the simulator holds is in its final
table exactly once per (tenant, id), with the values of the truth (the latest version), and that
nothing else is there. `assert_report_matches_oracle` compares fact_staff_daily and
fact_staff_daily_PK with the independent Python oracle (tests/oracle/report.py).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from oracle.kpi import (
    AGENT_COLUMNS,
    AGENT_KEY,
    HOURLY_COLUMNS,
    HOURLY_KEY,
    expected_fact_agent_kpi_daily,
    expected_fact_calls_hourly,
)
from oracle.report import (
    COLUMNS,
    customer_status,
    direction_class,
    expected_fact_staff_daily,
    load_direction_classes,
    local_time,
    report_differences,
    utc_time,
)
from support.truth import landing_problems, load_truth

BUSINESS_TZ = "Asia/Ho_Chi_Minh"
REPORT_LOOKBACK_DAYS = 7
ZONE = ZoneInfo(BUSINESS_TZ)
DIRECTION_CLASSES = load_direction_classes()
# report table -> (oracle, columns compared, key)
ORACLES = {
    "fact_staff_daily": (expected_fact_staff_daily, COLUMNS, ("Ngay", "Tenant", "MaNV_id")),
    "fact_staff_daily_PK": (expected_fact_staff_daily, COLUMNS, ("Ngay", "Tenant", "MaNV_id")),
    "fact_agent_kpi_daily": (expected_fact_agent_kpi_daily, AGENT_COLUMNS, AGENT_KEY),
    "fact_calls_hourly": (expected_fact_calls_hourly, HOURLY_COLUMNS, HOURLY_KEY),
}


def _id_of(value):
    return value.get("_id") if isinstance(value, dict) else value


def _zero_if_null(value):
    # The API sends answerTime null instead of 0 on some unanswered calls: same meaning.
    return 0 if value is None else value


def _local_time_of(column):
    return lambda record: local_time(record[column], ZONE)


def _class_of(direction):
    # The API spells a direction many ways (" Outbound ", 2, "2"): the landed text must mean the
    # truth's direction.
    return direction_class(direction, DIRECTION_CLASSES)


# final table -> (truth stream, id column, {final column: function(truth record) -> value})
EXPECTED_COLUMNS = {
    "call_log": ("calls", "_id", {
        "createTime": lambda r: r["createTime"],
        "chargeTime": lambda r: r["chargeTime"],
        "startTime": lambda r: r["startTime"],
        "endTime": lambda r: r["endTime"],
        "answerTime": lambda r: _zero_if_null(r["answerTime"]),
        "duration": lambda r: r["duration"],
        "billDuration": lambda r: r["billDuration"],
        "direction": lambda r: _class_of(r["direction"]),
        "direction_class": lambda r: _class_of(r["direction"]),
        "fromNumber": lambda r: r["fromNumber"],
        "toNumber": lambda r: r["toNumber"],
        "hangupCause": lambda r: r["hangupCause"],
        "fromUser__id": lambda r: _id_of(r.get("fromUser")),
        "fromGroup__id": lambda r: _id_of(r.get("fromGroup")),
        # readable times beside the epoch-ms columns: local wall clock, NULL for 0 / NULL
        **{f"{column}_local": _local_time_of(column)
           for column in ("chargeTime", "createTime", "startTime", "endTime", "answerTime")},
    }),
    "customer": ("customers", "_id", {
        "createTime": lambda r: r["createTime"],
        "updateTime": lambda r: r["updateTime"],
        "assignedTime": lambda r: r["assignedTime"],
        "name": lambda r: r["name"],
        "phone": lambda r: r["phone"],
        "user_id": lambda r: _id_of(r.get("user")),
        "customField_0_val": lambda r: customer_status(r, "tinh-trang-kh"),
        **{f"{column}_local": _local_time_of(column) for column in ("assignedTime", "createTime", "updateTime")},
    }),
    "staff": ("staff", "_id", {
        "name": lambda r: r["name"],
        "email": lambda r: r["email"],
        "group_id": lambda r: _id_of(r.get("group")),
        "in_latest_snapshot": lambda r: True,
        "createTime_utc": lambda r: utc_time(r["createTime"]),
        "updateTime_utc": lambda r: utc_time(r["updateTime"]),
    }),
    "group": ("groups", "group_id", {
        "name": lambda r: r["name"],
        "createTime_utc": lambda r: utc_time(r["createTime"]),
        "updateTime_utc": lambda r: utc_time(r["updateTime"]),
    }),
}
NORMALISE = {"answerTime": _zero_if_null, "direction": _class_of}


def truth_of(sim, tenants) -> dict[str, dict[str, list[dict]]]:
    return load_truth(sim.url, tenants)


def final_rows(pipeline, table: str) -> list[dict]:
    con = pipeline.connect()
    try:
        cursor = con.execute(f'select * from main."{table}"')
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def table_problems(pipeline, truth, table: str, tenants) -> list[str]:
    """Every difference between a final table and the truth, as readable lines."""
    stream, id_column, columns = EXPECTED_COLUMNS[table]
    rows = final_rows(pipeline, table)
    problems = landing_problems(table, [(row["tenant"], row[id_column]) for row in rows], truth, stream, tenants)
    by_key = {(row["tenant"], row[id_column]): row for row in rows}
    for tenant in tenants:
        for record in truth[tenant][stream]:
            row = by_key.get((tenant, record["_id"]))
            if row is None:
                continue  # reported as missing above
            for column, expected_of in columns.items():
                expected = expected_of(record)
                got = NORMALISE.get(column, lambda v: v)(row[column])
                if got != expected:
                    problems.append(f"{table}: {(tenant, record['_id'])} {column} = {got!r}, truth {expected!r}")
    return problems


def assert_final_tables_match_truth(pipeline, tenants, truth=None, tables=("call_log", "customer", "staff", "group")):
    truth = truth or truth_of(pipeline.sim, tenants)
    problems = [p for table in tables for p in table_problems(pipeline, truth, table, tenants)]
    assert not problems, f"{len(problems)} differences with the ground truth:\n" + "\n".join(problems[:40])
    return truth


def report_problems(pipeline, truth, table: str, report_tenants, every_day: bool = False) -> list[str]:
    """A report table against its oracle, for the tenants of `truth`: the window an incremental
    run recomputes (older days are frozen by design), or with every_day every day it holds (what
    a full refresh gives)."""
    oracle, columns, key = ORACLES[table]
    today = dt.datetime.now(ZONE).date()
    expected = oracle(truth, tz=BUSINESS_TZ, report_tenants=report_tenants, today=None if every_day else today,
                      lookback_days=None if every_day else REPORT_LOOKBACK_DAYS)
    rows = [row for row in final_rows(pipeline, table) if row["Tenant"] in truth]
    if not every_day:
        rows = [row for row in rows if row["Ngay"] >= today - dt.timedelta(days=REPORT_LOOKBACK_DAYS)]
    return [f"{table}: {problem}" for problem in report_differences(rows, expected, columns, key)]


def assert_report_matches_oracle(pipeline, truth, tenants, every_day: bool = False):
    """Every report table: fact_staff_daily, fact_staff_daily_PK (PK), fact_agent_kpi_daily and
    fact_calls_hourly."""
    problems = []
    for table in ("fact_staff_daily", "fact_agent_kpi_daily", "fact_calls_hourly"):
        problems += report_problems(pipeline, {t: truth[t] for t in tenants}, table, None, every_day)
    problems += report_problems(pipeline, {t: truth[t] for t in tenants if t == "PK"}, "fact_staff_daily_PK", ["PK"],
                                every_day)
    assert not problems, f"{len(problems)} differences with the oracle:\n" + "\n".join(problems[:40])


def assert_pipeline_complete(pipeline, tenants):
    """Final tables equal the truth record by record, and the report equals the oracle."""
    truth = assert_final_tables_match_truth(pipeline, tenants)
    assert_report_matches_oracle(pipeline, truth, tenants)
    return truth


REPORT_TABLES = ("fact_staff_daily", "fact_staff_daily_PK", "fact_agent_kpi_daily", "fact_calls_hourly")


def business_snapshot(pipeline, tables=("call_log", "customer", "staff", "group", *REPORT_TABLES)):
    """Final tables without load-time columns, as sorted lists: equal snapshots = same content."""
    load_time_columns = {"_sdc_extracted_at", "_sdc_batched_at", "_sdc_deleted_at", "_ingested_at", "_snapshot_at",
                         "_snapshot_at_utc", "_load_id", "_load_watermark"}
    snapshot = {}
    for table in tables:
        rows = final_rows(pipeline, table)
        snapshot[table] = sorted(
            tuple(sorted((k, repr(v)) for k, v in row.items() if k not in load_time_columns)) for row in rows
        )
    return snapshot


def diff_snapshots(before, after) -> list[str]:
    lines = []
    for table in before:
        gone = set(before[table]) - set(after[table])
        new = set(after[table]) - set(before[table])
        if gone or new:
            lines.append(f"{table}: {len(gone)} rows changed or gone, {len(new)} rows new/changed; e.g. "
                         f"before {sorted(gone)[:1]} after {sorted(new)[:1]}")
    return lines
