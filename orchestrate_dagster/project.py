"""The Callio project as Dagster sees it: a folder with a virtualenv of its own, used only through
subprocesses.

Nothing of the project (``orchestrate``, Meltano, dbt) is imported here: Dagster's venv and the
project's have different pins, and the job runner's guarantees (locks, bookmark check, preflight,
run log) hold only when its own process runs. What Dagster needs to know is asked from the
project's ``python -m orchestrate.facts --json`` (tenants, schedules, jobs, streams).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = "Scripts" if sys.platform == "win32" else "bin"
FACTS_TIMEOUT_S = 120  # a Meltano start or two; a hung one must not hang a code location's load


class ProjectUnavailable(Exception):
    """The project's venv is missing or refused its configuration (the message says which)."""


def project_python() -> str:
    """The project's own interpreter (``.venv``, made by install.sh, demo.sh or test.sh)."""
    python = PROJECT_ROOT / ".venv" / BIN / ("python.exe" if sys.platform == "win32" else "python")
    if not python.exists():
        raise ProjectUnavailable(f"{python} not found: run bash scripts/install.sh (or demo.sh) first")
    return str(python)


def orchestrate_command(module: str, *args: str) -> list[str]:
    """``.venv/bin/python -m orchestrate.<module> ...``, run from the project folder."""
    return [project_python(), "-m", f"orchestrate.{module}", *args]


def dagster_home() -> Path:
    """Dagster's instance folder: DAGSTER_HOME (the launcher sets it), else ``.dagster/``."""
    return Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster")


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str  # UTC
    job: str  # a Meltano job of meltano/orchestrate.meltano.yml


@dataclass(frozen=True)
class Facts:
    """``python -m orchestrate.facts --json``: what the project declares for one environment."""

    environment: str
    tenants: tuple[str, ...]
    jobs: dict[str, list[str]]  # Meltano job -> its tasks (`<extractor> <loader>`, `<dbt plugin>:build`)
    extractors: dict[str, list[str]]  # extractor variant -> the streams it selects
    schedules: tuple[Schedule, ...]
    freshness_cron: str  # UTC: the hourly freshness check (orchestrate.freshness)
    meltano: tuple[str, ...]  # the meltano command the job runner uses (environment, .env file)
    system_database: dict[str, str]  # kind and masked URI

    def extract_tasks(self, job: str) -> list[str]:
        return [task for task in self.jobs[job] if not task.startswith("dbt-")]

    def extractors_of(self, job: str) -> list[str]:
        return [task.split()[0] for task in self.extract_tasks(job)]

    def dbt_plugin(self) -> str:
        """The environment's dbt plugin (``dbt-duckdb`` or ``dbt-bigquery``): every job ends with it."""
        plugins = {task.split(":")[0] for tasks in self.jobs.values() for task in tasks if task.startswith("dbt-")}
        if len(plugins) != 1:
            raise ProjectUnavailable(f"environment {self.environment}: expected one dbt plugin in its jobs, "
                                     f"found {sorted(plugins) or 'none'}")
        return plugins.pop()


def load_facts(environment: str | None = None) -> Facts:
    """Ask the project (one subprocess); a refused configuration raises ProjectUnavailable with
    the project's own one-line reason."""
    args = ["--json", *([f"--environment={environment}"] if environment else [])]
    try:
        done = subprocess.run(orchestrate_command("facts", *args), cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=FACTS_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise ProjectUnavailable(f"python -m orchestrate.facts did not answer within {FACTS_TIMEOUT_S} s") from None
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [f"python -m orchestrate.facts: exit {done.returncode}"])[-1]
        raise ProjectUnavailable(said.removeprefix("configuration error: "))
    data = json.loads(done.stdout)
    return Facts(
        environment=data["environment"],
        tenants=tuple(data["tenants"]),
        jobs=data["jobs"],
        extractors=data["extractors"],
        schedules=tuple(Schedule(**s) for s in data["schedules"]),
        freshness_cron=data["freshness_cron"],
        meltano=tuple(data["meltano"]),
        system_database=data["system_database"],
    )
