"""Dagster as the engine, driven from outside as a person or a service would: ``bash scripts/dagster.sh``
(its own venv, .venv-dagster) against the real simulator, Meltano and dbt, with Meltano's system
database and Dagster's run storage on one private PostgreSQL server.

One deployment per test module: a simulator (two tenants, the reliability tests' small
volumes), a warehouse file, a system database, a Dagster instance folder. What Dagster stored is
read back with SQL from its schema (``dagster``) of that database.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from callio_sim.testing import running_simulator
from reliability.pipeline import ENVIRONMENT, SIM_OPTIONS, Finished, Pipeline
from support.postgres import running_postgres

from conftest import isolated_environment

TENANTS = ("PK", "HN")
DATABASE = "callio"
WRONG_PASSWORD = "wrong-password-123"


@dataclasses.dataclass
class Deployment:
    """One project (the repository, or a copy of it) run by Dagster, and the database both share."""

    pipeline: Pipeline
    database: object  # support.postgres.PostgresServer, connected to DATABASE

    @property
    def dagster_home(self) -> Path:
        return Path(self.pipeline.env["DAGSTER_HOME"])

    def dagster_command(self, *args: str) -> list[str]:
        return ["bash", str(self.pipeline.root / "scripts" / "dagster.sh"), f"--environment={ENVIRONMENT}", *args]

    def dagster(self, *args: str, name: str = "dagster") -> Finished:
        return self.pipeline.run(self.dagster_command(*args), name)

    def rows(self, sql: str) -> list[tuple[str, ...]]:
        return self.database.query(sql)

    def runs(self, where: str = "true") -> list[dict[str, str]]:
        """Dagster's runs, newest last: id, job, status, partition and every tag."""
        found = []
        for run_id, job, status in self.rows(f"select run_id, pipeline_name, status from dagster.runs where {where} "
                                             "order by id"):
            tags = dict(self.rows(f"select key, value from dagster.run_tags where run_id = '{run_id}'"))
            found.append({"run_id": run_id, "job": job, "status": status, "tags": tags,
                          "partition": tags.get("dagster/partition")})
        return found

    def events(self, run_id: str, event_type: str) -> list[dict]:
        """One run's events of a type (Dagster's own event records, as JSON)."""
        return [json.loads(body) for (body,) in self.rows(
            f"select event from dagster.event_logs where run_id = '{run_id}' and dagster_event_type = '{event_type}' "
            "order by id")]

    def set_password(self, tenant: str, password: str | None) -> None:
        """A tenant's password in the accounts file (None: the simulator's own again)."""
        accounts = json.loads(self.pipeline.accounts_file.read_text())
        real = {a["tenant"]: a["password"] for a in self.pipeline.sim.accounts}
        for account in accounts:
            if account["tenant"] == tenant:
                account["password"] = password or real[tenant]
        self.pipeline.accounts_file.write_text(json.dumps(accounts))


@pytest.fixture(scope="module")
def postgres():
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def simulator():
    with running_simulator(**SIM_OPTIONS) as sim:
        yield sim


def deployment_environment(workdir: Path, postgres, dagster_home: Path) -> dict[str, str]:
    env = isolated_environment(workdir)
    (workdir / "empty.env").touch()
    env.update({
        "MELTANO_DATABASE_URI": postgres.uri(DATABASE),
        "DAGSTER_HOME": str(dagster_home),
        "CALLIO_ENV_FILE": str(workdir / "empty.env"),  # never a developer's .env
        # Dagster retries a failed step twice, at once (a test waits for no back-off)
        "CALLIO_DAGSTER_RETRIES": "2",
        "CALLIO_DAGSTER_RETRY_DELAY_S": "0",
        # the tap gives up on a failing request after one retry, so a fault of the API reaches Dagster
        "TAP_CALLIO_MAX_RETRIES": "1",
    })
    for leftover in ("MELTANO_ENVIRONMENT", "SCHEDULER_RUN_TIMES_UTC", "SCHEDULER_STAFF_GROUP_TIME_UTC",
                     "CALLIO_DAGSTER_URL", "LOG_LEVEL"):
        env.pop(leftover, None)
    return env


@pytest.fixture(scope="module")
def deployment(postgres, simulator, tmp_path_factory) -> Deployment:
    """The repository itself, as Dagster's code location."""
    postgres.query(f'create database "{DATABASE}"')
    workdir = tmp_path_factory.mktemp("dagster")
    env = deployment_environment(workdir, postgres, workdir / "dagster-home")
    return Deployment(Pipeline(simulator, env, workdir), dataclasses.replace(postgres, database=DATABASE))


@contextlib.contextmanager
def running(command: list[str], cwd: Path, env: dict[str, str], log: Path):
    """A long-running command in a session of its own, stopped (SIGTERM, then SIGKILL) at the end."""
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # what the daemon started (code server, run workers)
        process.wait()
