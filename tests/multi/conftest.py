"""Two machines sharing one PostgreSQL system database (README "Running on more than one machine").

A machine is a copy of the project in a folder of its own (the files a `git clone` would bring:
tracked and new ones; the venvs and Meltano's plugins are shared, as every machine installs the
same pins), with its own run lock, run logs, Meltano folder and dbt target. Both read the same
simulator and, for DuckDB, write the same warehouse file (a disk both reach; DuckDB lets one
writer in at a time). Meltano's system database is one PostgreSQL database per test module.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from callio_sim.testing import running_simulator
from reliability.pipeline import SIM_OPTIONS, Pipeline
from support.postgres import running_postgres
from support.project_copy import copy_project

from conftest import isolated_environment


@pytest.fixture(scope="session")
def postgres():
    with running_postgres() as server:
        yield server


class Team:
    """The machines of one test, sharing a simulator, a system database and a warehouse."""

    def __init__(self, sim, base: Path, database_uri: str | None) -> None:
        self.sim, self.base, self.database_uri = sim, base, database_uri
        self.warehouse = base / "shared" / "warehouse.duckdb"
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)

    def machine(self, name: str, database_uri: str | None = None) -> Pipeline:
        root = copy_project(self.base / name / "project")
        workdir = self.base / name / "work"
        workdir.mkdir(parents=True)
        env = isolated_environment(workdir)
        env["CALLIO_DUCKDB_PATH"] = str(self.warehouse)
        uri = database_uri or self.database_uri
        if uri:
            env["MELTANO_DATABASE_URI"] = uri
        machine = Pipeline(self.sim, env, workdir, root=root)
        machine.name = name
        return machine


@pytest.fixture
def team(postgres, tmp_path):
    def make(*, shared: bool = True, **options) -> Team:
        sim = stack.enter_context(running_simulator(**{**SIM_OPTIONS, **options}))
        uri = postgres.create_database(f"meltano_{uuid.uuid4().hex[:12]}") if shared else None
        return Team(sim, tmp_path, uri)

    import contextlib

    with contextlib.ExitStack() as stack:
        yield make
