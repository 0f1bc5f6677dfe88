"""Faults from the API: the run either succeeds with complete data or fails loudly naming tenant
and stream; either way nothing is lost once the next run has succeeded."""

from __future__ import annotations

from .checks import assert_pipeline_complete
from .pipeline import JOB_ALL, TENANTS

# Each kind once or a few times, well inside the tap's retry budget (max_retries 5).
# The hang outlasts the demo environment's request_timeout (30 s): a real client timeout.
TRANSIENT_FAULTS = [
    {"fault": "status", "status": 429, "retry_after": 1, "endpoints": ["/call"], "times": 2},
    {"fault": "status", "status": 503, "endpoints": ["/customer"], "every": 3, "times": 3},
    {"fault": "status", "status": 500, "endpoints": ["/user"], "times": 1},
    {"fault": "drop", "endpoints": ["/call"], "after": 3, "times": 1},
    {"fault": "truncate", "endpoints": ["/customer"], "after": 2, "times": 1},
    {"fault": "non_json", "endpoints": ["/user-group"], "times": 1},
    {"fault": "expire_token", "endpoints": ["/call"], "tenants": ["HN"], "after": 4, "times": 1},
    {"fault": "hang", "delay": 31, "endpoints": ["/customer"], "tenants": ["HN"], "after": 1, "times": 1},
]

# Faults that outlast any retry: a 401 in the middle of HN's calls scan that a new login does
# not cure, and a PK customers endpoint that always answers 500.
PERSISTENT_FAULTS = [
    {"fault": "status", "status": 401, "endpoints": ["/call"], "tenants": ["HN"], "after": 2},
    {"fault": "status", "status": 500, "endpoints": ["/customer"], "tenants": ["PK"]},
]


# Slices are sized from the API's counts, so the small test data takes only a request or two per
# tenant and stream; small pages give the faults' `after` and `every` counts requests to land on.
SMALL_PAGES = {"TAP_CALLIO_PAGE_SIZE": "20"}


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "ERROR" in line or "error" in line.lower()]


def test_transient_faults_are_retried_and_nothing_is_lost(make_pipeline):
    pipeline = make_pipeline()
    pipeline.env.update(SMALL_PAGES)
    pipeline.sim.set_faults(TRANSIENT_FAULTS)
    first = pipeline.meltano("run", *JOB_ALL, name="with-faults")
    fired = [(rule["fault"], rule.get("status"), rule.get("fired")) for rule in pipeline.sim.faults()]
    assert all(count for _, _, count in fired), f"some faults never fired: {fired}"
    if first.returncode != 0:
        # Allowed, if loud: a failed tenant and stream are named.
        named = [line for line in error_lines(first.output) if any(t in line for t in TENANTS)]
        assert named, f"the run failed without naming a tenant and stream:\n{first.tail()}"
        pipeline.sim.clear_faults()
        second = pipeline.meltano("run", *JOB_ALL, name="after-faults")
        assert second.returncode == 0, second.tail()
    assert "Traceback" not in first.output, first.tail()
    assert_pipeline_complete(pipeline, TENANTS)


def test_persistent_faults_fail_loudly_and_the_next_run_recovers(make_pipeline):
    pipeline = make_pipeline()
    pipeline.env.update(SMALL_PAGES)
    pipeline.sim.set_faults(PERSISTENT_FAULTS)
    failed = pipeline.run(pipeline.run_job_command("callio-all"), "with-faults")
    output = failed.output
    assert failed.returncode != 0, f"the job must fail when a tenant's stream failed:\n{failed.tail()}"
    summary = [line.split("]", 1)[-1].split() for line in output.splitlines()]
    statuses = {(w[-6], w[-5]): w[-4] for w in summary if len(w) >= 6 and w[-6] in TENANTS}
    assert statuses.get(("HN", "calls")) == "ERROR_LOGIN", f"run summary: {statuses}\n{failed.tail()}"
    assert statuses.get(("PK", "customers")) == "ERROR", f"run summary: {statuses}\n{failed.tail()}"
    assert statuses.get(("PK", "calls")) == "OK" and statuses.get(("HN", "customers")) == "OK", statuses
    named = error_lines(output)
    assert any("HN" in line and "calls" in line for line in named), "no error line names HN and calls"
    assert any("PK" in line and "customers" in line for line in named), "no error line names PK and customers"
    logged = set(pipeline.query("select tenant, table_name, mode from main.update_log"))
    assert ("HN", "call_log", "ERROR_LOGIN") in logged and ("PK", "customer", "ERROR") in logged, logged

    pipeline.sim.clear_faults()
    recovered = pipeline.run(pipeline.run_job_command("callio-all"), "after-faults")
    assert recovered.returncode == 0, recovered.tail()
    assert_pipeline_complete(pipeline, TENANTS)
