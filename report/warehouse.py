"""Read what the HTML report shows from the final tables, on DuckDB or on BigQuery.

A few small queries per warehouse: the report table's rows of the shown period and the one
before it, fact_calls_hourly's rows of the same days and tenants, and the time of the last
successful load from update_log. Everything else (windows, tenants, sums) is plain Python over
those rows (report.kpi), so both warehouses give the page the same data.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orchestrate import bigquery_client

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REPORT_TABLE = "fact_staff_daily_PK"
# The columns the charts use (warehouse spec names; the old dashboards' columns).
REPORT_COLUMNS = (
    "Ngay", "Tenant", "Team", "MaNV_id", "MaNV", "TongCuoc", "SoCuoc_NoiMay",
    "TongThoiluongGoi_Giay", "TongRungChuong_Giay", "SoDataNhan",
    "SoSDT_KetBanZalo", "SoSDT_CoNhuCau", "SoSDT_TuChoi", "SoSDT_KhongNgheMay",
)
HOURLY_TABLE = "fact_calls_hourly"
HOURLY_COLUMNS = (
    "Ngay", "Tenant", "Gio", "Team", "calls_outbound", "calls_inbound", "calls_internal", "calls_other",
    "answered_outbound", "answered_inbound", "missed_inbound", "missed_inbound_called_back", "talk_s",
)


@dataclass(frozen=True)
class ReportData:
    rows: list[dict]                      # report rows of the window, REPORT_COLUMNS each
    tenants: list[str]                    # tenants shown
    first_day: dt.date | None             # window start (None: no data)
    last_day: dt.date | None              # latest day with data (the window's end)
    last_load: dt.datetime | None         # latest successful stream load (UTC, aware)
    source: str                           # where the data came from, for the page footer
    previous_rows: list[dict] = ()        # report rows of the as many days before the window
    hourly: list[dict] | None = None      # fact_calls_hourly rows of the window (None: no such table)
    previous_hourly: list[dict] | None = None  # and of the days before it
    # each tenant's data age: when the older of its calls and customers last loaded (None: never)
    as_of: dict[str, dt.datetime | None] = field(default_factory=dict)

    def of_tenant(self, tenant: str) -> ReportData:
        """The same window for one tenant (the page has a section per tenant)."""
        def mine(rows):
            return None if rows is None else [r for r in rows if r["Tenant"] == tenant]

        return ReportData(mine(self.rows), [tenant], self.first_day, self.last_day, self.last_load, self.source,
                          mine(self.previous_rows), mine(self.hourly), mine(self.previous_hourly),
                          {tenant: self.as_of.get(tenant)})


# The newest successful load of each tenant and table; a tenant's data is as old as the older of
# its calls and customers (the report's two sources), never loaded when either never was.
LOADS_SQL = ("select tenant, table_name, max(updated_at) from {update_log} "
             "where status = 'OK' group by tenant, table_name")
AGE_TABLES = ("call_log", "customer")


def _as_utc(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    # DuckDB TIMESTAMP columns hold UTC without a zone (update_log.updated_at).
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def window_start(latest_days: dict[str, dt.date], tenants: Sequence[str] | None, days: int) -> dt.date:
    """First day read: the window of the chosen tenants (it ends at their latest day with data)
    and as many days before it (the previous period of the page's comparison)."""
    ends = [day for tenant, day in latest_days.items() if not tenants or tenant in tenants]
    return max(ends) - dt.timedelta(days=2 * days - 1) if ends else dt.date.max


def chosen_tenants(latest_days: dict[str, dt.date], tenants: Sequence[str] | None) -> list[str]:
    return sorted(tenants) if tenants else sorted(latest_days)


def data_as_of(loads) -> dict[str, dt.datetime | None]:
    """{tenant: when the older of its calls and customers last loaded (UTC)}, from LOADS_SQL's rows."""
    newest: dict[str, dict[str, dt.datetime]] = {}
    for tenant, table, at in loads:
        if at is not None:
            newest.setdefault(tenant, {})[table] = _as_utc(at)
    return {tenant: min(tables[t] for t in AGE_TABLES) if all(t in tables for t in AGE_TABLES) else None
            for tenant, tables in newest.items()}


def assemble(latest_days: dict[str, dt.date], read_rows, loads, tenants: Sequence[str] | None, days: int,
             source: str, read_hourly=None) -> ReportData:
    """The window (`days` local days ending at the latest day with data) of the chosen tenants,
    and the as many days before it. read_hourly: fact_calls_hourly's rows of the same days and
    tenants, None when the warehouse has no such table yet."""
    chosen = chosen_tenants(latest_days, tenants)
    present = [latest_days[t] for t in chosen if t in latest_days]
    last_day = max(present) if present else None
    newest = [_as_utc(at) for tenant, _table, at in loads if tenant in chosen and at is not None]
    last_load = max(newest) if newest else None
    ages = data_as_of(loads)
    as_of = {tenant: ages.get(tenant) for tenant in chosen}
    if last_day is None:
        return ReportData([], chosen, None, None, last_load, source, as_of=as_of)
    first_day = last_day - dt.timedelta(days=days - 1)
    previous_day = first_day - dt.timedelta(days=days)

    def split(rows):
        mine = [row for row in rows if row["Tenant"] in chosen and previous_day <= row["Ngay"] <= last_day]
        return [r for r in mine if r["Ngay"] >= first_day], [r for r in mine if r["Ngay"] < first_day]

    rows, previous_rows = split(read_rows)
    hourly, previous_hourly = split(read_hourly) if read_hourly is not None else (None, None)
    return ReportData(rows, chosen, first_day, last_day, last_load, source, previous_rows, hourly, previous_hourly,
                      as_of)


class DuckDBWarehouse:
    """The DuckDB file dbt builds (final tables in `schema`, default `main`)."""

    def __init__(self, path: str, schema: str = "main"):
        self.path, self.schema = path, schema

    def read(self, tenants: Sequence[str] | None, days: int) -> ReportData:
        import duckdb

        if not Path(self.path).exists():
            raise FileNotFoundError(f"DuckDB file {self.path} does not exist (CALLIO_DUCKDB_PATH)")
        table = f'{self.schema}."{REPORT_TABLE}"'
        con = duckdb.connect(self.path, read_only=True)
        try:
            latest = dict(con.execute(f'select "Tenant", max("Ngay") from {table} group by all').fetchall())
            since = window_start(latest, tenants, days)
            columns = ", ".join(f'"{c}"' for c in REPORT_COLUMNS)
            cursor = con.execute(f'select {columns} from {table} where "Ngay" >= ?', [since])
            rows = [dict(zip(REPORT_COLUMNS, r)) for r in cursor.fetchall()]
            loads = con.execute(LOADS_SQL.format(update_log=f"{self.schema}.update_log")).fetchall()
            hourly = None
            if con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                           [self.schema, HOURLY_TABLE]).fetchone()[0]:
                cursor = con.execute(
                    f'select {", ".join(HOURLY_COLUMNS)} from {self.schema}.{HOURLY_TABLE} '
                    'where "Ngay" >= ? and "Tenant" in (select unnest(?::varchar[]))',
                    [since, chosen_tenants(latest, tenants)])
                hourly = [dict(zip(HOURLY_COLUMNS, r)) for r in cursor.fetchall()]
        finally:
            con.close()
        return assemble(latest, rows, loads, tenants, days, f"DuckDB {self.path}", hourly)


