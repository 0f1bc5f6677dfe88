"""Which Meltano job a step runs (orchestrate_dagster/jobs.py) and the schedules' run requests."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from orchestrate_dagster.jobs import dagster_name, jobs_for_extractors, transform_job
from orchestrate_dagster.schedules import build_schedule

CUSTOMERS, CALLS, STAFFGROUP = "tap-callio--customers", "tap-callio--calls", "tap-callio--staffgroup"


def test_dagster_names_keep_meltanos_words():
    assert [dagster_name(n) for n in ("callio-all", "callio-all-bq", "slot-0230")] == \
        ["callio_all", "callio_all_bq", "slot_0230"]


def test_a_run_runs_its_own_job_when_it_extracts_the_selected_families(facts):
    assert jobs_for_extractors(facts, {CUSTOMERS, CALLS}, "callio-customers-calls") == ["callio-customers-calls"]
    # the run of a wider job asked for fewer families (a re-execution of one asset): their own job
    assert jobs_for_extractors(facts, {CALLS}, "callio-all") == ["callio-calls"]
    assert jobs_for_extractors(facts, {CUSTOMERS, CALLS, STAFFGROUP}, None) == ["callio-all"]
    # no job extracts customers with staff: each family's own job, one after the other
    assert jobs_for_extractors(facts, {CUSTOMERS, STAFFGROUP}, None) == ["callio-customers", "callio-staffgroup"]


def test_a_family_no_job_extracts_alone_is_refused_without_retries(facts):
    del facts.jobs["callio-staffgroup"]
    with pytest.raises(dg.Failure) as refused:
        jobs_for_extractors(facts, {CUSTOMERS, STAFFGROUP}, None)
    assert refused.value.allow_retries is False and STAFFGROUP in refused.value.description


def test_the_transform_runs_the_runs_own_job(facts):
    assert transform_job(facts, "callio-calls") == "callio-calls"
    assert transform_job(facts, None) in facts.jobs


def test_a_tick_requests_one_run_per_tenant_each_once(facts):
    schedule = build_schedule(facts.schedules[0], dg.define_asset_job("callio_all"), facts.tenants)
    assert (schedule.name, schedule.cron_schedule, schedule.execution_timezone) == ("nightly", "30 2 * * *", "UTC")
    at = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)
    requests = schedule(dg.build_schedule_context(scheduled_execution_time=at))
    assert [(r.partition_key, r.tags["callio/job"]) for r in requests] == [("PK", "callio-all"), ("HN", "callio-all")]
    again = schedule(dg.build_schedule_context(scheduled_execution_time=at))
    assert [r.run_key for r in again] == [r.run_key for r in requests]  # a tick evaluated twice: same runs
    assert len({r.run_key for r in requests}) == 2
