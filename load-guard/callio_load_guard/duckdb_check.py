"""Count landed rows in the DuckDB file written by callio-target-duckdb (duckdb-loader/).

Where a stream lands, and which configs the loader refuses, are the loader's own rules
(``callio_duckdb_loader.naming`` and ``.config``: target-duckdb 0.8.0's table naming), imported
here so the guard always counts in the table the loader wrote. The loader is in the same plugin
venv; it is imported late, so the guard's BigQuery side never needs it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError
from .load_sequence import SEPARATOR, SEQUENCE_DIGITS
from .messages import LOAD_ID_COLUMN, TENANT_FIELD


def duckdb_table_for(config: Mapping[str, Any], stream: str) -> tuple[str, str, str]:
    """(catalog, schema, table) where the loader writes ``stream``."""
    from callio_duckdb_loader import errors, naming

    try:
        return naming.table_for(config, stream)
    except errors.ConfigError as problem:
        raise ConfigError(str(problem)) from None


def _database_path(config: Mapping[str, Any]) -> str:
    path = config.get("path", config.get("filepath"))
    if not path:
        raise ConfigError("neither 'path' nor 'filepath' is set")
    return path


def _catalog_name(config: Mapping[str, Any]) -> str:
    from callio_duckdb_loader import naming

    return naming.catalog_name(config)


def check_duckdb_config(config: Mapping[str, Any]) -> None:
    """Refuse up front what the loader would refuse (its one line), so that no load id is drawn
    for a load that cannot start."""
    from callio_duckdb_loader import config as loader_config
    from callio_duckdb_loader import errors

    try:
        loader_config.load_config(config)
    except errors.ConfigError as problem:
        raise ConfigError(str(problem)) from None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class DuckDBCounter:
    """LandedCounter for callio-target-duckdb; open it only after the loader exited (it holds
    the file lock while it runs)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self._connection = None

    def table_label(self, stream: str) -> str:
        _, schema, table = duckdb_table_for(self.config, stream)
        return f"{schema}.{table}"

    def _connect(self):
        if self._connection is None:
            import duckdb  # the target's venv has it; imported late so tests of naming need none

            self._connection = duckdb.connect(_database_path(self.config), read_only=True)
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
        if not os.path.exists(path):
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
