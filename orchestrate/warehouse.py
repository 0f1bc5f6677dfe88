"""The few statements the orchestrator runs on the warehouse itself, outside the loader and dbt:
the record of applied schema changes (``orchestrate.schema_changes``) and the removal of one
tenant label's raw rows for a repair (``orchestrate.state remove-tenant``). One class per engine,
the same methods on both; connections are opened per call and closed at once (a DuckDB file has
one writer: the runner calls these only while no task of its own runs).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestrate import bigquery_client, bigquery_project, project_files
from orchestrate.project_env import project_env, setting
from orchestrate.tap_catalog import CATALOG_FILE

SCHEMA_CHANGES = "callio_schema_changes"
PROBE_TABLE = "call_log"  # a final table every job's build creates: its absence means a new warehouse


class Busy(Exception):
    """The DuckDB file is being written by another process (a job): it cannot be read now."""


def _as_utc(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


LAST_OK_SQL = ("select tenant, stream, max(finished_at) from {table} where status = 'OK' "
               "group by tenant, stream")


def raw_tables() -> list[str]:
    """The raw tables: one per stream of the tap (its committed catalog is their one list)."""
    return [stream["tap_stream_id"] for stream in json.loads(CATALOG_FILE.read_text())["streams"]]


class DuckDB:
    def __init__(self, path: Path, raw: str, marts: str = "main") -> None:
        self.path, self.raw, self.marts = path, raw, marts

    @contextmanager
    def _connect(self, *, read_only: bool) -> Iterator:
        import duckdb  # noqa: PLC0415 (BigQuery jobs never need it)

        try:
            connection = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            raise Busy(f"the warehouse file {self.path} is held by another process (a job writing it)") from None
        try:
            yield connection
        finally:
            connection.close()

    def _tables(self, connection) -> set[tuple[str, str]]:
        return set(connection.execute("select table_schema, table_name from information_schema.tables").fetchall())

    def schema_changes(self) -> tuple[set[str] | None, bool]:
        """(recorded change ids, or None without a record; whether the final tables exist)."""
        if not self.path.exists():
            return None, False
        with self._connect(read_only=True) as connection:
            tables = self._tables(connection)
            built = (self.marts, PROBE_TABLE) in tables
            if (self.raw, SCHEMA_CHANGES) not in tables:
                return None, built
            rows = connection.execute(f'select id from "{self.raw}".{SCHEMA_CHANGES}').fetchall()
            return {row[0] for row in rows}, built

    def record_schema_changes(self, changes: Iterable[tuple[str, str]]) -> None:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self._connect(read_only=False) as connection:
            connection.execute(f'create schema if not exists "{self.raw}"')
            connection.execute(f'create table if not exists "{self.raw}".{SCHEMA_CHANGES} '
                               "(id varchar, version varchar, applied_at timestamp)")
            connection.executemany(f'insert into "{self.raw}".{SCHEMA_CHANGES} values (?, ?, ?)',
                                   [(change_id, version, now) for change_id, version in changes])

    def last_successful_loads(self) -> dict[tuple[str, str], dt.datetime]:
        """{(tenant, stream): when its newest OK run ended (UTC)}, from the raw sync_log."""
        if not self.path.exists():
            return {}
        with self._connect(read_only=True) as connection:
            if (self.raw, "sync_log") not in self._tables(connection):
                return {}
            rows = connection.execute(LAST_OK_SQL.format(table=f'"{self.raw}".sync_log')).fetchall()
        return {(tenant, stream): _as_utc(at) for tenant, stream, at in rows if at is not None}

    def raw_tenants(self) -> dict[str, int]:
        """Every tenant label in the raw tables, exactly as loaded (spaces and all), with its rows."""
        counts: dict[str, int] = {}
        if not self.path.exists():
            return counts
        with self._connect(read_only=True) as connection:
            present = self._tables(connection)
            for table in raw_tables():
                if (self.raw, table) in present:
                    for label, rows in connection.execute(
                            f'select tenant, count(*) from "{self.raw}".{table} group by tenant').fetchall():
                        counts[label] = counts.get(label, 0) + rows
        return counts

    def delete_raw_tenant(self, label: str) -> int:
        with self._connect(read_only=False) as connection:
            present = self._tables(connection)
            deleted = 0
            for table in raw_tables():
                if (self.raw, table) in present:
                    deleted += connection.execute(f'delete from "{self.raw}".{table} where tenant = ?',
                                                  [label]).fetchone()[0]
            return deleted


class BigQuery:
    def __init__(self, client, raw: str, marts: str) -> None:
        self.client, self.raw, self.marts = client, raw, marts

    def _table(self, dataset: str, table: str) -> str:
        return f"`{self.client.project}.{dataset}.{table}`"

    def _exists(self, dataset: str, table: str) -> bool:
        """Whether the table exists (a new warehouse has not even its datasets yet)."""
        from google.api_core.exceptions import NotFound  # noqa: PLC0415

        try:
            self.client.get_dataset(f"{self.client.project}.{dataset}")
            self.client.get_table(f"{self.client.project}.{dataset}.{table}")
        except NotFound:
            return False
        return True

    def _run(self, sql: str, **parameters: str):
        from google.cloud import bigquery  # noqa: PLC0415

        config = bigquery.QueryJobConfig(query_parameters=[
            bigquery.ScalarQueryParameter(name, "STRING", value) for name, value in parameters.items()])
        return self.client.query(sql, job_config=config)

    def schema_changes(self) -> tuple[set[str] | None, bool]:
        built = self._exists(self.marts, PROBE_TABLE)
        if not self._exists(self.raw, SCHEMA_CHANGES):
            return None, built
        return {row[0] for row in self._run(f"SELECT id FROM {self._table(self.raw, SCHEMA_CHANGES)}").result()}, built

    def record_schema_changes(self, changes: Iterable[tuple[str, str]]) -> None:
        table = self._table(self.raw, SCHEMA_CHANGES)
        from google.cloud import bigquery  # noqa: PLC0415

        dataset = bigquery.Dataset(f"{self.client.project}.{self.raw}")
        dataset.location = self.client.location  # BQ_LOCATION: the loader's tables go beside it
        self.client.create_dataset(dataset, exists_ok=True)
        self._run(f"CREATE TABLE IF NOT EXISTS {table} (id STRING, version STRING, applied_at TIMESTAMP)").result()
        for change_id, version in changes:
            self._run(f"INSERT INTO {table} (id, version, applied_at) VALUES (@id, @version, CURRENT_TIMESTAMP())",
                      id=change_id, version=version).result()

    def last_successful_loads(self) -> dict[tuple[str, str], dt.datetime]:
        if not self._exists(self.raw, "sync_log"):
            return {}
        rows = self._run(LAST_OK_SQL.format(table=self._table(self.raw, "sync_log"))).result()
        return {(tenant, stream): _as_utc(at) for tenant, stream, at in rows if at is not None}

    def raw_tenants(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table in raw_tables():
            if self._exists(self.raw, table):
                for label, rows in self._run(
                        f"SELECT tenant, COUNT(*) FROM {self._table(self.raw, table)} GROUP BY tenant").result():
                    counts[label] = counts.get(label, 0) + rows
        return counts

    def delete_raw_tenant(self, label: str) -> int:
        deleted = 0
        for table in raw_tables():
            if self._exists(self.raw, table):
                job = self._run(f"DELETE FROM {self._table(self.raw, table)} WHERE tenant = @label", label=label)
                job.result()
                deleted += job.num_dml_affected_rows or 0
        return deleted


def connect(environment: str, *, bigquery: bool | None = None) -> DuckDB | BigQuery:
    """The warehouse a job writes: BigQuery for the -bq jobs (``bigquery``; by default the prod
    environment's), else the environment's DuckDB file, with the settings and the project the job
    runner resolves (orchestrate.bigquery_project)."""
    if not (environment == "prod" if bigquery is None else bigquery):
        path = project_files.configured(environment, "target-duckdb", "filepath").value
        raw = project_files.configured(environment, "target-duckdb", "default_target_schema").value or "raw"
        return DuckDB(Path(str(path)).expanduser(), raw)
    env = {**project_env(), **bigquery_project.task_environment()}  # .env, the shell, the job's project
    connection = bigquery_client.client(env.get("BQ_PROJECT_ID", ""), env.get("BQ_LOCATION"),
                                        env.get("SERVICE_ACCOUNT_KEY_FILE"), env.get("SERVICE_ACCOUNT_KEY_JSON"),
                                        env.get("BQ_API_ENDPOINT"))
    return BigQuery(connection, setting("BQ_RAW_DATASET_ID") or "callio_raw", setting("BQ_DATASET_ID") or "callio")
