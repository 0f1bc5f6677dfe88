"""The few calls into the ``meltano`` command line that the runner and daemon need.

Jobs and schedules are read from Meltano itself (``--format=json``) so that meltano.yml
stays the one place where they are declared.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from orchestrate import project_files
from orchestrate.project_env import PROJECT_ROOT, env_file


def meltano_executable() -> str:
    """``meltano`` next to this Python (the project's venv) first, then on PATH."""
    override = os.environ.get("CALLIO_MELTANO_BIN")
    if override:
        return override
    beside = Path(sys.executable).with_name("meltano")
    if beside.exists():
        return str(beside)
    found = shutil.which("meltano")
    if not found:
        raise SystemExit("meltano not found: run scripts/demo.sh once, or activate .venv")
    return found


def meltano_command(environment: str, *args: str, log_format: str | None = None) -> list[str]:
    """``meltano`` with the environment and the same .env file the orchestrator read."""
    options = [f"--environment={environment}", f"--env-file={env_file()}"]
    if log_format:
        options.append(f"--log-format={log_format}")
    return [meltano_executable(), *options, *args]


def _json_from(environment: str, *args: str) -> dict:
    completed = subprocess.run(
        meltano_command(environment, *args, "--format=json"),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"meltano {' '.join(args)} failed:\n{completed.stderr.strip()}")
    return json.loads(completed.stdout)


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    job: str


def job_tasks(environment: str, job: str) -> list[str]:
    """The tasks of one job, each a ``meltano run`` argument string.

    Read from the project files (``project_files.jobs``), not ``meltano job list``: that is one
    more Meltano start (about a second) before every job, and a job does not depend on the
    environment. tests/test_orchestrate.py holds the two listings equal."""
    del environment  # jobs are project-wide in Meltano
    jobs = project_files.jobs()
    if job not in jobs:
        raise KeyError(f"no job named {job!r} in meltano.yml")
    return _task_strings(jobs[job])


def listed_jobs(environment: str) -> dict[str, list[str]]:
    """Every job with its tasks as Meltano itself lists them (``meltano job list``)."""
    return {entry["job_name"]: _task_strings(entry["tasks"])
            for entry in _json_from(environment, "job", "list")["jobs"]}


def _task_strings(tasks: list) -> list[str]:
    # A task may itself be a list of blocks; flatten to one string per `meltano run`.
    return [t if isinstance(t, str) else " ".join(t) for t in tasks]


def schedules(environment: str) -> list[Schedule]:
    """Job schedules with their cron expressions, read from the project files (a Meltano start less
    for the daemon, the generators, the freshness check and the report; tests/test_orchestrate.py
    holds them equal to ``meltano schedule list``)."""
    del environment  # schedules are project-wide in Meltano
    return [Schedule(s["name"], s["interval"], s["job"]) for s in project_files.schedules()]


def listed_schedules(environment: str) -> list[Schedule]:
    """Job schedules as Meltano itself lists them (``meltano schedule list``)."""
    listed = _json_from(environment, "schedule", "list")["schedules"]
    return [Schedule(s["name"], s["cron_interval"], s["job"]["name"]) for s in listed.get("job", [])]
