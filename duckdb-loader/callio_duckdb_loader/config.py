"""The loader's settings. They keep target-duckdb 0.8.0's names (filepath, default_target_schema,
schema_mapping, add_metadata_columns, batch_size_rows, settings), so an existing Meltano
configuration keeps working; flattening uses the Singer SDK's names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

DEFAULT_BATCH_SIZE_ROWS = 100_000
"""Records per transaction when the config names none (bench/README.md: a batch costs about
10 ms of fixed work; the spool of 100,000 calls is about 80 MB of disk, never memory)."""

# Settings target-duckdb 0.8.0 read that mean nothing to an append-only bulk loader; accepted so
# that an old configuration still starts, and otherwise ignored.
IGNORED_SETTINGS = frozenset({
    "primary_key_required", "validate_records", "hard_delete", "data_flattening_max_level",
    "delimiter", "quotechar", "temp_dir", "parallelism",
})


@dataclass(frozen=True)
class LoaderConfig:
    path: str
    default_target_schema: str
    schema_mapping: Mapping[str, Any] = field(default_factory=dict)
    database: str | None = None
    add_metadata_columns: bool = True
    batch_size_rows: int = DEFAULT_BATCH_SIZE_ROWS
    flattening_max_depth: int | None = None
    """None: objects and arrays land as JSON columns; N: flattened N levels deep, as the Singer
    SDK's flattening does (separator "__", deeper objects and arrays as JSON text)."""
    duckdb_settings: Mapping[str, Any] = field(default_factory=dict)


def _boolean(config: Mapping[str, Any], name: str, default: bool) -> bool:
    value = config.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise ConfigError(f"setting {name!r} must be true or false")


def _integer(config: Mapping[str, Any], name: str, default: int, minimum: int) -> int:
    value = config.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(f"setting {name!r} must be a whole number >= {minimum}")
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"setting {name!r} must be a whole number >= {minimum}") from None
    if number < minimum:
        raise ConfigError(f"setting {name!r} must be a whole number >= {minimum}")
    return number


def load_config(config: Mapping[str, Any]) -> LoaderConfig:
    path = config.get("path", config.get("filepath"))
    if not isinstance(path, str) or not path.strip():
        raise ConfigError("setting 'filepath' (or 'path') is missing: the DuckDB database file")
    if path.strip() == ":memory:":
        raise ConfigError("setting 'filepath' is ':memory:': a load must land in a file")
    if path.startswith(("md:", "motherduck:")):
        raise ConfigError("setting 'filepath' names MotherDuck, which this loader does not support")
    schema = config.get("default_target_schema") or ""
    mapping = config.get("schema_mapping") or {}
    if not isinstance(schema, str) or (not schema.strip() and not mapping):
        raise ConfigError("setting 'default_target_schema' is missing: the schema of the tables")
    if not isinstance(mapping, Mapping):
        raise ConfigError("setting 'schema_mapping' must be an object")
    settings = config.get("settings") or {}
    if not isinstance(settings, Mapping):
        raise ConfigError("setting 'settings' must be an object of DuckDB settings")
    flatten = _boolean(config, "flattening_enabled", False)
    depth = _integer(config, "flattening_max_depth", 0, 0) if flatten else None
    return LoaderConfig(
        path=path.strip(),
        default_target_schema=schema.strip(),
        schema_mapping=mapping,
        database=config.get("database") or config.get("dbname") or None,
        add_metadata_columns=_boolean(config, "add_metadata_columns", True),
        batch_size_rows=_integer(config, "batch_size_rows", DEFAULT_BATCH_SIZE_ROWS, 1),
        flattening_max_depth=depth,
        duckdb_settings=settings,
    )
