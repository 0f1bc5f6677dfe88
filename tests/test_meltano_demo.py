"""End to end through the real project: simulator -> meltano (tap-callio, target-duckdb, dbt).

Checks that every record the simulator holds landed exactly once per (tenant, _id), raw and
final, by comparing ids with the simulator's ground truth (support/truth.py). This is the test
that caught target-duckdb 0.8.0 losing the first row of every batch on duckdb >= 1.3; it now
guards the project's own loader (duckdb-loader/, plugin target-duckdb) on duckdb 2.0.1. It also
checks that every direction the API spelled lands with its class, and that the report tables equal
the oracles (the KPIs with a callback window set through the environment, not the default). A failed tenant through the job runner (dbt and the HTML
report still refreshed): tests/reliability/test_login_failure.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from callio_sim.testing import running_simulator
from oracle.kpi import (
    AGENT_COLUMNS,
    AGENT_KEY,
    HOURLY_COLUMNS,
    HOURLY_KEY,
    expected_fact_agent_kpi_daily,
    expected_fact_calls_hourly,
)
from oracle.report import (
    COLUMNS,
    direction_class,
    expected_fact_staff_daily,
    load_direction_classes,
    report_differences,
    utc_time,
)
from support.truth import assert_lands_exactly_once, load_truth

from conftest import meltano_bin, run, tail

TENANTS = ["PK", "HN", "SG"]
# Not the default 24 h: the setting reaches dbt from the environment (CALLIO_CALLBACK_WINDOW_HOURS),
# and the simulator puts callbacks around this window's edge.
CALLBACK_WINDOW_HOURS = 6
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
    with running_simulator(seed=7, tenants=",".join(TENANTS), customers=200, calls=800, days=20, customer_days=40,
                           callback_window_hours=CALLBACK_WINDOW_HOURS) as sim:
        yield sim


def landed_keys(con: duckdb.DuckDBPyConnection, table: str, id_column: str) -> list[tuple[str, str]]:
    return con.execute(f'select tenant, "{id_column}" from {table}').fetchall()


MARTS = {"call_log", "customer", "staff", "group", "update_log", "fact_staff_daily", "fact_staff_daily_PK",
         "fact_agent_kpi_daily", "fact_calls_hourly", "quarantined_records"}


def relations_by_schema(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for schema, name in con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = current_database()"
    ).fetchall():
        found.setdefault(schema, set()).add(name)
    return found


def assert_final_schema_holds_only_the_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Analysts see the final tables alone in `main`; staging, intermediate and the seed sit apart."""
    relations = relations_by_schema(con)
    assert relations.get("main") == MARTS, f"main holds {sorted(relations.get('main', ()))}"
    assert {"stg_callio__calls", "stg_callio__customers", "stg_callio__staff", "stg_callio__groups",
            "stg_callio__sync_log", "stg_callio__quarantine", "status_rules", "direction_classes"} \
        == relations.get("main_staging"), relations
    assert relations.get("main_intermediate") == {"int_customer_number_categories"}, relations


def assert_bookmarks_readable(con: duckdb.DuckDBPyConnection) -> None:
    """update_log's epoch-ms bookmarks have a UTC timestamp beside them."""
    rows = con.execute("select max_updateTime, max_updateTime_utc, bookmark_start, bookmark_start_utc from main.update_log").fetchall()
    assert any(row[0] for row in rows), "no bookmark reached in update_log"
    for reached, reached_utc, start, start_utc in rows:
        assert (reached_utc, start_utc) == (utc_time(reached), utc_time(start))


def table_differences(con, table: str, expected: list[dict], columns, key=("Ngay", "Tenant", "MaNV_id")) -> list[str]:
    """A report table against the independent Python oracle's rows."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    actual = [dict(zip(columns, row)) for row in con.execute(f'select {quoted} from main."{table}"').fetchall()]
    return [f"{table}: {problem}" for problem in report_differences(actual, expected, columns, key)]


def report_tables_differences(con, truth) -> list[str]:
    """Every report table against the oracles over the simulator's truth (a first build: every day)."""
    window = {"callback_window_hours": CALLBACK_WINDOW_HOURS}
    return (table_differences(con, "fact_staff_daily_PK", expected_fact_staff_daily(truth, report_tenants=["PK"]),
                              COLUMNS)
            + table_differences(con, "fact_agent_kpi_daily", expected_fact_agent_kpi_daily(truth, **window),
                                AGENT_COLUMNS, AGENT_KEY)
            + table_differences(con, "fact_calls_hourly", expected_fact_calls_hourly(truth, **window),
                                HOURLY_COLUMNS, HOURLY_KEY))


