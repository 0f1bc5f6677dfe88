"""One part of a Meltano job, run by the project's own job runner, as one Dagster step.

    .venv/bin/python -m orchestrate.run_job --environment=E [--tenant T] --only extract|transform|report JOB

Every step goes through the runner, so Dagster's runs keep what a run of the runner has: the
preflight, the file lock of this machine and, with a PostgreSQL system database, the advisory
locks every machine shares (one extraction per tenant, one dbt build at a time), the bookmark
check, the run log under ``logs/runs/`` and its summary. Its console lines go to the step's log.

Its exit code decides what Dagster does next (``orchestrate/exit_codes.py``): 0 the step is
done; 1 a task or a tenant's stream failed, retried by the step's retry policy unless a login
was refused (``ERROR_LOGIN``: trying again cannot help, and repeated refusals can lock a real
account); 2 the configuration was refused, 3 a stream stopped at the record cap (``BEHIND``),
128+N stopped by a signal: failed, not retried.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestrate_dagster.project import PROJECT_ROOT, orchestrate_command

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_BEHIND = 0, 1, 2, 3
LOGIN_REFUSED = "ERROR_LOGIN"
FULL_LOG = re.compile(r"; full log: (?P<path>\S.*)$")  # the runner's closing line (orchestrate/console.py)
STOP_WAIT_S = 90  # the runner itself gives its task CALLIO_STOP_TIMEOUT (30 s) before SIGKILL


@dataclass
class Outcome:
    """What one runner call did: its exit code, its run summary (the ``.json`` beside its run
    log) and its console lines."""

    returncode: int
    summary: dict = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    @property
    def log_file(self) -> str | None:
        return self.summary.get("log_file")

    def streams(self, tenant: str | None = None) -> list[dict]:
        return [s for s in self.summary.get("streams", {}).values() if tenant is None or s["tenant"] == tenant]

    def records(self, stream: str, tenant: str | None = None) -> int:
        return sum(s.get("records") or 0 for s in self.streams(tenant) if s["stream"] == stream)

    def reason(self) -> str:
        """One line: the first failed stream's or task's reason, else the runner's last line."""
        for stream in self.streams():
            if stream["status"] not in ("OK", "BEHIND") and stream.get("reason"):
                return f"{stream['tenant']}/{stream['stream']} {stream['status']}: {stream['reason']}"
        for task in self.summary.get("tasks", []):
            if task.get("returncode") not in (0, None) and task.get("last_error"):
                return f"task {task['task']} failed: {task['last_error']}"
        return (self.lines or [f"exit {self.returncode}"])[-1]

    def retryable(self) -> bool:
        refused = any(s["status"] == LOGIN_REFUSED for s in self.streams())
        return self.returncode == EXIT_FAILED and not refused


def runner_command(environment: str, job: str, part: str, tenant: str | None = None) -> list[str]:
    return orchestrate_command("run_job", f"--environment={environment}", *(["--tenant", tenant] if tenant else []),
                               "--only", part, job)


def run_part(environment: str, job: str, part: str, *, tenant: str | None = None,
             say: Callable[[str], None] = print) -> Outcome:
    """Run the runner for one part of a job; its console lines go to ``say`` as they come."""
    process = subprocess.Popen(runner_command(environment, job, part, tenant), cwd=PROJECT_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                               errors="replace", env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []

    def copy() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip():
                lines.append(line.rstrip("\n"))
                say(lines[-1])

    reader = threading.Thread(target=copy, daemon=True)
    reader.start()
    try:
        returncode = process.wait()
    except BaseException:
        # The run was terminated (Dagster's "Terminate", a stop of the run worker): the runner
        # ends its task's whole process tree on SIGTERM and releases its locks.
        process.terminate()
        try:
            process.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
    reader.join()
    return Outcome(returncode, read_summary(lines), lines)


def read_summary(lines: list[str]) -> dict:
    """The run summary the runner saved beside the run log its closing line names."""
    for line in reversed(lines):
        if found := FULL_LOG.search(line):
            summary = Path(found["path"].strip()).with_suffix(".json")
            try:
                return json.loads(summary.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
    return {}


def check(outcome: Outcome, what: str) -> Outcome:
    """The outcome of a step that succeeded; a ``dagster.Failure`` (retried or not) otherwise."""
    if outcome.returncode == EXIT_OK:
        return outcome
    metadata = {"exit code": outcome.returncode, **({"run log": outcome.log_file} if outcome.log_file else {})}
    raise dg.Failure(description=f"{what}: {outcome.reason()}", metadata=metadata,
                     allow_retries=outcome.retryable())
