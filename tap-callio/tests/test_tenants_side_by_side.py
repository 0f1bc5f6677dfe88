"""Tenants are read side by side (tenant_concurrency) and the output is still one valid Singer
stream: every line a whole message, every STATE covering only records already written, a failing
tenant isolated, and one tenant's Retry-After wait not holding the others. Proven through the
simulator's counters and request log, never with a clock."""

from __future__ import annotations

import pytest

from callio_sim.testing import running_simulator
from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, bookmark, catalog_with, logins, run_tap

KEYS = {"calls": "createTime", "customers": "updateTime"}
TENANTS = ("PK", "HN", "SG")


@pytest.fixture(scope="module")
def sim():
    # every reply held 40 ms (the simulator's latency model), so requests of tenants read at the
    # same time overlap in the simulator
    with running_simulator(
        seed=31,
        tenants=",".join(TENANTS),
        customers=120,
        calls=500,
        days=20,
        staff=3,
        groups=2,
        latency_ms=40,
        log_requests=True,
    ) as handle:
        yield handle


def _config(sim, **overrides):
    accounts = logins(sim)
    for account in accounts:
        if account["tenant"] == "SG":
            account["password"] = "wrong"  # SG fails; PK and HN must not notice
    overrides.setdefault("accounts", accounts)
    return base_config(
        sim, start_date=iso(sim.now() - 25 * DAY_MS), page_size=50, time_slice_ms=5 * DAY_MS, **overrides
    )


@pytest.fixture(scope="module")
def side_by_side(sim):
    sim.reset_stats()
    run = run_tap(_config(sim), catalog=catalog_with("calls", "customers"))
    return run, sim.stats()


def test_tenants_are_read_at_the_same_time(side_by_side):
    _, stats = side_by_side
    assert stats["max_in_flight"] >= 2


def test_one_tenant_at_a_time_when_asked(sim):
    sim.reset_stats()
    run = run_tap(_config(sim, tenant_concurrency=1), catalog=catalog_with("calls"))
    assert run.returncode == 1
    assert sim.stats()["max_in_flight"] == 1


def test_output_is_one_stream_of_whole_messages(side_by_side):
    run, _ = side_by_side
    assert run.not_json_lines == []
    assert run.messages and all(m["type"] in {"SCHEMA", "RECORD", "STATE"} for m in run.messages)


def test_every_state_covers_only_records_already_written(sim, side_by_side):
    run, _ = side_by_side
    start = sim.now() - 25 * DAY_MS  # not earlier than the run's start_date
    truth = {
        (stream, tenant): [(r[KEYS[stream]], r["_id"]) for r in sim.truth(tenant, stream)]
        for stream in KEYS
        for tenant in ("PK", "HN")
    }
    written: dict[tuple[str, str], set[str]] = {key: set() for key in truth}
    checked = 0
    for message in run.messages:
        if message["type"] == "RECORD" and message["stream"] in KEYS:
            written[(message["stream"], message["record"]["tenant"])].add(message["record"]["_id"])
        elif message["type"] == "STATE":
            for (stream, tenant), records in truth.items():
                mark = bookmark(message["value"], stream, tenant)
                if mark is None:
                    continue
                lower = start if stream == "calls" else 0
                due = {doc_id for key, doc_id in records if lower <= key <= mark}
                assert due - written[(stream, tenant)] == set(), (stream, tenant, mark)
                checked += 1
    assert checked > 4


def test_a_failing_tenant_is_isolated(side_by_side):
    run, _ = side_by_side
    assert run.returncode == 1
    rows = run.sync_log()
    assert rows[("SG", "calls")]["status"] == "ERROR_LOGIN"
    for tenant in ("PK", "HN"):
        assert rows[(tenant, "calls")]["status"] == "OK"
        assert rows[(tenant, "customers")]["status"] == "OK"
        assert bookmark(run.final_state, "calls", tenant) is not None
    assert bookmark(run.final_state, "calls", "SG") is None
    assert run.records("calls", "SG") == []


def test_a_tenant_waiting_for_retry_after_does_not_hold_the_others(sim):
    sim.set_faults(
        [{"fault": "status", "status": 429, "retry_after": 2, "endpoints": ["/call"], "tenants": ["HN"], "times": 1}]
    )
    try:
        two_tenants = [a for a in logins(sim) if a["tenant"] in ("PK", "HN")]
        config = _config(sim, retry_max_delay_s=5, accounts=two_tenants)
        run = run_tap(config, catalog=catalog_with("calls"))
    finally:
        sim.clear_faults()
    assert run.returncode == 0, run.stderr[-3000:]
    assert "429" in run.stderr
    # the simulator logs each API request as it is answered
    lines = [line for line in sim.log_path.read_text().splitlines() if line.startswith("callio-sim: /call ")]
    throttled = next(i for i, line in enumerate(lines) if "tenant=HN -> 429" in line)
    retried = next(i for i, line in enumerate(lines) if i > throttled and "tenant=HN" in line)
    assert any("tenant=PK" in line for line in lines[throttled + 1 : retried])