class BigQueryWarehouse:
    """The dataset dbt-bigquery builds. `endpoint` is an emulator's address (no credentials then);
    otherwise a service-account key (inline JSON or file), else application default credentials."""

    def __init__(self, project: str | None, dataset: str | None = None, location: str | None = None,
                 key_file: str | None = None, key_json: str | None = None, endpoint: str | None = None):
        if not project:
            raise ValueError("BQ_PROJECT_ID is not set: the report cannot tell which BigQuery project to read")
        self.project, self.dataset, self.location = project, dataset or "callio", location or None
        self.key_file, self.key_json, self.endpoint = key_file or None, key_json or None, endpoint or None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> BigQueryWarehouse:
        """The variables of transform/profiles.yml: BQ_PROJECT_ID, BQ_DATASET_ID, BQ_LOCATION,
        SERVICE_ACCOUNT_KEY_FILE or SERVICE_ACCOUNT_KEY_JSON, BQ_API_ENDPOINT."""
        env = os.environ if env is None else env
        return cls(env.get("BQ_PROJECT_ID"), env.get("BQ_DATASET_ID"), env.get("BQ_LOCATION"),
                   env.get("SERVICE_ACCOUNT_KEY_FILE"), env.get("SERVICE_ACCOUNT_KEY_JSON"), env.get("BQ_API_ENDPOINT"))

    @classmethod
    def from_dbt_settings(cls, settings: dict, env: dict[str, str] | None = None) -> BigQueryWarehouse:
        """The effective settings of Meltano's dbt-bigquery plugin (meltano/transform.meltano.yml)."""
        env = os.environ if env is None else env
        return cls(settings.get("project"), settings.get("dataset"), settings.get("location"),
                   settings.get("keyfile"), settings.get("keyfile_json"), env.get("BQ_API_ENDPOINT"))

    def client(self):
        return bigquery_client.client(self.project, self.location, self.key_file, self.key_json, self.endpoint)

    def read(self, tenants: Sequence[str] | None, days: int) -> ReportData:
        from google.cloud import bigquery

        table = f"`{self.project}.{self.dataset}.{REPORT_TABLE}`"
        client = self.client()
        try:
            latest = {r[0]: _as_date(r[1]) for r in client.query(
                f"SELECT Tenant, MAX(Ngay) FROM {table} GROUP BY Tenant").result()}
            since = window_start(latest, tenants, days)
            job = client.query(
                f"SELECT {', '.join(f'`{c}`' for c in REPORT_COLUMNS)} FROM {table} WHERE Ngay >= @since",
                job_config=bigquery.QueryJobConfig(
                    query_parameters=[bigquery.ScalarQueryParameter("since", "DATE", since)]))
            # By position: the emulator lower-cases result field names.
            rows = [dict(zip(REPORT_COLUMNS, r.values())) for r in job.result()]
            loads = [tuple(r.values()) for r in client.query(
                LOADS_SQL.format(update_log=f"`{self.project}.{self.dataset}.update_log`")).result()]
            hourly = self._hourly(client, since, chosen_tenants(latest, tenants))
        finally:
            client.close()
        for row in rows + (hourly or []):
            row["Ngay"] = _as_date(row["Ngay"])
        return assemble(latest, rows, loads, tenants, days, f"BigQuery {self.project}.{self.dataset}", hourly)

    def _hourly(self, client, since: dt.date, tenants: list[str]) -> list[dict] | None:
        from google.api_core.exceptions import NotFound
        from google.cloud import bigquery

        try:
            job = client.query(
                f"SELECT {', '.join(f'`{c}`' for c in HOURLY_COLUMNS)} "
                f"FROM `{self.project}.{self.dataset}.{HOURLY_TABLE}` "
                "WHERE Ngay >= @since AND Tenant IN UNNEST(@tenants)",
                job_config=bigquery.QueryJobConfig(query_parameters=[
                    bigquery.ScalarQueryParameter("since", "DATE", since),
                    bigquery.ArrayQueryParameter("tenants", "STRING", tenants)]))
            return [dict(zip(HOURLY_COLUMNS, r.values())) for r in job.result()]
        except NotFound:
            return None
