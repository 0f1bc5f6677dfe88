"""Count landed rows in the DuckDB file written by target-duckdb 0.8.0.

The table naming below mirrors target_duckdb.db_sync (0.8.0): a stream "a-b" goes to schema "a"
(through ``schema_mapping``) and table "b"; "a-b-c-d" to table "c_d"; otherwise the table is the
stream name with "." and "-" replaced by "_", lower-cased, in ``default_target_schema``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from .errors import ConfigError
from .load_sequence import SEPARATOR, SEQUENCE_DIGITS
from .messages import LOAD_ID_COLUMN, TENANT_FIELD


def _split_stream(stream: str) -> tuple[str | None, str]:
    """(schema part, table part) the way target-duckdb splits a stream id on "-"."""
    parts = stream.split("-")
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) > 2:
        return parts[1], "_".join(parts[2:])
    return None, stream


def duckdb_table_for(config: Mapping[str, Any], stream: str) -> tuple[str, str, str]:
    """(catalog, schema, table) where target-duckdb 0.8.0 writes ``stream``."""
    stream_schema, table = _split_stream(stream)
    schema_name = None
    mapping = config.get("schema_mapping") or {}
    if mapping and stream_schema in mapping:
        schema_name = mapping[stream_schema].get("target_schema")
    elif (config.get("default_target_schema") or "").strip():
        schema_name = config["default_target_schema"].strip()
    if not schema_name:
        raise ConfigError(f"no target schema for stream {stream!r} (default_target_schema unset)")
    table = table.replace(".", "_").replace("-", "_").lower()
    return _catalog_name(config), schema_name, table


def _database_path(config: Mapping[str, Any]) -> str:
    path = config.get("path", config.get("filepath"))
    if not path:
        raise ConfigError("neither 'path' nor 'filepath' is set")
    return path


def _catalog_name(config: Mapping[str, Any]) -> str:
    if config.get("database"):
        return config["database"]
    if config.get("dbname"):
        return config["dbname"]
    parsed = urlparse(_database_path(config))
    name = os.path.splitext(os.path.basename(parsed.path))[0]
    if parsed.scheme in {"md", "motherduck"} and name == "":
        name = "my_db"
    return name


def check_duckdb_config(config: Mapping[str, Any]) -> None:
    """Refuse up front what would make target-duckdb fail on the guard's empty key_properties,
    or make the count impossible."""
    if config.get("primary_key_required", True) not in (False, "false", "False", 0):
        raise ConfigError(
            "target-duckdb must run with primary_key_required: false (the guard sends every "
            "stream with empty key_properties so the raw layer is append-only)"
        )
    path = _database_path(config)
    if path == ":memory:":
        raise ConfigError("an in-memory database cannot be checked after the target exits")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class DuckDBCounter:
    """LandedCounter for target-duckdb; open it only after the target exited (it holds the
    file lock while it runs)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self._connection = None

    def table_label(self, stream: str) -> str:
        _, schema, table = duckdb_table_for(self.config, stream)
        return f"{schema}.{table}"

    def _connect(self):
        if self._connection is None:
            import duckdb  # the target's venv has it; imported late so tests of naming need none

            path = _database_path(self.config)
            if self.config.get("token"):  # MotherDuck, as target-duckdb does it
                path = f"{path}?token={self.config['token']}"
            self._connection = duckdb.connect(path, read_only=True)
        return self._connection

    def count_landed(self, stream: str, has_tenant: bool, load_id: str) -> dict[str | None, int]:
        import duckdb

        catalog, schema, table = duckdb_table_for(self.config, stream)
        qualified = ".".join(_quote(p) for p in (catalog, schema, table))
        tenant = _quote(TENANT_FIELD) if has_tenant else "NULL"
        sql = (
            f"SELECT {tenant} AS tenant, count(*) FROM {qualified}"
            f" WHERE {_quote(LOAD_ID_COLUMN)} = ? GROUP BY 1"
        )
        try:
            rows = self._connect().execute(sql, [load_id]).fetchall()
        except duckdb.CatalogException:
            return {}  # the table was never created: nothing landed
        return {t: n for t, n in rows}

    def newest_load_sequence(self) -> int:
        """The greatest load sequence in any table of the raw schema (0 if none). Called before
        the target starts, so the read-only connection is closed again at once."""
        import duckdb

        path = _database_path(self.config)
        if not self.config.get("token") and not os.path.exists(path):
            return 0  # first load: the target creates the file
        _, schema, _ = duckdb_table_for(self.config, "probe")
        catalog = _catalog_name(self.config)
        try:
            tables = [row[0] for row in self._connect().execute(
                "SELECT table_name FROM information_schema.columns"
                " WHERE table_catalog = ? AND table_schema = ? AND column_name = ?",
                [catalog, schema, LOAD_ID_COLUMN]).fetchall()]
            if not tables:
                return 0
            column = _quote(LOAD_ID_COLUMN)
            union = " UNION ALL ".join(
                f"SELECT {column} AS id FROM {'.'.join(_quote(p) for p in (catalog, schema, t))}"
                for t in tables)
            sql = (
                f"SELECT max(TRY_CAST(substr(id, 1, {SEQUENCE_DIGITS}) AS BIGINT)) FROM ({union})"
                f" WHERE regexp_full_match(id, '[0-9]{{{SEQUENCE_DIGITS}}}{SEPARATOR}.*')"
            )
            newest = self._connect().execute(sql).fetchone()[0]
        except duckdb.CatalogException:
            return 0
        finally:
            self.close()
        return int(newest or 0)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
