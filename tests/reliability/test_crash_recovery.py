"""Crash anywhere: SIGKILL the run's whole process group at several points, re-run, and the final
tables hold every record exactly once and the report equals the oracle.

Kill points (each found by watching the run's log for a marker; a slow-response fault on the
second tenant keeps the extraction windows open): during the customers, calls and staff/groups
extraction, during the load of the calls into DuckDB (the batch's transaction open, STATE not
yet saved), and during dbt. The simulator inserts and updates records between and during the runs.
"""

from __future__ import annotations

import re

from .checks import assert_pipeline_complete
from .pipeline import JOB_ALL, TENANTS

SLOW_HN = [{"fault": "slow", "delay": 0.7, "tenants": ["HN"]}]


def kill_at(pipeline, command: list[str], name: str, marker: str, during=None) -> None:
    # --force: a SIGKILLed meltano leaves its job marked "running" for 5 minutes and refuses the
    # same state id until then (see test_rerun_right_after_a_crash_is_accepted below).
    run = pipeline.start(pipeline.meltano_command("run", "--force", *command), name)
    seen = run.wait_for(lambda text: re.search(marker, text) is not None)
    if during:
        during()
    alive = run.kill()
    assert seen and alive, f"kill point {name!r} ({marker}) was not reached while the run was going:\n{run.tail()}"


def test_killed_runs_then_a_clean_run_leave_every_record_exactly_once(make_pipeline):
    pipeline = make_pipeline()
    sim = pipeline.sim

    def changes():
        for tenant in TENANTS:
            sim.mutate(tenant, insert_calls=4, update_customers=4, late_calls=2)

    sim.set_faults(SLOW_HN)
    kill_at(pipeline, ["tap-callio--customers", "target-duckdb"], "kill-customers",
            r"tenant HN stream customers: reading")
    changes()
    kill_at(pipeline, ["tap-callio--calls", "target-duckdb"], "kill-calls",
            r"tenant HN stream calls: reading", during=changes)
    kill_at(pipeline, ["tap-callio--staffgroup", "target-duckdb"], "kill-staffgroup",
            r"Beginning sync of 'groups'")
    sim.clear_faults()
    # A clean customers run first, so that the calls load below lands next to existing tables.
    done = pipeline.meltano("run", "--force", "tap-callio--customers", "target-duckdb", name="customers-ok")
    assert done.returncode == 0, done.tail()
    changes()
    kill_at(pipeline, ["tap-callio--calls", "target-duckdb"], "kill-load",
            r'"raw"\."calls": landing \d+ records')
    kill_at(pipeline, JOB_ALL, "kill-dbt", r"START sql \w+ model main\.(call_log|customer|fact_staff_daily)",
            during=changes)
    changes()

    final = pipeline.meltano("run", "--force", *JOB_ALL, name="final")
    assert final.returncode == 0, f"the run after the crashes failed:\n{final.tail()}"
    assert_pipeline_complete(pipeline, TENANTS)


def test_rerun_right_after_a_crash_is_accepted(make_pipeline):
    """The job runner (which holds the run lock) re-runs a job at once after a SIGKILL.

    Meltano marks a killed run's job as still running until its heartbeat is 5 minutes old and
    refuses the same state id meanwhile; under the run lock no other run can exist, so the
    runner may safely force the stale job aside.
    """
    pipeline = make_pipeline()
    pipeline.seed_raw_tables()
    pipeline.sim.set_faults(SLOW_HN)
    killed = pipeline.start(pipeline.meltano_command("run", "tap-callio--calls", "target-duckdb"), "kill-calls")
    seen = killed.wait_for(lambda text: "tenant HN stream calls: reading" in text)
    assert killed.kill() and seen, killed.tail()
    pipeline.sim.clear_faults()

    rerun = pipeline.run(pipeline.run_job_command("callio-calls"), "rerun-job")
    assert "already running" not in rerun.output, f"re-run right after a crash refused:\n{rerun.tail()}"
    assert rerun.returncode == 0, f"re-run right after a crash failed:\n{rerun.tail()}"
