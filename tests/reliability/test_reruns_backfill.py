"""Re-runs and back-fills.

- The same job twice in a row changes nothing in the final tables (load timestamps excluded).
- A full refresh from scratch (new warehouse, `meltano run --full-refresh`, `dbt build
  --full-refresh`) gives identical final tables.
- A back-fill of an older range for one tenant (README: one-tenant accounts file, start_date,
  its own state id suffix) completes that tenant and leaves the others and the regular state
  untouched; its calls of 20 days ago, older than the report's window, reach every report
  table without a full refresh; building again changes nothing, nor does a full refresh.
"""

from __future__ import annotations

import datetime as dt
import json

from support.warehouse_slots import warehouse_slot

from .checks import (
    REPORT_LOOKBACK_DAYS,
    assert_final_tables_match_truth,
    assert_pipeline_complete,
    assert_report_matches_oracle,
    business_snapshot,
    diff_snapshots,
    truth_of,
)
from .pipeline import JOB_ALL, TENANTS, Pipeline

EXTRACT_LOAD = JOB_ALL[:-1]


def test_same_job_twice_changes_nothing_and_full_refresh_is_identical(make_pipeline, isolated_env, tmp_path):
    pipeline = make_pipeline()
    first = pipeline.meltano("run", *JOB_ALL, name="first")
    assert first.returncode == 0, first.tail()
    assert_pipeline_complete(pipeline, TENANTS)
    before = business_snapshot(pipeline)

    again = pipeline.meltano("run", *JOB_ALL, name="again")
    assert again.returncode == 0, again.tail()
    changed = diff_snapshots(before, business_snapshot(pipeline))
    assert not changed, "a second identical run changed the final tables:\n" + "\n".join(changed)

    scratch_dir = tmp_path / "from-scratch"
    scratch_dir.mkdir()
    with warehouse_slot() as slot:  # a new warehouse (and dbt target), another system database
        scratch_env = dict(isolated_env, CALLIO_DUCKDB_PATH=str(slot.warehouse), DBT_TARGET_PATH=str(slot.dbt_target),
                           MELTANO_DATABASE_URI=f"sqlite:///{scratch_dir / 'meltano.db'}")
        scratch = Pipeline(pipeline.sim, scratch_env, scratch_dir)
        refreshed = scratch.meltano("run", "--full-refresh", *EXTRACT_LOAD, "dbt-duckdb:full-refresh",
                                    name="full-refresh")
        assert refreshed.returncode == 0, refreshed.tail()
        changed = diff_snapshots(before, business_snapshot(scratch))
    assert not changed, "a full refresh from scratch differs from the incremental tables:\n" + "\n".join(changed)


def test_backfill_of_one_tenant_leaves_the_others_alone(make_pipeline, tmp_path):
    pipeline = make_pipeline(days=20, customer_days=20)
    pipeline.env["TAP_CALLIO_DAYS_TO_FETCH_IF_EMPTY"] = "1"      # the regular runs start 1 day back
    first = pipeline.meltano("run", *JOB_ALL, name="regular")
    assert first.returncode == 0, first.tail()
    truth = truth_of(pipeline.sim, TENANTS)
    beyond_the_report_window = pipeline.sim.now() - (REPORT_LOOKBACK_DAYS + 2) * 86_400_000
    older_calls = [c for c in truth["PK"]["calls"] if c["createTime"] < beyond_the_report_window]
    assert older_calls, "no PK call older than the report's window: the back-fill would prove nothing"
    hn_before = {t: pipeline.query(f"select * from main.{t} where tenant = 'HN' order by all") for t in ("call_log", "customer")}
    state_before = pipeline.state()

    # The back-fill: PK only, from 6 days back, under its own state id (suffix "backfill").
    pk_only = tmp_path / "accounts-pk.json"
    pk_only.write_text(json.dumps([a for a in json.loads(pipeline.accounts_file.read_text()) if a["tenant"] == "PK"]))
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(days=21)).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = dict(pipeline.env, CALLIO_ACCOUNTS_FILE=str(pk_only), TAP_CALLIO_START_DATE=start)
    backfill = pipeline.meltano("run", "--state-id-suffix=backfill", "tap-callio--customers", "target-duckdb",
                                "tap-callio--calls", "target-duckdb", "dbt-duckdb:build", name="backfill", env=env)
    assert backfill.returncode == 0, backfill.tail()

    assert_final_tables_match_truth(pipeline, ["PK"], truth=truth, tables=("call_log", "customer"))
    # every day of PK in every report table, the days before the window too: no hole
    assert_report_matches_oracle(pipeline, truth, ["PK"], every_day=True)
    for table, rows in hn_before.items():
        assert pipeline.query(f"select * from main.{table} where tenant = 'HN' order by all") == rows, f"HN {table} changed"
    state_after = pipeline.state()
    regular = {k: v for k, v in state_after.items() if not k.endswith(":backfill")}
    assert regular == state_before, "the back-fill moved the regular bookmarks"
    assert any(k.endswith(":backfill") for k in state_after), f"no back-fill state id: {sorted(state_after)}"

    # Building again without new loads changes nothing; a full refresh of the same warehouse
    # gives the same tables (HN's older days too, which hold only the customers assigned then).
    before = business_snapshot(pipeline)
    rebuilt = pipeline.meltano("invoke", "dbt-duckdb:build", name="build-again")
    assert rebuilt.returncode == 0, rebuilt.tail()
    assert not diff_snapshots(before, business_snapshot(pipeline)), "a build without new loads changed a table"
    refreshed = pipeline.meltano("invoke", "dbt-duckdb:full-refresh", name="full-refresh")
    assert refreshed.returncode == 0, refreshed.tail()
    changed = diff_snapshots(before, business_snapshot(pipeline))
    assert not changed, "a full refresh differs from the incremental tables:\n" + "\n".join(changed)
