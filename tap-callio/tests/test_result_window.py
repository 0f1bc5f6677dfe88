"""A 60,000-call day is read completely under the 10,000 result window, with a
bounded number of requests (keyset paging, never paging past the window)."""

from __future__ import annotations

import collections
import datetime

import pytest

from callio_sim.testing import running_simulator
from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, bookmark, catalog_with, run_tap, truth_ids

BURST = 60_000
PAGE_SIZE = 500


@pytest.fixture(scope="module")
def burst_sim():
    day = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=2)).date()
    with running_simulator(
        seed=7, tenants="PK", customers=50, calls=200, staff=5, groups=2, bursts=[f"PK@{day.isoformat()}:{BURST}"]
    ) as sim:
        yield sim


def test_burst_day_is_read_completely_with_bounded_requests(burst_sim, monkeypatch):
    monkeypatch.setenv("TAP_CALLIO_LOGLEVEL", "DEBUG")  # the per-slice lines counted below
    start = burst_sim.now() - 5 * DAY_MS
    config = base_config(burst_sim, start_date=iso(start), page_size=PAGE_SIZE)
    burst_sim.reset_stats()
    run = run_tap(config, catalog=None, extra=())
    assert run.returncode == 0, run.stderr[-3000:]

    reached = bookmark(run.final_state, "calls", "PK")
    expected = truth_ids(burst_sim, "PK", "calls", "createTime", upto=reached, since=start)
    got = run.ids("calls", "PK")
    assert len(expected) > BURST
    assert expected - got == set()

    stats = burst_sim.stats()
    by_status = stats["by_status"]
    assert set(by_status) <= {"200"}, by_status  # never a 400 "Result window is too large"
    call_requests = sum(e["count"] for e in stats["entries"] if e["endpoint"] == "/call")
    slices = sum(1 for line in run.stderr.splitlines() if "stream calls: slice" in line and "done" in line)
    records = len(run.records("calls", "PK"))
    budget = records / PAGE_SIZE * 1.10 + slices
    print(f"60k day: {records} records, {call_requests} /call requests, {slices} slices, budget {budget:.0f}")
    assert call_requests <= budget, (call_requests, records, slices)
    # memory stays flat with volume: a run reading ten times fewer records peaks about as high
    small = run_tap(
        base_config(burst_sim, start_date=iso(burst_sim.now() - DAY_MS), page_size=PAGE_SIZE),
        catalog=catalog_with("calls"),
    )
    assert small.returncode == 0 and len(small.records("calls")) < records / 10
    print(
        f"peak RSS: {run.max_rss_kb} kB for {records} records, {small.max_rss_kb} kB for {len(small.records('calls'))}"
    )
    assert run.max_rss_kb < small.max_rss_kb + 40_000
    # duplicates only come from the look-back / boundary: at most a handful
    assert records - len(got) <= PAGE_SIZE


def test_ties_larger_than_a_page_fall_back_to_offset_pages():
    """page_size 2 with half the calls sharing a millisecond: many ties exceed a page."""
    with running_simulator(
        seed=11, tenants="PK", customers=20, calls=150, staff=3, groups=2, same_ms_fraction=0.6
    ) as sim:
        start = sim.now() - 40 * DAY_MS
        config = base_config(sim, start_date=iso(start), page_size=2, time_slice_ms=10 * DAY_MS)
        run = run_tap(config, catalog=catalog_with("calls"))
        assert run.returncode == 0, run.stderr[-3000:]
        reached = bookmark(run.final_state, "calls", "PK")
        truth = list(sim.truth("PK", "calls"))
    run_counts = collections.Counter(c["createTime"] for c in truth)
    assert max(run_counts.values()) > 2, "some millisecond should hold more calls than a page"
    expected = {c["_id"] for c in truth if start <= c["createTime"] <= reached}
    assert expected
    times = [c["createTime"] for c in truth if start <= c["createTime"] <= reached]
    assert len(times) - len(set(times)) > 0, "the window should hold ties"
    got = run.ids("calls", "PK")
    assert expected - got == set()
    assert len(run.records("calls", "PK")) == len(got), "boundary ids must be deduplicated"
