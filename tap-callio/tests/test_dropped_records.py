"""Records that cannot be repaired are dropped, counted and logged with tenant,
stream and id or position, never raised; records no warehouse takes are
quarantined (see test_quarantine.py). The simulator's `poison` fault serves them."""

from __future__ import annotations

from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, catalog_with, run_tap, truth_ids


def test_unrepairable_records_are_dropped_counted_and_logged(small_sim):
    sim = small_sim
    start = sim.now() - 2 * DAY_MS
    newest = sorted((c for c in sim.truth("PK", "calls") if c["createTime"] >= start), key=lambda c: c["createTime"])
    no_id, bad_time, not_object = (c["_id"] for c in newest[-3:])
    sim.set_faults(
        [
            {"fault": "poison", "endpoints": ["/call"], "tenants": ["PK"], "ids": [no_id], "value": "no_id"},
            {"fault": "poison", "endpoints": ["/call"], "tenants": ["PK"], "ids": [bad_time], "value": "bad_time"},
            {"fault": "poison", "endpoints": ["/call"], "tenants": ["PK"], "ids": [not_object], "value": "not_object"},
        ]
    )
    try:
        run = run_tap(base_config(sim, start_date=iso(start), page_size=50), catalog=catalog_with("calls"))
    finally:
        sim.clear_faults()
    assert run.returncode == 0, run.stderr[-2000:]
    dropped = [line for line in run.stderr.splitlines() if "dropped record" in line]
    assert len(dropped) == 3, dropped
    assert all("tenant PK stream calls" in line for line in dropped)
    assert any("at position" in line and "no _id" in line for line in dropped)
    assert any(bad_time in line and "createTime" in line for line in dropped)
    assert any("at position" in line and "not an object" in line for line in dropped)
    expected = truth_ids(sim, "PK", "calls", "createTime", since=start) - {no_id, bad_time, not_object}
    assert expected <= run.ids("calls", "PK") and not {no_id, bad_time, not_object} & run.ids("calls", "PK")
    summary = next(line.split() for line in run.stderr.splitlines() if line.split()[-6:-4] == ["PK", "calls"])
    assert summary[-4] == "OK" and summary[-2] == "3"  # status, dropped
    assert sim.account("PK")["password"] not in run.stderr
