"""The loader's flattening is the Singer SDK's: nested records flattened while landing give the
same columns, types and values as the SDK's own flatten_schema / flatten_record in the tap
(what target-duckdb 0.8.0 was fed), at depth 1 (the project's) and 2."""

from __future__ import annotations

import json

import pytest
from singer_sdk.helpers._flattening import flatten_record, flatten_schema

from conftest import column_types, load, record, rows, schema_message

PROPERTIES = {
    "tenant": {"type": "string"}, "_id": {"type": "string"}, "n": {"type": ["integer", "null"]},
    "user": {"type": ["object", "null"], "properties": {
        "_id": {"type": ["string", "null"]}, "age": {"type": ["integer", "null"]},
        "group": {"type": ["object", "null"], "properties": {"_id": {"type": ["string", "null"]},
                                                             "rank": {"type": ["number", "null"]}}},
        "tags": {"type": ["array", "null"], "items": {"type": "string"}}}},
    "tags": {"type": ["array", "null"], "items": {"type": "string"}},
    "fields": {"type": ["array", "null"], "items": {"type": "object", "properties": {"k": {"type": "string"}}}},
    "anything": {},
}
RECORDS = [
    {"tenant": "PK", "_id": "a", "n": 1, "user": {"_id": "u1", "age": 30, "group": {"_id": "g1", "rank": 2.5},
                                                 "tags": ["x"]},
     "tags": ["mới", "b"], "fields": [{"k": "Có nhu cầu"}], "anything": {"deep": [1, {"x": None}]}},
    {"tenant": "PK", "_id": "b", "user": None, "tags": [], "fields": None, "anything": "plain text"},
    {"tenant": "PK", "_id": "c", "user": {"_id": None, "group": None}, "anything": 7},
]


def _normalised(value):
    """JSON text read as JSON: the SDK escapes non-ASCII (\\uXXXX), DuckDB writes UTF-8."""
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


@pytest.mark.parametrize("depth", [1, 2])
def test_flattening_in_the_loader_equals_the_sdks_in_the_tap(depth, tmp_path, database):
    (tmp_path / "sdk").mkdir()
    (tmp_path / "loader").mkdir()
    sdk_schema = flatten_schema({"type": "object", "properties": PROPERTIES}, max_level=depth)
    sdk_run = load(tmp_path / "sdk", tmp_path / "sdk.duckdb",
                   [schema_message("calls", sdk_schema["properties"]),
                    *(record("calls", flatten_record(r, sdk_schema, max_level=depth)) for r in RECORDS)])
    loader_run = load(tmp_path / "loader", database,
                      [schema_message("calls", PROPERTIES), *(record("calls", r) for r in RECORDS)],
                      flattening_enabled=True, flattening_max_depth=depth)

    assert sdk_run.returncode == 0, sdk_run.stderr
    assert loader_run.returncode == 0, loader_run.stderr
    assert list(column_types(database, "raw.calls").items()) == \
        list(column_types(tmp_path / "sdk.duckdb", "raw.calls").items())
    per_load = {"_sdc_batched_at"}
    ours = {row["_id"]: {k: _normalised(v) for k, v in row.items() if k not in per_load}
            for row in rows(database, "raw.calls")}
    sdks = {row["_id"]: {k: _normalised(v) for k, v in row.items() if k not in per_load}
            for row in rows(tmp_path / "sdk.duckdb", "raw.calls")}
    assert ours == sdks
    assert ours["a"]["user__group__rank" if depth == 2 else "user__group"] == (2.5 if depth == 2 else
                                                                              {"_id": "g1", "rank": 2.5})
