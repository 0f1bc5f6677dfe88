"""Stopping a run (systemctl stop, Ctrl-C) through the real job runner and daemon.

SIGTERM arrives while the calls are being extracted (a slow-response fault on HN keeps the
window open). Then nothing new may start, the whole process tree (meltano, tap, guarded target)
must be gone before the runner or daemon exits non-zero and the run lock is free, and a
re-run must end with every record of the simulator exactly once in the final tables.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path

import psutil
from filelock import FileLock

from reliability.checks import assert_pipeline_complete
from reliability.pipeline import ENVIRONMENT, TENANTS

SLOW_HN = [{"fault": "slow", "delay": 0.7, "tenants": ["HN"]}]
READING_CALLS = "tenant HN stream calls: reading"


def run_log_text(pipeline, started) -> str:
    """The run's console output and every run log the job runner wrote so far (the console is
    quiet by design: progress lines are in the run log)."""
    logs = sorted(Path(pipeline.env["CALLIO_LOG_DIR"]).glob("runs/*/*.log"))
    return "\n".join([started.output, *(p.read_text(errors="replace") for p in logs)])


def stop_and_check(pipeline, started, *, whole_tree: bool) -> None:
    seen = started.wait_for(lambda _: READING_CALLS in run_log_text(pipeline, started), timeout=300)
    assert seen and started.process.poll() is None, f"the calls extraction was not reached:\n{started.tail()}"
    tree = psutil.Process(started.process.pid).children(recursive=True)
    assert any("meltano" in " ".join(p.cmdline()) for p in tree), "no meltano under the runner: nothing to prove"
    if whole_tree:
        # systemd's default (KillMode=control-group): every process gets SIGTERM at once. One
        # that ended since the tree was read (a busy machine: this test failed once on it) needs none.
        for process in [psutil.Process(started.process.pid), *tree]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGTERM)
    else:
        os.killpg(started.process.pid, signal.SIGTERM)
    code = started.finish(timeout=300)
    survivors = [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not survivors, f"still running after the stop: {[' '.join(p.cmdline()[:4]) for p in survivors]}"
    assert code != 0, f"a stopped run must exit non-zero:\n{started.tail()}"
    lock = FileLock(pipeline.env["CALLIO_RUN_LOCK"])
    lock.acquire(timeout=0)  # free: the stopped run released it
    lock.release()
    text = run_log_text(pipeline, started)
    assert "task started: tap-callio--staffgroup" not in text, "a task started after the stop"
    assert "task started: dbt-duckdb:build" not in text, "dbt started after the stop"


def test_stopped_runner_and_daemon_leave_nothing_running_and_lose_nothing(make_pipeline):
    pipeline = make_pipeline()
    pipeline.env["CALLIO_STOP_TIMEOUT"] = "60"
    # small pages: HN's calls take many slow requests, so the stop lands inside that extraction
    pipeline.env["TAP_CALLIO_PAGE_SIZE"] = "20"
    pipeline.sim.set_faults(SLOW_HN)

    runner = pipeline.start(pipeline.run_job_command("callio-all"), "runner-stopped")
    stop_and_check(pipeline, runner, whole_tree=False)
    assert "stopped by signal" in runner.output, runner.tail()

    for old in Path(pipeline.env["CALLIO_LOG_DIR"]).glob("runs/*/*"):
        old.unlink()  # the daemon's run below is judged by its own log only
    daemon = pipeline.start([sys.executable, "-m", "orchestrate.daemon", f"--environment={ENVIRONMENT}",
                             "--schedules=nightly", "--now"], "daemon-stopped")
    stop_and_check(pipeline, daemon, whole_tree=True)

    pipeline.sim.clear_faults()
    pipeline.sim.mutate("PK", insert_calls=3, update_customers=3)
    final = pipeline.run(pipeline.run_job_command("callio-all"), "after-stops")
    assert final.returncode == 0, final.tail()
    assert_pipeline_complete(pipeline, TENANTS)
