"""Meltano's jobs as Dagster jobs, and which Meltano job a step runs.

Each Meltano job of the environment (``callio-all``, ``callio-customers-calls``, ...) becomes a
Dagster job of the same tasks: the raw tables of its extractors for one tenant partition, then
the dbt models, then the report. A Dagster name allows no ``-``, so ``callio-all`` is
``callio_all``; the Meltano name rides along in the run tag ``callio/job``, which the steps hand
to the job runner.
"""

from __future__ import annotations

import re

import dagster as dg

from orchestrate_dagster.project import Facts

JOB_TAG = "callio/job"


def dagster_name(name: str) -> str:
    """``callio-all`` -> ``callio_all``, ``slot-0230`` -> ``slot_0230``: Dagster names allow
    letters, digits and ``_`` only."""
    return re.sub(r"\W", "_", name)


def family_of(extractor: str) -> str:
    """``tap-callio--calls`` -> ``calls``: a stream family is an extractor variant."""
    return extractor.split("--", 1)[-1]


def jobs_for_extractors(facts: Facts, extractors: set[str], tagged: str | None) -> list[str]:
    """The Meltano jobs that extract exactly these variants: the run's own job when it does
    (a scheduled or launched job), else the job whose extractors they are, else the one-family
    jobs one after the other (an ad hoc selection such as customers with staff)."""
    if tagged in facts.jobs and set(facts.extractors_of(tagged)) == extractors:
        return [tagged]
    exact = [job for job in facts.jobs if set(facts.extractors_of(job)) == extractors]
    if exact:
        return exact[:1]
    alone = {facts.extractors_of(job)[0]: job for job in facts.jobs if len(facts.extractors_of(job)) == 1}
    missing = sorted(extractors - set(alone))
    if missing:
        raise dg.Failure(f"no Meltano job extracts {', '.join(missing)} on its own: select a job's assets",
                         allow_retries=False)
    return [alone[extractor] for extractor in sorted(extractors)]


def transform_job(facts: Facts, tagged: str | None) -> str:
    """The Meltano job whose dbt step (and report) a step runs: the run's own, else any job of
    the environment (every job ends with the same ``dbt build``)."""
    return tagged if tagged in facts.jobs else next(iter(facts.jobs))


def asset_jobs(facts: Facts, raw_keys_of: dict[str, list[dg.AssetKey]],
               downstream: dg.AssetSelection) -> list[dg.UnresolvedAssetJobDefinition]:
    """One Dagster job per Meltano job: its extractors' raw tables (partitioned by tenant, so a
    run is one tenant's), and everything ``downstream`` holds (the dbt models, the report)."""
    found = []
    for job in facts.jobs:
        raw = dg.AssetSelection.assets(*(key for extractor in facts.extractors_of(job) for key in raw_keys_of[extractor]))
        found.append(dg.define_asset_job(
            dagster_name(job), selection=raw | downstream, tags={JOB_TAG: job},
            description=f"Meltano job {job} for one tenant: {', '.join(facts.jobs[job])}, then the HTML report "
                        "(each step through python -m orchestrate.run_job)"))
    return found
