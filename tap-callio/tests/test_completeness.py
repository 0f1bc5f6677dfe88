"""A first sync delivers every record of every tenant, correctly typed and
flattened, whatever shape the API sent it in (the simulator's quirks are on)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, bookmark, run_tap, truth_ids

TENANTS = ("PK", "HN")


@pytest.fixture(scope="module")
def first_sync(small_sim):
    start = small_sim.now() - 45 * DAY_MS
    run = run_tap(base_config(small_sim, start_date=iso(start), time_slice_ms=3 * DAY_MS))
    assert run.returncode == 0, run.stderr[-3000:]
    return run, start


def _schema(stream):
    return json.loads((resources.files("tap_callio") / "schemas" / f"{stream}.json").read_text())


@pytest.mark.parametrize("tenant", TENANTS)
@pytest.mark.parametrize(("stream", "key"), [("calls", "createTime"), ("customers", "updateTime")])
def test_incremental_streams_match_truth(small_sim, first_sync, tenant, stream, key):
    run, start = first_sync
    reached = bookmark(run.final_state, stream, tenant)
    assert reached is not None
    expected = truth_ids(small_sim, tenant, stream, key, upto=reached, since=start)
    got = run.ids(stream, tenant)
    assert expected, "the simulator should hold data in the window"
    assert expected - got == set(), f"missing {len(expected - got)} {stream} of {tenant}"
    assert got - truth_ids(small_sim, tenant, stream) == set()


@pytest.mark.parametrize("tenant", TENANTS)
@pytest.mark.parametrize("stream", ["staff", "groups"])
def test_snapshots_match_truth_and_share_snapshot_time(small_sim, first_sync, tenant, stream):
    run, _ = first_sync
    records = run.records(stream, tenant)
    assert {r["_id"] for r in records} == truth_ids(small_sim, tenant, stream)
    assert len(records) == len({r["_id"] for r in records})
    assert len({r["_snapshot_at"] for r in records}) == 1


def test_calls_fields_are_normalised_and_flattened(small_sim, first_sync):
    run, _ = first_sync
    truth = {c["_id"]: c for c in small_sim.truth("PK", "calls")}
    records = run.records("calls", "PK")
    assert records
    for record in records:
        canonical = truth[record["_id"]]
        for field in ("createTime", "chargeTime", "startTime", "endTime", "duration", "billDuration"):
            assert record[field] == canonical[field], (field, record, canonical)
        assert record["answerTime"] in (canonical["answerTime"], None if canonical["answerTime"] == 0 else -1)
        agent = canonical.get("fromUser")
        assert (record["fromUser"] or {}).get("_id") == (agent or {}).get("_id")
        if agent:
            assert isinstance(record["fromUser"], dict)
            assert record["fromUser"]["_id"] == agent["_id"]
            group = agent.get("group")
            expected_group = group["_id"] if isinstance(group, dict) else group
            if record["fromUser"]["name"] is None:  # the API sent only the agent's id
                assert record["fromUser"]["group"] is None
            else:
                assert record["fromUser"]["name"] == agent["name"]
                assert record["fromUser"]["group"] == expected_group
        team = canonical.get("fromGroup")
        team_id = team.get("_id") if isinstance(team, dict) else team
        assert (record["fromGroup"] or {}).get("_id") == team_id
        assert record["direction"] is None or isinstance(record["direction"], str)


def test_customers_fields_and_status(small_sim, first_sync):
    run, _ = first_sync
    truth = {c["_id"]: c for c in small_sim.truth("HN", "customers")}
    records = run.records("customers", "HN")
    assert records
    with_status = 0
    for record in records:
        canonical = truth[record["_id"]]
        assert record["updateTime"] == canonical["updateTime"]
        assert record["assignedTime"] == canonical["assignedTime"]
        owner = canonical.get("user") or {}
        user = record["user"] or {}
        assert user.get("_id") == owner.get("_id")
        group = owner.get("group")
        if record["user"] is not None and user["name"] is None:  # owner sent as a bare id
            assert user["group"] is None
        else:
            assert user.get("group") == (group["_id"] if isinstance(group, dict) else group)
        status = next((f for f in canonical.get("customFields") or [] if f.get("key") == "tinh-trang-kh"), None)
        if status and status.get("val"):
            with_status += 1
            values = [v.strip() for v in status["val"] if v and v.strip()]
            assert record["customField_0_val"] == " | ".join(dict.fromkeys(values))
        assert all(isinstance(f, dict) for f in record["customFields"] or [])
    assert with_status > 0


def test_every_record_carries_tenant_and_only_schema_fields(first_sync):
    run, _ = first_sync
    for stream in ("calls", "customers", "staff", "groups"):
        allowed = set(_schema(stream)["properties"])
        for record in run.records(stream):
            assert record["tenant"] in TENANTS
            assert set(record) <= allowed, set(record) - allowed


def test_sync_log_rows_are_emitted_last_and_ok(first_sync):
    run, _ = first_sync
    record_streams = [m["stream"] for m in run.messages if m["type"] == "RECORD"]
    first_log = record_streams.index("sync_log")
    assert set(record_streams[first_log:]) == {"sync_log"}
    rows = run.sync_log()
    assert set(rows) == {(t, s) for t in TENANTS for s in ("calls", "customers", "staff", "groups")}
    for (tenant, stream), row in rows.items():
        assert row["status"] == "OK"
        assert row["error"] is None
        assert row["records_read"] == len(run.records(stream, tenant))
        if stream in ("calls", "customers"):
            assert row["bookmark_reached"] == bookmark(run.final_state, stream, tenant)
            assert row["bookmark_start"] is None
    assert len({row["run_id"] for row in rows.values()}) == 1


def test_summary_on_stderr(first_sync):
    run, _ = first_sync
    assert "summary" in run.stderr
    for tenant in TENANTS:
        assert f"tenant {tenant} stream calls" in run.stderr
