"""Listing requests stay near the ideal (records / page size, per tenant and stream) on data with
dense days, sparse weeks and empty years: slices are sized from the API's totalDocs, not by the
calendar. Counted by the simulator (/_sim/stats), never timed."""

from __future__ import annotations

import datetime
import math

import pytest

from callio_sim.testing import running_simulator
from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, bookmark, catalog_with, run_tap, truth_ids

PAGE_SIZE = 200
BURST = 11_000  # one day above the 10,000 result window
ENDPOINTS = {"calls": "/call", "customers": "/customer"}
KEYS = {"calls": "createTime", "customers": "updateTime"}


@pytest.fixture(scope="module")
def uneven():
    """PK: 300 calls over 400 days (a few a week) and one day of 11,000; HN: the sparse calls only.
    The first sync starts six years back (empty years); customers are read from the beginning."""
    day = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)).date()
    with running_simulator(
        seed=21,
        tenants="PK,HN",
        customers=400,
        calls=300,
        days=400,
        staff=3,
        groups=2,
        bursts=[f"PK@{day.isoformat()}:{BURST}"],
    ) as sim:
        start = sim.now() - 6 * 365 * DAY_MS
        sim.reset_stats()
        run = run_tap(
            base_config(sim, start_date=iso(start), page_size=PAGE_SIZE), catalog=catalog_with("calls", "customers")
        )
        assert run.returncode == 0, run.stderr[-3000:]
        yield sim, run, start, sim.stats()


@pytest.mark.parametrize("tenant", ["PK", "HN"])
@pytest.mark.parametrize("stream", ["calls", "customers"])
def test_listing_requests_stay_near_the_ideal(uneven, tenant, stream):
    sim, run, start, stats = uneven
    since = start if stream == "calls" else None
    reached = bookmark(run.final_state, stream, tenant)
    expected = truth_ids(sim, tenant, stream, KEYS[stream], upto=reached, since=since)
    got = run.ids(stream, tenant)
    assert expected - got == set()
    requests = sum(e["count"] for e in stats["entries"] if e["endpoint"] == ENDPOINTS[stream] and e["tenant"] == tenant)
    ideal = math.ceil(len(got) / PAGE_SIZE)
    print(f"{tenant} {stream}: {len(got)} records, {requests} requests, ideal {ideal}")
    assert requests <= 1.25 * ideal + 5, (requests, ideal)


def test_state_messages_are_few(uneven):
    _, run, _, _ = uneven
    # one per completed slice (up to 10,000 records each), not one per day: 2,190 days were read
    assert len(run.states) <= 30, len(run.states)
