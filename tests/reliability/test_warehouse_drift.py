"""The warehouse drifts from what the pipeline believes, and no record is lost over it.

1. The loader's clock jumps (a VM resumed, NTP stepping it back). `_sdc_batched_at` is the
   loader's wall-clock time; the marts used to take only raw rows batched at or after the newest
   one merged, so after one run with the loader 30 minutes ahead every later run's new calls
   and customer updates were skipped while the runs exited 0. Only the loader's clock moves
   (faketime around target-duckdb, through the load guard's target command); tap, guard, dbt
   and simulator keep the true time.
2. The warehouse is lost between runs (the DuckDB file deleted; the same as an emptied BigQuery
   dataset or an older backup) while Meltano keeps the bookmarks. The next run used to go on
   from the bookmarks and most records never came back; the job runner now moves the bookmarks
   back to what the warehouse holds before each extract step.

One pipeline for both (three job runs), to keep the suite cheap; each phase checks the final
tables against the simulator's ground truth record by record.
"""

from __future__ import annotations

import shutil

from .checks import assert_final_tables_match_truth
from .pipeline import TENANTS
from conftest import PROJECT_ROOT

JOB = "callio-customers-calls"
TABLES = ("call_log", "customer")  # the streams with bookmarks
TARGET_DUCKDB = PROJECT_ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "callio-target-duckdb"


def loader_clock(pipeline, offset: str) -> dict[str, str]:
    faketime = shutil.which("faketime")
    assert faketime, "faketime is missing (scripts/test.sh installs Debian's faketime)"
    return {**pipeline.env, "LOAD_GUARD_TARGET_COMMAND": f"{faketime} -f {offset} {TARGET_DUCKDB}"}


def changes(sim) -> None:
    for tenant in TENANTS:
        sim.mutate(tenant, insert_calls=20, update_customers=10)


def test_clock_jumps_and_a_lost_warehouse_lose_no_record(make_pipeline):
    pipeline = make_pipeline()
    sim = pipeline.sim

    # 1. The loader 30 minutes ahead, then 2 hours behind.
    ahead = pipeline.run(pipeline.run_job_command(JOB), "loader-30-min-ahead",
                         env=loader_clock(pipeline, "+30m"))
    assert ahead.returncode == 0, ahead.tail()
    changes(sim)
    behind = pipeline.run(pipeline.run_job_command(JOB), "loader-2-h-behind",
                          env=loader_clock(pipeline, "-2h"))
    assert behind.returncode == 0, behind.tail()
    # The jump back really happened: the second run's rows are stamped before the first run's.
    (newest_first_run, oldest_second_run), = pipeline.query(
        "select max(_sdc_batched_at) filter (where _load_id = (select min(_load_id) from raw.calls)),"
        " min(_sdc_batched_at) filter (where _load_id = (select max(_load_id) from raw.calls))"
        " from raw.calls")
    assert oldest_second_run < newest_first_run
    assert_final_tables_match_truth(pipeline, TENANTS, tables=TABLES)

    # 2. The warehouse file is lost; the bookmarks are not. The loader's clock jumps forward
    #    again (true time).
    for path in (pipeline.db_path, pipeline.db_path.with_name(pipeline.db_path.name + ".wal")):
        path.unlink(missing_ok=True)
    changes(sim)
    after_loss = pipeline.run(pipeline.run_job_command(JOB), "after-warehouse-lost")
    assert after_loss.returncode == 0, after_loss.tail()
    assert_final_tables_match_truth(pipeline, TENANTS, tables=TABLES)
    for tenant in TENANTS:  # and the operator was told, tenant by tenant
        for stream in ("customers", "calls"):
            assert f"bookmark-check: {stream}/{tenant}: bookmark at" in after_loss.output, \
                after_loss.tail()
