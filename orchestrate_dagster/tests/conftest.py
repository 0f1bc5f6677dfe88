"""Unit tests of the code location's own logic, in Dagster's venv (scripts/test.sh runs them with
.venv-dagster/bin/python). The end-to-end tests through the project are tests/dagster_engine/."""

from __future__ import annotations

import pytest

from orchestrate_dagster.project import Facts, Schedule

JOBS = {
    "callio-customers": ["tap-callio--customers target-duckdb", "dbt-duckdb:build"],
    "callio-calls": ["tap-callio--calls target-duckdb", "dbt-duckdb:build"],
    "callio-staffgroup": ["tap-callio--staffgroup target-duckdb", "dbt-duckdb:build"],
    "callio-customers-calls": ["tap-callio--customers target-duckdb", "tap-callio--calls target-duckdb",
                               "dbt-duckdb:build"],
    "callio-all": ["tap-callio--customers target-duckdb", "tap-callio--calls target-duckdb",
                   "tap-callio--staffgroup target-duckdb", "dbt-duckdb:build"],
}


@pytest.fixture
def facts() -> Facts:
    """What ``python -m orchestrate.facts --json`` prints for the demo environment (meltano.yml's jobs)."""
    return Facts(
        environment="demo", tenants=("PK", "HN"), jobs=JOBS,
        extractors={"tap-callio--customers": ["customers", "sync_log", "quarantine"],
                    "tap-callio--calls": ["calls", "sync_log", "quarantine"],
                    "tap-callio--staffgroup": ["staff", "groups", "sync_log", "quarantine"]},
        schedules=(Schedule("nightly", "30 2 * * *", "callio-all"),
                   Schedule("daytime", "0 4,6,8,11 * * *", "callio-customers-calls")),
        freshness_cron="15 * * * *",
        meltano=("meltano", "--environment=demo"), system_database={"kind": "sqlite", "uri": "sqlite:///x.db"},
    )
