"""What the job runner's exit code and run summary make of a Dagster step (orchestrate_dagster/runner.py)."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from orchestrate_dagster.runner import Outcome, check, read_summary


def summary(*streams: tuple[str, str, str, str | None], tasks: list[dict] | None = None) -> dict:
    return {"log_file": "/logs/runs/2026-12-07/023000-callio-all.log", "tasks": tasks or [],
            "streams": {f"{t}/{s}": {"tenant": t, "stream": s, "status": status, "records": 5, "reason": reason}
                        for t, s, status, reason in streams}}


@pytest.mark.parametrize(("returncode", "streams", "retried"), [
    (1, [("PK", "calls", "ERROR", "HTTP 503 after 2 attempts")], True),      # the API was down: try again
    (1, [("HN", "calls", "ERROR_LOGIN", "login refused (HTTP 401)")], False),  # a refused login: never again
    (1, [("PK", "calls", "ERROR", "HTTP 503"), ("HN", "staff", "ERROR_LOGIN", "refused")], False),
    (2, [], False),    # the configuration was refused
    (3, [("PK", "calls", "BEHIND", "stopped at the record cap")], False),
    (143, [], False),  # stopped by SIGTERM
])
def test_a_failure_is_retried_only_when_trying_again_can_help(returncode, streams, retried):
    outcome = Outcome(returncode, summary(*streams))
    assert outcome.retryable() is retried
    with pytest.raises(dg.Failure) as failed:
        check(outcome, "tenant PK: callio-all extract")
    assert failed.value.allow_retries is retried
    assert failed.value.description.startswith("tenant PK: callio-all extract: ")


def test_the_reason_is_the_first_failed_stream_then_task_then_last_line():
    assert Outcome(1, summary(("PK", "calls", "OK", None), ("HN", "calls", "ERROR_LOGIN", "login refused"))).reason() \
        == "HN/calls ERROR_LOGIN: login refused"
    failed_task = {"task": "dbt-duckdb:build", "returncode": 1, "last_error": "Database Error in model call_log"}
    assert Outcome(1, summary(tasks=[failed_task])).reason() == \
        "task dbt-duckdb:build failed: Database Error in model call_log"
    assert Outcome(2, {}, ["configuration error: TAP_CALLIO_PAGE_SIZE=abc is not a number"]).reason() == \
        "configuration error: TAP_CALLIO_PAGE_SIZE=abc is not a number"


def test_a_success_passes_and_its_summary_is_read_beside_the_run_log(tmp_path):
    log = tmp_path / "023000-callio-all.log"
    log.with_suffix(".json").write_text(json.dumps(summary(("PK", "calls", "OK", None))))
    lines = ["PK       calls       OK           240         0s   2026-12-07T02:31:00.000Z",
             f"job callio-all (demo): all tasks ok; full log: {log}"]
    outcome = check(Outcome(0, read_summary(lines), lines), "tenant PK")
    assert outcome.records("calls", "PK") == 5 and outcome.records("calls", "HN") == 0
    assert read_summary(["a crash before the closing line"]) == {}
