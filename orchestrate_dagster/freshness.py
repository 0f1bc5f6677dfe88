"""The hourly dead man's switch, in Dagster: ``python -m orchestrate.freshness`` as a job of its
own (``freshness_check``) on the project's freshness schedule (``orchestrate.slots.FRESHNESS``,
the cron the project's daemon, crontab and Task Scheduler use).

Dagster replaces the project's daemon and cron, so it runs this check too: a night with no run
at all (the daemon stopped, a schedule turned off) is then still told. The check covers every
tenant at once (it reads the warehouse's ``raw.sync_log``), so the job has no partition.

Its outcome: every tenant recent enough, the run succeeds; stale data (exit 1) fails the run,
not retried, so the UI shows it red. The check has already sent its own message, at most once a
day for the same stale set, so the failure sensor leaves that run alone (``ALREADY_TOLD`` in its
reason): one message per stale set, not one per hour. Any other failure (a refused
configuration, an unreadable warehouse) is a failed run the sensor notifies like any other.
"""

from __future__ import annotations

import subprocess

import dagster as dg

from orchestrate_dagster.project import PROJECT_ROOT, Facts, orchestrate_command

JOB_NAME = "freshness_check"
ALREADY_TOLD = "stale data, already notified by orchestrate.freshness"
EXIT_STALE = 1  # orchestrate/freshness.py
CHECK_TIMEOUT_S = 600  # the project's daemon gives the check as long


def check_command(environment: str) -> list[str]:
    return orchestrate_command("freshness", f"--environment={environment}")


def judge(returncode: int, lines: list[str]) -> dg.Output:
    """The check's exit code and lines as the op's output, or its failure (never retried: the
    next hour checks again)."""
    stale = [line for line in lines if "STALE" in line]
    if returncode == 0:
        return dg.Output(None, metadata={"lines": "\n".join(lines) or "-"})
    if returncode == EXIT_STALE and stale:
        raise dg.Failure(description=f"{ALREADY_TOLD}: {'; '.join(stale)}", allow_retries=False,
                         metadata={"stale": len(stale)})
    said = lines[-1] if lines else f"exit {returncode}"
    raise dg.Failure(description=f"freshness check failed (exit {returncode}): {said}", allow_retries=False)


def build_freshness_job(facts: Facts) -> tuple[dg.JobDefinition, dg.ScheduleDefinition]:
    @dg.op(name="check_freshness", description="python -m orchestrate.freshness: every tenant's last load recent enough")
    def check_freshness(context):  # unannotated: Dagster refuses the string annotations of this module
        try:
            done = subprocess.run(check_command(facts.environment), cwd=PROJECT_ROOT, capture_output=True,
                                  text=True, encoding="utf-8", errors="replace", timeout=CHECK_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise dg.Failure(description=f"freshness check did not end within {CHECK_TIMEOUT_S} s",
                             allow_retries=False) from None
        lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        for line in lines:
            context.log.info(line)
        return judge(done.returncode, lines)

    @dg.job(name=JOB_NAME, description="hourly: is every tenant's data recent enough? (python -m orchestrate.freshness)")
    def freshness_check():
        check_freshness()

    schedule = dg.ScheduleDefinition(
        name=JOB_NAME, job=freshness_check, cron_schedule=facts.freshness_cron, execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"{facts.freshness_cron} (UTC): the freshness check, as the project's daemon and cron run it")
    return freshness_check, schedule
