"""Dagster as the engine (issue #24, point 3), proven from outside: Dagster's own validation, its own
in-process execution and its own daemon, against the simulator, with the final tables judged by
the ground truth.

- an unreachable system database stops scripts/dagster.sh with one line, its password masked;
- the definitions pass ``dagster definitions validate``, and Dagster's lineage runs from the raw
  tables of the tap through the dbt models to the report;
- one tenant's partition, materialised in process, lands that tenant and no other and its final
  tables equal the truth; the API failing on the first try is retried by Dagster; the runs and
  Meltano's bookmarks share one PostgreSQL database, each in its own tables;
- a bounded run of ``dagster-daemon``: a schedule's tick (the old script's
  ``SCHEDULER_STAFF_GROUP_TIME_UTC``, a minute ahead) launches one run per tenant; the tenant
  whose password is wrong fails its partition alone, its refused login is not retried, and the
  failure sensor takes that run up once (its call of ``orchestrate.notify``, whose arguments
  orchestrate_dagster/tests/test_notify.py checks).

The daemon runs the repository itself, not a copy: Meltano reinstalls a plugin whose editable
``pip_url`` path differs, so a copy sharing the plugin venvs would rewrite them under every other
suite running at the same time.

The tests of this module run in order (each builds on the last) and share one deployment.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import time

import pytest

from reliability.checks import assert_final_tables_match_truth
from reliability.pipeline import Pipeline

from .conftest import TENANTS, WRONG_PASSWORD, Deployment, deployment_environment, running

RUN_ID = re.compile(r"run ([0-9a-f-]{36}) (succeeded|FAILED)")
RAW_TABLES = ("customers", "calls", "staff", "groups", "sync_log")
TERMINAL = ("SUCCESS", "FAILURE", "CANCELED")


def test_an_unreachable_system_database_is_one_line_without_its_password(deployment: Deployment):
    env = {**deployment.pipeline.env, "MELTANO_DATABASE_URI": "postgresql+psycopg://callio:S3cret-Pw@127.0.0.1:1/x"}
    done = subprocess.run(deployment.dagster_command("validate"), cwd=deployment.pipeline.root, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith("configuration error:")]
    assert len(said) == 1 and "MELTANO_DATABASE_URI=postgresql+psycopg://callio:***@127.0.0.1:1/x" in said[0], \
        done.stderr
    assert "S3cret-Pw" not in done.stdout + done.stderr


def test_definitions_pass_dagsters_validation_and_lineage_runs_tap_raw_dbt_report(deployment: Deployment):
    validated = deployment.dagster("validate", name="validate")
    assert validated.returncode == 0, validated.tail()
    assert "Validation successful" in validated.output, validated.tail()
    # Dagster's own reading of the graph: everything upstream of the report (run where the
    # launcher runs Dagster, in DAGSTER_HOME, away from any .env of the project folder)
    listed = subprocess.run(
        [str(deployment.pipeline.root / ".venv-dagster" / "bin" / "dagster"), "asset", "list", "--select",
         "*staff_activity_report", "-m", "orchestrate_dagster.definitions", "-d", str(deployment.pipeline.root)],
        cwd=deployment.dagster_home, env=deployment.pipeline.env, capture_output=True, text=True, check=False)
    assert listed.returncode == 0, listed.stderr[-3000:]
    upstream = set(listed.stdout.split())
    # tap -> raw tables -> staging -> final tables -> report, as Dagster resolves the graph
    assert {f"callio_raw/{table}" for table in RAW_TABLES} <= upstream, listed.stdout
    assert {"staging/stg_callio__calls", "call_log", "customer", "staff", "group", "update_log",
            "fact_staff_daily", "fact_staff_daily_PK", "staff_activity_report"} <= upstream, listed.stdout


def test_one_tenant_partition_materialised_in_process_equals_the_truth(deployment: Deployment):
    pipeline = deployment.pipeline
    # The API fails PK's first call request twice: the tap's one retry is used up, the tenant's
    # calls fail, the runner exits 1, and Dagster's retry policy runs the step again.
    pipeline.sim.set_faults([{"fault": "status", "status": 503, "endpoints": ["/call"], "tenants": ["PK"],
                              "times": 2}])
    done = deployment.dagster("materialize", "PK", "callio-all", name="materialize-pk")
    pipeline.sim.set_faults([])
    assert done.returncode == 0, done.tail()
    run_id = RUN_ID.search(done.output)[1]

    assert_final_tables_match_truth(pipeline, ("PK",))
    for table in RAW_TABLES:
        tenants = {row[0] for row in pipeline.query(f"select distinct tenant from raw.{table}")}
        assert tenants == {"PK"}, f"raw.{table} holds {tenants}: one partition read another tenant"

    retried = deployment.events(run_id, "STEP_UP_FOR_RETRY")
    assert [event["step_key"] for event in retried] == ["tap_callio"], retried

    (run,) = deployment.runs(f"run_id = '{run_id}'")
    assert (run["job"], run["status"], run["partition"], run["tags"]["callio/job"]) == \
        ("callio_all", "SUCCESS", "PK", "callio-all")
    # Meltano's own tables in the same database, beside Dagster's schema, with the tenant's state ids
    state_ids = {row[0] for row in deployment.rows("select state_id from public.state")}
    assert {f"demo:tap-callio--{family}-to-target-duckdb:tenant-PK" for family in ("customers", "calls", "staffgroup")} \
        <= state_ids, state_ids
    assert int(deployment.rows("select count(*) from public.runs")[0][0]) > 0, "Meltano's runs table is not Meltano's"


def next_minute_at_least(seconds: float) -> dt.datetime:
    """The first whole UTC minute at least this far ahead (the daemon must be up before it)."""
    at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


def hook_lines(text: str, run_id: str) -> list[str]:
    """The failure sensor's lines about one run: sent, not sent, or the notifier failed."""
    return re.findall(rf"run {run_id} failed; (?:notification sent|no notification sent: .*|the notifier failed.*)",
                      text)


