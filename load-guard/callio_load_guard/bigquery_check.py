"""Count landed rows in BigQuery tables written by z3-target-bigquery 0.7.2.

Naming mirrors target_bigquery.core.BaseBigQuerySink (0.7.2): table = stream name lower-cased
with "-" and "." replaced by "_", in ``project``.``dataset`` (no prefix option exists). With
``denormalized: true`` every record field is a column (``column_name_transforms`` leave the
already lower-case ``_load_id`` and ``tenant`` unchanged); with the default fixed schema the
record sits in one JSON column ``data``.

Emulator: when ``LOAD_GUARD_BIGQUERY_ENDPOINT`` is set the client talks to that endpoint with
anonymous credentials (e.g. ``http://127.0.0.1:9050`` for goccy/bigquery-emulator).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError
from .load_sequence import SEPARATOR, SEQUENCE_DIGITS
from .messages import LOAD_ID_COLUMN, TENANT_FIELD

ENDPOINT_ENV = "LOAD_GUARD_BIGQUERY_ENDPOINT"


def bigquery_table_for(config: Mapping[str, Any], stream: str) -> tuple[str, str, str]:
    """(project, dataset, table) where z3-target-bigquery 0.7.2 writes ``stream``."""
    for key in ("project", "dataset"):
        if not config.get(key):
            raise ConfigError(f"'{key}' is not set in the target config")
    table = stream.lower().replace("-", "_").replace(".", "_")
    return config["project"], config["dataset"], table


def _setting_is_on(value: Any) -> bool:
    if isinstance(value, str):  # settings may arrive as strings from env-based config
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def is_denormalized(config: Mapping[str, Any]) -> bool:
    return _setting_is_on(config.get("denormalized", False))


def check_bigquery_config(config: Mapping[str, Any]) -> None:
    """Refuse what would defeat append-only loading or make the count impossible."""
    bigquery_table_for(config, "probe")
    if any(_setting_is_on(config.get(key)) for key in ("upsert", "overwrite")):
        # upsert is skipped anyway with empty key_properties, but overwrite replaces the table
        # with this load only: say so instead of silently changing what the raw layer holds.
        raise ConfigError(
            "the guard needs an append-only raw layer: unset 'upsert' and 'overwrite'"
        )


def count_query(config: Mapping[str, Any], stream: str, has_tenant: bool) -> str:
    """The SQL counting one load's rows per tenant (parameter @load_id)."""
    project, dataset, table = bigquery_table_for(config, stream)
    qualified = f"`{project}`.`{dataset}`.`{table}`"
    if is_denormalized(config):
        load_id = f"`{LOAD_ID_COLUMN}`"
        tenant = f"`{TENANT_FIELD}`" if has_tenant else "CAST(NULL AS STRING)"
    else:
        load_id = f"JSON_VALUE(data, '$.{LOAD_ID_COLUMN}')"
        tenant = f"JSON_VALUE(data, '$.{TENANT_FIELD}')" if has_tenant else "CAST(NULL AS STRING)"
    return (
        f"SELECT {tenant} AS tenant, COUNT(*) AS landed FROM {qualified}"
        f" WHERE {load_id} = @load_id GROUP BY tenant"
    )


def newest_sequence_query(config: Mapping[str, Any], tables: list[str]) -> str:
    """The SQL giving the greatest load sequence over ``tables`` of the raw dataset."""
    project, dataset, _ = bigquery_table_for(config, "probe")
    column = (f"`{LOAD_ID_COLUMN}`" if is_denormalized(config)
              else f"JSON_VALUE(data, '$.{LOAD_ID_COLUMN}')")
    union = " UNION ALL ".join(
        f"SELECT {column} AS id FROM `{project}`.`{dataset}`.`{table}`" for table in tables)
    return (
        f"SELECT MAX(SAFE_CAST(SUBSTR(id, 1, {SEQUENCE_DIGITS}) AS INT64)) FROM ({union})"
        f" WHERE SUBSTR(id, {SEQUENCE_DIGITS + 1}, 1) = '{SEPARATOR}'"
    )


def bigquery_client(config: Mapping[str, Any]):
    """A client built like the target builds its own (credentials_path, then credentials_json,
    then application default credentials), or an anonymous one for the emulator."""
    from google.cloud import bigquery

    project = config["project"]
    endpoint = os.environ.get(ENDPOINT_ENV)
    if endpoint:
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(
            project=project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": endpoint},
        )
    if config.get("credentials_path"):
        return bigquery.Client.from_service_account_json(
            config["credentials_path"], project=project
        )
    if config.get("credentials_json"):
        info = config["credentials_json"]
        if isinstance(info, str):
            info = json.loads(info)
        return bigquery.Client.from_service_account_info(info, project=project)
    return bigquery.Client(project=project)


class BigQueryCounter:
    """LandedCounter for z3-target-bigquery.

    >>> counter = BigQueryCounter(config)          # the target's config dict
    >>> counter.count_landed("calls", True, load_id)
    {'PK': 1200, 'HN': 800}
    """

    def __init__(self, config: Mapping[str, Any], client=None) -> None:
        self.config = config
        self._client = client

    def table_label(self, stream: str) -> str:
        _, dataset, table = bigquery_table_for(self.config, stream)
        return f"{dataset}.{table}"

    def count_landed(self, stream: str, has_tenant: bool, load_id: str) -> dict[str | None, int]:
        from google.api_core.exceptions import NotFound
        from google.cloud import bigquery

        if self._client is None:
            self._client = bigquery_client(self.config)
        job_config = bigquery.QueryJobConfig(
            query_parameters=[bigquery.ScalarQueryParameter("load_id", "STRING", load_id)]
        )
        try:
            job = self._client.query(
                count_query(self.config, stream, has_tenant),
                job_config=job_config,
                location=self.config.get("location") or "US",
            )
            rows = list(job.result())
        except NotFound:
            return {}  # no table: nothing landed
        return {row[0]: int(row[1]) for row in rows}

    def newest_load_sequence(self) -> int:
        """The greatest load sequence in the raw dataset's tables (0 if none or no dataset)."""
        from google.api_core.exceptions import NotFound

        if self._client is None:
            self._client = bigquery_client(self.config)
        project, dataset, _ = bigquery_table_for(self.config, "probe")
        try:
            tables = []
            for item in self._client.list_tables(f"{project}.{dataset}"):
                fields = {f.name for f in self._client.get_table(item).schema}
                if (LOAD_ID_COLUMN if is_denormalized(self.config) else "data") in fields:
                    tables.append(item.table_id)
            if not tables:
                return 0
            job = self._client.query(newest_sequence_query(self.config, tables),
                                     location=self.config.get("location") or "US")
            rows = list(job.result())
        except NotFound:
            return 0  # no dataset yet: the target creates it
        return int(rows[0][0] or 0) if rows else 0

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
