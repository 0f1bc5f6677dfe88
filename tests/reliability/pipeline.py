"""Drive the real project (meltano, orchestrate.run_job) against a simulator, from a test.

One `Pipeline` = one simulator + one isolated warehouse file + one isolated Meltano system
database (state). Runs go to log files under the test's tmp_path; a run can be started in its
own process group and SIGKILLed as a whole when a marker appears in its log.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

# tests/conftest.py (the Meltano project's helpers) is importable as `conftest`: pytest puts
# tests/ on sys.path, and this folder is a package, so its own conftest does not shadow it.
from conftest import PROJECT_ROOT, meltano_bin, private_meltano_dirs, tail

ENVIRONMENT = "demo"
# Small, fast volumes: every record is created inside the last few local days, so it falls in
# the tap's first-sync window and in the report's recomputed window (report_lookback_days 7).
SIM_OPTIONS = {"seed": 11, "tenants": "PK,HN", "customers": 60, "calls": 240, "days": 3, "customer_days": 4,
               "staff": 6, "groups": 2}
TENANTS = ("PK", "HN")
FIRST_SYNC_DAYS = "6"

JOB_ALL = ["tap-callio--customers", "target-duckdb", "tap-callio--calls", "target-duckdb",
           "tap-callio--staffgroup", "target-duckdb", "dbt-duckdb:build"]


class Pipeline:
    def __init__(self, sim, base_env: dict[str, str], workdir: Path, root: Path = PROJECT_ROOT):
        self.sim = sim
        self.workdir = workdir
        self.root = root  # the project folder the commands run in (tests/multi: a copy, another machine)
        self.accounts_file = workdir / "accounts.json"
        sim.write_accounts_file(self.accounts_file)
        self.env = dict(base_env)
        self.env.update(
            {
                "CALLIO_API_URL": sim.url,
                "CALLIO_ACCOUNTS_FILE": str(self.accounts_file),
                "TAP_CALLIO_DAYS_TO_FETCH_IF_EMPTY": FIRST_SYNC_DAYS,
                # request_timeout (30 s) comes from the demo environment. Retries start at once:
                # the faults are few and bounded, and a whole-second back-off would only slow the
                # suite (Meltano takes whole seconds here: `kind: decimal` crashes 4.4.1).
                "TAP_CALLIO_RETRY_BASE_DELAY_S": "0",
                "PYTHONUNBUFFERED": "1",
            }
        )
        # a dbt target the base environment names stays (a warehouse slot's: support/warehouse_slots.py)
        self.env.update({key: value for key, value in private_meltano_dirs(workdir).items()
                         if not (key == "DBT_TARGET_PATH" and key in base_env)})
        self.db_path = Path(self.env["CALLIO_DUCKDB_PATH"])
        self._runs = 0

    # --- running ---------------------------------------------------------------------------

    def _log(self, name: str) -> Path:
        self._runs += 1
        return self.workdir / f"{self._runs:02d}-{name}.log"

    def meltano_command(self, *args: str) -> list[str]:
        return [meltano_bin(), f"--environment={ENVIRONMENT}", *args]

    def run_job_command(self, job: str, *extra: str) -> list[str]:
        return [sys.executable, "-m", "orchestrate.run_job", f"--environment={ENVIRONMENT}", *extra, job]

    def run(self, command: list[str], name: str, env: dict[str, str] | None = None) -> Finished:
        log = self._log(name)
        with log.open("w") as out:
            code = subprocess.run(command, cwd=self.root, env=env or self.env, stdout=out,
                                  stderr=subprocess.STDOUT, check=False).returncode
        return Finished(code, log)

    def meltano(self, *args: str, name: str = "meltano", env: dict[str, str] | None = None) -> Finished:
        return self.run(self.meltano_command(*args), name, env)

    def seed_raw_tables(self) -> None:
        """Land customers, staff and groups once (no dbt): a warehouse as it is after the first
        nightly run, so that a job reading one stream finds every raw table dbt expects."""
        seeded = self.meltano("run", "tap-callio--customers", "target-duckdb", "tap-callio--staffgroup",
                              "target-duckdb", name="seed-raw-tables")
        assert seeded.returncode == 0, seeded.tail()

    def start(self, command: list[str], name: str, env: dict[str, str] | None = None) -> Started:
        log = self._log(name)
        out = log.open("w")
        process = subprocess.Popen(command, cwd=self.root, env=env or self.env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        return Started(process, log)

    # --- reading the warehouse ---------------------------------------------------------------

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.db_path), read_only=True)

    def query(self, sql: str) -> list[tuple]:
        con = self.connect()
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def state(self) -> dict[str, dict]:
        """Every state id of the environment and its JSON as the next run gets it: one
        `meltano state export`, and `meltano state get` (Meltano's own merge) for a state that
        holds a partial part."""
        exported = subprocess.run(self.meltano_command("state", "export"), cwd=self.root, env=self.env,
                                  capture_output=True, text=True, check=True)
        states = {}
        for state_id, entry in json.loads(exported.stdout.strip().splitlines()[-1]).items():
            if not state_id.startswith(ENVIRONMENT + ":"):
                continue
            if entry.get("partial"):
                got = subprocess.run(self.meltano_command("state", "get", state_id), cwd=self.root,
                                     env=self.env, capture_output=True, text=True, check=True)
                states[state_id] = json.loads(got.stdout.strip().splitlines()[-1])
            else:
                states[state_id] = entry.get("completed") or {}
        return states


class Finished:
    def __init__(self, returncode: int, log: Path):
        self.returncode = returncode
        self.log = log

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 60) -> str:
        return f"--- {self.log} ---\n" + tail(self.log, lines)


class Started(Finished):
    def __init__(self, process: subprocess.Popen, log: Path):
        super().__init__(None, log)
        self.process = process

    def wait_for(self, seen: Callable[[str], bool], timeout: float = 240) -> bool:
        """Poll the log until `seen(text)`; False if the run ended or the time ran out first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if seen(self.output):
                return True
            if self.process.poll() is not None:
                return seen(self.output)
            time.sleep(0.05)
        return False

    def kill(self) -> bool:
        """SIGKILL the whole process group (meltano, tap, target, dbt), as a power cut would.

        Returns whether the run was still going (a kill after the end proves nothing)."""
        alive = self.process.poll() is None
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.returncode = self.process.wait()
        return alive

    def finish(self, timeout: float = 600) -> int:
        self.returncode = self.process.wait(timeout=timeout)
        return self.returncode
