"""The Dagster definitions of the project, built from its facts.

Asset graph: the raw tables of the tap (one tenant partition each) -> the dbt models -> the HTML
report; one job per Meltano job of the environment, the schedules of meltano.yml, the hourly
freshness check (a job and schedule of its own), and a sensor that notifies each failed run.
Loading it asks the project for its facts once (``orchestrate.facts``), and parses the dbt
project when the manifest is older than it.

The steps of a run go one after the other in the run's own process (the in-process executor):
they depend on each other in a line (extract, dbt, report), and a process per step would only
add a start of Dagster and of this code location to each.
"""

from __future__ import annotations

import dagster as dg

from orchestrate_dagster import extract, freshness, jobs, notify, report, schedules, transform
from orchestrate_dagster.project import Facts, load_facts


def build_definitions(facts: Facts | None = None) -> dg.Definitions:
    facts = facts or load_facts()
    tenants = extract.tenant_partitions(facts)
    tap = extract.build_tap_assets(facts, tenants)
    dbt = transform.build_dbt_assets(facts)
    page = report.build_report_asset(facts)
    downstream = dg.AssetSelection.assets(dbt, page)
    by_meltano_job = dict(zip(facts.jobs, jobs.asset_jobs(facts, extract.raw_keys_by_extractor(facts), downstream)))
    check_job, check_schedule = freshness.build_freshness_job(facts)
    return dg.Definitions(
        assets=[tap, dbt, page],
        jobs=[*by_meltano_job.values(), check_job],
        schedules=[*schedules.build_schedules(facts, by_meltano_job), check_schedule],
        sensors=[notify.notify_run_failed],
        executor=dg.in_process_executor,
    )
