"""Replies that are not what they claim: a 200 that is not a valid page, an error text echoing a
password or token, a reply dripping in byte by byte; and the login's retries, which follow the
streams' policy (Retry-After honoured, a ceiling)."""

from __future__ import annotations

import re

from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, bookmark, catalog_with, run_tap, truth_ids


def _previous_state(sim, stream, key, tenants, value):
    partitions = [{"context": {"tenant": t}, "replication_key": key, "replication_key_value": value} for t in tenants]
    return {"bookmarks": {stream: {"partitions": partitions}}}


def test_a_200_that_is_not_a_page_fails_the_tenant_and_keeps_its_bookmark(clean_sim):
    sim = clean_sim
    # every shape of a bad page, each on its own tenant and stream, for good
    sim.set_faults(
        [
            {"fault": "bad_page", "shape": "error_object", "endpoints": ["/call"], "tenants": ["PK"]},
            {"fault": "bad_page", "shape": "empty_with_next", "endpoints": ["/customer"], "tenants": ["PK"]},
            {"fault": "bad_page", "shape": "docs_dropped", "endpoints": ["/call"], "tenants": ["HN"]},
            {"fault": "bad_page", "shape": "count_mismatch", "endpoints": ["/customer"], "tenants": ["HN"]},
            # once only: retried, then read in full
            {"fault": "bad_page", "shape": "empty_with_next", "endpoints": ["/user"], "times": 2},
        ]
    )
    earlier = sim.now() - 3 * DAY_MS
    state = _previous_state(sim, "calls", "createTime", ["PK", "HN"], earlier)
    state["bookmarks"].update(_previous_state(sim, "customers", "updateTime", ["PK", "HN"], earlier)["bookmarks"])
    run = run_tap(base_config(sim, page_size=50, max_retries=2), state=state)

    assert run.returncode != 0
    rows = run.sync_log()
    for tenant in ("PK", "HN"):
        for stream in ("calls", "customers"):
            assert rows[(tenant, stream)]["status"] == "ERROR", rows[(tenant, stream)]
            assert "gave up after retries" in rows[(tenant, stream)]["error"]
            assert bookmark(run.final_state, stream, tenant) == earlier, (tenant, stream)
        assert rows[(tenant, "staff")]["status"] == "OK"
        assert run.ids("staff", tenant) == truth_ids(sim, tenant, "staff")
    assert "no docs list" in rows[("PK", "calls")]["error"]
    assert "hasNextPage" in rows[("PK", "customers")]["error"]
    assert "totalDocs" in rows[("HN", "calls")]["error"]
    assert all(rule["fired"] for rule in sim.faults()), sim.faults()


def test_echoed_credentials_never_reach_the_stored_error_or_the_logs(clean_sim):
    sim = clean_sim
    sim.set_faults(
        [
            {"fault": "echo_credentials", "status": 500, "endpoints": ["/call"], "tenants": ["PK"]},
            {"fault": "echo_credentials", "status": 400, "endpoints": ["/customer"], "tenants": ["HN"]},
            {"fault": "echo_credentials", "status": 503, "endpoints": ["/auth/login"], "tenants": ["HN"], "times": 1},
        ]
    )
    run = run_tap(base_config(sim, start_date=iso(sim.now() - DAY_MS), max_retries=1))
    assert run.returncode != 0
    rows = run.sync_log()
    assert rows[("PK", "calls")]["status"] == "ERROR" and rows[("HN", "customers")]["status"] == "ERROR"
    # the echo is kept (it helps), the secrets in it are masked
    assert "token=***" in rows[("PK", "calls")]["error"] and "token=***" in rows[("HN", "customers")]["error"]
    session_tokens = re.findall(r"[0-9a-f]{48}", run.stderr)
    assert session_tokens == []  # none leaked unmasked; the known ones are masked as ***
    text = run.stderr + "\n".join(str(m) for m in run.messages)
    for account in sim.accounts:
        assert account["password"] not in text and account["token"] not in text
    assert rows[("HN", "calls")]["status"] == "OK"  # the login echo was retried once, then passed


def test_a_dripping_reply_fails_its_tenant_in_bounded_time_and_the_others_finish(clean_sim):
    sim = clean_sim
    # about 60 s for one page; the deadline is 2 s per request, 2 tries
    sim.set_faults([{"fault": "drip", "delay": 0.05, "chunk": 1, "endpoints": ["/customer"], "tenants": ["HN"]}])
    start = sim.now() - 2 * DAY_MS
    config = base_config(sim, start_date=iso(start), request_timeout=2, max_retries=1)
    run = run_tap(config, catalog=catalog_with("customers"), timeout=120)
    assert run.returncode == 1, run.stderr[-2000:]
    rows = run.sync_log()
    assert rows[("HN", "customers")]["status"] == "ERROR"
    assert "gave up after retries: DeadlineExceeded" in rows[("HN", "customers")]["error"]
    assert rows[("PK", "customers")]["status"] == "OK"
    reached = bookmark(run.final_state, "customers", "PK")
    assert truth_ids(sim, "PK", "customers", "updateTime", upto=reached, since=start) <= run.ids("customers", "PK")


def test_login_retries_follow_the_streams_policy(clean_sim):
    sim = clean_sim
    sim.set_faults(
        [
            {"fault": "status", "status": 429, "retry_after": 0.3, "endpoints": ["/auth/login"], "tenants": ["PK"],
             "times": 1},
            {"fault": "status", "status": 503, "retry_after": 3600, "endpoints": ["/auth/login"], "tenants": ["HN"],
             "times": 1},
        ]
    )
    config = base_config(sim, start_date=iso(sim.now() - DAY_MS), retry_max_delay_s=0.5)
    run = run_tap(config, catalog=catalog_with("calls"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert "tenant PK: login retry 1 in 0.30s after HTTP 429" in run.stderr  # Retry-After honoured
    assert "tenant HN: login retry 1 in 0.50s after HTTP 503" in run.stderr  # capped by the ceiling
