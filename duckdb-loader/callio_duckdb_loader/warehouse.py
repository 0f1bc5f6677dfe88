"""The DuckDB side: one connection for the whole load, tables brought in line with the schemas,
and each batch inserted from its spool files inside one transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from .columns import Column, Source
from .errors import ConfigError, LoadError
from .naming import qualified, quote, table_for
from .reading import insert_sql, read_columns
from .widening import column_type_after

log = logging.getLogger("callio_duckdb_loader")


@dataclass
class StreamBatch:
    """What one stream contributes to a batch: its columns (from its latest SCHEMA) and the
    spool files of its records (none when only the table is to exist)."""

    stream: str
    columns: Sequence[Column]
    files: list[Path]
    records: int


class Warehouse:
    def __init__(self, config: Mapping[str, Any], path: str, settings: Mapping[str, Any]) -> None:
        self.config = config
        try:
            self.connection = duckdb.connect(path)
        except duckdb.Error as error:  # e.g. another program holds the file's lock
            raise LoadError(f"cannot open the database file: {_one_line(error)}") from None
        # Timestamps land as UTC wall time, whatever the machine's zone (TIMESTAMPTZ -> TIMESTAMP
        # goes through the session zone).
        self.connection.execute("SET TimeZone = 'UTC'")
        for name, value in settings.items():
            try:
                self.connection.execute(f"SET {quote(str(name))} = ?", [value])
            except duckdb.Error as error:
                self.connection.close()
                raise ConfigError(f"setting 'settings': DuckDB refuses {name}: {_one_line(error)}") from None

    def close(self) -> None:
        self.connection.close()

    def _existing_columns(self, catalog: str, schema: str, table: str) -> dict[str, str] | None:
        rows = self.connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_catalog = ? AND table_schema = ? AND table_name = ?",
            [catalog, schema, table]).fetchall()
        return {name.lower(): data_type for name, data_type in rows} if rows else None

    def _sync_table(self, batch: StreamBatch) -> tuple[str, dict[str, str]]:
        """Create the table, add new columns, widen changed ones; the column types it ends with."""
        catalog, schema, table = table_for(self.config, batch.stream)
        name = qualified((catalog, schema, table))
        label = f"{schema}.{table}"
        existing = self._existing_columns(catalog, schema, table)
        if existing is None:
            self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {qualified((catalog, schema))}")
            definition = ", ".join(f"{quote(c.name)} {c.sql_type}" for c in batch.columns)
            self.connection.execute(f"CREATE TABLE {name} ({definition})")
            return name, {c.name: c.sql_type for c in batch.columns}
        types = {}
        for column in batch.columns:
            if column.name not in existing:
                self.connection.execute(
                    f"ALTER TABLE {name} ADD COLUMN {quote(column.name)} {column.sql_type}")
                log.info("%s: column %s %s added", label, column.name, column.sql_type)
                types[column.name] = column.sql_type
                continue
            after = column_type_after(batch.stream, label, existing[column.name], column)
            if after != existing[column.name].upper():
                self.connection.execute(
                    f"ALTER TABLE {name} ALTER COLUMN {quote(column.name)} TYPE {after}")
                log.info("%s: column %s widened from %s to %s", label, column.name,
                         existing[column.name], after)
            types[column.name] = after
        return name, types

    def land(self, batches: Sequence[StreamBatch]) -> None:
        """Every stream of one batch in one transaction: all of it lands, or none."""
        batched_at = datetime.now(timezone.utc).replace(tzinfo=None)
        self.connection.execute("BEGIN TRANSACTION")
        try:
            for batch in batches:
                table, types = self._sync_table(batch)
                if not batch.files:
                    continue
                log.info("%s: landing %d records", table, batch.records)
                parameters = {"files": [str(f) for f in batch.files],
                              "columns": read_columns(batch.columns)}
                if any(c.source is Source.BATCHED_AT for c in batch.columns):
                    parameters["batched_at"] = batched_at
                self.connection.execute(insert_sql(table, batch.stream, batch.columns, types),
                                        parameters)
            self.connection.execute("COMMIT")
            log.info("batch committed: %s", ", ".join(f"{b.stream} {b.records}" for b in batches if b.files)
                     or "tables only")
        except duckdb.Error as error:
            self.connection.execute("ROLLBACK")
            raise LoadError(_one_line(error)) from None
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise


def _one_line(error: duckdb.Error) -> str:
    """DuckDB's message without its advice paragraph ("Try setting 'auto_detect' ...")."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    marker = "callio-target-duckdb: "
    return text[text.index(marker) + len(marker):] if marker in text else text
