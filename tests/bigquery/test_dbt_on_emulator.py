"""transform/ (dbt-bigquery) built on the emulator over the raw tables the target landed.

The dbt project is used as it is, with the emulator profile in bigquery/profiles.yml (dbt_runs.py
runs it and checks that only known emulator gaps failed).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict

import pytest
from dbt_runs import TRANSFORM, check_only_known_gaps_failed, fact_rows, run_dbt
from loader_runs import SMALL
from singer_messages import TENANTS, expected_counts, records

pytestmark = pytest.mark.skipif(not (TRANSFORM / "dbt_project.yml").exists(),
                                reason="transform/ dbt project not present")


def _truth() -> dict:
    truth: dict = {tenant: defaultdict(list) for tenant in TENANTS}
    for stream, record in records(**SMALL):
        if stream != "sync_log":
            truth[record["tenant"]][stream].append(record)
    return truth


def test_dbt_build_on_emulator_matches_the_oracle_and_is_idempotent(emulator, landed_raw,
                                                                    bq_client, tmp_path):
    from oracle.kpi import (
        AGENT_COLUMNS,
        AGENT_KEY,
        HOURLY_COLUMNS,
        HOURLY_KEY,
        expected_fact_agent_kpi_daily,
        expected_fact_calls_hourly,
    )
    from oracle.report import COLUMNS, expected_fact_staff_daily, report_differences

    marts = "callio_marts"
    # Models, seeds and data tests. Unit tests are left out: they take ~140 s on the emulator
    # (transform/ runs them on DuckDB); BQ_EMULATOR_DBT_UNIT_TESTS=1 adds them to the second run
    # (not the first: unit tests of incremental models need the marts to exist).
    result, run_results, manifest = run_dbt("build", emulator, landed_raw, marts, tmp_path / "first",
                                         "--exclude", "test_type:unit")
    check_only_known_gaps_failed(result, run_results, manifest)

    sent = expected_counts(**SMALL)
    mart_counts = {table: list(bq_client.query(
        f"SELECT COUNT(*) FROM `{marts}`.`{table}`").result())[0][0]
        for table in ("call_log", "customer", "staff", "group")}
    assert mart_counts == {"call_log": sent["calls"], "customer": sent["customers"],
                           "staff": sent["staff"], "group": sent["groups"]}

    expected = expected_fact_staff_daily(_truth())
    assert expected, "the fixture must produce report rows"
    first = fact_rows(bq_client, marts, "fact_staff_daily", COLUMNS)
    assert report_differences(first, expected) == []
    expected_pk = [r for r in expected if r["Tenant"] == "PK"]
    first_pk = fact_rows(bq_client, marts, "fact_staff_daily_PK", COLUMNS)
    assert report_differences(first_pk, expected_pk) == []
    first_agent = fact_rows(bq_client, marts, "fact_agent_kpi_daily", AGENT_COLUMNS)
    assert report_differences(first_agent, expected_fact_agent_kpi_daily(_truth()), AGENT_COLUMNS, AGENT_KEY) == []
    first_hourly = fact_rows(bq_client, marts, "fact_calls_hourly", HOURLY_COLUMNS, order_by=HOURLY_KEY)
    assert report_differences(first_hourly, expected_fact_calls_hourly(_truth()), HOURLY_COLUMNS, HOURLY_KEY) == []

    # Second run: incremental models MERGE the window again and nothing may change.
    if os.environ.get("BQ_EMULATOR_DBT_UNIT_TESTS") == "1":
        second = ("build", "--select", "resource_type:model resource_type:unit_test")
    else:
        second = ("run",)
    result, run_results, manifest = run_dbt(second[0], emulator, landed_raw, marts,
                                         tmp_path / "second", *second[1:])
    check_only_known_gaps_failed(result, run_results, manifest)
    assert fact_rows(bq_client, marts, "fact_staff_daily", COLUMNS) == first
    assert fact_rows(bq_client, marts, "fact_agent_kpi_daily", AGENT_COLUMNS) == first_agent
    assert fact_rows(bq_client, marts, "fact_calls_hourly", HOURLY_COLUMNS, order_by=HOURLY_KEY) == first_hourly
    assert list(bq_client.query(f"SELECT COUNT(*) FROM `{marts}`.`call_log`").result())[0][0] \
        == sent["calls"]
    assert isinstance(first[0]["Ngay"], dt.date)
