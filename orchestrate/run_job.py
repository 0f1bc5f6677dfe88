"""Run one Meltano job task by task, always finishing with its transform step.

``meltano run <job>`` stops at the first failing task. The tap exits non-zero when one tenant
failed (after delivering the others and their sync_log rows), and stopping there would leave the
report stale and update_log without the ERROR_LOGIN row. So the tasks run in one ``meltano run``
and, after a failed one, the rest go on in a new one: every task runs, and the exit code is
non-zero if any task failed.

    python -m orchestrate.run_job callio-all                       # dev (default environment)
    python -m orchestrate.run_job --environment=prod callio-all-bq
    python -m orchestrate.run_job --no-wait callio-calls           # leave if another run is busy

Before anything runs, the configuration is checked (``orchestrate.preflight``): a problem is
one line naming the setting and its variable, exit 2. Each run keeps its full log in
``logs/runs/<day>/`` (``orchestrate.run_logs``); the console shows progress and ends with one
table per tenant × stream (``orchestrate.console``). SIGTERM / SIGINT stop the run cleanly
(``orchestrate.stopping``): nothing new starts, the running task's whole process tree ends, then
the lock is released and the exit code is 128 + the signal.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import shlex
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from typing import TextIO

from orchestrate import hygiene, preflight, run_logs
from orchestrate.console import JobConsole, make_console
from orchestrate.events import parse_line
from orchestrate.job_report import JobReport, TaskRun
from orchestrate.meltano_cli import PROJECT_ROOT, job_tasks, meltano_command, meltano_executable
from orchestrate.project_env import setting
from orchestrate.run_lock import Busy, exclusive_run
from orchestrate.stopping import STOPPER, Stopper, reap_leftovers

log = logging.getLogger("orchestrate.run_job")

EXIT_CONFIG = 2


def default_environment() -> str:
    return setting("MELTANO_ENVIRONMENT") or "dev"


def log_level() -> str:
    """The old script's LOG_LEVEL (upper-cased there): how much the console shows."""
    return (setting("LOG_LEVEL") or "INFO").strip().lower()


def meltano_log_level() -> str:
    # The run log always keeps info and up (the closing table is read from the tap's info
    # lines); DEBUG adds Meltano's and the plugins' debug lines.
    return "debug" if log_level() == "debug" else "info"


def task_environment() -> dict[str, str]:
    """The environment of a task's `meltano run`: the tap's per-request METRIC lines on, since
    they go to the run log only (the console leaves them out), unless the shell sets the level."""
    return {"TAP_CALLIO_METRICS_LOG_LEVEL": "INFO", **os.environ}


