"""Run one Meltano job task by task, always finishing with its transform step.

``meltano run <job>`` stops at the first failing task. The tap exits non-zero when one tenant
failed (after delivering the others and their sync_log rows), and stopping there would leave the
report stale and update_log without the ERROR_LOGIN row. So the tasks run in one ``meltano run``
and, after a failed one, the rest go on in a new one: every task runs, and the exit code is
non-zero if any task failed.

    python -m orchestrate.run_job callio-all                       # dev (default environment)
    python -m orchestrate.run_job --environment=prod callio-all-bq
    python -m orchestrate.run_job --no-wait callio-calls           # leave if another run is busy
    python -m orchestrate.run_job --tenant PK --only extract callio-all   # one part of a job (Dagster)

Before anything runs, the configuration is checked (``orchestrate.preflight``): a problem is
one line naming the setting and its variable, exit 2. Each run keeps its full log in
``logs/runs/<day>/`` (``orchestrate.run_logs``); the console shows progress and ends with one
table per tenant × stream (``orchestrate.console``). SIGTERM / SIGINT stop the run cleanly
(``orchestrate.stopping``): nothing new starts, the running task's whole process tree ends, then
the lock is released and the exit code is 128 + the signal.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import os
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from orchestrate import (
    bigquery_project,
    events,
    hygiene,
    notify,
    preflight,
    run_logs,
    runner_settings,
    schema_changes,
    shared_locks,
    shared_reports,
    state,
    tap_rules,
    warehouse,
    warehouse_probe,
)
from orchestrate.console import JobConsole, make_console
from orchestrate.events import parse_line
from orchestrate.exit_codes import EXIT_CONFIG, EXIT_FAILED
from orchestrate.job_report import JobReport, TaskRun
from orchestrate.meltano_cli import PROJECT_ROOT, job_tasks, meltano_command, meltano_executable
from orchestrate.project_env import log_level, setting
from orchestrate.run_lock import Busy, HeldLock, exclusive_run
from orchestrate.shared_locks import SharedLocks
from orchestrate.stopping import STOPPER, Stopper, end_process_tree, reap_leftovers, stop_timeout

log = logging.getLogger("orchestrate.run_job")

# --only: one part of a job, for an engine that runs the parts as steps of its own (Dagster,
# orchestrate_dagster/): the extract tasks, the dbt task, or the HTML report written after it.
PARTS = ("extract", "transform", "report")


def default_environment() -> str:
    return setting("MELTANO_ENVIRONMENT") or "dev"


def meltano_log_level() -> str:
    # The run log always keeps info and up (the closing table is read from the tap's info
    # lines); DEBUG adds Meltano's and the plugins' debug lines.
    return "debug" if log_level() == "debug" else "info"


def task_timeout() -> float:
    """CALLIO_TASK_TIMEOUT: the longest a task (or the runner's own steps) may take, in seconds.
    A hung warehouse or API then fails the task in bounded time instead of holding the night."""
    return runner_settings.number("CALLIO_TASK_TIMEOUT")


def timed_out(seconds: float) -> str:
    return f"timed out after {seconds:.0f} s (CALLIO_TASK_TIMEOUT) and was stopped"


def bookmark_check_commands(environment: str, tasks: list[str],
                            tenant: str | None = None) -> dict[str, tuple[list[str], list[str]]]:
    """The load guard's bookmark check for a job's extract steps (`<extractor> <loader>`), one
    command per loader: it moves their bookmarks back to what the warehouse really holds (lost,
    emptied, restored from a backup); if that cannot be told, those steps do not run
    (load-guard/callio_load_guard/bookmark_check.py). A one-tenant run checks the tenant's own
    state ids, and its first one starts from the tenant's part of the all-tenant state.
    {loader: (command, its tasks)}"""
    scoped = ["--state-id-suffix", state.tenant_suffix(tenant), "--tenant", tenant] if tenant else []
    by_loader: dict[str, list[tuple[str, str]]] = {}
    for task in tasks:
        extractor, *loader = shlex.split(task)
        if loader and ":" not in extractor:
            by_loader.setdefault(loader[0], []).append((task, extractor))
    return {
        loader: (meltano_command(environment, "invoke", f"{loader}:check-bookmarks",
                                 *(extractor for _, extractor in steps), "--meltano", meltano_executable(), *scoped),
                 [task for task, _ in steps])
        for loader, steps in by_loader.items()
    }


def one_block(task: str) -> bool:
    """``<extractor> <loader>`` or ``<plugin>:<command>``: one block of a ``meltano run``."""
    words = shlex.split(task)
    return (len(words) == 1 and ":" in words[0]) or (len(words) == 2 and not any(":" in w for w in words))


def is_transform(task: str) -> bool:
    return task.startswith("dbt-")


def part_tasks(tasks: list[str], only: str | None) -> list[str]:
    """The tasks of the part ``--only`` names (all of them without it; none for the report)."""
    if only is None:
        return tasks
    return [task for task in tasks if only != "report" and is_transform(task) == (only == "transform")]


def next_batch(pending: list[str], unchecked: dict[str, str], *, split_transform: bool = False) -> list[str]:
    """The tasks the next ``meltano run`` takes: the leading one-block tasks whose bookmark check
    passed (Meltano's block numbers then name the task), or the first task alone. With
    ``split_transform`` (shared locks) the dbt step runs in a ``meltano run`` of its own, under
    the transform lock."""
    batch = list(itertools.takewhile(
        lambda task: task not in unchecked and one_block(task)
        and (not split_transform or is_transform(task) == is_transform(pending[0])), pending))
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

    def end_current(self, returncode: int, reason: str | None = None) -> None:
        task_run, self.current = self.current, None
        assert task_run is not None
        self.job.view.task_ended()
        stopped = self.job.stopper.requested.is_set()
        self.job.report.task_ended(task_run, returncode, time.monotonic() - self.started, stopped=stopped,
                                   reason=reason)
        self.reported += 1
        self.job._note(self.log_file, f"task {'finished' if returncode == 0 else 'FAILED'}: {task_run.task} "
                                      f"(exit {returncode}, {task_run.seconds:.0f}s)"
                                      + (" — stopped by signal" if stopped else ""))


class JobRun:
    """One run of one job: its tasks in order, its log file, its console, its report."""

    def __init__(self, environment: str, job: str, view: JobConsole, stopper: Stopper,
                 tenant: str | None = None, shared: SharedLocks | None = None, only: str | None = None) -> None:
        self.environment = environment
        self.job = job
        self.only = only  # --only: one part of the job (PARTS), else all of it
        self.tenant = tenant  # --tenant: this one tenant, with state ids of its own
        self.shared = shared  # PostgreSQL advisory locks (several machines share the state)
        self.view = view
        self.stopper = stopper
        self.log_path = run_logs.new_log_file(job)
        self.report = JobReport(job, environment, datetime.now(UTC).isoformat(), str(self.log_path))
        self.lock: HeldLock | None = None
        self.timeout = task_timeout()
        self.environ = self.task_environment()

    def task_environment(self) -> dict[str, str]:
        """The environment of every command of this job: the tap's per-request METRIC lines on
        (they go to the run log only) unless the shell sets the level; one file where the tap
        runs of this job note a refused login, so that it is tried once per job, not once per tap
        variant; on BigQuery, the project every part writes to (orchestrate.bigquery_project)."""
        environ = {"TAP_CALLIO_METRICS_LOG_LEVEL": "INFO", **os.environ,
                   "TAP_CALLIO_REFUSED_LOGINS_FILE": str(self.log_path.with_suffix(".refused-logins.jsonl"))}
        if self.tenant is not None:
            environ["TAP_CALLIO_TENANTS"] = self.tenant
        if preflight.uses_bigquery(self.job):
            environ.update(bigquery_project.task_environment())
        return environ

    def run(self) -> int:
        with self.log_path.open("a", encoding="utf-8") as log_file:
            self._note(log_file, f"job {self.job} started (environment {self.environment})", detail=True)
            # Saved at once too: a run killed outright (SIGKILL, power cut) is then listed by
            # `orchestrate.runs` as one that did not finish, instead of missing.
            self.save_report(log_file, catch_up=True)
            every_task = job_tasks(self.environment, self.job)
            job_dbt = next((task.split(":")[0] for task in every_task if is_transform(task)), None)
            tasks = part_tasks(every_task, self.only)
            unreachable = warehouse_probe.problem(self.environment, self.job, lambda text: self._note(log_file, text))
            if unreachable:
                self._note(log_file, unreachable, error=True)
                unchecked: dict[str, str] = {}
                for task in tasks:  # nothing can work: none is started (each would hang or fail)
                    self.skip_task(task, log_file, "not run: the warehouse cannot be written (the line above)")
                tasks = []
            else:
                self.apply_schema_changes(tasks, log_file)
                unchecked = self.check_bookmarks(tasks, log_file)
            pending = list(tasks)
            while pending and not self.stopper.requested.is_set():
                if pending[0] in unchecked:
                    task = pending.pop(0)
                    self.skip_task(task, log_file, unchecked[task])
                    continue
                batch = next_batch(pending, unchecked, split_transform=self.shared is not None)
                pending = pending[self.run_tasks(batch, log_file):]
            stopped = self.stopper.requested.is_set()
            reported = {task_run.task for task_run in self.report.tasks}
            self.report.tasks += [TaskRun(task) for task in tasks if task not in reported]  # listed as "not run"
            if job_dbt and self.only in (None, "report") and not stopped and not unreachable:
                self.write_html_report(job_dbt, log_file)
            if stopped:
                self.report.stopped_by_signal = self.stopper.signum
                code = self.stopper.exit_code
            else:
                code = self.report.outcome_code()
            self.report.exit_code = code
            self.report.finished = datetime.now(UTC).isoformat()
            self._note(log_file, f"job {self.job} ended, exit {code}" + (" (stopped by signal)" if stopped else ""),
                       detail=not stopped)
            self.save_report(log_file)
        self.view.summary(self.report)
        notify.after_job(self.report)  # one message when it did not end well (CALLIO_NOTIFY_URLS)
        return code

    def save_report(self, log_file: TextIO, *, catch_up: bool = False) -> None:
        """The report beside the run log and, with a shared system database, in its table too
        (orchestrate.shared_reports), with this machine's recent reports when ``catch_up``. A
        failed write there is one line of the run log, never the run's result."""
        self.report.save(self.log_path.with_suffix(".json"))
        if self.shared is None:
            return
        try:
            shared_reports.publish(self.shared.connection,
                                   shared_reports.local_reports() if catch_up else [self.report])
        except Exception as exc:  # noqa: BLE001 - the run's own result never depends on this listing
            self._note(log_file, f"warning: this run's report was not written to the shared system database "
                                 f"(MELTANO_DATABASE_URI, table {shared_reports.TABLE}): {shared_locks.reason_of(exc, self.shared.uri)}; "
                                 "`orchestrate.runs` lists it on the other machines after this machine's next run")

    def apply_schema_changes(self, tasks: list[str], log_file: TextIO) -> None:
        """The schema changes of this release the warehouse has not had, rebuilt once before the
        job's tasks (orchestrate.schema_changes); reported as a task of its own when there are any."""
        dbt_plugin = next((task.split(":")[0] for task in tasks if task.startswith("dbt-")), None)
        if dbt_plugin is None or self.stopper.requested.is_set():
            return
        try:
            store = warehouse.connect(self.environment, bigquery=dbt_plugin == "dbt-bigquery")
            plan = schema_changes.plan(*store.schema_changes(), schema_changes.declared())
            if plan.record_only:
                store.record_schema_changes((c.id, c.version) for c in plan.record_only)
        except Exception as exc:  # noqa: BLE001 - the bookmark check right after names an unreadable warehouse
            self._note(log_file, f"schema changes: the warehouse's record could not be read ({type(exc).__name__}: "
                                 f"{exc}); checked again at the next job", error=True)
            return
        if not plan.pending:
            return
        for change in plan.pending:
            self._note(log_file, f"schema change {change.id} (release {change.version}, {change.why}): rebuilding "
                                 f"{', '.join(change.models)} and what is built on them, once")
        task_run = self.report.task_started(f"schema changes: {', '.join(c.id for c in plan.pending)}")
        began = time.monotonic()
        command = meltano_command(self.environment, "invoke", *schema_changes.full_refresh_command(dbt_plugin,
                                                                                                   plan.pending))
        with contextlib.ExitStack() as held:
            if self.shared is not None:  # a rebuild is a dbt build: one machine at a time
                held.enter_context(self.shared.holding([shared_locks.transform_key(self.environment)], wait=True,
                                                       on_wait=lambda text: self._note(log_file, text)))
            returncode, last = self._side_step(command, log_file, shown=None)
        if returncode == 0:
            store.record_schema_changes((c.id, c.version) for c in plan.pending)
        else:
            last = (f"{last}; nothing recorded, the next job tries again (or run: meltano --environment="
                    f"{self.environment} invoke {dbt_plugin}:full-refresh)")
        self.report.task_ended(task_run, returncode, time.monotonic() - began, stopped=self.stopper.requested.is_set(),
                               reason=last)

    def check_bookmarks(self, tasks: list[str], log_file: TextIO) -> dict[str, str]:
        """Run the bookmark check of each loader's extract steps; {task: why} of the steps whose
        check failed (they are reported failed, not run)."""
        unchecked: dict[str, str] = {}
        for command, checked_tasks in bookmark_check_commands(self.environment, tasks, self.tenant).values():
            if self.stopper.requested.is_set():
                break
            returncode, last = self._side_step(command, log_file, shown="bookmark-check:")
            if returncode != 0:
                why = f"not run: its bookmark check failed (exit {returncode})" + (f": {last}" if last else "")
                unchecked.update(dict.fromkeys(checked_tasks, why))
        return unchecked

    def skip_task(self, task: str, log_file: TextIO, reason: str) -> None:
        """A task that cannot run (its bookmark check failed, the warehouse is unreachable):
        reported failed (exit 1) with the reason, not run."""
        self.report.task_ended(self.report.task_started(task), 1, 0.0, stopped=False, reason=reason)
        self._note(log_file, f"task FAILED: {task} ({reason})", detail=True)

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
        scoped = [f"--state-id-suffix={state.tenant_suffix(self.tenant)}"] if self.tenant else []
        command = meltano_command(self.environment, f"--log-level={meltano_log_level()}", "run", "--force",
                                  *scoped, *words, log_format="json")
        if self.shared is not None and is_transform(batch[0]):
            # one machine at a time builds the final tables (their MERGEs would collide)
            try:
                with self.shared.holding([shared_locks.transform_key(self.environment)], wait=True,
                                         on_wait=lambda text: self._note(log_file, text)):
                    return self._run_batch(command, batch, log_file)
            except (shared_locks.Busy, shared_locks.Unreachable) as why:
                self.skip_task(batch[0], log_file, f"not run: {why}")
                return 1
        return self._run_batch(command, batch, log_file)

    def _run_batch(self, command: list[str], batch: list[str], log_file: TextIO) -> int:
        progress = BatchProgress(self, batch, log_file)
        progress.start_next()
        # Own process group: a stop ends the task's whole tree, and a Ctrl-C on the terminal
        # reaches this runner only, which then stops the task in order.
        process = self._start(command)
        reader = threading.Thread(target=self._read, args=(process, progress, log_file), daemon=True)
        reader.start()
        returncode, late = self._wait(process, lambda: progress.started if progress.current else None)
        reader.join()
        if returncode == 0:  # every block succeeded, whether or not each end was read
            while progress.current is not None:
                progress.end_current(0)
                progress.start_next()
        elif progress.current is not None:  # the task Meltano was in when it failed or stopped
            progress.end_current(returncode, reason=timed_out(self.timeout) if late else None)
        return progress.reported

    def _start(self, command: list[str]) -> subprocess.Popen:
        """A task or side step in a session of its own (a stop ends its whole tree; a Ctrl-C on
        the terminal reaches this runner only, which then stops it in order). It inherits the run
        lock, which so stays held while it lives, even if this runner is killed (run_lock)."""
        inherited = (*(self.lock.inherited_fds if self.lock else ()), *(self.shared.inherited_fds if self.shared else ()))
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, encoding="utf-8", errors="replace", start_new_session=True,
                                   env=self.environ, pass_fds=inherited)
        if self.lock is not None:
            self.lock.record_task(process.pid)
        self.stopper.running(process)
        return process

    def _wait(self, process: subprocess.Popen, started: Callable[[], float | None]) -> tuple[int, bool]:
        """Wait for a task, ending its tree when what ``started`` returns (the current step's
        start, or None between steps) is older than the task timeout. (exit code, timed out)"""
        late = False
        while True:
            try:
                returncode = process.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                since = started()
                if not late and since is not None and time.monotonic() - since > self.timeout:
                    late = True
                    log.error("task timed out after %.0f s (CALLIO_TASK_TIMEOUT): stopping it", self.timeout)
                    end_process_tree(process, stop_timeout())
        reap_leftovers(process)  # nothing the task started may outlive it
        self.stopper.running(None)
        self.stopper.wait_for_ender()
        if self.lock is not None:
            self.lock.record_task(None)
        return returncode, late

    def write_html_report(self, dbt_plugin: str, log_file: TextIO) -> None:
        """The HTML report (report/README.md) of what the job's dbt step built; a failure to
        write it fails the job like any task."""
        task_run = self.report.task_started("report")
        started = time.monotonic()
        command = [sys.executable, "-m", "report", f"--environment={self.environment}",
                   f"--meltano-plugin={dbt_plugin}"]
        returncode, last = self._side_step(command, log_file, shown=None)
        self.report.task_ended(task_run, returncode, time.monotonic() - started, stopped=self.stopper.requested.is_set(),
                               reason=last)
        self._note(log_file, "report written" if returncode == 0 else f"report FAILED (exit {returncode})")

    def _side_step(self, command: list[str], log_file: TextIO, *, shown: str | None) -> tuple[int, str | None]:
        """A short step of the runner's own (bookmark check, report): output to the run log; the
        lines holding ``shown`` to the console too (rare, and they matter to an operator).
        Returns the exit code and the step's last line (its reason, when it failed)."""
        process = self._start(command)
        began = time.monotonic()
        said: dict[str, str] = {}
        reader = threading.Thread(target=self._copy, args=(process, log_file, shown, said), daemon=True)
        reader.start()
        returncode, late = self._wait(process, lambda: began)
        reader.join()
        if late:
            said["error"] = timed_out(self.timeout)
            self._note(log_file, f"{shlex.join(command[-3:])} {said['error']}")
        log_file.flush()
        return returncode, said.get("error") or said.get("last")

    def _copy(self, process: subprocess.Popen, log_file: TextIO, shown: str | None, said: dict[str, str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log_file.write(line if line.endswith("\n") else line + "\n")
            if shown and shown in line:
                self.view.say(line.rstrip("\n")[line.index(shown):])
            event = events.parse_line(line)
            text = event.text.strip()
            # the reason of a failed step: its last error line, else its last line (Meltano's
            # closing advice, "Need help fixing this problem?", is never one)
            if text and not events.is_noise(event):
                error = "[error" in text or event.level in ("error", "critical") or bool(events.FATAL.search(text))
                said["error" if error else "last"] = text

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

    def _note(self, log_file: TextIO, text: str, *, detail: bool = False, error: bool = False) -> None:
        level = "error  " if error else "info   "
        log_file.write(f"{datetime.now(UTC).isoformat(timespec='milliseconds')} {level} orchestrate            {text}\n")
        log_file.flush()
        self.view.say(f"{datetime.now().strftime('%H:%M:%S')} {text}", detail=detail, error=error,
                      style="red" if error else None)


def run_locked(environment: str, job: str, *, wait: bool, verbose: bool = False, stopper: Stopper = STOPPER,
               view: JobConsole | None = None, tenant: str | None = None, only: str | None = None) -> int:
    view = view or JobConsole(make_console(), verbose=verbose or log_level() == "debug",
                              quiet=log_level() in ("warning", "error", "critical"))
    try:
        with exclusive_run(wait=wait, on_wait=log.warning) as lock:
            if stopper.requested.is_set():
                return stopper.exit_code
            # Under the lock no other run of this machine is going: whatever a killed run left is stale.
            for stale in hygiene.clean_run_folders():
                log.warning("removed stale generated plugin configuration %s (left by a killed run)", stale.name)
            run_logs.prune()
            with shared_extract_locks(environment, job, tenant, wait=wait, extracting=only in (None, "extract")) as shared:
                job_run = JobRun(environment, job, view, stopper, tenant=tenant, shared=shared, only=only)
                job_run.lock = lock
                return job_run.run()
    except (Busy, shared_locks.Busy) as busy:
        if wait:  # waited CALLIO_LOCK_WAIT for another machine's run: this run did not happen
            log.error("job %s not run: %s", job, busy)
            notify.send(notify.not_started_message(environment, job, [f"not run: {busy}"], configuration=False))
            return EXIT_FAILED
        log.warning("job %s skipped: %s", job, busy)
        return 0


@contextlib.contextmanager
def shared_extract_locks(environment: str, job: str, tenant: str | None, *, wait: bool, extracting: bool = True):
    """With a PostgreSQL system database: the extract lock of every tenant this run reads, held
    for the whole job (orchestrate.shared_locks); nothing on one machine with SQLite. A run that
    reads nothing (``--only transform`` or ``report``) takes none: its dbt step still takes the
    transform lock."""
    uri = shared_locks.database_uri()
    if uri is None:
        yield None
        return
    shared_locks.ensure_upgraded(uri, lambda: subprocess.run(
        meltano_command(environment, "upgrade", "database"), cwd=PROJECT_ROOT, capture_output=True,
        check=False).returncode)
    locks = shared_locks.SharedLocks(uri, job)
    try:
        if extracting:
            tenants = [tenant] if tenant else [a["tenant"] for a in tap_rules.configured_accounts(environment)[0]]
            locks.acquire([shared_locks.extract_key(environment, t) for t in tenants], wait=wait,
                          on_wait=log.warning)
        yield locks
    finally:
        locks.close()


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
    parser.add_argument("--tenant", default=None,
                        help="run only this tenant, with its own bookmarks and lock (default: every tenant)")
    parser.add_argument("--only", choices=PARTS, default=None,
                        help="run one part of the job: its extract tasks, its dbt task, or the HTML report "
                             "(default: all of them, in that order)")
    parser.add_argument("--verbose", "-v", action="store_true", help="show every line on the console, not only the log file")
    args = parser.parse_args(argv)
    configure_logging()
    environment = args.environment or default_environment()
    found = preflight.check(environment, args.job, tenant=args.tenant)
    preflight.report(found)
    if found.problems:
        notify.send(notify.not_started_message(environment, args.job, found.problems))  # a night that never started
        return EXIT_CONFIG
    STOPPER.install()
    return run_locked(environment, args.job, wait=not args.no_wait, verbose=args.verbose,
                      tenant=tap_rules.rules().label_key(args.tenant) if args.tenant else None, only=args.only)


if __name__ == "__main__":
    sys.exit(main())
