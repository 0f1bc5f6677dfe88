"""The schedules in meltano.yml reproduce the old slots, and the daemon/runner logic holds.

The schedules are read through the real `meltano schedule list`, as the daemon reads them.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from orchestrate import daemon, events, meltano_cli, run_job, run_lock

DAY = datetime(2026, 3, 2, tzinfo=UTC)  # any fixed day: no wall-clock in these tests


@pytest.fixture(scope="module")
def all_schedules():
    return meltano_cli.schedules("dev")


def test_schedules_read_from_the_project_files_are_meltanos_own():
    assert meltano_cli.schedules("dev") == meltano_cli.listed_schedules("dev")


def test_job_tasks_read_from_the_project_files_are_meltanos_own():
    """The runner reads a job's tasks from the YAML (one Meltano start less per job); they must
    be exactly what `meltano job list` says, for every job."""
    listed = meltano_cli.listed_jobs("dev")
    assert len(listed) >= 10
    assert {job: meltano_cli.job_tasks("dev", job) for job in listed} == listed


def streams_of(job: str) -> set[str]:
    tasks = meltano_cli.job_tasks("dev", job)
    variants = {word for task in tasks for word in task.split() if word.startswith("tap-callio--")}
    return {v.removeprefix("tap-callio--") for v in variants}


def slots_of_one_day(chosen) -> dict[str, set[str]]:
    """'HH:MM' -> the stream families extracted at that slot, over one UTC day."""
    planner = daemon.Planner(chosen, DAY - timedelta(microseconds=1))
    slots: dict[str, set[str]] = {}
    while True:
        schedule, due = planner.earliest()
        if due >= DAY + timedelta(days=1):
            return slots
        slots.setdefault(due.strftime("%H:%M"), set()).update(streams_of(schedule.job))
        planner.done(schedule, due)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_schedules_reproduce_the_old_slots(all_schedules, environment):
    chosen = daemon.schedules_for(environment, all_schedules, None)
    assert slots_of_one_day(chosen) == {
        "02:30": {"customers", "calls", "staffgroup"},
        "04:00": {"customers", "calls"},
        "06:00": {"customers", "calls"},
        "08:00": {"customers", "calls"},
        "11:00": {"customers", "calls"},
    }


@pytest.mark.parametrize(("environment", "loader", "dbt"), [("dev", "target-duckdb", "dbt-duckdb"), ("prod", "target-bigquery", "dbt-bigquery")])
def test_every_scheduled_job_ends_with_the_report(all_schedules, environment, loader, dbt):
    for schedule in daemon.schedules_for(environment, all_schedules, None):
        tasks = meltano_cli.job_tasks("dev", schedule.job)
        assert tasks[-1] == f"{dbt}:build"
        assert all(task.split()[-1] == loader for task in tasks[:-1]), tasks


def test_each_old_job_runs_alone():
    assert streams_of("callio-customers") == {"customers"}
    assert streams_of("callio-calls") == {"calls"}
    assert streams_of("callio-staffgroup") == {"staffgroup"}
    assert streams_of("callio-all") == {"customers", "calls", "staffgroup"}


def test_missed_slots_collapse_into_one_run():
    nightly = meltano_cli.Schedule("nightly", "30 2 * * *", "callio-all")
    daytime = meltano_cli.Schedule("daytime", "0 4,6,8,11 * * *", "callio-customers-calls")
    planner = daemon.Planner([nightly, daytime], DAY)
    schedule, due = planner.earliest()
    assert (schedule.name, due.strftime("%H:%M")) == ("nightly", "02:30")
    # The nightly run took until 06:30: the 04:00 and 06:00 slots were missed.
    planner.done(schedule, DAY.replace(hour=6, minute=30))
    schedule, due = planner.earliest()
    assert (schedule.name, due.strftime("%H:%M")) == ("daytime", "04:00")  # due at once, once
    planner.done(schedule, DAY.replace(hour=6, minute=45))
    schedule, due = planner.earliest()
    assert (schedule.name, due.strftime("%H:%M")) == ("daytime", "08:00")


def test_unknown_schedule_is_refused(all_schedules):
    with pytest.raises(SystemExit):
        daemon.schedules_for("dev", all_schedules, ["no-such-schedule"])


def test_a_second_run_waits_or_leaves(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLIO_RUN_LOCK", str(tmp_path / "run.lock"))
    with run_lock.exclusive_run(wait=False):
        with pytest.raises(run_lock.Busy):
            with run_lock.exclusive_run(wait=False):
                pass
        waiter_done = threading.Event()

        def waiter():
            with run_lock.exclusive_run(wait=True):
                waiter_done.set()

        thread = threading.Thread(target=waiter)
        thread.start()
        assert not waiter_done.wait(0.3)  # still blocked while the first run holds the lock
    thread.join(timeout=10)
    assert waiter_done.is_set()


def test_busy_runner_exits_cleanly_without_running(tmp_path, monkeypatch):
    from orchestrate import run_job

    monkeypatch.setenv("CALLIO_RUN_LOCK", str(tmp_path / "run.lock"))
    monkeypatch.setattr(run_job, "JobRun", lambda *a: pytest.fail("must not run while busy"))
    with run_lock.exclusive_run(wait=False):
        assert run_job.run_locked("dev", "callio-calls", wait=False) == 0


def test_tasks_share_one_meltano_run_up_to_a_skipped_or_multi_block_task():
    tasks = ["tap-callio--customers target-duckdb", "tap-callio--calls target-duckdb",
             "tap-callio--staffgroup target-duckdb", "dbt-duckdb:build"]
    assert run_job.next_batch(tasks, {}) == tasks
    assert run_job.next_batch(tasks, {tasks[1]: 4}) == tasks[:1]  # its check failed: not run
    several = "tap-callio--calls target-duckdb dbt-duckdb:build"  # two blocks in one task
    assert run_job.next_batch([several, *tasks], {}) == [several]
    assert run_job.next_batch([tasks[0], several], {}) == [tasks[0]]


def test_meltano_block_ends_are_read_from_its_json_log():
    done = events.parse_line('{"event": "Block run completed", "level": "info", "set_number": 2, "success": true,'
                             ' "timestamp": "2026-03-02T01:00:00Z"}')
    failed = events.parse_line('{"event": "Block run completed", "level": "error", "set_number": 0,'
                               ' "success": false, "timestamp": "2026-03-02T01:00:00Z"}')
    other = events.parse_line('{"event": "Block run completed soon", "set_number": 1, "timestamp": "x"}')
    assert (done.block_ended, failed.block_ended, other.block_ended) == ((2, True), (0, False), None)


def test_a_task_s_reason_is_the_first_line_of_a_many_line_error():
    """Meltano logs a database error as one event of several lines (the reason, then SQLAlchemy's
    statement and parameters): the console, `orchestrate.runs` and a message show the reason only."""
    from orchestrate.job_report import JobReport

    report = JobReport("callio-calls", "demo", "2026-03-02T01:00:00+00:00", "/logs/x.log")
    task = report.task_started("tap-callio--calls target-duckdb")
    error = ("(psycopg.OperationalError) consuming input failed: server closed the connection unexpectedly\n"
             "[SQL: UPDATE runs SET last_heartbeat_at=%(last_heartbeat_at)s]\n[parameters: {'runs_id': 2}]")
    report.feed(task, events.parse_line(json.dumps({"event": error, "level": "error",
                                                    "timestamp": "2026-03-02T01:00:00Z"})))
    report.task_ended(task, 1, 3.0, stopped=False)
    assert task.last_error == error.splitlines()[0]


def test_freshness_memory_falls_back_to_the_machine_when_the_shared_database_is_down(tmp_path, monkeypatch, capsys):
    """With an unreachable PostgreSQL system database the stale set is still told once, not
    lost and not repeated: this machine's memory decides, after one warning line."""
    from orchestrate import freshness
    from support.notify_servers import free_port

    monkeypatch.setenv("MELTANO_DATABASE_URI", f"postgresql+psycopg://callio:Db-Secret-5@127.0.0.1:{free_port()}/m")
    monkeypatch.setenv("CALLIO_LOG_DIR", str(tmp_path))
    now = datetime(2026, 3, 2, 1, 15, tzinfo=UTC)
    tenants = ["HN", "PK"]
    assert freshness.already_told("prod", tenants, ["PK/calls"], now) is False
    assert freshness.already_told("prod", tenants, ["PK/calls"], now + timedelta(hours=1)) is True
    assert freshness.already_told("prod", tenants, ["PK/calls", "HN/calls"], now + timedelta(hours=2)) is False
    warned = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(warned) == 3 and all("MELTANO_DATABASE_URI=postgresql+psycopg://callio:***@" in w for w in warned)
    assert "Db-Secret-5" not in "".join(warned)
