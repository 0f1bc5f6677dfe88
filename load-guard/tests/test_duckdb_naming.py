"""The guard finds the table target-duckdb 0.8.0 really writes to (checked against its code)."""

import pytest
from target_duckdb.db_sync import DbSync

from callio_load_guard.duckdb_check import check_duckdb_config, duckdb_table_for
from callio_load_guard.errors import ConfigError

STREAMS = ["calls", "Calls", "sync_log", "public-Orders", "cat-sch-my-table", "a.b", "My-Stream"]


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("config", [
    {"filepath": "/data/demo.duckdb", "default_target_schema": "raw"},
    {"path": "/data/x.db", "default_target_schema": " raw ", "dbname": "other"},
    {"filepath": "/data/demo.duckdb", "default_target_schema": "raw",
     "schema_mapping": {"public": {"target_schema": "mapped"}}},
])
def test_table_matches_target_duckdb(stream, config):
    schema_message = {"stream": stream, "schema": {"properties": {}}, "key_properties": []}
    sync = DbSync(None, config, schema_message)
    catalog, schema, table = duckdb_table_for(config, stream)
    assert f'"{catalog}"."{schema}"."{table}"' == sync.table_name(stream)


def test_config_checks():
    good = {"filepath": "/x.duckdb", "default_target_schema": "raw", "primary_key_required": False}
    check_duckdb_config(good)
    for broken in ({**good, "primary_key_required": True},
                   {k: v for k, v in good.items() if k != "primary_key_required"},
                   {**good, "filepath": ":memory:"},
                   {k: v for k, v in good.items() if k != "filepath"}):
        with pytest.raises(ConfigError):
            check_duckdb_config(broken)
