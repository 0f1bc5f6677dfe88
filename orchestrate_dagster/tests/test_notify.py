"""The failure hook (orchestrate_dagster/notify.py) on a real failed run: one call of the project's
``python -m orchestrate.notify`` with the run's job, tenant, reason and place; one warning line
and no error when the project has no such command or it fails; nothing for a freshness check's
stale run, which the check has told itself."""

from __future__ import annotations

import json
import sys
import types

import dagster as dg
import pytest

from orchestrate_dagster import notify

REASON = "tenant HN: callio-all extract: HN/calls ERROR_LOGIN: login refused (HTTP 401)"


@dg.op
def tap_callio():
    raise dg.Failure(description=REASON, allow_retries=False)


@dg.job(tags={"callio/job": "callio-all", "dagster/partition": "HN"})
def callio_all():
    tap_callio()


class Said(list):
    def info(self, text):
        self.append(("info", text))

    def warning(self, text):
        self.append(("warning", text))


@pytest.fixture
def failed_run():
    """A run that failed in Dagster, as the run-failure sensor gets it (its log recorded)."""
    with dg.instance_for_test() as instance:
        result = callio_all.execute_in_process(instance=instance, raise_on_error=False)
        context = notify.failure_context(instance, result.run_id)
        yield types.SimpleNamespace(dagster_run=context.dagster_run, failure_event=context.failure_event,
                                    get_step_failure_events=context.get_step_failure_events, log=Said())


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder whose ``orchestrate`` package is what the test writes into it."""
    (tmp_path / "orchestrate").mkdir()
    (tmp_path / "orchestrate" / "__init__.py").write_text("")
    monkeypatch.setattr(notify, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(notify, "orchestrate_command", lambda module, *args: [sys.executable, "-m", f"orchestrate.{module}", *args])
    return tmp_path


def test_without_the_notifier_a_failed_run_is_one_warning(failed_run, project):
    notify.send(failed_run)
    assert failed_run.log == [("warning", f"run {failed_run.dagster_run.run_id} failed; no notification sent: this "
                                          "project has no python -m orchestrate.notify (a release before 0.2.0)")]


def test_the_notifier_gets_the_job_tenant_reason_and_run(failed_run, project, monkeypatch):
    (project / "orchestrate" / "notify.py").write_text(
        f"import json, sys\nopen({str(project / 'called.json')!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    monkeypatch.setenv("CALLIO_DAGSTER_URL", "http://dagster.example:3000/")
    notify.send(failed_run)
    run_id = failed_run.dagster_run.run_id
    assert json.loads((project / "called.json").read_text()) == [
        "run-failed", "--source", "dagster", "--job", "callio-all", "--tenant", "HN",
        "--reason", f"tap_callio: {REASON}", "--where", f"http://dagster.example:3000/runs/{run_id}"]
    assert failed_run.log == [("info", f"run {run_id} failed; notification sent")]


def test_a_failing_notifier_is_a_warning_with_its_reason(failed_run, project):
    (project / "orchestrate" / "notify.py").write_text("import sys\nsys.exit('SMTP server refused the message')\n")
    notify.send(failed_run)
    assert failed_run.log == [("warning", f"run {failed_run.dagster_run.run_id} failed; the notifier failed (exit 1): "
                                          "SMTP server refused the message")]
