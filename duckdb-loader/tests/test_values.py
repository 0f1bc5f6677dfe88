"""Every value lands as it was sent, typed by the SCHEMA message and never sniffed: no value
becomes NULL, none is rounded or coerced; a value of another kind than its schema says stops the
load with one line naming the stream and the column, and nothing of the batch lands."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import load, record, rows, rows_if_any, schema_message, state

PROPERTIES = {
    "tenant": {"type": "string"}, "_id": {"type": "string"},
    "count": {"type": ["integer", "null"]}, "ratio": {"type": ["number", "null"]},
    "ok": {"type": ["boolean", "null"]}, "text": {"type": ["string", "null"]},
    "at": {"type": ["string", "null"], "format": "date-time"},
    "user": {"type": ["object", "null"], "properties": {"_id": {"type": ["string", "null"]},
                                                        "level": {"type": ["integer", "null"]}}},
    "tags": {"type": ["array", "null"], "items": {"type": "string"}},
}


def test_falsy_and_edge_values_land_as_they_are(tmp_path, database):
    values = [
        {"tenant": "PK", "_id": "zero", "count": 0, "ratio": 0.0, "ok": False, "text": "", "tags": []},
        {"tenant": "PK", "_id": "big", "count": 2**63 - 1, "ratio": -1.25e-7, "ok": True,
         "text": "Khách hàng \"VIP\"\n'tab'\t", "at": "2026-12-01T10:00:00.123456+07:00",
         "user": {"_id": "u1", "level": 3}, "tags": ["mới", "cũ"]},
        {"tenant": "PK", "_id": "nulls", "count": None, "ratio": None, "ok": None, "text": None, "at": None,
         "user": None, "tags": None},
        {"tenant": "PK", "_id": "missing"},
    ]
    run = load(tmp_path, database, [schema_message("calls", PROPERTIES), *(record("calls", v) for v in values),
                                    state(1)], flattening_enabled=True, flattening_max_depth=1)

    assert run.returncode == 0, run.stderr
    landed = {row["_id"]: row for row in rows(database, "raw.calls")}
    zero = landed["zero"]
    assert (zero["count"], zero["ratio"], zero["ok"], zero["text"], zero["tags"]) == (0, 0.0, False, "", "[]")
    big = landed["big"]
    assert (big["count"], big["ratio"], big["ok"]) == (2**63 - 1, -1.25e-7, True)
    assert big["text"] == "Khách hàng \"VIP\"\n'tab'\t"
    assert big["at"] == dt.datetime(2026, 12, 1, 3, 0, 0, 123456)  # UTC
    assert (big["user___id"], big["user__level"], big["tags"]) == ("u1", 3, '["mới","cũ"]')
    for name in ("nulls", "missing"):
        assert {k: v for k, v in landed[name].items()
                if k not in ("tenant", "_id", "_sdc_batched_at", "_sdc_extracted_at")} == \
            dict.fromkeys(("count", "ratio", "ok", "text", "at", "user___id", "user__level", "tags",
                           "_sdc_deleted_at"))


@pytest.mark.parametrize(("column", "value", "kind"), [
    ("count", 1.5, "number"), ("count", "12", "string"), ("count", True, "boolean"), ("count", {"a": 1}, "object"),
    ("ratio", "0.5", "string"), ("ok", 1, "integer"), ("ok", "yes", "string"), ("ok", [True], "array"),
])
def test_a_value_of_another_kind_stops_the_load_with_one_line(tmp_path, database, column, value, kind):
    good = {"tenant": "PK", "_id": "a", "count": 1}
    run = load(tmp_path, database, [schema_message("calls", PROPERTIES), record("calls", good),
                                    record("calls", {"tenant": "PK", "_id": "b", column: value}), state(1)])

    assert run.returncode == 1
    word = {"count": "integer", "ratio": "number", "ok": "boolean"}[column]
    assert run.error_lines == [f"callio-target-duckdb: stream calls: column {column}: the schema says {word},"
                               f" a record holds a JSON {kind}"], run.stderr
    assert run.states == []
    assert rows_if_any(database, "raw.calls") == []  # the good record of the same batch did not land either


@pytest.mark.parametrize("message", [{"type": "RECORD", "stream": "calls", "record": None},
                                     {"type": "RECORD", "stream": "calls"}], ids=["record null", "record missing"])
def test_a_record_message_without_its_record_stops_the_load(tmp_path, database, message):
    good = {"tenant": "PK", "_id": "a", "count": 1}
    run = load(tmp_path, database, [schema_message("calls", PROPERTIES), record("calls", good), message, state(1)])

    assert run.returncode == 1
    assert run.error_lines == ["callio-target-duckdb: stream calls: a RECORD message without a record object"], \
        run.stderr
    assert run.states == []
    assert rows_if_any(database, "raw.calls") == []  # no row of NULLs, and nothing else of the batch


def test_an_empty_record_is_a_record_whose_values_are_all_absent(tmp_path, database):
    run = load(tmp_path, database, [schema_message("calls", PROPERTIES), record("calls", {}), state(1)])

    assert run.returncode == 0, run.stderr
    assert [row["_id"] for row in rows(database, "raw.calls")] == [None]
    assert run.states == [1], run.stdout


@pytest.mark.parametrize("value", ["yesterday", 5])
def test_a_date_time_that_is_not_one_stops_the_load(tmp_path, database, value):
    run = load(tmp_path, database, [schema_message("calls", PROPERTIES),
                                    record("calls", {"tenant": "PK", "_id": "b", "at": value}), state(1)])

    assert run.returncode == 1
    assert len(run.error_lines) == 1 and "in line 1" in run.error_lines[0], run.stderr
    assert run.states == []


def test_time_extracted_and_batch_time_are_the_metadata(tmp_path, database):
    run = load(tmp_path, database, [schema_message("calls", PROPERTIES),
                                    record("calls", {"tenant": "PK", "_id": "a"}, time_extracted="2026-12-01T00:00:01Z"),
                                    record("calls", {"tenant": "PK", "_id": "b"})])

    assert run.returncode == 0, run.stderr
    landed = {row["_id"]: row for row in rows(database, "raw.calls")}
    assert landed["a"]["_sdc_extracted_at"] == dt.datetime(2026, 12, 1, 0, 0, 1)
    assert landed["b"]["_sdc_extracted_at"] is None
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    assert abs(now - landed["a"]["_sdc_batched_at"]) < dt.timedelta(minutes=5)


def test_a_setting_duckdb_refuses_is_one_line_naming_it(tmp_path, database):
    run = load(tmp_path, database, [schema_message("calls", PROPERTIES)], settings={"no_such_setting": "1"})

    assert run.returncode == 2
    assert len(run.error_lines) == 1, run.stderr
    assert run.error_lines[0].startswith("callio-target-duckdb: setting 'settings': DuckDB refuses no_such_setting:")