def direction_problems(con, truth) -> list[str]:
    """Every spelling the API sent landed as text, with the class of the truth's direction."""
    classes = load_direction_classes()
    landed = {(t, i): (d, c) for t, i, d, c in con.execute("select tenant, _id, direction, direction_class from main.call_log").fetchall()}
    problems = []
    for tenant, streams in truth.items():
        for call in streams["calls"]:
            direction, kind = landed[(tenant, call["_id"])]
            expected = direction_class(call["direction"], classes)
            if kind != expected or direction_class(direction, classes) != expected:
                problems.append(f"{tenant} {call['_id']}: landed {direction!r} as {kind}, truth {call['direction']!r}")
    return problems


def test_demo_job_lands_every_record_once(simulator, isolated_env, tmp_path: Path):
    env = dict(isolated_env)
    env["CALLIO_API_URL"] = simulator.url
    env["CALLIO_ACCOUNTS_FILE"] = str(simulator.write_accounts_file(tmp_path / "accounts.json"))
    env["CALLIO_CALLBACK_WINDOW_HOURS"] = str(CALLBACK_WINDOW_HOURS)
    log = tmp_path / "meltano-run.log"

    completed = run([meltano_bin(), "--environment=demo", "run", "callio-all"], env, log)
    assert completed.returncode == 0, f"meltano run failed:\n{tail(log)}"

    con = duckdb.connect(env["CALLIO_DUCKDB_PATH"], read_only=True)
    truth = load_truth(simulator.url, TENANTS)
    for stream, (raw_table, final_table, final_id) in STREAMS.items():
        assert_lands_exactly_once(raw_table, landed_keys(con, raw_table, "_id"), truth, stream, TENANTS)
        assert_lands_exactly_once(final_table, landed_keys(con, final_table, final_id), truth, stream, TENANTS)

    assert_final_schema_holds_only_the_marts(con)
    assert_bookmarks_readable(con)
    report_rows = con.execute('select count(*) from main."fact_staff_daily_PK"').fetchone()[0]
    assert report_rows > 0
    problems = report_tables_differences(con, truth) + direction_problems(con, truth)
    assert not problems, f"{len(problems)} differences with the oracle:\n" + "\n".join(problems[:40])
    called_back, spellings = con.execute("select (select sum(missed_inbound_called_back) from main.fact_calls_hourly), "
                                         "(select count(distinct direction) from main.call_log)").fetchone()
    assert called_back > 0 and spellings > 10, (called_back, spellings)  # callbacks counted, many spellings landed
    tenants_in_report = {t for (t,) in con.execute('select distinct "Tenant" from main."fact_staff_daily_PK"').fetchall()}
    con.close()
    assert tenants_in_report == {"PK"}
    # State was written to the temporary system database, per environment.
    assert (tmp_path / "meltano.db").exists()

    # The report tenants come from CALLIO_REPORT_TENANTS (Meltano's setting report_tenants of
    # dbt-duckdb): the report table is rebuilt with exactly those, however they are spaced.
    chosen = {**env, "CALLIO_REPORT_TENANTS": " HN, PK "}
    report_log = tmp_path / "dbt-report-tenants.log"
    completed = run([meltano_bin(), "--environment=demo", "invoke", "dbt-duckdb:build", "--select",
                     "fact_staff_daily_PK"], chosen, report_log)
    assert completed.returncode == 0, f"dbt build of the report table failed:\n{tail(report_log)}"
    with duckdb.connect(env["CALLIO_DUCKDB_PATH"], read_only=True) as con:
        rebuilt = {t for (t,) in con.execute('select distinct "Tenant" from main."fact_staff_daily_PK"').fetchall()}
    assert rebuilt == {"HN", "PK"}, rebuilt

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
    for mart in ("call_log", "customer", "staff", "group", "update_log", "fact_staff_daily", "fact_staff_daily_PK",
                 "fact_agent_kpi_daily", "fact_calls_hourly"):
        assert mart in documented, f"{mart} missing from the dbt docs catalogue"
    assert {c.lower() for c in documented["fact_staff_daily_PK"]} >= {c.lower() for c in COLUMNS}
