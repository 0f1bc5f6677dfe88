"""Records that appear late, and an API whose clock runs 10 minutes behind the host's.

Before: calls visible more than 15 minutes after their createTime were never read, and customer
updates stamped by the slow server clock fell behind bookmarks that followed the host's clock.
Now the calls look-back covers hours, bookmarks never pass the server's now (its Date header),
and a daily wide re-read (reconciliation) catches records days late."""

from __future__ import annotations

import pytest

from .checks import assert_pipeline_complete
from .pipeline import TENANTS

EXTRACT = ["tap-callio--customers", "target-duckdb", "tap-callio--calls", "target-duckdb"]


@pytest.fixture(scope="module")
def runs(make_module_pipeline):
    pipeline = make_module_pipeline(clock_skew_s=-600)
    first = pipeline.meltano("run", *EXTRACT, name="first")
    sim = pipeline.sim
    updated = set(sim.mutate("PK", update_customers=15)["updated_customers"])
    late = set(sim.mutate("PK", late_calls=5, late_minutes=25)["late_calls"])  # long calls
    late |= set(sim.mutate("HN", late_calls=5, late_minutes=4 * 60)["late_calls"])
    days_late = set(sim.mutate("PK", late_calls=5, late_minutes=30 * 60)["late_calls"])
    second = pipeline.meltano("run", *EXTRACT, name="second")
    # versions, not ids: the updated customers were loaded before, with their older updateTime
    raw_customers = set(pipeline.query("select _id, updatetime from raw.customers"))
    raw_calls = {row[0] for row in pipeline.query("select _id from raw.calls")}
    # the next reconciliation is due (normally 24 h after the last one)
    env = dict(pipeline.env, TAP_CALLIO_RECONCILIATION_INTERVAL_HOURS="0")
    third = pipeline.run(pipeline.run_job_command("callio-all"), "reconciling", env=env)
    return pipeline, (first, second, third), updated, late, days_late, raw_customers, raw_calls


def test_updates_stamped_by_a_slow_server_clock_are_read_by_the_next_run(runs):
    _, (first, second, _), updated, _, _, raw_customers, _ = runs
    assert first.returncode == 0 and second.returncode == 0, second.tail()
    versions = {(r["_id"], r["updateTime"]) for r in runs[0].sim.truth("PK", "customers") if r["_id"] in updated}
    assert len(versions) == len(updated)
    assert versions <= raw_customers, f"{len(versions - raw_customers)} customer updates lost"


def test_calls_hours_late_are_read_by_the_next_run(runs):
    _, _, _, late, days_late, _, raw_calls = runs
    assert late <= raw_calls, f"{len(late - raw_calls)} late calls not read"
    assert not days_late & raw_calls  # older than the look-back: left to the reconciliation


def test_the_reconciliation_leaves_every_record_exactly_once(runs):
    pipeline, (_, _, third), _, _, _, _, _ = runs
    assert third.returncode == 0, third.tail()
    assert_pipeline_complete(pipeline, TENANTS)
