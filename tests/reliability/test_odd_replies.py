"""Replies that lie or stall: a 200 that is not a valid page, an error text echoing the token, a
reply dripping in byte by byte. The job fails loudly for exactly those tenants and streams, in
bounded time, with no secret stored or logged, and no bookmark moved past unread records: once
the API behaves, the next run leaves every record exactly once (checked against the truth)."""

from __future__ import annotations

import re
import subprocess

import pytest

from .checks import assert_pipeline_complete
from .pipeline import TENANTS

FAULTS = [
    # a 200 whose docs are empty although it says more follow: before, read as the end of the slice
    {"fault": "bad_page", "shape": "empty_with_next", "endpoints": ["/call"], "tenants": ["PK"]},
    # an error text quoting the session token: before, stored verbatim in sync_log and update_log
    {"fault": "echo_credentials", "status": 500, "endpoints": ["/customer"], "tenants": ["HN"]},
    # a reply of a byte every 50 ms: before, no read ever timed out and the run hung for hours
    {"fault": "drip", "delay": 0.05, "endpoints": ["/call"], "tenants": ["HN"]},
]
DEADLINE_S = "3"  # request_timeout: the deadline of a whole request


@pytest.fixture(scope="module")
def runs(make_module_pipeline):
    pipeline = make_module_pipeline()
    pipeline.sim.set_faults(FAULTS)
    env = dict(pipeline.env, TAP_CALLIO_REQUEST_TIMEOUT=DEADLINE_S, TAP_CALLIO_MAX_RETRIES="1")
    faulty = pipeline.start(pipeline.run_job_command("callio-customers-calls"), "with-odd-replies", env=env)
    try:
        faulty.finish(timeout=900)  # bounded: a hang fails here instead of blocking CI
    except subprocess.TimeoutExpired:
        faulty.kill()
        pytest.fail(f"the job was still running after 900 s (a hung tenant must fail in bounded time):\n{faulty.tail()}")
    secrets = [a["password"] for a in pipeline.sim.accounts] + [a["token"] for a in pipeline.sim.accounts]
    stored = pipeline.query("select tenant, stream, status, coalesce(error, '') from raw.sync_log")
    logged = pipeline.query("select tenant, table_name, mode, coalesce(error, '') from main.update_log")
    pipeline.sim.clear_faults()
    clean = pipeline.run(pipeline.run_job_command("callio-all"), "after-odd-replies")
    return pipeline, faulty, stored, logged, secrets, clean


def test_the_failing_tenants_and_streams_are_named_and_the_others_finish(runs):
    _, faulty, stored, logged, _, _ = runs
    assert faulty.returncode != 0, faulty.tail()
    status = {(tenant, stream): state for tenant, stream, state, _ in stored}
    assert status[("PK", "calls")] == status[("HN", "customers")] == status[("HN", "calls")] == "ERROR", status
    assert status[("PK", "customers")] == "OK", status
    errors = {(tenant, stream): error for tenant, stream, _, error in stored}
    assert "hasNextPage" in errors[("PK", "calls")]
    assert "DeadlineExceeded" in errors[("HN", "calls")]
    assert ("HN", "call_log", "ERROR") in {row[:3] for row in logged}


def test_no_secret_is_stored_or_logged(runs):
    _, faulty, stored, logged, secrets, _ = runs
    echoed = next(error for tenant, stream, _, error in stored if (tenant, stream) == ("HN", "customers"))
    assert "token=***" in echoed, echoed  # the echo is kept, its secret masked
    texts = [faulty.output] + [row[3] for row in stored] + [row[3] for row in logged]
    for secret in secrets:
        assert not any(secret in text for text in texts)
    session_token = r"[0-9a-f]{48}"  # the simulator's session tokens (the tap logs in)
    assert not any(re.search(session_token, text) for text in texts)


def test_the_next_run_leaves_every_record_exactly_once(runs):
    pipeline, _, _, _, _, clean = runs
    assert clean.returncode == 0, clean.tail()
    assert_pipeline_complete(pipeline, TENANTS)
