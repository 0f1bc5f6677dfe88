"""Keep the Meltano bookmark from getting ahead of the warehouse.

Public pieces for other parts of the project (see README.md):

- ``BigQueryCounter(config).count_landed(stream, has_tenant, load_id)`` and
  ``bigquery_table_for(config, stream)`` / ``count_query(config, stream, has_tenant)``
- ``DuckDBCounter(config)`` and ``duckdb_table_for(config, stream)``
- ``run_guard(command, counter_factory)``: the wrapper itself
"""

from .bigquery_check import BigQueryCounter, bigquery_table_for, count_query
from .duckdb_check import DuckDBCounter, duckdb_table_for
from .guard import run_guard
from .messages import LOAD_ID_COLUMN

__all__ = [
    "LOAD_ID_COLUMN",
    "BigQueryCounter",
    "DuckDBCounter",
    "bigquery_table_for",
    "count_query",
    "duckdb_table_for",
    "run_guard",
]