def bookmark_check_commands(environment: str, tasks: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """The load guard's bookmark check for a job's extract steps (`<extractor> <loader>`), one
    command per loader: it moves their bookmarks back to what the warehouse really holds (lost,
    emptied, restored from a backup); if that cannot be told, those steps do not run
    (load-guard/callio_load_guard/bookmark_check.py). {loader: (command, its tasks)}"""
    by_loader: dict[str, list[tuple[str, str]]] = {}
    for task in tasks:
        extractor, *loader = shlex.split(task)
        if loader and ":" not in extractor:
            by_loader.setdefault(loader[0], []).append((task, extractor))
    return {
        loader: (meltano_command(environment, "invoke", f"{loader}:check-bookmarks",
                                 *(extractor for _, extractor in steps), "--meltano", meltano_executable()),
                 [task for task, _ in steps])
        for loader, steps in by_loader.items()
    }


def one_block(task: str) -> bool:
    """``<extractor> <loader>`` or ``<plugin>:<command>``: one block of a ``meltano run``."""
    words = shlex.split(task)
    return (len(words) == 1 and ":" in words[0]) or (len(words) == 2 and not any(":" in w for w in words))


def next_batch(pending: list[str], unchecked: dict[str, int]) -> list[str]:
    """The tasks the next ``meltano run`` takes: the leading one-block tasks whose bookmark check
    passed (Meltano's block numbers then name the task), or the first task alone."""
    batch = list(itertools.takewhile(lambda task: task not in unchecked and one_block(task), pending))
    return batch or pending[:1]


class BatchProgress:
    """Which task of one ``meltano run`` is going: Meltano ends each block with a "Block run
    completed" record (its number, success), and the tasks are its blocks in order."""

    def __init__(self, job: JobRun, batch: list[str], log_file: TextIO) -> None:
        self.job, self.batch, self.log_file = job, batch, log_file
        self.index = -1
        self.current: TaskRun | None = None
        self.started = 0.0
        self.reported = 0

    def start_next(self) -> None:
        self.index += 1
        if self.index >= len(self.batch) or self.job.stopper.requested.is_set():
            self.current = None
            return
        task = self.batch[self.index]
        self.current = self.job.report.task_started(task)
        self.started = time.monotonic()
        self.job._note(self.log_file, f"task started: {task}", detail=True)
        self.job.view.task_started(task)

    def end_current(self, returncode: int) -> None:
        task_run, self.current = self.current, None
        assert task_run is not None
        self.job.view.task_ended()
        stopped = self.job.stopper.requested.is_set()
        self.job.report.task_ended(task_run, returncode, time.monotonic() - self.started, stopped=stopped)
        self.reported += 1
        self.job._note(self.log_file, f"task {'finished' if returncode == 0 else 'FAILED'}: {task_run.task} "
                                      f"(exit {returncode}, {task_run.seconds:.0f}s)"
                                      + (" — stopped by signal" if stopped else ""))


class JobRun:
    """One run of one job: its tasks in order, its log file, its console, its report."""

    def __init__(self, environment: str, job: str, view: JobConsole, stopper: Stopper) -> None:
        self.environment = environment
        self.job = job
        self.view = view
        self.stopper = stopper
        self.log_path = run_logs.new_log_file(job)
        self.report = JobReport(job, environment, datetime.now(UTC).isoformat(), str(self.log_path))

    def run(self) -> int:
        with self.log_path.open("a", encoding="utf-8") as log_file:
            self._note(log_file, f"job {self.job} started (environment {self.environment})", detail=True)
            # Saved at once too: a run killed outright (SIGKILL, power cut) is then listed by
            # `orchestrate.runs` as one that did not finish, instead of missing.
            self.report.save(self.log_path.with_suffix(".json"))
            tasks = job_tasks(self.environment, self.job)
            unchecked = self.check_bookmarks(tasks, log_file)
            pending = list(tasks)
            while pending and not self.stopper.requested.is_set():
                if pending[0] in unchecked:
                    task = pending.pop(0)
                    self.skip_task(task, unchecked[task], log_file)
                    continue
                pending = pending[self.run_tasks(next_batch(pending, unchecked), log_file):]
            stopped = self.stopper.requested.is_set()
            for task in tasks[len(self.report.tasks):]:
                self.report.tasks.append(TaskRun(task))  # listed as "not run"
            dbt_plugin = next((t.task.split(":")[0] for t in self.report.tasks if t.task.startswith("dbt-")), None)
            if dbt_plugin and not stopped:
                self.write_html_report(dbt_plugin, log_file)
            if stopped:
                self.report.stopped_by_signal = self.stopper.signum
                code = self.stopper.exit_code
            else:
                code = 1 if self.report.failed_tasks else 0
            self.report.exit_code = code
            self.report.finished = datetime.now(UTC).isoformat()
            self._note(log_file, f"job {self.job} ended, exit {code}" + (" (stopped by signal)" if stopped else ""),
                       detail=not stopped)
        self.report.save(self.log_path.with_suffix(".json"))
        self.view.summary(self.report)
        return code

    def check_bookmarks(self, tasks: list[str], log_file: TextIO) -> dict[str, int]:
        """Run the bookmark check of each loader's extract steps; {task: exit code} of the steps
        whose check failed (they are reported failed, not run)."""
        unchecked: dict[str, int] = {}
        for command, checked_tasks in bookmark_check_commands(self.environment, tasks).values():
            if self.stopper.requested.is_set():
                break
            returncode = self._side_step(command, log_file, shown="bookmark-check:")
            if returncode != 0:
                unchecked.update(dict.fromkeys(checked_tasks, returncode))
        return unchecked

    def skip_task(self, task: str, exit_code: int, log_file: TextIO) -> None:
        """A task whose bookmark check failed: reported failed, not run."""
        self.report.task_ended(self.report.task_started(task), exit_code, 0.0, stopped=False)
        self._note(log_file, f"task FAILED: {task} (bookmark check exit {exit_code}, step not run)")

    def run_tasks(self, batch: list[str], log_file: TextIO) -> int:
        """Run tasks in order in one ``meltano run`` and report each; returns how many were
        reported (all of them, or up to and including the first that failed, or fewer when the
        run was stopped). One Meltano process for the whole job when nothing fails: each start
        costs about 1.5 s of CPU (imports, project and settings), three times in every job.

        --force: Meltano refuses a pipeline it still believes running, and a run killed by
        SIGKILL leaves that belief behind for 5 minutes (its heartbeat timeout), so the re-run
        after a crash would fail. Overriding it is safe here: this process holds the run lock
        (run_lock), so no other run of this project's jobs can be going on."""
        words = [word for task in batch for word in shlex.split(task)]
        command = meltano_command(self.environment, f"--log-level={meltano_log_level()}", "run", "--force",
                                  *words, log_format="json")
        progress = BatchProgress(self, batch, log_file)
        progress.start_next()
        # Own process group: a stop ends the task's whole tree, and a Ctrl-C on the terminal
        # reaches this runner only, which then stops the task in order.
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, encoding="utf-8", errors="replace", start_new_session=True,
                                   env=task_environment())
        self.stopper.running(process)
        reader = threading.Thread(target=self._read, args=(process, progress, log_file), daemon=True)
        reader.start()
        returncode = process.wait()
        reap_leftovers(process)  # nothing the task started may outlive it
        self.stopper.running(None)
        self.stopper.wait_for_ender()
        reader.join()
        if returncode == 0:  # every block succeeded, whether or not each end was read
            while progress.current is not None:
                progress.end_current(0)
                progress.start_next()
        elif progress.current is not None:  # the task Meltano was in when it failed or stopped
            progress.end_current(returncode)
        return progress.reported

    def write_html_report(self, dbt_plugin: str, log_file: TextIO) -> None:
        """The HTML report (report/README.md) of what the job's dbt step built; a failure to
        write it fails the job like any task."""
        task_run = self.report.task_started("report")
        started = time.monotonic()
        command = [sys.executable, "-m", "report", f"--environment={self.environment}",
                   f"--meltano-plugin={dbt_plugin}"]
        returncode = self._side_step(command, log_file, shown=None)
        self.report.task_ended(task_run, returncode, time.monotonic() - started, stopped=self.stopper.requested.is_set())
        self._note(log_file, "report written" if returncode == 0 else f"report FAILED (exit {returncode})")

    def _side_step(self, command: list[str], log_file: TextIO, *, shown: str | None) -> int:
        """A short step of the runner's own (bookmark check, report): output to the run log; the
        lines holding ``shown`` to the console too (rare, and they matter to an operator)."""
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, encoding="utf-8", errors="replace", start_new_session=True)
        self.stopper.running(process)
        assert process.stdout is not None
        for line in process.stdout:
            log_file.write(line if line.endswith("\n") else line + "\n")
            if shown and shown in line:
                self.view.say(line.rstrip("\n")[line.index(shown):])
        returncode = process.wait()
        reap_leftovers(process)
        self.stopper.running(None)
        self.stopper.wait_for_ender()
        log_file.flush()
        return returncode

    def _read(self, process: subprocess.Popen, progress: BatchProgress, log_file: TextIO) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            event = parse_line(line)
            log_file.write(event.plain() + "\n")
            log_file.flush()  # `tail -f` on the run log follows the run as it goes
            if progress.current is not None:
                changed = self.report.feed(progress.current, event)
                self.view.event(event, changed)
            if event.block_ended is not None and len(progress.batch) > 1:
                number, succeeded = event.block_ended
                if number == progress.index and progress.current is not None:
                    progress.end_current(0 if succeeded else 1)
                    if succeeded:
                        progress.start_next()
        log_file.flush()

    def _note(self, log_file: TextIO, text: str, *, detail: bool = False) -> None:
        log_file.write(f"{datetime.now(UTC).isoformat(timespec='milliseconds')} info    orchestrate            {text}\n")
        log_file.flush()
        self.view.say(f"{datetime.now().strftime('%H:%M:%S')} {text}", detail=detail)


