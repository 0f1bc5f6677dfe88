"""A stream's schema changes between loads and inside one: new properties add columns, vanished
ones stay (NULL), types widen where every value fits, and a change that cannot widen fails the
stream with one line naming the stream, the column and both types, landing nothing of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import column_types, load, record, rows, schema_message, state

BASE = {"tenant": {"type": "string"}, "_id": {"type": "string"}, "n": {"type": ["integer", "null"]},
        "flag": {"type": ["boolean", "null"]}, "note": {"type": ["string", "null"]}}


def first_load(tmp_path: Path, database: Path):
    run = load(tmp_path, database, [schema_message("calls", BASE),
                                    record("calls", {"tenant": "PK", "_id": "a", "n": 7, "flag": True, "note": "x"}),
                                    state({"n": 1})])
    assert run.returncode == 0, run.stderr
    return run


def test_new_property_adds_a_column_and_a_vanished_one_stays(tmp_path, database):
    first_load(tmp_path, database)
    changed = {k: v for k, v in BASE.items() if k != "note"} | {"extra": {"type": ["string", "null"]}}

    run = load(tmp_path, database, [schema_message("calls", changed),
                                    record("calls", {"tenant": "PK", "_id": "b", "n": 8, "flag": False, "extra": "new"}),
                                    state({"n": 2})])

    assert run.returncode == 0, run.stderr
    assert column_types(database, "raw.calls") == {"_id": "VARCHAR", "flag": "BOOLEAN", "n": "HUGEINT", "note": "VARCHAR",
                                                   "tenant": "VARCHAR", "_sdc_batched_at": "TIMESTAMP",
                                                   "_sdc_deleted_at": "VARCHAR", "_sdc_extracted_at": "TIMESTAMP",
                                                   "extra": "VARCHAR"} | {}
    landed = {row["_id"]: row for row in rows(database, "raw.calls")}
    assert (landed["a"]["note"], landed["a"]["extra"]) == ("x", None)
    assert (landed["b"]["note"], landed["b"]["extra"], landed["b"]["flag"]) == (None, "new", False)
    assert run.states == [{"n": 2}]


@pytest.mark.parametrize(("column", "new_type", "value", "widened", "old_value"), [
    ("n", {"type": ["number", "null"]}, 2.5, "DOUBLE", 7.0),
    ("n", {"type": ["string", "null"]}, "eight", "VARCHAR", "7"),
    ("flag", {"type": ["string", "null"]}, "maybe", "VARCHAR", "true"),
])
def test_a_type_that_can_widen_widens_and_keeps_every_value(tmp_path, database, column, new_type, value, widened,
                                                          old_value):
    first_load(tmp_path, database)

    run = load(tmp_path, database, [schema_message("calls", BASE | {column: new_type}),
                                    record("calls", {"tenant": "PK", "_id": "b", column: value}), state({"n": 2})])

    assert run.returncode == 0, run.stderr
    assert column_types(database, "raw.calls")[column] == widened
    landed = {row["_id"]: row[column] for row in rows(database, "raw.calls")}
    assert landed == {"a": old_value, "b": value}


def test_a_narrower_type_lands_in_the_wider_column_as_it_is(tmp_path, database):
    load(tmp_path, database, [schema_message("calls", BASE | {"n": {"type": ["number", "null"]}}),
                              record("calls", {"tenant": "PK", "_id": "a", "n": 1.5})])

    run = load(tmp_path, database, [schema_message("calls", BASE), record("calls", {"tenant": "PK", "_id": "b", "n": 3})])

    assert run.returncode == 0, run.stderr
    assert column_types(database, "raw.calls")["n"] == "DOUBLE"
    assert sorted(row["n"] for row in rows(database, "raw.calls")) == [1.5, 3.0]


@pytest.mark.parametrize(("column", "new_type", "value", "says"), [
    ("n", {"type": ["boolean", "null"]}, True, "column n is HUGEINT in raw.calls, the new schema says boolean (BOOLEAN)"),
    ("flag", {"type": ["integer", "null"]}, 1, "column flag is BOOLEAN in raw.calls, the new schema says integer (HUGEINT)"),
    ("n", {"type": ["string", "null"], "format": "date-time"}, "2026-01-01T00:00:00Z",
     "column n is HUGEINT in raw.calls, the new schema says date-time (TIMESTAMP)"),
])
def test_a_change_that_cannot_widen_fails_the_stream_with_one_line(tmp_path, database, column, new_type, value, says):
    first_load(tmp_path, database)

    run = load(tmp_path, database, [schema_message("calls", BASE | {column: new_type}),
                                    record("calls", {"tenant": "PK", "_id": "b", column: value}), state({"n": 2})])

    assert run.returncode == 1
    assert run.error_lines == [f"callio-target-duckdb: stream calls: {says}, and "
                               f"{'HUGEINT' if 'is HUGEINT' in says else 'BOOLEAN'} cannot widen to it:"
                               " nothing of this stream was loaded"]
    assert run.states == []
    assert [row["_id"] for row in rows(database, "raw.calls")] == ["a"]  # nothing of the batch
    assert column_types(database, "raw.calls")[column] == ("HUGEINT" if column == "n" else "BOOLEAN")


def test_a_schema_change_inside_one_load_lands_each_record_under_its_own_schema(tmp_path, database):
    as_number = BASE | {"n": {"type": ["number", "null"]}}
    run = load(tmp_path, database, [schema_message("calls", BASE), record("calls", {"tenant": "PK", "_id": "a", "n": 1}),
                                    schema_message("calls", as_number), record("calls", {"tenant": "PK", "_id": "b", "n": 0.5}),
                                    state({"n": 1})], batch_size_rows=1000)

    assert run.returncode == 0, run.stderr
    assert {row["_id"]: row["n"] for row in rows(database, "raw.calls")} == {"a": 1.0, "b": 0.5}
    assert run.states == [{"n": 1}]
