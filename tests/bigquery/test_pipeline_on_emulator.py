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
import subprocess
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from loader_runs import LOADER_BIN, REPO, loader_env, target_config
from test_dbt_on_emulator import _check_only_known_gaps_failed, _dbt, _fact_rows

TAP_VENV_BIN = REPO / ".venv-tap" / "bin"
TENANTS = ("PK", "HN")
STREAMS = ("customers", "calls", "staff", "groups")
# The simulator's clock is pinned, so the ground truth and "today" of the report are fixed.
SIM_NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _require_tap_venv() -> None:
    missing = [name for name in ("tap-callio", "callio-sim") if not (TAP_VENV_BIN / name).exists()]
    assert not missing, f"{missing} not in {TAP_VENV_BIN}: build it with bash scripts/test.sh"


@pytest.fixture
def simulator(tmp_path):
    _require_tap_venv()
    ready, accounts = tmp_path / "sim-ready.json", tmp_path / "accounts.json"
    log = (tmp_path / "sim.log").open("w")
    process = subprocess.Popen(
        [str(TAP_VENV_BIN / "callio-sim"), "--port", "0", "--seed", "7",
         "--tenants", ",".join(TENANTS), "--customers", "150", "--calls", "600", "--staff", "8",
         "--groups", "3", "--days", "6", "--customer-days", "20",
         "--now", str(int(SIM_NOW.timestamp() * 1000)),
         "--ready-file", str(ready), "--accounts-out", str(accounts)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() or not ready.read_text().strip():
            assert process.poll() is None, "the simulator exited at start"
            assert time.monotonic() < deadline, "the simulator did not become ready"
            time.sleep(0.1)
        yield json.loads(ready.read_text())["url"], accounts
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _truth(url: str) -> dict:
    truth: dict = {tenant: defaultdict(list) for tenant in TENANTS}
    for tenant in TENANTS:
        for stream in STREAMS:
            with urllib.request.urlopen(f"{url}/_sim/truth/{tenant}/{stream}") as response:
                truth[tenant][stream] = [json.loads(line) for line in response if line.strip()]
    return truth


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
    from oracle.report import COLUMNS, expected_fact_staff_daily, report_differences

    url, accounts = simulator
    raw, marts = "pipeline_raw", "pipeline_marts"
    tap_code, target = _extract_and_load(url, accounts, emulator, raw, tmp_path)
    assert tap_code == 0, (tmp_path / "tap.log").read_text()[-3000:]
    assert target.returncode == 0, target.stderr.decode()[-3000:]
    states = [line for line in target.stdout.decode().splitlines() if line.strip()]
    assert len(states) == 1, "the guard forwards exactly one verified STATE"
    bookmarks = json.loads(states[0])["bookmarks"]["calls"]["partitions"]
    assert {p["context"]["tenant"] for p in bookmarks} == set(TENANTS)

    truth = _truth(url)
    for stream in STREAMS:
        landed = {(t, i) for t, i in bq_client.query(
            f"SELECT tenant, _id FROM `{raw}`.`{stream}`").result()}
        expected = {(tenant, r["_id"]) for tenant in TENANTS for r in truth[tenant][stream]}
        assert landed == expected, f"raw {stream}: {len(expected - landed)} missing, " \
                                   f"{len(landed - expected)} unexpected"

    report_today = SIM_NOW.date().isoformat()
    result, run_results, manifest = _dbt("build", emulator, raw, marts, tmp_path / "dbt",
                                         "--exclude", "test_type:unit", report_today=report_today)
    _check_only_known_gaps_failed(result, run_results, manifest)

    for stream, mart in (("calls", "call_log"), ("customers", "customer"), ("staff", "staff")):
        rows = list(bq_client.query(
            f"SELECT tenant, _id, COUNT(*) FROM `{marts}`.`{mart}` GROUP BY 1, 2").result())
        assert all(row[2] == 1 for row in rows), f"{mart}: a (tenant, _id) appears twice"
        assert {(row[0], row[1]) for row in rows} == \
            {(tenant, r["_id"]) for tenant in TENANTS for r in truth[tenant][stream]}, mart

    expected = expected_fact_staff_daily(truth)
    assert expected, "the simulator data must produce report rows"
    actual = _fact_rows(bq_client, marts, "fact_staff_daily", COLUMNS)
    assert report_differences(actual, expected) == []
    expected_pk = [row for row in expected if row["Tenant"] == "PK"]
    assert report_differences(_fact_rows(bq_client, marts, "fact_staff_daily_PK", COLUMNS),
                              expected_pk) == []
