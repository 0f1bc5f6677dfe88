"""Shared helpers for the project-level tests (tests/): run the real Meltano project.

Each test gets its own DuckDB file and its own Meltano system database (state), so tests never
touch output/ or .meltano/meltano.db. `meltano install` must have run (scripts/test.sh does).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.isolation import private_meltano_dirs
from support.warehouse_slots import Slot, warehouse_slot

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def meltano_bin() -> str:
    beside = Path(sys.executable).with_name("meltano")
    return str(beside) if beside.exists() else "meltano"


@pytest.fixture
def isolated_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment variables pointing every output of a run into tmp_path, but for the warehouse
    and dbt's target: a slot this test holds (support/warehouse_slots.py)."""
    with warehouse_slot() as slot:
        yield isolated_environment(tmp_path, slot)


def isolated_environment(tmp_path: Path, slot: Slot | None = None) -> dict[str, str]:
    """Environment variables pointing every output of a run into tmp_path (for fixtures of any
    scope); with a slot, the warehouse and dbt's target are the slot's."""
    env = dict(os.environ)
    env.update(private_meltano_dirs(tmp_path))
    if slot is not None:
        env["DBT_TARGET_PATH"] = str(slot.dbt_target)
    env.update(
        {
            "CALLIO_DUCKDB_PATH": str(slot.warehouse if slot else tmp_path / "warehouse.duckdb"),
            "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
            "CALLIO_RUN_LOCK": str(tmp_path / "run.lock"),
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            # Every record the simulator holds is older than this window, and none is held back
            # by the "records still being written" lag: a complete read is expected.
            "TAP_CALLIO_DAYS_TO_FETCH_IF_EMPTY": "90",
            "TAP_CALLIO_SAFETY_LAG_MS": "0",
            # Shell values beat the project's .env: accounts from a developer's .env must not
            # be used (the tests name their own accounts file).
            "CALLIO_ACCOUNTS_JSON": "[]",
            "CALLIO_RAW_SCHEMA": "raw",
        }
    )
    # A developer's shell values the tests must not inherit (accounts, warehouse paths, the report
    # tenants: the oracle's report is PK's, the default).
    for leftover in ("TAP_CALLIO_ACCOUNTS", "TAP_CALLIO_API_URL", "TARGET_DUCKDB_FILEPATH", "DBT_DUCKDB_PATH",
                     "CALLIO_REPORT_TENANTS"):
        env.pop(leftover, None)
    return env


@pytest.fixture(scope="session", autouse=True)
def project_outputs_untouched():
    """No test may write the demo's files under output/ (a person's last demo page and database):
    every run of a test writes into its own folder (private_meltano_dirs, isolated_environment)."""
    watched = [PROJECT_ROOT / "output" / name for name in ("report.html", "demo.duckdb", "callio.duckdb")]

    def seen() -> dict[Path, tuple[int, int] | None]:
        return {path: (path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else None for path in watched}

    before = seen()
    yield
    changed = [str(path) for path, was in seen().items() if was != before[path]]
    assert not changed, f"a test wrote the project's own output: {changed}"


def run(command: list[str], env: dict[str, str], log: Path) -> subprocess.CompletedProcess:
    """Run from the project root; output to a log file (shown on failure), not into memory."""
    with log.open("w") as out:
        completed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    return completed


def tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