def run_locked(environment: str, job: str, *, wait: bool, verbose: bool = False, stopper: Stopper = STOPPER,
               view: JobConsole | None = None) -> int:
    view = view or JobConsole(make_console(), verbose=verbose or log_level() == "debug",
                              quiet=log_level() in ("warning", "error", "critical"))
    try:
        with exclusive_run(wait=wait):
            if stopper.requested.is_set():
                return stopper.exit_code
            # Under the lock no other run is going: whatever a killed run left is stale.
            for stale in hygiene.clean_run_folders():
                log.warning("removed stale generated plugin configuration %s (left by a killed run)", stale.name)
            run_logs.prune()
            return JobRun(environment, job, view, stopper).run()
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
    parser.add_argument("--environment", default=None, help="dev, demo or prod (default: MELTANO_ENVIRONMENT, else dev)")
    parser.add_argument("--no-wait", action="store_true", help="exit 0 at once if another run is busy")
    parser.add_argument("--verbose", "-v", action="store_true", help="show every line on the console, not only the log file")
    args = parser.parse_args(argv)
    configure_logging()
    environment = args.environment or default_environment()
    problems = preflight.problems(environment, args.job)
    if problems:
        for problem in problems:
            print(f"configuration error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    STOPPER.install()
    return run_locked(environment, args.job, wait=not args.no_wait, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