def taken_up_at(text: str, runs: list[dict]) -> int:
    """Where in the daemon's log the sensor took up a failed run of the tick (-1: not yet)."""
    for run in runs:
        if run["status"] == "FAILURE" and (lines := hook_lines(text, run["run_id"])):
            return text.find(lines[0])
    return -1


@pytest.fixture(scope="module")
def scheduled(deployment: Deployment, tmp_path_factory):
    """``dagster-daemon run`` (through scripts/dagster.sh daemon) with the staff and group slot at
    the next minute and HN's password wrong, on the same instance, database and warehouse. It runs
    until both tenants' runs of that tick ended and the failure sensor was evaluated once more after
    it took up the failed one; then it is stopped."""
    base = tmp_path_factory.mktemp("daemon")
    env = deployment_environment(base, deployment.database, deployment.dagster_home)
    env["CALLIO_DUCKDB_PATH"] = deployment.pipeline.env["CALLIO_DUCKDB_PATH"]  # the same warehouse
    tick = next_minute_at_least(40)
    env.update({"SCHEDULER_STAFF_GROUP_TIME_UTC": tick.strftime("%H:%M"),
                "SCHEDULER_RUN_TIMES_UTC": (tick + dt.timedelta(hours=12)).strftime("%H:%M")})
    machine = Deployment(Pipeline(deployment.pipeline.sim, env, base), deployment.database)
    machine.set_password("HN", WRONG_PASSWORD)
    machine.pipeline.sim.reset_stats()
    schedule = f"slot_{tick:%H%M}"
    log = base / "daemon.log"
    with running(machine.dagster_command("daemon"), machine.pipeline.root, machine.pipeline.env, log) as daemon:
        deadline = time.monotonic() + (tick - dt.datetime.now(dt.UTC)).total_seconds() + 360
        while time.monotonic() < deadline and daemon.poll() is None:
            runs = machine.runs(f"run_id in (select run_id from dagster.run_tags where key = 'dagster/schedule_name' "
                                f"and value = '{schedule}')")
            text = log.read_text(errors="replace")
            taken_up = taken_up_at(text, runs)
            if (len(runs) == len(TENANTS) and all(r["status"] in TERMINAL for r in runs) and taken_up >= 0
                    and "Checking for new runs for sensor: notify_run_failed" in text[taken_up:]):
                break
            time.sleep(2)
    machine.set_password("HN", None)
    return machine, schedule, runs, log


def failures(machine: Deployment, run: dict) -> list[str]:
    """Why a run's steps failed, as Dagster stored it (for an assertion's message)."""
    return [json.dumps(event)[-1500:] for event in machine.events(run["run_id"], "STEP_FAILURE")]


def test_a_schedule_tick_launches_one_run_per_tenant(scheduled):
    machine, schedule, runs, log = scheduled
    assert sorted(r["partition"] for r in runs) == sorted(TENANTS), (runs, log.read_text()[-3000:])
    assert {(r["job"], r["tags"]["callio/job"]) for r in runs} == {("callio_staffgroup", "callio-staffgroup")}, runs
    pk = next(r for r in runs if r["partition"] == "PK")
    assert pk["status"] == "SUCCESS", failures(machine, pk)
    assert_final_tables_match_truth(machine.pipeline, ("PK",), tables=("staff", "group"))


def test_a_failing_tenant_fails_only_its_partition(scheduled, deployment: Deployment):
    machine, _, runs, log = scheduled
    hn = next(r for r in runs if r["partition"] == "HN")
    assert hn["status"] == "FAILURE", (hn, log.read_text()[-3000:])
    (failure,) = machine.events(hn["run_id"], "STEP_FAILURE")
    assert failure["step_key"] == "tap_callio" and "ERROR_LOGIN" in json.dumps(failure), failure
    assert WRONG_PASSWORD not in log.read_text()
    materialised = {row for row in machine.rows("select distinct partition from dagster.event_logs where "
                                                "dagster_event_type = 'ASSET_MATERIALIZATION' and partition is not null")}
    assert materialised == {("PK",)}, materialised
    # retries are on (CALLIO_DAGSTER_RETRIES=2), yet a refused login is tried once: a real
    # account locks after a few refusals
    logins = {e["tenant"]: e["count"] for e in machine.pipeline.sim.stats()["entries"] if e["endpoint"] == "/auth/login"}
    assert logins.get("HN") == 1, logins
    # the other tenant's data is whole
    assert_final_tables_match_truth(deployment.pipeline, ("PK",))


def test_the_failure_sensor_takes_up_each_failed_run_once(scheduled):
    _, _, runs, log = scheduled
    text = log.read_text(errors="replace")
    hn = next(r for r in runs if r["partition"] == "HN")
    pk = next(r for r in runs if r["partition"] == "PK")
    assert len(hook_lines(text, hn["run_id"])) == 1, text[-3000:]
    assert hook_lines(text, pk["run_id"]) == [], "a successful run was reported as failed"
    assert WRONG_PASSWORD not in text
