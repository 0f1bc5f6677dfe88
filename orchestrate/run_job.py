"""Run one Meltano job task by task, always finishing with its transform step.

``meltano run <job>`` stops at the first failing task. The tap exits non-zero when one tenant
failed (after delivering the others and their sync_log rows), and stopping there would leave the
report stale and update_log without the ERROR_LOGIN row. So each task gets its own
``meltano run``, every task runs, and the exit code is non-zero if any task failed.

    python -m orchestrate.run_job callio-all                       # dev (default environment)
    python -m orchestrate.run_job --environment=prod callio-all-bq
    python -m orchestrate.run_job --no-wait callio-calls           # leave if another run is busy
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass

from orchestrate.meltano_cli import PROJECT_ROOT, job_tasks, meltano_command, meltano_executable
from orchestrate.run_lock import Busy, exclusive_run

log = logging.getLogger("orchestrate.run_job")


@dataclass(frozen=True)
class TaskResult:
    task: str
    returncode: int
    seconds: float


def default_environment() -> str:
    return os.environ.get("MELTANO_ENVIRONMENT", "dev")


def run_task(environment: str, task: str) -> TaskResult:
    # --force: Meltano refuses a pipeline it still believes running, and a run killed by
    # SIGKILL leaves that belief behind for 5 minutes (its heartbeat timeout), so the re-run
    # after a crash would fail. Overriding it is safe here: this process holds the run lock
    # (run_lock), so no other run of this project's jobs can be going on.
    command = meltano_command(environment, "run", "--force", *shlex.split(task))
    log.info("task started: %s", task)
    started = time.monotonic()
    # An extract step (`<extractor> <loader>`): first move its bookmarks back to what the
    # warehouse really holds (lost, emptied, restored from a backup); if that cannot be told,
    # the step does not run (load-guard/callio_load_guard/bookmark_check.py).
    extractor, *loader = shlex.split(task)
    if loader and ":" not in extractor:
        check = meltano_command(environment, "invoke", f"{loader[0]}:check-bookmarks", extractor,
                                "--meltano", meltano_executable())
        returncode = subprocess.run(check, cwd=PROJECT_ROOT, check=False).returncode
        if returncode != 0:
            log.error("task FAILED: %s (bookmark check exit %d, step not run)", task, returncode)
            return TaskResult(task, returncode, time.monotonic() - started)
    # Output goes straight through: the tap's progress lines and its per-tenant summary
    # stay visible, and nothing is held in memory.
    returncode = subprocess.run(command, cwd=PROJECT_ROOT, check=False).returncode
    result = TaskResult(task, returncode, time.monotonic() - started)
    log.log(
        logging.INFO if returncode == 0 else logging.ERROR,
        "task %s: %s (exit %d, %.0fs)",
        "finished" if returncode == 0 else "FAILED",
        task,
        returncode,
        result.seconds,
    )
    return result


def run_report(environment: str, dbt_plugin: str) -> TaskResult:
    """The HTML report (output/report.html, report/README.md) from the warehouse dbt_plugin builds."""
    command = [sys.executable, "-m", "report", f"--environment={environment}", f"--meltano-plugin={dbt_plugin}"]
    started = time.monotonic()
    returncode = subprocess.run(command, cwd=PROJECT_ROOT, check=False).returncode
    log.log(logging.INFO if returncode == 0 else logging.ERROR, "report %s (exit %d)",
            "written" if returncode == 0 else "FAILED", returncode)
    return TaskResult("report", returncode, time.monotonic() - started)


def run_job(environment: str, job: str) -> list[TaskResult]:
    """Every task of the job in order; a failure does not stop the later tasks. A job with a dbt
    step ends with the HTML report of what that step built."""
    tasks = job_tasks(environment, job)
    results = [run_task(environment, task) for task in tasks]
    dbt_plugin = next((task.split(":")[0] for task in tasks if task.startswith("dbt-")), None)
    if dbt_plugin:
        results.append(run_report(environment, dbt_plugin))
    return results


def summarise(job: str, results: list[TaskResult]) -> int:
    failed = [r for r in results if r.returncode != 0]
    for r in results:
        log.info("  %-6s %s", "ok" if r.returncode == 0 else "FAILED", r.task)
    if failed:
        log.error("job %s finished with %d failed task(s)", job, len(failed))
        return 1
    log.info("job %s finished, all %d task(s) ok", job, len(results))
    return 0


def run_locked(environment: str, job: str, *, wait: bool) -> int:
    try:
        with exclusive_run(wait=wait):
            log.info("job %s started (environment %s)", job, environment)
            return summarise(job, run_job(environment, job))
    except Busy as busy:
        log.warning("another run holds %s; job %s skipped", busy, job)
        return 0


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s  %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        stream=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.run_job", description=__doc__.split("\n\n")[0])
    parser.add_argument("job", help="job name from meltano/orchestrate.meltano.yml")
    parser.add_argument("--environment", default=default_environment(), help="dev, demo or prod (default: %(default)s)")
    parser.add_argument("--no-wait", action="store_true", help="exit 0 at once if another run is busy")
    args = parser.parse_args(argv)
    configure_logging()
    try:
        return run_locked(args.environment, args.job, wait=not args.no_wait)
    except KeyError as unknown:
        log.error("%s", unknown.args[0])
        return 2


if __name__ == "__main__":
    sys.exit(main())
