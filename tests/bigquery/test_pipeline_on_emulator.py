"""The production path end to end on the emulator: simulator -> tap-callio -> guarded
target-bigquery -> dbt-bigquery, judged against the simulator's ground truth.

The tap and the simulator run from the tap's own venv (.venv-tap, built by scripts/test.sh: its
singer-sdk clashes with z3-target-bigquery's), the loader and dbt from bigquery/.venv-loader, the
same split as Meltano's one venv per plugin. The loader is the production one (batch_job,
denormalized) behind the load guard; only the test launcher's endpoint and no-gzip switches differ
(bigquery/README.md says why).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from dbt_runs import check_only_known_gaps_failed, fact_rows, run_dbt
from loader_runs import LOADER_BIN, REPO, loader_env, target_config
from sim_process import TAP_VENV_BIN, running_simulator_process

from support.truth import STREAMS, assert_lands_exactly_once, load_truth

TENANTS = ("PK", "HN")
# The simulator's clock is pinned, so the ground truth and "today" of the report are fixed.
SIM_NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def simulator(tmp_path):
    with running_simulator_process(
            tmp_path, "--seed", "7", "--tenants", ",".join(TENANTS), "--customers", "150", "--calls", "600",
            "--staff", "8", "--groups", "3", "--days", "6", "--customer-days", "20",
            "--now", str(int(SIM_NOW.timestamp() * 1000))) as started:
        yield started


def _project_tap_config() -> dict:
    """The settings the project gives tap-callio (its `config:` in meltano/extract.meltano.yml:
    SDK flattening, which the staging models rely on), read from their one home."""
    extractors = yaml.safe_load((REPO / "meltano" / "extract.meltano.yml").read_text())["plugins"]["extractors"]
    return dict(next(p for p in extractors if p["name"] == "tap-callio").get("config") or {})


def _extract_and_load(url: str, accounts: Path, emulator, raw: str, tmp_path: Path):
    tap_config = tmp_path / "tap.json"
    tap_config.write_text(json.dumps({
        **_project_tap_config(),
        "accounts_file": str(accounts), "api_url": url, "safety_lag_ms": 0,
        "start_date": (SIM_NOW - dt.timedelta(days=60)).isoformat(),
    }))
    loader_config = target_config(tmp_path, emulator, raw)
    tap_log = (tmp_path / "tap.log").open("w")
    tap = subprocess.Popen([str(TAP_VENV_BIN / "tap-callio"), "--config", str(tap_config)],
                           stdout=subprocess.PIPE, stderr=tap_log)
    target = subprocess.run([str(LOADER_BIN / "guarded-target-bigquery"), "--config",
                             str(loader_config)], stdin=tap.stdout, capture_output=True,
                            env=loader_env(emulator, gzip=False), timeout=600)
    tap.stdout.close()
    tap_code = tap.wait(timeout=60)
    tap_log.close()
    return tap_code, target


def test_simulator_to_bigquery_marts_hold_every_record_once_and_the_report_matches(
        simulator, emulator, bq_client, tmp_path):
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
    )

    url, accounts = simulator
    raw, marts = "pipeline_raw", "pipeline_marts"
    tap_code, target = _extract_and_load(url, accounts, emulator, raw, tmp_path)
    assert tap_code == 0, (tmp_path / "tap.log").read_text()[-3000:]
    assert target.returncode == 0, target.stderr.decode()[-3000:]
    states = [line for line in target.stdout.decode().splitlines() if line.strip()]
    assert len(states) == 1, "the guard forwards exactly one verified STATE"
    bookmarks = json.loads(states[0])["bookmarks"]["calls"]["partitions"]
    assert {p["context"]["tenant"] for p in bookmarks} == set(TENANTS)

    # The bookmark check (load-guard) reads what the dataset holds from its sync_log: exactly the
    # bookmarks just forwarded; the same dataset without its calls table is behind them.
    from callio_load_guard.bookmark_check import Behind, find_behind, held_in_bigquery

    state = {"singer_state": json.loads(states[0])}
    config = json.loads(target_config(tmp_path, emulator, raw).read_text())
    with pytest.MonkeyPatch.context() as patch:
        for name, value in emulator.env().items():
            patch.setenv(name, value)
        held, tables, counter = held_in_bigquery(config, {"calls", "customers", "sync_log"})
        counter.close()
    assert tables == {"calls", "customers", "sync_log"}
    assert {("calls", p["context"]["tenant"]): p["replication_key_value"] for p in bookmarks} \
        == {key: value for key, value in held.items() if key[0] == "calls"}
    assert find_behind(state, held, tables) == []
    assert find_behind(state, held, tables - {"calls"}) == [
        Behind("calls", p["context"]["tenant"], p["replication_key_value"], None)
        for p in bookmarks]

    truth = load_truth(url, TENANTS)
    for stream in STREAMS:
        landed = [tuple(row) for row in bq_client.query(f"SELECT tenant, _id FROM `{raw}`.`{stream}`").result()]
        assert_lands_exactly_once(f"{raw}.{stream}", landed, truth, stream, TENANTS)

    report_today = SIM_NOW.date().isoformat()
    result, run_results, manifest = run_dbt("build", emulator, raw, marts, tmp_path / "dbt",
                                         "--exclude", "test_type:unit", report_today=report_today)
    check_only_known_gaps_failed(result, run_results, manifest)

    for stream, mart in (("calls", "call_log"), ("customers", "customer"), ("staff", "staff")):
        landed = [tuple(row) for row in bq_client.query(f"SELECT tenant, _id FROM `{marts}`.`{mart}`").result()]
        assert_lands_exactly_once(f"{marts}.{mart}", landed, truth, stream, TENANTS)

    expected = expected_fact_staff_daily(truth)
    assert expected, "the simulator data must produce report rows"
    actual = fact_rows(bq_client, marts, "fact_staff_daily", COLUMNS)
    assert report_differences(actual, expected) == []
    expected_pk = [row for row in expected if row["Tenant"] == "PK"]
    assert report_differences(fact_rows(bq_client, marts, "fact_staff_daily_PK", COLUMNS),
                              expected_pk) == []
    # The KPI tables, row by row and column by column, as on DuckDB (tests/test_meltano_demo.py).
    agent = fact_rows(bq_client, marts, "fact_agent_kpi_daily", AGENT_COLUMNS)
    assert agent and report_differences(agent, expected_fact_agent_kpi_daily(truth), AGENT_COLUMNS, AGENT_KEY) == []
    hourly = fact_rows(bq_client, marts, "fact_calls_hourly", HOURLY_COLUMNS, order_by=HOURLY_KEY)
    assert sum(row["missed_inbound_called_back"] for row in hourly) > 0, "no callback: the data proves too little"
    assert report_differences(hourly, expected_fact_calls_hourly(truth), HOURLY_COLUMNS, HOURLY_KEY) == []
    # Every spelling of a direction the API sent (words in any case, padded, numbers) has its class.
    classes = load_direction_classes()
    landed = {(row[0], row[1]): (row[2], row[3]) for row in bq_client.query(
        f"SELECT tenant, _id, direction, direction_class FROM `{marts}`.`call_log`").result()}
    spelled = [(landed[(tenant, call["_id"])], direction_class(call["direction"], classes))
               for tenant in TENANTS for call in truth[tenant]["calls"]]
    assert all(kind == expected and direction_class(text, classes) == expected
               for (text, kind), expected in spelled)
    assert len({text for (text, _), _ in spelled}) > 10

    # Analysts see only the final tables in the marts dataset; the building blocks sit apart.
    assert {t.table_id for t in bq_client.list_tables(marts)} == {
        "call_log", "customer", "staff", "group", "update_log", "quarantined_records", "fact_staff_daily",
        "fact_staff_daily_PK", "fact_agent_kpi_daily", "fact_calls_hourly"}
    assert "stg_callio__calls" in {t.table_id for t in bq_client.list_tables(f"{marts}_staging")}
    assert {t.table_id for t in bq_client.list_tables(f"{marts}_intermediate")} == {"int_customer_number_categories"}

    _assert_html_report_from_bigquery(emulator, marts, expected_pk, tmp_path)
    _assert_analyst_queries_run(bq_client, emulator, marts)


def _assert_analyst_queries_run(bq_client, emulator, marts: str) -> None:
    """The example queries of docs/warehouse.md ("Queries an analyst runs") run on these marts
    and give rows (dates pinned to the simulator's days: the docs count from today)."""
    import re

    text = (REPO / "docs" / "warehouse.md").read_text(encoding="utf-8")
    section = text[text.index("### Queries an analyst runs"):]
    queries = re.findall(r"```sql\n(.*?)```", section[:section.index("\n## ")], re.DOTALL)
    assert len(queries) >= 5
    for query in queries:
        query = (query.replace("my-project.callio", f"{emulator.project}.{marts}")
                 .replace("CURRENT_DATE('Asia/Ho_Chi_Minh')", f"DATE '{SIM_NOW.date().isoformat()}'")
                 .replace("'2026-11-01' AND '2026-11-30'", f"'{(SIM_NOW - dt.timedelta(days=30)).date()}' AND "
                                                          f"'{SIM_NOW.date()}'"))
        rows = list(bq_client.query(query).result())
        assert rows, f"no row from the docs' query:\n{query}"


def _assert_html_report_from_bigquery(emulator, marts: str, expected_pk: list[dict], tmp_path: Path) -> None:
    """python -m report --bigquery, run as the job runner runs it on prod (the project's .venv),
    then opened in headless Chromium (tests/report_browser.py)."""
    project_python = str(REPO / ".venv" / "bin" / "python")
    page = tmp_path / "report.html"
    env = dict(os.environ, BQ_PROJECT_ID=emulator.project, BQ_DATASET_ID=marts, BQ_API_ENDPOINT=emulator.endpoint,
               CALLIO_REPORT_PATH=str(page))
    made = subprocess.run([project_python, "-m", "report", "--bigquery"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert made.returncode == 0, made.stderr[-3000:]
    last_day = max(row["Ngay"] for row in expected_pk)
    in_window = [row for row in expected_pk if row["Ngay"] > last_day - dt.timedelta(days=30)]
    assert f"{last_day - dt.timedelta(days=29)} to {last_day}, {len(in_window)} rows" in made.stderr, made.stderr
    shown = subprocess.run([project_python, "tests/report_browser.py", str(page),
                            str(REPO / "output" / "test-artifacts" / "report-bigquery.png")],
                           cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert shown.returncode == 0, shown.stderr[-3000:]
    seen = json.loads(shown.stdout)
    assert seen["console_errors"] == [] and seen["page_errors"] == [] and seen["requests"] == [], seen
    assert [chart["id"] for chart in seen["charts"]] == ["calls", "answer-rate", "missed", "heatmap", "agent-time",
                                                          "leads", "status"]
    assert all(chart["values"] > 0 and chart["marks"] > 0 for chart in seen["charts"]), seen["charts"]
    assert seen["facts"].startswith("Tenant PK · 30 ngày") and "lần nạp thành công gần nhất" in seen["facts"]
