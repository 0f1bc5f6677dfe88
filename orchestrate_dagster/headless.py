"""``bash scripts/dagster.sh materialize TENANT [JOB]``: one tenant's partition of a job, run in this
process by Dagster itself (``execute_in_process``), stored in the instance like any run (the UI
shows it), then one closing line. Exit 0 when every step succeeded, 1 when one failed (its
notification sent from here: the failure sensor only sees runs of the code location), 2 for an
unknown tenant or job.

Such a run does not pass through Dagster's queue, so the one-run-per-tenant limit of the queue
does not see it; the job runner's own locks still keep one extraction per tenant (and with
PostgreSQL, per tenant on every machine).
"""

from __future__ import annotations

import sys

import dagster as dg

from orchestrate_dagster import notify
from orchestrate_dagster.code_location import build_definitions
from orchestrate_dagster.jobs import dagster_name
from orchestrate_dagster.project import Facts

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Dagster's own console lines from info up: the runner's lines and each step's end, not every event.
QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def widest_job(facts: Facts) -> str:
    """The job that extracts every stream family (``callio-all``, ``callio-all-bq`` on prod)."""
    return max(facts.jobs, key=lambda job: len(facts.extractors_of(job)))


def materialize(facts: Facts, tenant: str, job: str | None) -> int:
    job = job or widest_job(facts)
    by_name = {dagster_name(name): name for name in facts.jobs}
    if dagster_name(job) not in by_name:
        print(f"unknown job {job!r}: environment {facts.environment} has {', '.join(facts.jobs)}", file=sys.stderr)
        return EXIT_USAGE
    if tenant not in facts.tenants:
        print(f"unknown tenant {tenant!r}: the accounts have {', '.join(facts.tenants)}", file=sys.stderr)
        return EXIT_USAGE
    definitions = build_definitions(facts)
    name = by_name[dagster_name(job)]
    with dg.DagsterInstance.get() as instance:
        result = definitions.resolve_job_def(dagster_name(job)).execute_in_process(
            partition_key=tenant, instance=instance, run_config=QUIET, raise_on_error=False)
        if result.success:
            print(f"tenant {tenant}, job {name}: run {result.run_id} succeeded", file=sys.stderr)
            return EXIT_OK
        notify.send(notify.failure_context(instance, result.run_id))
    why = "; ".join(filter(None, (notify.step_failure_text(e) for e in result.all_events if e.is_step_failure)))
    print(f"tenant {tenant}, job {name}: run {result.run_id} FAILED: {why or 'see the run in the UI'}", file=sys.stderr)
    return EXIT_FAILED
