"""From a stream's JSON schema to its warehouse columns.

The columns, their names, order and DuckDB types are those target-duckdb 0.8.0 created (its
``column_type``, lower-cased names, sorted by property name, metadata columns among them), fed
with what the Singer SDK's flattening makes of the schema (``_flatten_schema``: objects with
properties inlined down to ``flattening_max_depth`` with "__", arrays and deeper objects as JSON
text). A warehouse made by the SDK-flattening tap and target-duckdb 0.8.0 therefore gets the very
same tables from nested records, flattened here instead of in the tap.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import LoadError

SEPARATOR = "__"
INT64_MAX = 9_223_372_036_854_775_807


class Kind(enum.Enum):
    """How a JSON value is read, checked and landed."""

    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    STRING = "string"
    TIMESTAMP = "date-time"
    TIME = "time"
    JSON = "object or array"
    JSON_TEXT = "JSON text"  # a flattened array or deeper object: text, as the SDK serialises it


class Source(enum.Enum):
    RECORD = "record"  # a value of the record, at Column.path
    TIME_EXTRACTED = "time_extracted"  # the RECORD message's time_extracted
    BATCHED_AT = "batched_at"  # the time of the batch's transaction


@dataclass(frozen=True)
class Column:
    name: str
    """The warehouse column: the flattened property name, lower-cased as target-duckdb did."""
    path: tuple[str, ...]
    """Where the value sits in the record (source RECORD), e.g. ("fromUser", "_id")."""
    kind: Kind
    sql_type: str
    """The DuckDB type a new column gets."""
    source: Source = Source.RECORD


METADATA = (
    Column("_sdc_extracted_at", (), Kind.TIMESTAMP, "TIMESTAMP", Source.TIME_EXTRACTED),
    Column("_sdc_batched_at", (), Kind.TIMESTAMP, "TIMESTAMP", Source.BATCHED_AT),
    Column("_sdc_deleted_at", ("_sdc_deleted_at",), Kind.STRING, "VARCHAR"),
)


def _types(prop: Mapping[str, Any]) -> list[str]:
    declared = prop.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def _integer_type(prop: Mapping[str, Any]) -> str:
    maximum = prop.get("maximum")
    if isinstance(maximum, (int, float)):
        if maximum <= 32767:
            return "SMALLINT"
        if maximum <= 2_147_483_647:
            return "INTEGER"
        if maximum <= INT64_MAX:
            return "BIGINT"
    return "HUGEINT"


def kind_and_type(prop: Mapping[str, Any]) -> tuple[Kind, str]:
    """target-duckdb 0.8.0's ``column_type``, the checks in its order."""
    types = _types(prop)
    fmt = prop.get("format")
    if "object" in types or "array" in types:
        return Kind.JSON, "JSON"
    if fmt == "date-time":
        return Kind.TIMESTAMP, "TIMESTAMP"
    if fmt == "time":
        return Kind.TIME, "TIME"
    if "number" in types:
        return Kind.NUMBER, "DOUBLE"
    if "integer" in types and "string" in types:
        return Kind.STRING, "VARCHAR"
    if "integer" in types:
        return Kind.INTEGER, _integer_type(prop)
    if "boolean" in types:
        return Kind.BOOLEAN, "BOOLEAN"
    return Kind.STRING, "VARCHAR"


def _composite_choice(prop: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """anyOf / oneOf / allOf: the first alternative that is not only null."""
    for key in ("anyOf", "oneOf", "allOf"):
        for option in prop.get(key) or ():
            if isinstance(option, Mapping) and _types(option) != ["null"]:
                return option
    return None


def _leaves(properties: Mapping[str, Any], parent: tuple[str, ...], level: int,
            max_level: int | None) -> Iterator[tuple[tuple[str, ...], Kind, str]]:
    flatten = max_level is not None
    for name, prop in properties.items():
        path = (*parent, name)
        if not isinstance(prop, Mapping):
            prop = {}
        if "type" not in prop:
            choice = _composite_choice(prop)
            if choice is not None and "type" in choice:
                prop = choice
            else:  # typeless: any JSON value
                yield (path, Kind.JSON_TEXT, "VARCHAR") if flatten else (path, Kind.JSON, "JSON")
                continue
        types = _types(prop)
        if flatten and "object" in types and "properties" in prop and level < max_level:
            yield from _leaves(prop["properties"], path, level + 1, max_level)
        elif flatten and ("array" in types or ("object" in types and max_level > 0)):
            yield path, Kind.JSON_TEXT, "VARCHAR"
        else:
            yield (path, *kind_and_type(prop))


def columns_for(stream: str, schema: Mapping[str, Any], max_level: int | None,
                add_metadata: bool) -> list[Column]:
    """The stream's columns in target-duckdb's order (sorted by flattened property name)."""
    by_key: dict[str, Column] = {}
    for path, kind, sql_type in _leaves(schema.get("properties") or {}, (), 0, max_level):
        key = SEPARATOR.join(path)
        by_key[key] = Column(key.lower(), path, kind, sql_type)
    if add_metadata:
        by_key.update({column.name: column for column in METADATA})
    columns = [by_key[key] for key in sorted(by_key)]
    seen: dict[str, str] = {}
    for key in sorted(by_key):
        name = by_key[key].name
        if name in seen:
            raise LoadError(f"stream {stream}: properties {seen[name]!r} and {key!r} both make "
                            f"column {name} (column names are lower-cased)")
        seen[name] = key
    return columns
