"""Incremental runs: bookmarks per tenant and stream, look-back for late calls,
customers read by updateTime (an old customer updated today is read), the
record cap, the safety lag, and no loss under inserts/updates during a scan."""

from __future__ import annotations

import pytest

from callio_sim.testing import running_simulator
from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, bookmark, catalog_with, run_tap, truth_ids


@pytest.fixture
def clean_sim(small_sim):
    small_sim.clear_faults()
    yield small_sim


def test_second_run_reads_new_updated_and_late_records(clean_sim):
    sim = clean_sim
    start = sim.now() - 30 * DAY_MS
    config = base_config(sim, start_date=iso(start), calls_lookback_ms=900_000, customers_lookback_ms=180_000)
    catalog = catalog_with("calls", "customers")
    first = run_tap(config, catalog=catalog)
    assert first.returncode == 0, first.stderr[-2000:]

    before_calls = truth_ids(sim, "PK", "calls")
    before_customers = {c["_id"]: c["updateTime"] for c in sim.truth("PK", "customers")}
    sim.mutate("PK", insert_calls=25, update_customers=20, late_calls=6)
    changed = {c["_id"]: c for c in sim.truth("PK", "customers") if c["updateTime"] != before_customers.get(c["_id"])}
    new_calls = {c["_id"]: c for c in sim.truth("PK", "calls") if c["_id"] not in before_calls}
    assert len(changed) == 20 and len(new_calls) == 31
    # late calls were written minutes in the past, before the first run's bookmark
    assert any(c["createTime"] <= bookmark(first.final_state, "calls", "PK") for c in new_calls.values())
    # some updated customers were created long before the sync window
    assert any(c["createTime"] < start for c in changed.values())

    sim_now = sim.now()
    second = run_tap(config, state=first.final_state, catalog=catalog)
    assert second.returncode == 0, second.stderr[-2000:]
    reached_calls = bookmark(second.final_state, "calls", "PK")
    reached_customers = bookmark(second.final_state, "customers", "PK")
    assert {i for i, c in new_calls.items() if c["createTime"] <= reached_calls} <= second.ids("calls", "PK")
    updated = second.records("customers", "PK")
    for customer_id, canonical in changed.items():
        if canonical["updateTime"] <= reached_customers:
            assert any(r["_id"] == customer_id and r["updateTime"] == canonical["updateTime"] for r in updated)
    # the second run only re-read the look-back, not the whole window
    assert len(second.records("calls", "PK")) < len(first.records("calls", "PK")) / 4
    assert min(r["createTime"] for r in second.records("calls", "PK")) >= (
        bookmark(first.final_state, "calls", "PK") + 1 - 900_000
    )
    # HN untouched: its own bookmark, its own start
    assert second.sync_log()[("HN", "calls")]["bookmark_start"] == bookmark(first.final_state, "calls", "HN")
    assert reached_calls <= sim_now + 60_000


def test_bookmark_never_passes_now_minus_safety_lag(clean_sim):
    sim = clean_sim
    lag = 2 * 3_600_000
    run = run_tap(
        base_config(sim, start_date=iso(sim.now() - 3 * DAY_MS), safety_lag_ms=lag), catalog=catalog_with("calls")
    )
    assert run.returncode == 0
    now = sim.now()
    for state in run.states:
        for tenant in ("PK", "HN"):
            mark = bookmark(state, "calls", tenant)
            assert mark is None or mark <= now - lag
    reached = bookmark(run.final_state, "calls", "PK")
    assert reached >= now - lag - 120_000
    assert max(r["createTime"] for r in run.records("calls", "PK")) <= reached


def test_record_cap_bookmark_covers_only_what_was_read(clean_sim):
    sim = clean_sim
    start = sim.now() - 30 * DAY_MS
    config = base_config(
        sim,
        accounts=[a for a in base_config(sim)["accounts"] if a["tenant"] == "PK"],
        start_date=iso(start),
        max_records_per_run=300,
        time_slice_ms=2 * DAY_MS,
        calls_lookback_ms=0,
    )
    catalog = catalog_with("calls")
    state = None
    seen: set[str] = set()
    marks = []
    for _ in range(12):
        run = run_tap(config, state=state, catalog=catalog)
        assert run.returncode == 0
        read = len(run.records("calls", "PK"))
        seen |= run.ids("calls", "PK")
        state = run.final_state
        mark = bookmark(state, "calls", "PK")
        marks.append(mark)
        # everything up to the bookmark has been delivered by now
        assert truth_ids(sim, "PK", "calls", "createTime", upto=mark, since=start) - seen == set()
        row = run.sync_log()[("PK", "calls")]
        if read < 300:
            assert row["status"] == "OK", row  # caught up: the run that did not stop at the cap
            break
        assert read < 300 + 200  # the cap stops at the next slice boundary
        # a run stopped by the cap is not OK: it says so, and how far behind the bookmark is
        assert row["status"] == "BEHIND", row
        assert "record cap 300" in row["error"] and " behind (at " in row["error"], row
        assert f"BEHIND PK/calls: {row['error']}" in run.stderr
    assert marks == sorted(marks) and len(set(marks)) == len(marks)
    assert len(marks) > 2, "the cap should have split the backfill over several runs"
    assert marks[-1] >= sim.now() - DAY_MS


def test_no_loss_under_inserts_and_updates_during_the_scan():
    with running_simulator(
        seed=3,
        tenants="PK",
        customers=800,
        calls=1500,
        staff=3,
        groups=2,
        live_inserts_per_sec=40,
        live_updates_per_sec=40,
    ) as sim:
        sim.set_faults([{"fault": "slow", "endpoints": ["/call", "/customer"], "delay": 0.02}])
        start = sim.now() - 30 * DAY_MS
        config = base_config(sim, start_date=iso(start), page_size=25, time_slice_ms=10 * DAY_MS, safety_lag_ms=0)
        catalog = catalog_with("calls", "customers")
        first = run_tap(config, catalog=catalog)
        second = run_tap(config, state=first.final_state, catalog=catalog)
        assert first.returncode == 0 and second.returncode == 0
        for stream, key in (("calls", "createTime"), ("customers", "updateTime")):
            reached = bookmark(second.final_state, stream, "PK")
            got = first.ids(stream, "PK") | second.ids(stream, "PK")
            truth = {}
            for record in sim.truth("PK", stream):
                if start <= record[key] <= reached:
                    truth[record["_id"]] = record[key]
            missing = set(truth) - got
            assert missing == set(), (stream, len(missing))
        # a record read once per version: no duplicates of one (id, key) within a run
        pairs = [(r["_id"], r["updateTime"]) for r in first.records("customers", "PK")]
        assert len(pairs) == len(set(pairs))
        calls = [r["_id"] for r in first.records("calls", "PK")]
        assert len(calls) == len(set(calls))
