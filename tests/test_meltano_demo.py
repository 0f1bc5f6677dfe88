"""End to end through the real project: simulator -> meltano (tap-callio, target-duckdb, dbt).

Checks with duckdb==1.2.2 that every record the simulator holds landed exactly once per
(tenant, _id), raw and final, by comparing ids with the simulator's ground truth (this also
catches target-duckdb's row-loss trap on newer DuckDB versions), and that the report has rows.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

from callio_sim.testing import running_simulator
from oracle.report import COLUMNS, expected_fact_staff_daily, report_differences

from conftest import meltano_bin, run, tail

TENANTS = ["PK", "HN", "SG"]
# stream -> (raw table, final table, id column in the final table)
STREAMS = {
    "customers": ("raw.customers", "main.customer", "_id"),
    "calls": ("raw.calls", "main.call_log", "_id"),
    "staff": ("raw.staff", "main.staff", "_id"),
    "groups": ("raw.groups", 'main."group"', "group_id"),
}


@pytest.fixture(scope="module")
def simulator():
    # Everything inside the tap's 90-day first-sync window (see conftest.isolated_env).
    with running_simulator(seed=7, tenants=",".join(TENANTS), customers=200, calls=800, days=20, customer_days=40) as sim:
        yield sim


def ids_per_tenant(con: duckdb.DuckDBPyConnection, table: str, id_column: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {tenant: [] for tenant in TENANTS}
    for tenant, record_id in con.execute(f'select tenant, "{id_column}" from {table}').fetchall():
        found.setdefault(tenant, []).append(record_id)
    return found


def assert_exactly_once(con, simulator, table: str, id_column: str, stream: str) -> None:
    found = ids_per_tenant(con, table, id_column)
    for tenant in TENANTS:
        expected = {record["_id"] for record in simulator.truth(tenant, stream)}
        got = found.get(tenant, [])
        assert expected, f"the simulator holds no {stream} for {tenant}"
        duplicates = len(got) - len(set(got))
        assert duplicates == 0, f"{table}: {duplicates} duplicate ids for {tenant}"
        missing = expected - set(got)
        extra = set(got) - expected
        assert not missing, f"{table}: {len(missing)} of {len(expected)} {tenant} records missing"
        assert not extra, f"{table}: {len(extra)} {tenant} ids the simulator does not know"


def pk_report_differences(con, simulator) -> list[str]:
    """fact_staff_daily_PK against the independent Python oracle over the simulator's truth."""
    truth = {t: {s: list(simulator.truth(t, s)) for s in STREAMS} for t in TENANTS}
    expected = expected_fact_staff_daily(truth, report_tenants=["PK"])
    quoted = ", ".join(f'"{c}"' for c in COLUMNS)
    actual = [dict(zip(COLUMNS, row)) for row in con.execute(f'select {quoted} from main."fact_staff_daily_PK"').fetchall()]
    return report_differences(actual, expected)


def test_demo_job_lands_every_record_once(simulator, isolated_env, tmp_path: Path):
    env = dict(isolated_env)
    env["CALLIO_API_URL"] = simulator.url
    env["CALLIO_ACCOUNTS_FILE"] = str(simulator.write_accounts_file(tmp_path / "accounts.json"))
    log = tmp_path / "meltano-run.log"

    completed = run([meltano_bin(), "--environment=demo", "run", "callio-all"], env, log)
    assert completed.returncode == 0, f"meltano run failed:\n{tail(log)}"

    con = duckdb.connect(env["CALLIO_DUCKDB_PATH"], read_only=True)
    for stream, (raw_table, final_table, final_id) in STREAMS.items():
        assert_exactly_once(con, simulator, raw_table, "_id", stream)
        assert_exactly_once(con, simulator, final_table, final_id, stream)

    report_rows = con.execute('select count(*) from main."fact_staff_daily_PK"').fetchone()[0]
    assert report_rows > 0
    problems = pk_report_differences(con, simulator)
    assert not problems, f"{len(problems)} differences with the oracle:\n" + "\n".join(problems[:40])
    tenants_in_report = {t for (t,) in con.execute('select distinct "Tenant" from main."fact_staff_daily_PK"').fetchall()}
    con.close()
    assert tenants_in_report == {"PK"}
    # State was written to the temporary system database, per environment.
    assert (tmp_path / "meltano.db").exists()

    # The dbt unit tests, now that the incremental models exist (jobs leave them to CI).
    unit_log = tmp_path / "dbt-unit-test.log"
    completed = run([meltano_bin(), "--environment=demo", "invoke", "dbt-duckdb:unit-test"], env, unit_log)
    assert completed.returncode == 0, f"dbt unit tests failed:\n{tail(unit_log)}"

    # The browsable catalogue: every mart documented, with the columns the warehouse really has.
    docs_log = tmp_path / "dbt-docs.log"
    completed = run([meltano_bin(), "--environment=demo", "invoke", "dbt-duckdb:docs-generate"], env, docs_log)
    assert completed.returncode == 0, f"dbt docs generate failed:\n{tail(docs_log)}"
    target = Path(env["DBT_TARGET_PATH"])
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    documented = {node["metadata"]["name"]: node["columns"] for node in catalog["nodes"].values()}
    for mart in ("call_log", "customer", "staff", "group", "update_log", "fact_staff_daily", "fact_staff_daily_PK"):
        assert mart in documented, f"{mart} missing from the dbt docs catalogue"
    assert {c.lower() for c in documented["fact_staff_daily_PK"]} >= {c.lower() for c in COLUMNS}


def test_failed_tenant_still_refreshes_the_report(simulator, isolated_env, tmp_path: Path):
    """One tenant cannot log in: the job runner still runs dbt, then exits non-zero."""
    accounts = json.loads(simulator.write_accounts_file(tmp_path / "accounts.json").read_text())
    for account in accounts:
        if account["tenant"] == "HN":
            account["password"] = "wrong-password"
    (tmp_path / "accounts.json").write_text(json.dumps(accounts))
    env = dict(isolated_env)
    env["CALLIO_API_URL"] = simulator.url
    env["CALLIO_ACCOUNTS_FILE"] = str(tmp_path / "accounts.json")
    log = tmp_path / "run-job.log"

    completed = run([sys.executable, "-m", "orchestrate.run_job", "--environment=demo", "callio-all"], env, log)
    output = log.read_text(errors="replace")
    assert completed.returncode != 0, f"a failed tenant must fail the job:\n{tail(log)}"
    assert "task FAILED: tap-callio--calls target-duckdb" in output, tail(log)
    assert "task finished: dbt-duckdb:build" in output, f"dbt did not run or failed after the failure:\n{tail(log)}"
    assert "wrong-password" not in output

    con = duckdb.connect(env["CALLIO_DUCKDB_PATH"], read_only=True)
    modes = {(table, mode) for table, mode in con.execute("select table_name, mode from main.update_log where tenant = 'HN'").fetchall()}
    assert any(mode == "ERROR_LOGIN" for _, mode in modes), f"no ERROR_LOGIN row for HN in update_log: {modes}"
    for stream, (_, final_table, final_id) in STREAMS.items():
        found = ids_per_tenant(con, final_table, final_id)
        assert not found.get("HN"), f"{final_table} has rows for the tenant that could not log in"
        expected_pk = {record["_id"] for record in simulator.truth("PK", stream)}
        assert set(found["PK"]) == expected_pk, f"{final_table}: PK incomplete although only HN failed"
    assert con.execute('select count(*) from main."fact_staff_daily_PK"').fetchone()[0] > 0
