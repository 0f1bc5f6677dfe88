"""Late records and a skewed server clock: the calls look-back covers hours of delay, a daily
wide re-read (reconciliation) catches days, and bookmarks never pass the server's own now."""

from __future__ import annotations

import copy
import time

import pytest

from callio_sim.testing import running_simulator
from tap_callio import reconcile
from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, catalog_with, run_tap

SMALL = {"seed": 5, "tenants": "PK,HN", "customers": 80, "calls": 300, "days": 3, "customer_days": 4, "staff": 4,
         "groups": 2}
HOUR_MS = 3_600_000


def _partition(state, stream, tenant):
    return next(p for p in state["bookmarks"][stream]["partitions"] if p["context"] == {"tenant": tenant})


def test_late_calls_are_caught_by_the_look_back_then_by_reconciliation():
    with running_simulator(**SMALL) as sim:
        config = base_config(sim, start_date=iso(sim.now() - 4 * DAY_MS))
        first = run_tap(config, catalog=catalog_with("calls"))
        assert first.returncode == 0, first.stderr[-2000:]
        hours_late = set(sim.mutate("PK", late_calls=4, late_minutes=25)["late_calls"])  # CDRs of long calls
        hours_late |= set(sim.mutate("PK", late_calls=4, late_minutes=5 * 60)["late_calls"])
        days_late = set(sim.mutate("PK", late_calls=4, late_minutes=30 * 60)["late_calls"])  # a day and more

        second = run_tap(config, state=first.final_state, catalog=catalog_with("calls"))
        assert second.returncode == 0, second.stderr[-2000:]
        assert hours_late <= second.ids("calls", "PK")  # within the 6 h look-back: the next run
        assert not days_late & second.ids("calls", "PK")  # beyond it, and reconciled < 24 h ago

        due = copy.deepcopy(second.final_state)
        marked = _partition(due, "calls", "PK")[reconcile.RECONCILED_AT]
        assert marked >= sim.now() - HOUR_MS  # the first sync counted as a reconciliation
        _partition(due, "calls", "PK")[reconcile.RECONCILED_AT] = marked - 25 * HOUR_MS
        # reconciled_at is stored with a bookmark that moves, and the bookmark never passes the
        # server's Date header (whole seconds): a run ending in the second run's second would
        # not move it (it flaked so in CI); real runs are minutes apart
        time.sleep(1.1)
        third = run_tap(config, state=due, catalog=catalog_with("calls"))
        assert third.returncode == 0, third.stderr[-2000:]
        assert days_late <= third.ids("calls", "PK")  # the reconciling run re-read 3 days
        assert _partition(third.final_state, "calls", "PK")[reconcile.RECONCILED_AT] > marked
        # HN was not due: its run stayed narrow (look-back only)
        assert len(third.ids("calls", "HN")) < len(third.ids("calls", "PK"))


@pytest.mark.parametrize("skew_s", [-600, 600], ids=["server-behind", "server-ahead"])
def test_bookmarks_follow_the_server_clock(skew_s):
    with running_simulator(**SMALL, clock_skew_s=skew_s) as sim:
        config = base_config(sim, start_date=iso(sim.now() - 5 * DAY_MS), safety_lag_ms=60_000)
        first = run_tap(config, catalog=catalog_with("customers"))
        assert first.returncode == 0, first.stderr[-2000:]
        reached = _partition(first.final_state, "customers", "PK")["replication_key_value"]
        assert reached <= sim.now() - 60_000  # never past the server's now minus the lag
        updated = set(sim.mutate("PK", update_customers=25)["updated_customers"])  # stamped by the server
        second = run_tap(config, state=first.final_state, catalog=catalog_with("customers"))
        assert second.returncode == 0, second.stderr[-2000:]
        # nothing lost: each update was read, or lies beyond the bookmark (the next run reads it;
        # a server ahead of the host stamps times the host reaches only later)
        reached = _partition(second.final_state, "customers", "PK")["replication_key_value"]
        stamped = {r["_id"]: r["updateTime"] for r in sim.truth("PK", "customers") if r["_id"] in updated}
        lost = {i for i in updated - second.ids("customers", "PK") if stamped[i] <= reached}
        assert not lost, f"{len(lost)} updates behind the bookmark {reached} were never read"
        if skew_s < 0:
            assert updated <= second.ids("customers", "PK")


def test_reconciliation_window():
    config = {"reconciliation_days": 3, "reconciliation_interval_hours": 24}
    now = 100 * DAY_MS
    start = now - HOUR_MS  # what the look-back alone would read

    def widen(state, bookmark=now, settings=config):
        return reconcile.widen(start, state=state, bookmark=bookmark, now_ms=now, config=settings)

    assert widen({}, bookmark=None) == (start, now)  # a first sync counts as a reconciliation
    assert widen({reconcile.RECONCILED_AT: now - 23 * HOUR_MS}) == (start, None)
    assert widen({reconcile.RECONCILED_AT: now - 24 * HOUR_MS}) == (now + 1 - 3 * DAY_MS, now)
    assert widen({}, settings={"reconciliation_days": 0, "reconciliation_interval_hours": 24}) == (start, None)
