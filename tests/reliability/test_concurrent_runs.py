"""Two runs at once (a cron slot firing while the previous run is still going): the second waits
(job runner, default) or leaves cleanly (--no-wait); a bare `meltano run` of the same pipeline
is refused by Meltano; the state is never corrupted and the data ends complete."""

from __future__ import annotations

from pathlib import Path

import psutil

from orchestrate import run_lock

from .checks import assert_final_tables_match_truth
from .pipeline import TENANTS

SLOW_CALLS = [{"fault": "slow", "delay": 0.4, "endpoints": ["/call"]}]


def calls_bookmarks(pipeline) -> dict[str, int]:
    state = pipeline.state()["demo:tap-callio--calls-to-target-duckdb"]
    partitions = state["singer_state"]["bookmarks"]["calls"]["partitions"]
    return {p["context"]["tenant"]: p["replication_key_value"] for p in partitions}


def start_slow_calls(pipeline, name: str):
    """callio-calls over slow /call replies, started and reading: a run that goes on for a while."""
    pipeline.seed_raw_tables()
    pipeline.sim.set_faults(SLOW_CALLS)
    # Small pages: slices are sized from the API's counts, so with default pages the calls take
    # a request or two; many slow requests keep the first run going through the attempts below.
    pipeline.env["TAP_CALLIO_PAGE_SIZE"] = "10"
    # --verbose: the tap's progress lines are on the console only then (else in the run log).
    run = pipeline.start(pipeline.run_job_command("callio-calls", "--verbose"), name)
    assert run.wait_for(lambda text: "tenant PK stream calls: reading" in text), run.tail()
    return run


def test_second_run_waits_or_leaves_and_state_stays_sound(make_pipeline):
    pipeline = make_pipeline()
    first = start_slow_calls(pipeline, "first")

    leaving = pipeline.run(pipeline.run_job_command("callio-calls", "--no-wait"), "second-no-wait")
    assert leaving.returncode == 0, leaving.tail()
    assert "skipped" in leaving.output and "task started" not in leaving.output, leaving.tail()

    waiting = pipeline.start(pipeline.run_job_command("callio-calls", "--verbose"), "third-waits")
    bare = pipeline.meltano("run", "tap-callio--calls", "target-duckdb", name="bare-meltano-run")
    assert bare.returncode != 0 and "already running" in bare.output, \
        f"a bare meltano run beside a running one must be refused:\n{bare.tail()}"
    assert first.process.poll() is None, "the first run ended before the concurrent attempts: the test proves nothing"
    assert "task started" not in waiting.output, "the waiting run started while the first one held the lock"

    pipeline.sim.clear_faults()
    assert first.finish() == 0, first.tail()
    after_first = calls_bookmarks(pipeline)
    assert waiting.finish() == 0, waiting.tail()
    after_second = calls_bookmarks(pipeline)
    assert "task started" in waiting.output, waiting.tail()
    for tenant in TENANTS:
        assert isinstance(after_first[tenant], int), after_first
        assert after_first[tenant] <= after_second[tenant] <= pipeline.sim.now(), (after_first, after_second)
    assert_final_tables_match_truth(pipeline, TENANTS, tables=("call_log",))


def test_a_killed_runner_keeps_the_lock_while_its_task_lives(make_pipeline):
    """kill -9 of the job runner's process group (an OOM killer, `timeout -s KILL`) leaves its
    task's `meltano run` and plugins going in their own session. The run lock stays held while any
    of them lives: a new run says so in one line, naming their PIDs, and starts nothing beside them;
    once they are gone the next run completes the data, every record exactly once."""
    pipeline = make_pipeline()
    first = start_slow_calls(pipeline, "killed-runner")
    assert first.kill(), "the run ended before the kill: the test proves nothing"
    lock = Path(pipeline.env["CALLIO_RUN_LOCK"])
    orphans = run_lock.leftovers(lock.with_name(lock.name + ".pids"))
    assert orphans, "no process of the killed run's task is left: the test proves nothing"

    refused = pipeline.run(pipeline.run_job_command("callio-calls", "--no-wait"), "beside-the-orphans")
    assert refused.returncode == 0 and "task started" not in refused.output, refused.tail()
    said = [line for line in refused.output.splitlines() if "skipped" in line]
    assert len(said) == 1 and "still running" in said[0] and str(orphans[0].pid) in said[0], refused.tail()

    pipeline.sim.clear_faults()
    psutil.wait_procs(orphans, timeout=240)
    after = pipeline.run(pipeline.run_job_command("callio-calls"), "after-the-orphans")
    assert after.returncode == 0, after.tail()
    assert_final_tables_match_truth(pipeline, TENANTS, tables=("call_log",))
