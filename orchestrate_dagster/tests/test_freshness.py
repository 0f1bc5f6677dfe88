"""The hourly freshness check as a Dagster job (orchestrate_dagster/freshness.py): the project's
``python -m orchestrate.freshness`` run by a real op, its exit code read as success, a stale
failure the sensor leaves alone, or a failure the sensor notifies."""

from __future__ import annotations

import json
import sys
import types

import dagster as dg
import pytest

from orchestrate_dagster import freshness, notify

STALE = "STALE HN/calls: last load 2026-12-06 02:31 UTC, 26.0 h ago (limit 19.5 h)"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder whose ``orchestrate`` package is what the test writes into it."""
    (tmp_path / "orchestrate").mkdir()
    (tmp_path / "orchestrate" / "__init__.py").write_text("")
    command = lambda module, *args: [sys.executable, "-m", f"orchestrate.{module}", *args]  # noqa: E731
    for module in (freshness, notify):
        monkeypatch.setattr(module, "PROJECT_ROOT", tmp_path)
        monkeypatch.setattr(module, "orchestrate_command", command)
    return tmp_path


def check_says(project, code: int, *lines: str) -> None:
    (project / "orchestrate" / "freshness.py").write_text(
        f"import json, sys\nopen({str(project / 'args.json')!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"print({chr(10).join(lines)!r})\nsys.exit({code})\n")


def run_check(facts, instance=None):
    job, _ = freshness.build_freshness_job(facts)
    return job.execute_in_process(instance=instance, raise_on_error=False)


def test_the_schedule_is_the_projects_hourly_cron_in_utc(facts):
    job, schedule = freshness.build_freshness_job(facts)
    assert (schedule.name, schedule.cron_schedule, schedule.execution_timezone) == (
        "freshness_check", "15 * * * *", "UTC")
    assert schedule.job_name == job.name == freshness.JOB_NAME
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_recent_data_is_a_successful_run_of_the_environments_check(facts, project):
    check_says(project, 0, "ok    PK/calls: last load 1.0 h ago (limit 19.5 h)")
    result = run_check(facts)
    assert result.success
    assert json.loads((project / "args.json").read_text()) == ["--environment=demo"]


def test_stale_data_fails_the_run_without_retries_and_the_sensor_stays_quiet(facts, project):
    check_says(project, 1, "ok    PK/calls: last load 1.0 h ago (limit 19.5 h)", STALE)
    (project / "orchestrate" / "notify.py").write_text(f"open({str(project / 'notified')!r}, 'w')\n")
    with dg.instance_for_test() as instance:
        result = run_check(facts, instance)
        assert not result.success
        failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
        assert failure.description == f"{freshness.ALREADY_TOLD}: {STALE}"
        assert len([e for e in instance.all_logs(result.run_id) if e.dagster_event
                    and e.dagster_event.event_type_value == "STEP_UP_FOR_RETRY"]) == 0
        context = notify.failure_context(instance, result.run_id)
        said = []
        notify.send(types.SimpleNamespace(dagster_run=context.dagster_run, failure_event=context.failure_event,
                                          get_step_failure_events=context.get_step_failure_events,
                                          log=types.SimpleNamespace(info=said.append, warning=said.append)))
    assert not (project / "notified").exists()
    assert said == [f"run {result.run_id} found stale data; orchestrate.freshness sent its own message"]


def test_a_check_that_cannot_run_is_a_failure_the_sensor_notifies(facts, project):
    check_says(project, 2, "configuration error: no accounts configured: set CALLIO_ACCOUNTS_JSON")
    (project / "orchestrate" / "notify.py").write_text(
        f"import json, sys\nopen({str(project / 'notified')!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    with dg.instance_for_test() as instance:
        result = run_check(facts, instance)
        assert not result.success
        context = notify.failure_context(instance, result.run_id)
        notify.send(types.SimpleNamespace(dagster_run=context.dagster_run, failure_event=context.failure_event,
                                          get_step_failure_events=context.get_step_failure_events,
                                          log=types.SimpleNamespace(info=print, warning=print)))
    called = json.loads((project / "notified").read_text())
    assert called[:5] == ["run-failed", "--source", "dagster", "--job", "freshness_check"]
    assert "freshness check failed (exit 2): configuration error: no accounts configured" in called[6]
