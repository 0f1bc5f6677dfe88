"""A first sync ends with every customer, also those last updated long before its window who
are called afterwards: the report needs their current record (status, assignment)."""

from __future__ import annotations

import re

from callio_sim.testing import running_simulator

from conftest import DAY_MS, base_config, catalog_with, run_tap


def digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")[-9:]


def test_first_sync_reads_customers_updated_long_before_its_window():
    with running_simulator(
        seed=8, tenants="PK", customers=300, calls=400, days=20, customer_days=400, staff=3, groups=2
    ) as sim:
        window_start = sim.now() - 10 * DAY_MS
        run = run_tap(base_config(sim, days_to_fetch_if_empty=10), catalog=catalog_with("calls", "customers"))
        assert run.returncode == 0, run.stderr[-3000:]
        customers = list(sim.truth("PK", "customers"))
        calls = [c for c in sim.truth("PK", "calls") if c["createTime"] >= window_start]
    old = {c["_id"]: digits(c["phone"]) for c in customers if c["updateTime"] < window_start}
    called = {digits(c["fromNumber"]) for c in calls} | {digits(c["toNumber"]) for c in calls}
    old_and_called = {customer_id for customer_id, phone in old.items() if phone in called}
    assert old_and_called, "the data should hold old customers called inside the window"
    got = run.ids("customers", "PK")
    assert old_and_called - got == set()
    assert {c["_id"] for c in customers} - got == set()
