"""TEST-ONLY: start bqemulator 1.4.0 with one fix for a gap that real BigQuery does not have.

Gap: bqemulator builds DuckDB STRUCT types with *unquoted* nested field names, so a RECORD column
whose sub-field is a SQL keyword cannot be created ("syntax error at or near group"). tap-callio
emits exactly that (`user.group`, `fromUser.group`), and BigQuery accepts it. The fix quotes
nested names; everything else about the emulator is unchanged.

Runs inside bigquery/.venv-emulator:  .venv-emulator/bin/python bqemulator_compat.py start ...
(same arguments as the `bqemulator` console script; emulator.py uses it).
"""

from __future__ import annotations

import sys
from typing import Any


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def install_struct_name_quoting() -> None:
    from bqemulator.storage import type_map

    original = type_map.bq_schema_to_duckdb_columns

    def bq_schema_to_duckdb_columns(fields: list[dict[str, Any]]) -> list[tuple[str, str]]:
        result: list[tuple[str, str]] = []
        for field in fields:
            if str(field.get("type", "")).upper() not in ("RECORD", "STRUCT"):
                result.extend(original([field]))  # scalar types: the emulator's own mapping
                continue
            inner = bq_schema_to_duckdb_columns(field.get("fields", []))
            duckdb_type = "STRUCT(" + ", ".join(f"{_quote(n)} {t}" for n, t in inner) + ")"
            if str(field.get("mode", "NULLABLE")).upper() == "REPEATED":
                duckdb_type += "[]"
            result.append((field["name"], duckdb_type))
        return result

    # Callers imported the function by name at module level; replace every reference.
    import bqemulator.api.routes.tables as tables
    import bqemulator.commands.seed as seed

    type_map.bq_schema_to_duckdb_columns = bq_schema_to_duckdb_columns
    tables.bq_schema_to_duckdb_columns = bq_schema_to_duckdb_columns
    seed.bq_schema_to_duckdb_columns = bq_schema_to_duckdb_columns


def main() -> None:
    install_struct_name_quoting()
    from bqemulator.cli import main as bqemulator_main

    sys.argv[0] = "bqemulator"
    sys.exit(bqemulator_main())


if __name__ == "__main__":
    main()
