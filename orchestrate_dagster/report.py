"""The HTML report (report/README.md) as the last asset: what the job runner writes after every
dbt step, here a step of its own (``run_job --only report JOB``, which runs ``python -m report``
in the project's venv on the warehouse the dbt plugin wrote)."""

from __future__ import annotations

import dagster as dg

from orchestrate_dagster import runner
from orchestrate_dagster.jobs import JOB_TAG, transform_job
from orchestrate_dagster.project import Facts
from orchestrate_dagster.settings import retry_policy

REPORT_KEY = dg.AssetKey(["staff_activity_report"])
# What the page reads (report/warehouse.py): the report table and the last successful load.
READS = (dg.AssetKey(["fact_staff_daily_PK"]), dg.AssetKey(["update_log"]))


def build_report_asset(facts: Facts) -> dg.AssetsDefinition:
    @dg.asset(key=REPORT_KEY, deps=list(READS), group_name="report", kinds={"html"}, retry_policy=retry_policy(),
              description="output/report.html (CALLIO_REPORT_PATH): the charts of fact_staff_daily_PK for the last "
                          "30 local days")
    def staff_activity_report(context) -> dg.MaterializeResult:  # context unannotated: see extract.py
        job = transform_job(facts, context.run.tags.get(JOB_TAG))
        outcome = runner.check(runner.run_part(facts.environment, job, "report", say=context.log.info),
                               f"{job} report")
        return dg.MaterializeResult(metadata={"run log": outcome.log_file or "-"})

    return staff_activity_report
