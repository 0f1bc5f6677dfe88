"""Where a stream lands: the rules of target-duckdb 0.8.0 (``db_sync.stream_name_to_dict`` and
``DbSync.table_name``), so the tables of a warehouse it made are found again, and the load
guard (callio_load_guard.duckdb_check) counts in the same table."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError


def split_stream(stream: str) -> tuple[str | None, str]:
    """(schema part, table part) of a stream id split on "-": "a-b" -> ("a", "b"),
    "a-b-c-d" -> ("b", "c_d"), "calls" -> (None, "calls")."""
    parts = stream.split("-")
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) > 2:
        return parts[1], "_".join(parts[2:])
    return None, stream


def catalog_name(config: Mapping[str, Any]) -> str:
    """The database's catalog: ``database``, ``dbname``, else the file's stem."""
    if config.get("database"):
        return config["database"]
    if config.get("dbname"):
        return config["dbname"]
    path = config.get("path", config.get("filepath")) or ""
    return os.path.splitext(os.path.basename(path))[0]


def table_for(config: Mapping[str, Any], stream: str) -> tuple[str, str, str]:
    """(catalog, schema, table) of ``stream``; ``config`` is the loader's config as given."""
    stream_schema, table = split_stream(stream)
    mapping = config.get("schema_mapping") or {}
    if mapping and stream_schema in mapping:
        schema = mapping[stream_schema].get("target_schema")
    else:
        schema = (config.get("default_target_schema") or "").strip()
    if not schema:
        raise ConfigError(f"no target schema for stream {stream!r} (default_target_schema unset)")
    return catalog_name(config), schema, table.replace(".", "_").replace("-", "_").lower()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def qualified(parts: tuple[str, ...]) -> str:
    return ".".join(quote(part) for part in parts)
