"""The bookmark check's arithmetic: which bookmarks are ahead of the warehouse, and the state
they are moved back to, and how the bookmarks are read from Meltano (the whole path runs in
tests/reliability/test_warehouse_drift.py)."""

from __future__ import annotations

import sys

import pytest

from callio_load_guard.bookmark_check import (
    Behind,
    StateUnreadable,
    find_behind,
    loader_config_from_env,
    moved_back,
    read_states,
)


def state(calls: dict, customers: dict | None = None) -> dict:
    def stream(key, values):
        return {"partitions": [{"context": {"tenant": t}, "replication_key": key,
                                "replication_key_value": v} for t, v in values.items()]}
    bookmarks = {"calls": stream("createTime", calls), "sync_log": {}}
    if customers is not None:
        bookmarks["customers"] = stream("updateTime", customers)
    return {"singer_state": {"bookmarks": bookmarks}}


def test_a_warehouse_that_holds_every_bookmark_is_left_alone():
    bookmarks = state({"PK": 100, "HN": 200})
    held = {("calls", "PK"): 100, ("calls", "HN"): 250}  # ahead is fine (a failed later load)
    assert find_behind(bookmarks, held, {"calls", "sync_log"}) == []


def test_bookmarks_ahead_of_the_warehouse_are_moved_back_or_removed():
    bookmarks = state({"PK": 100, "HN": 200, "SG": 300}, customers={"PK": 50})
    held = {("calls", "PK"): 100, ("calls", "HN"): 150, ("customers", "PK"): 50}
    behind = find_behind(bookmarks, held, {"calls", "customers", "sync_log"})
    assert behind == [Behind("calls", "HN", 200, 150), Behind("calls", "SG", 300, None)]

    fixed = moved_back(bookmarks, behind)
    assert fixed == state({"PK": 100, "HN": 150}, customers={"PK": 50})
    assert bookmarks == state({"PK": 100, "HN": 200, "SG": 300}, customers={"PK": 50})  # a copy


def test_a_missing_stream_table_means_nothing_of_it_is_held():
    bookmarks = state({"PK": 100})
    held = {("calls", "PK"): 100}  # sync_log still says so, but raw.calls was dropped
    assert find_behind(bookmarks, held, {"sync_log"}) == [Behind("calls", "PK", 100, None)]


def test_messages_name_stream_tenant_and_what_happens():
    lost = Behind("calls", "PK", 1_764_583_500_000, None).message("raw.calls")
    assert lost.startswith("bookmark-check: calls/PK: bookmark at 2025-12-01T10:05:00Z")
    assert "raw.calls" in lost and "bookmark removed" in lost and "back-fill" in lost
    gap = Behind("calls", "HN", 1_764_583_500_000, 1_764_500_000_000).message("raw.calls")
    assert "moved back to 2025-11-30T10:53:20Z" in gap


def test_loader_settings_come_from_meltano_environment():
    environ = {"MELTANO_LOAD_FILEPATH": "/w.duckdb", "MELTANO_LOAD_DEFAULT_TARGET_SCHEMA": "raw",
               "MELTANO_LOAD_TOKEN": "", "TARGET_DUCKDB_FILEPATH": "/other", "PATH": "/bin"}
    assert loader_config_from_env(environ) == {"filepath": "/w.duckdb",
                                               "default_target_schema": "raw"}


FAKE_MELTANO = """#!{python}
import json, sys
args = [a for a in sys.argv[1:] if not a.startswith("--environment")]
with open({calls!r}, "a") as log:
    log.write(" ".join(args) + "\\n")
if args == ["state", "export"]:
    print(json.dumps({export}))
elif args[:2] == ["state", "get"]:
    print(json.dumps({merged}))
else:
    sys.exit(9)
"""


def stand_in_meltano(tmp_path, export: dict, merged: dict) -> tuple[str, object]:
    """A `meltano` that answers `state export` and `state get` and logs what it was asked."""
    calls = tmp_path / "calls.log"
    script = tmp_path / "meltano"
    script.write_text(FAKE_MELTANO.format(python=sys.executable, calls=str(calls),
                                          export=repr(export), merged=repr(merged)))
    script.chmod(0o755)
    return str(script), calls


def test_states_are_read_in_one_export_and_a_partial_one_through_state_get(tmp_path):
    environ = {"MELTANO_ENVIRONMENT": "prod", "MELTANO_LOADER_NAME": "target-bigquery",
               "MELTANO_LOADER_NAMESPACE": "target_bigquery"}
    finished, unfinished = state({"PK": 100}), state({"PK": 100}, customers={"HN": 7})
    merged_by_meltano = state({"PK": 120}, customers={"HN": 7})
    export = {"prod:tap-callio--calls-to-target-bigquery": {"completed": finished, "partial": {}},
              "prod:tap-callio--customers-to-target-bigquery": {"completed": unfinished,
                                                                "partial": {"singer_state": {}}},
              "dev:tap-callio--calls-to-target-duckdb": {"completed": state({"PK": 1}), "partial": {}}}
    meltano, calls = stand_in_meltano(tmp_path, export, merged_by_meltano)

    states = read_states(["tap-callio--calls", "tap-callio--customers", "tap-callio--staffgroup"],
                         meltano, environ)

    assert states == {"tap-callio--calls": finished, "tap-callio--customers": merged_by_meltano}
    assert calls.read_text().splitlines() == [
        "state export", "state get prod:tap-callio--customers-to-target-bigquery"]


def test_an_unreadable_export_is_an_error_not_an_empty_state(tmp_path):
    meltano = tmp_path / "meltano"
    meltano.write_text("#!/bin/sh\necho 'database is locked' >&2\nexit 1\n")
    meltano.chmod(0o755)
    with pytest.raises(StateUnreadable, match="exited 1"):  # never taken for "no bookmarks"
        read_states(["tap-callio--calls"], str(meltano), {"MELTANO_ENVIRONMENT": "dev"})
