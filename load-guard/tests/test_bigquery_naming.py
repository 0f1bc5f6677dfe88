"""Where z3-target-bigquery 0.7.2 writes, and the query the guard sends (no BigQuery needed;
the real path runs against an emulator in bigquery/)."""

import pytest

from callio_load_guard.bigquery_check import (
    bigquery_table_for,
    check_bigquery_config,
    count_query,
    is_denormalized,
)
from callio_load_guard.errors import ConfigError

CONFIG = {"project": "my-proj", "dataset": "callio_raw", "location": "asia-southeast1",
          "method": "batch_job", "denormalized": True, "credentials_json": "{\"secret\": 1}"}


@pytest.mark.parametrize("stream,table", [
    ("calls", "calls"), ("Sync-Log", "sync_log"), ("a.b-c", "a_b_c"), ("customers", "customers")])
def test_table_naming(stream, table):
    assert bigquery_table_for(CONFIG, stream) == ("my-proj", "callio_raw", table)


def test_denormalized_query_uses_columns():
    sql = count_query(CONFIG, "calls", has_tenant=True)
    assert sql == ("SELECT `tenant` AS tenant, COUNT(*) AS landed FROM"
                   " `my-proj`.`callio_raw`.`calls` WHERE `_load_id` = @load_id GROUP BY tenant")
    no_tenant = count_query(CONFIG, "events", has_tenant=False)
    assert "CAST(NULL AS STRING) AS tenant" in no_tenant


def test_fixed_schema_query_reads_the_json_data_column():
    sql = count_query({**CONFIG, "denormalized": False}, "calls", has_tenant=True)
    assert "JSON_VALUE(data, '$.tenant') AS tenant" in sql
    assert "WHERE JSON_VALUE(data, '$._load_id') = @load_id" in sql


@pytest.mark.parametrize("value,expected", [(True, True), ("true", True), ("False", False),
                                            (False, False), (None, False)])
def test_denormalized_flag(value, expected):
    assert is_denormalized({"denormalized": value}) is expected


def test_config_checks():
    check_bigquery_config(CONFIG)
    check_bigquery_config({**CONFIG, "upsert": False, "overwrite": "false"})
    for broken in ({**CONFIG, "upsert": True}, {**CONFIG, "overwrite": ["calls"]},
                   {k: v for k, v in CONFIG.items() if k != "dataset"},
                   {k: v for k, v in CONFIG.items() if k != "project"}):
        with pytest.raises(ConfigError) as raised:
            check_bigquery_config(broken)
        assert "secret" not in str(raised.value)
