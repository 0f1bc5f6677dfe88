"""The schedules of meltano/orchestrate.meltano.yml (or the old script's ``SCHEDULER_*`` slots) as
Dagster schedules: the same UTC cron, the same job, one run per tenant partition at each tick.

They come from ``orchestrate.facts`` (``orchestrate.slots``, which the project's daemon and the
cron and Task Scheduler generators use too), so an edit of meltano.yml or ``.env`` reaches
Dagster when its code location is reloaded. They are on from the start, as the project's daemon
would be: Dagster replaces that daemon and cron, it does not run beside them.
"""

from __future__ import annotations

import dagster as dg

from orchestrate_dagster.jobs import JOB_TAG, dagster_name
from orchestrate_dagster.project import Facts, Schedule


def build_schedule(schedule: Schedule, job: dg.UnresolvedAssetJobDefinition,
                   tenants: tuple[str, ...]) -> dg.ScheduleDefinition:
    @dg.schedule(name=dagster_name(schedule.name), cron_schedule=schedule.cron, job=job, execution_timezone="UTC",
                 default_status=dg.DefaultScheduleStatus.RUNNING,
                 description=f"{schedule.name}: {schedule.cron} (UTC), Meltano job {schedule.job}, each tenant")
    def tick(context: dg.ScheduleEvaluationContext):
        # run_key: a tick evaluated twice (a daemon restarted mid-tick) still starts each run once
        at = context.scheduled_execution_time.isoformat() if context.scheduled_execution_time else "now"
        return [dg.RunRequest(run_key=f"{schedule.name}:{at}:{tenant}", partition_key=tenant,
                              tags={JOB_TAG: schedule.job}) for tenant in tenants]

    return tick


def build_schedules(facts: Facts, jobs: dict[str, dg.UnresolvedAssetJobDefinition]) -> list[dg.ScheduleDefinition]:
    return [build_schedule(schedule, jobs[schedule.job], facts.tenants) for schedule in facts.schedules]
