"""Runs that must not look like success, through the real job runner:

- a record cap (the old template's LIMIT_RECORDS_PER_ENDPOINT=500) that stops a tenant's stream
  leaves its bookmark behind now: the run is BEHIND, exit 3, and the closing table, the run's JSON
  summary and ``orchestrate.runs --failed`` say how far behind each tenant and stream is;
- a task that fails before it reads anything (here the loader refusing a mistyped DuckDB setting) gives its
  one-line reason on the console, in ``orchestrate.runs --failed`` and in the summary, not only
  ``FAILED (exit N)`` with the reason in the log file.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_ROOT


def runs_failed(pipeline) -> str:
    return subprocess.run([sys.executable, "-m", "orchestrate.runs", "--failed"], cwd=PROJECT_ROOT, env=pipeline.env,
                          capture_output=True, text=True, check=True).stdout


def summary(pipeline) -> dict:
    newest = sorted(Path(pipeline.env["CALLIO_LOG_DIR"]).glob("runs/*/*.json"))[-1]
    return json.loads(newest.read_text())


def test_a_run_stopped_by_the_record_cap_is_behind_not_ok(make_pipeline):
    pipeline = make_pipeline()
    run = pipeline.run(pipeline.run_job_command("callio-all"), "capped",
                       env={**pipeline.env, "LIMIT_RECORDS_PER_ENDPOINT": "50", "TAP_CALLIO_PAGE_SIZE": "20"})
    assert run.returncode == 3, run.tail()
    lines = run.output.splitlines()
    assert any(line.startswith("warning: LIMIT_RECORDS_PER_ENDPOINT=50") for line in lines), run.tail()
    # calls: 240 a tenant over 3 days, 20 a page: the cap stops each tenant days short of now
    for tenant in ("PK", "HN"):
        assert re.search(rf"^{tenant}\s+calls\s+BEHIND\s+\d+", run.output, re.M), run.tail()
        behind = [line for line in lines if line.strip().startswith(f"BEHIND {tenant}/calls: ")]
        assert len(behind) == 1 and "record cap 50" in behind[0] and re.search(r"\d+ (day|hour)s? ", behind[0]), \
            run.tail()
        assert re.search(rf"^{tenant}\s+staff\s+OK\s+", run.output, re.M), run.tail()  # snapshots have no cap
    assert "BEHIND (exit 3)" in lines[-1], lines[-1]

    report = summary(pipeline)
    assert report["exit_code"] == 3
    assert {key for key, s in report["streams"].items() if s["status"] == "BEHIND"} >= {"PK/calls", "HN/calls"}
    assert all("behind (at 20" in s["reason"] for s in report["streams"].values() if s["status"] == "BEHIND")

    listed = runs_failed(pipeline)
    assert "callio-all (demo)" in listed and "BEHIND (exit 3)" in listed, listed
    assert re.search(r"PK/calls BEHIND: record cap 50 reached .* behind \(at 20", listed), listed


def test_a_task_that_fails_before_reading_says_why_everywhere(make_pipeline):
    pipeline = make_pipeline()
    # a DuckDB setting mistyped in .env: only DuckDB itself knows its settings, so the loader
    # refuses it when the task starts, after the preflight
    why = "memory_limt"
    run = pipeline.run(pipeline.run_job_command("callio-staffgroup"), "loader-refuses",
                       env={**pipeline.env, "TARGET_DUCKDB_SETTINGS": '{"memory_limt": "1GB"}'})
    assert run.returncode == 1, run.tail()
    failed = [line for line in run.output.splitlines() if line.strip().startswith("task tap-callio--staffgroup")]
    assert len(failed) == 1 and "FAILED" in failed[0] and why in failed[0], run.tail()
    report = summary(pipeline)
    task = next(t for t in report["tasks"] if t["task"].startswith("tap-callio--staffgroup"))
    assert task["returncode"] not in (0, None) and why in task["last_error"], task
    listed = runs_failed(pipeline)
    assert re.search(rf"task tap-callio--staffgroup target-duckdb exit \d+: .*{re.escape(why)}", listed), listed
