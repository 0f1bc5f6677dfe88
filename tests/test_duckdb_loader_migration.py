"""A warehouse made by target-duckdb 0.8.0 (the loader before duckdb-loader/) keeps loading.

Through the real Meltano project against the simulator: the old loader (PyPI's target-duckdb
0.8.0 on duckdb 1.2.2, behind the load guard, with the tap flattening as it did) loads a
warehouse; the new loader loads the same records into a fresh one: both raw layers have the same
tables, columns and types, row for row the same values. Then new data arrives and the job
`callio-all` (new loader, dbt) runs on the old warehouse: no column is added, renamed or retyped,
and every final table holds each of the simulator's records exactly once.
"""

from __future__ import annotations

import json
import shlex
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from callio_sim.testing import running_simulator
from support.truth import assert_lands_exactly_once, load_truth

from conftest import PROJECT_ROOT, isolated_environment, meltano_bin, run, tail

TENANTS = ["PK", "HN"]
LEGACY_PYTHON = PROJECT_ROOT / ".venv-target-duckdb-0.8" / "bin" / "python"
LEGACY_TARGET = PROJECT_ROOT / "tests" / "support" / "legacy_target_duckdb.py"
EXTRACT = ["tap-callio--customers", "target-duckdb", "tap-callio--calls", "target-duckdb",
           "tap-callio--staffgroup", "target-duckdb"]
# Compared value for value (sync_log and quarantine hold per-run facts: run ids, times).
RECORD_TABLES = ("customers", "calls", "staff", "groups")
JSON_TEXT = {"customers": ("tags", "customfields")}  # arrays, flattened to JSON text
PER_LOAD = {"_load_id", "_sdc_batched_at", "_sdc_extracted_at", "_snapshot_at"}  # per load or run
FINAL = {"customers": ("main.customer", "_id"), "calls": ("main.call_log", "_id"),
         "staff": ("main.staff", "_id"), "groups": ('main."group"', "group_id")}


@pytest.fixture(scope="module")
def simulator():
    with running_simulator(seed=11, tenants=",".join(TENANTS), customers=150, calls=600, days=20,
                           customer_days=40) as sim:
        yield sim


def _environment(simulator, folder: Path) -> dict[str, str]:
    folder.mkdir()
    env = isolated_environment(folder)
    env["CALLIO_API_URL"] = simulator.url
    env["CALLIO_ACCOUNTS_FILE"] = str(simulator.write_accounts_file(folder / "accounts.json"))
    return env


def _meltano(env: dict[str, str], log: Path, *args: str) -> None:
    completed = run([meltano_bin(), "--environment=demo", *args], env, log)
    assert completed.returncode == 0, f"meltano {' '.join(args)} failed:\n{tail(log)}"


def _columns(database: str) -> dict[str, list[tuple[str, str]]]:
    with duckdb.connect(database, read_only=True) as connection:
        found: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in connection.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'raw' ORDER BY table_name, ordinal_position").fetchall():
            found.setdefault(table, []).append((column, data_type))
        return found


def _values(database: str, table: str) -> Counter:
    """The table's rows without the per-load columns, JSON text read as JSON, "" as NULL
    (target-duckdb 0.8.0 wrote every empty string as NULL; the new loader keeps it)."""
    with duckdb.connect(database, read_only=True) as connection:
        cursor = connection.execute(f"SELECT * FROM raw.{table}")
        names = [d[0] for d in cursor.description]
        rows = []
        for row in cursor.fetchall():
            values = {}
            for name, value in zip(names, row):
                if name in PER_LOAD:
                    continue
                if name in JSON_TEXT.get(table, ()) and value is not None:
                    value = json.loads(value)
                values[name] = None if value == "" else value
            rows.append(json.dumps(values, sort_keys=True, default=str, ensure_ascii=False))
        return Counter(rows)


def test_a_warehouse_made_by_target_duckdb_0_8_keeps_loading(simulator, tmp_path: Path):
    assert LEGACY_PYTHON.exists(), "scripts/test.sh builds .venv-target-duckdb-0.8"
    old = _environment(simulator, tmp_path / "old")
    old_loader = {**old, "LOAD_GUARD_TARGET_COMMAND": shlex.join([str(LEGACY_PYTHON), str(LEGACY_TARGET)]),
                  "TAP_CALLIO_FLATTENING_ENABLED": "true"}  # the tap flattened for target-duckdb 0.8.0
    _meltano(old_loader, tmp_path / "old-loader.log", "run", *EXTRACT)
    new = _environment(simulator, tmp_path / "new")
    _meltano(new, tmp_path / "new-loader.log", "run", *EXTRACT)
    # Two different loaders really ran: the new one names itself in its log lines.
    assert "callio-target-duckdb: " not in (tmp_path / "old-loader.log").read_text()
    assert "callio-target-duckdb: " in (tmp_path / "new-loader.log").read_text()

    old_columns = _columns(old["CALLIO_DUCKDB_PATH"])
    assert set(old_columns) == {"customers", "calls", "staff", "groups", "sync_log", "quarantine"}
    assert _columns(new["CALLIO_DUCKDB_PATH"]) == old_columns  # names, order and types
    for table in RECORD_TABLES:
        old_values = _values(old["CALLIO_DUCKDB_PATH"], table)
        assert sum(old_values.values()) > 0, table
        assert _values(new["CALLIO_DUCKDB_PATH"], table) == old_values, table

    for tenant in TENANTS:
        simulator.mutate(tenant, insert_calls=40, update_customers=25)
    _meltano(old, tmp_path / "callio-all.log", "run", "callio-all")

    assert _columns(old["CALLIO_DUCKDB_PATH"]) == old_columns  # nothing added, renamed or retyped
    truth = load_truth(simulator.url, TENANTS)
    with duckdb.connect(old["CALLIO_DUCKDB_PATH"], read_only=True) as connection:
        for stream, (table, id_column) in FINAL.items():
            landed = connection.execute(f'SELECT tenant, "{id_column}" FROM {table}').fetchall()
            assert_lands_exactly_once(table, landed, truth, stream, TENANTS)
        updated = connection.execute(
            "SELECT count(*) FROM raw.customers WHERE _load_id > (SELECT min(_load_id) FROM raw.customers)"
        ).fetchone()[0]
    assert updated >= 25 * len(TENANTS)  # the new loader's rows are in the old tables
