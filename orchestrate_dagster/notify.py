"""A failed run becomes one notification, through the project's own notifier (issue #25):

    .venv/bin/python -m orchestrate.notify run-failed --source dagster --job JOB [--tenant T] \\
        --reason "<one line>" --where "<run URL or id>"

called by a run-failure sensor once for each failed run of this code location (Dagster keeps
the sensor's cursor, so a run is never reported twice). A run of ``scripts/dagster.sh
materialize`` has no code location (it ran in that process), so the sensor never sees it: that
command sends its failure itself, through the same function. A freshness check that found stale
data has sent its own message (orchestrate_dagster/freshness.py): its failed run is left alone.
A project without the notifier (a release before 0.2.0) gets one warning line per failed run;
nothing here ever fails the sensor.
"""

from __future__ import annotations

import subprocess

import dagster as dg

from orchestrate_dagster import freshness
from orchestrate_dagster.jobs import JOB_TAG
from orchestrate_dagster.project import PROJECT_ROOT, ProjectUnavailable, orchestrate_command
from orchestrate_dagster.settings import run_url

NOT_THERE = "No module named orchestrate.notify"
NOTIFY_TIMEOUT_S = 60


def one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def step_failure_text(event: dg.DagsterEvent) -> str | None:
    """A failed step in one line: its own description (the job runner's reason), else its error."""
    data = event.step_failure_data
    described = data.user_failure_data.description if data and data.user_failure_data else None
    message = described or (data.error.message if data and data.error else None)
    return one_line(f"{event.step_key}: {message}") if message else None


def failure_reason(context: dg.RunFailureSensorContext) -> str:
    """The first failed step's line, else the run's own message."""
    for event in context.get_step_failure_events():
        if text := step_failure_text(event):
            return text
    return one_line(context.failure_event.message or "the run failed")


def notify_command(context: dg.RunFailureSensorContext) -> list[str]:
    run = context.dagster_run
    tenant = run.tags.get("dagster/partition")
    return orchestrate_command("notify", "run-failed", "--source", "dagster", "--job", run.tags.get(JOB_TAG, run.job_name),
                               *(["--tenant", tenant] if tenant else []),
                               "--reason", failure_reason(context), "--where", run_url(run.run_id))


def send(context: dg.RunFailureSensorContext) -> None:
    """Run the notifier; its absence, or its own failure, is a warning, never the sensor's failure
    (a failing sensor would be evaluated again and again for the same run)."""
    run_id = context.dagster_run.run_id
    if context.dagster_run.job_name == freshness.JOB_NAME and freshness.ALREADY_TOLD in failure_reason(context):
        context.log.info(f"run {run_id} found stale data; orchestrate.freshness sent its own message")
        return
    try:
        done = subprocess.run(notify_command(context), cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=NOTIFY_TIMEOUT_S, check=False)
    except (ProjectUnavailable, OSError, subprocess.TimeoutExpired) as problem:
        context.log.warning(f"run {run_id} failed; no notification sent: {one_line(str(problem))}")
        return
    if done.returncode == 0:
        context.log.info(f"run {run_id} failed; notification sent")
    elif NOT_THERE in done.stderr:
        context.log.warning(f"run {run_id} failed; no notification sent: this project has no "
                            "python -m orchestrate.notify (a release before 0.2.0)")
    else:
        said = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        context.log.warning(f"run {run_id} failed; the notifier failed (exit {done.returncode}): {one_line(said)}")


def failure_context(instance: dg.DagsterInstance, run_id: str) -> dg.RunFailureSensorContext:
    """What the sensor gets for a failed run, for a run it cannot see (``materialize``)."""
    run = instance.get_run_by_id(run_id)
    failure = next(record.dagster_event for record in instance.all_logs(run_id)
                   if record.dagster_event and record.dagster_event.event_type_value == "PIPELINE_FAILURE")
    return dg.build_run_status_sensor_context(sensor_name="notify_run_failed", dagster_instance=instance,
                                              dagster_run=run, dagster_event=failure).for_run_failure()


@dg.run_failure_sensor(name="notify_run_failed", default_status=dg.DefaultSensorStatus.RUNNING,
                       minimum_interval_seconds=30,
                       description="each failed run: python -m orchestrate.notify run-failed ... (one message a run)")
def notify_run_failed(context: dg.RunFailureSensorContext) -> None:
    send(context)
