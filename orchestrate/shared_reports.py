"""Run reports every machine sees: with a PostgreSQL system database, in a table beside the bookmarks.

Each machine keeps its run logs and their reports on its own disk (``orchestrate.run_logs``).
When several machines share one system database (``MELTANO_DATABASE_URI=postgresql+psycopg://``),
"what failed last night?" has to be answered for the team, not for the machine a person happens
to be logged in to. So the job runner also writes each run's report to the table
``callio_run_reports`` of that database (one row per run, keyed by machine and log file), when
the run starts and when it ends, and ``python -m orchestrate.runs`` reads that table there.

Writing it never decides a run's result: when the database cannot be written (it went down in
the middle of the run) the run log says so in one line, and the machine's next run writes its
recent reports again, so the table catches up with the files. Rows older than the run logs'
retention (``CALLIO_LOG_RETENTION_DAYS``) are removed as the files are.
"""

from __future__ import annotations

from orchestrate import run_logs
from orchestrate.job_report import JobReport
from orchestrate.shared_locks import connect, create_table

TABLE = "callio_run_reports"
# a run whose final write failed (the database was down) is written again by the machine's
# next runs, as one of its newest reports
REWRITTEN = 20


def publish(connection, reports: list[JobReport]) -> None:
    """Write (or rewrite) these reports, and drop the rows past the retention, in one transaction."""
    from psycopg.types.json import Jsonb  # noqa: PLC0415 (only the shared mode needs it)

    create_table(connection, TABLE, "key text primary key, host text, job text not null, environment text not null, "
                 "started timestamptz not null, exit_code integer, report jsonb not null")
    with connection.transaction(), connection.cursor() as cursor:
        for report in reports:
            cursor.execute(
                f"insert into {TABLE} values (%s, %s, %s, %s, %s, %s, %s) on conflict (key) do update "
                "set exit_code = excluded.exit_code, report = excluded.report",
                (f"{report.host}:{report.log_file}", report.host, report.job, report.environment, report.started,
                 report.exit_code, Jsonb(report.as_dict())))
        cursor.execute(f"delete from {TABLE} where started < now() - make_interval(days => %s)",
                       (run_logs.retention_days(),))


def local_reports(limit: int = REWRITTEN) -> list[JobReport]:
    """This machine's newest reports (those whose last write may not have reached the table)."""
    found = []
    for path in run_logs.recent_reports(limit=limit):
        try:
            found.append(JobReport.load(path))
        except (OSError, ValueError, TypeError):  # a report cut short by a kill: the file stays the record
            continue
    return found


def recent(uri: str, *, limit: int, failed: bool) -> list[JobReport]:
    """The newest reports of every machine sharing the database, newest first."""
    import psycopg  # noqa: PLC0415 (only the shared mode needs it)

    condition = "where exit_code is distinct from 0" if failed else ""
    with connect(uri, timeout_s=5) as connection:
        try:
            rows = connection.execute(f"select report from {TABLE} {condition} order by started desc limit %s",
                                      (limit,)).fetchall()
        except psycopg.errors.UndefinedTable:  # no run has written one yet
            return []
    return [JobReport.from_dict(row[0]) for row in rows]
