"""The guard counts in the table the loader really writes to: for stream names of every shape
target-duckdb 0.8.0 knew ("schema-table", "catalog-schema-table", dots, capitals), a real load
through the guard lands and verifies."""

import json

import duckdb
import pytest

from callio_load_guard.duckdb_check import check_duckdb_config, duckdb_table_for
from callio_load_guard.errors import ConfigError

from conftest import run_guard_cli

STREAMS = ["calls", "Calls", "public-Orders", "cat-sch-my-table", "a.b", "My-Stream"]


@pytest.mark.parametrize("stream", STREAMS)
def test_guard_verifies_a_load_of_any_stream_name(stream, duckdb_setup, tmp_path):
    config, database = duckdb_setup
    settings = json.loads(config.read_text())
    settings["schema_mapping"] = {"public": {"target_schema": "mapped"}}
    config.write_text(json.dumps(settings))
    messages = tmp_path / "in.jsonl"
    schema = {"type": "object", "properties": {"tenant": {"type": "string"}, "v": {"type": "integer"}}}
    lines = [{"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": []}]
    lines += [{"type": "RECORD", "stream": stream, "record": {"tenant": "PK", "v": i}} for i in range(3)]
    lines.append({"type": "STATE", "value": {"done": stream}})
    messages.write_text("".join(json.dumps(line) + "\n" for line in lines))

    run = run_guard_cli("guarded-target-duckdb", config, messages)

    assert run.returncode == 0, run.stderr
    assert json.loads(run.state_lines[0]) == {"done": stream}
    catalog, schema_name, table = duckdb_table_for(settings, stream)
    with duckdb.connect(str(database), read_only=True) as connection:
        found = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ?"
            " AND table_name = ?", [catalog, schema_name, table]).fetchone()[0]
    assert found == 1


def test_config_checks():
    good = {"filepath": "/x.duckdb", "default_target_schema": "raw"}
    check_duckdb_config(good)
    for broken in ({**good, "filepath": ":memory:"},
                   {k: v for k, v in good.items() if k != "filepath"},
                   {k: v for k, v in good.items() if k != "default_target_schema"},
                   {**good, "batch_size_rows": 0}):
        with pytest.raises(ConfigError):
            check_duckdb_config(broken)
