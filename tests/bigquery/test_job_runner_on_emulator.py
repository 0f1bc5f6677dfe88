"""The production job through the real job runner and Meltano, on the emulator, from two machines.

Two copies of the project (two machines) share one PostgreSQL system database and run
`orchestrate.run_job --environment=prod --tenant T callio-all-bq` at the same time, PK on one and
HN on the other: their extractions go side by side, their dbt builds one after the other (the
shared transform lock), and both tenants end exactly once in the raw and final tables.

Machine a keeps an old script's `.env` unchanged: the template's `BQ_PROJECT_ID=rio-system-migration`
beside a service account key of another project. As the old script did, the data goes to the key's
project (the emulator's; it answers for no other), and the preflight says so in one line.

Only test switches differ from production: the load guard runs z3-target-bigquery through the
emulated launcher (LOAD_GUARD_TARGET_COMMAND), dbt uses bigquery/profiles.yml's emulator output,
and BQ_API_ENDPOINT points the report, the warehouse check and the schema-change record at it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from loader_runs import LAUNCHER, REPO
from sim_process import running_simulator_process

from support.isolation import private_meltano_dirs
from support.postgres import running_postgres
from support.project_copy import copy_project
from support.truth import STREAMS, assert_lands_exactly_once, load_truth

PROJECT_PYTHON = REPO / ".venv" / "bin" / "python"
TENANTS = ("PK", "HN")
KEY = {"type": "service_account", "client_email": "etl@old-project.iam.gserviceaccount.com",
       "private_key": "-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n"}


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    with running_simulator_process(
            tmp_path_factory.mktemp("sim"), "--seed", "17", "--tenants", ",".join(TENANTS), "--customers", "60",
            "--calls", "240", "--staff", "6", "--groups", "2", "--days", "3", "--customer-days", "4") as started:
        yield started


def machine_env(name: str, base: Path, emulator, url: str, accounts: Path, database_uri: str, raw: str, marts: str,
                old_dotenv: bool) -> tuple[Path, dict[str, str]]:
    root = copy_project(base / name / "project")
    work = base / name / "work"
    work.mkdir(parents=True)
    key = work / "service-account.json"
    key.write_text(json.dumps({**KEY, "project_id": emulator.project}))
    dotenv = work / ".env"
    lines = [f"CALLIO_API_BASE_URL={url}", f"CALLIO_ACCOUNTS_FILE={accounts}", f"SERVICE_ACCOUNT_KEY_FILE={key}",
             f"BQ_DATASET_ID={marts}", f"BQ_RAW_DATASET_ID={raw}", "BQ_LOCATION=US", f"MELTANO_DATABASE_URI={database_uri}"]
    lines.append("BQ_PROJECT_ID=rio-system-migration" if old_dotenv else f"BQ_PROJECT_ID={emulator.project}")
    dotenv.write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_CALLIO", "TARGET_", "DBT_", "MELTANO_",
                                                                       "CALLIO_", "BQ_"))}
    env.update(private_meltano_dirs(work))
    env.update({
        "CALLIO_ENV_FILE": str(dotenv), "CALLIO_RUN_LOCK": str(work / "run.lock"), "PATH": os.environ["PATH"],
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", "TAP_CALLIO_SAFETY_LAG_MS": "0",
        "TAP_CALLIO_DAYS_TO_FETCH_IF_EMPTY": "6",
        # the test switches (module docstring)
        "LOAD_GUARD_TARGET_COMMAND": f"{sys.executable} {LAUNCHER}", "EMULATED_TARGET_NO_GZIP": "1",
        "EMULATED_TARGET_NO_CONSISTENCY_SLEEP": "1", "BQ_EMULATOR_ENDPOINT": emulator.endpoint,
        "BQ_EMULATOR_GRPC": emulator.grpc, "LOAD_GUARD_BIGQUERY_ENDPOINT": emulator.endpoint,
        "BQ_API_ENDPOINT": emulator.endpoint, "DBT_BIGQUERY_PROFILES_DIR": str(REPO / "bigquery"),
        "DBT_BIGQUERY_TARGET": "emulator",
    })
    return root, env


def test_two_machines_load_their_tenants_side_by_side_into_the_keys_project(simulator, emulator, bq_client,
                                                                            tmp_path):
    url, accounts = simulator
    raw, marts = "runner_raw", "runner_marts"
    with running_postgres() as postgres:
        database = postgres.create_database(f"meltano_{uuid.uuid4().hex[:12]}")
        runs = {}
        for name, tenant in (("a", "PK"), ("b", "HN")):
            root, env = machine_env(name, tmp_path, emulator, url, accounts, database, raw, marts,
                                    old_dotenv=name == "a")
            log = (tmp_path / f"{name}.log").open("w")
            process = subprocess.Popen([str(PROJECT_PYTHON), "-m", "orchestrate.run_job", "--environment=prod",
                                        "--tenant", tenant, "--verbose", "callio-all-bq"],
                                       cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
            runs[name] = (process, log, tmp_path / f"{name}.log")
        for name, (process, log, path) in runs.items():
            code = process.wait(timeout=900)
            log.close()
            assert code == 0, f"machine {name}:\n" + path.read_text()[-4000:]

    said = (tmp_path / "a.log").read_text()
    choice = [line for line in said.splitlines() if line.startswith("BigQuery project:")]
    assert len(choice) == 1 and choice[0].startswith(f"BigQuery project: {emulator.project}, the service account "
                                                     "key's project_id"), choice
    assert "BQ_PROJECT_ID=rio-system-migration is not used" in choice[0], choice

    truth = load_truth(url, TENANTS)
    for stream in STREAMS:
        landed = [tuple(row) for row in bq_client.query(f"SELECT tenant, _id FROM `{raw}`.`{stream}`").result()]
        assert_lands_exactly_once(f"{raw}.{stream}", landed, truth, stream, TENANTS)
    for stream, mart in (("calls", "call_log"), ("customers", "customer"), ("staff", "staff")):
        landed = [tuple(row) for row in bq_client.query(f"SELECT tenant, _id FROM `{marts}`.`{mart}`").result()]
        assert_lands_exactly_once(f"{marts}.{mart}", landed, truth, stream, TENANTS)
    # each machine ran its own tenant only, the two extractions at once
    per_tenant = {row[0]: row[1] for row in bq_client.query(
        f"SELECT tenant, COUNT(DISTINCT run_id) FROM `{raw}`.`sync_log` GROUP BY tenant").result()}
    assert per_tenant == {"PK": 3, "HN": 3}, per_tenant  # one tap run per stream family and tenant
