"""What happened in the recent job runs ("what failed last night?").

    python -m orchestrate.runs            # the last 10 runs, newest first
    python -m orchestrate.runs --last 30
    python -m orchestrate.runs --failed   # only runs that did not end well

For each run: when it started, how long it took, its exit, every tenant × stream that failed
and why, what each bookmark reached, and the path of its full log. Read from the reports the job
runner saves beside each run's log (``logs/runs/<day>/*.json``); with a PostgreSQL system
database (several machines), from its table of every machine's reports (orchestrate.shared_reports),
each run naming its machine. A run without an end is "running" while its runner lives, "did not
finish (killed?)" once it is gone; another machine's such run is "not finished (still running
there, or killed)": its process cannot be seen from here.
"""

from __future__ import annotations

import argparse
import itertools
import socket
import sys
from datetime import datetime

import psutil

from orchestrate import business_time, run_logs, shared_locks, shared_reports
from orchestrate.console import make_console, outcome
from orchestrate.job_report import JobReport


def still_running(report: JobReport) -> bool | None:
    """Whether a run with no end yet is still going: its runner's process, when it ran on this
    machine (a process started after the run began only has the PID again); None for another
    machine's run, which this one cannot see."""
    if report.exit_code is not None:
        return False
    if report.host != socket.gethostname() or report.pid is None:
        return None
    try:
        process = psutil.Process(report.pid)
        return (process.status() != psutil.STATUS_ZOMBIE
                and process.create_time() <= datetime.fromisoformat(report.started).timestamp() + 1)
    except psutil.Error:
        return False


def describe(report: JobReport, *, with_host: bool = False) -> list[str]:
    started = datetime.fromisoformat(report.started)
    took = ""
    if report.finished:
        took = f", {(datetime.fromisoformat(report.finished) - started).total_seconds():.0f}s"
    running = still_running(report)
    if report.exit_code == 0:
        ended = "ok"
    elif running:
        ended = "running"
    elif running is None:
        ended = f"not finished (still running on {report.host}, or killed)"
    else:
        ended = outcome(report)
    lines = [f"{started.strftime('%Y-%m-%d %H:%M:%S')} UTC ({business_time.local_text(started)})  "
             f"{report.job} ({report.environment}){f' on {report.host}' if with_host else ''}{took}: {ended}"]
    ordered = sorted(report.streams.values(), key=lambda r: (r.tenant, r.stream))
    for run in ordered:
        if run.status != "OK":
            lines.append(f"    {run.tenant}/{run.stream} {run.status}: {run.reason or '-'}")
    for task in report.failed_tasks:
        reason = f": {task.last_error}" if task.last_error else ""
        lines.append(f"    task {task.task} exit {task.returncode}{reason}")
    bookmarks = [f"{r.tenant}/{r.stream} {r.bookmark}" for r in ordered if r.bookmark]
    if bookmarks:
        lines.append("    bookmarks: " + ", ".join(bookmarks))
    lines.append(f"    log: {report.log_file}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.runs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--last", type=int, default=10, help="how many runs (default 10)")
    parser.add_argument("--failed", action="store_true", help="only runs that failed or were stopped")
    args = parser.parse_args(argv)
    console = make_console(sys.stdout)
    reports, shared = None, shared_locks.database_uri()
    if shared:
        try:
            reports = shared_reports.recent(shared, limit=args.last, failed=args.failed)
        except Exception as exc:  # noqa: BLE001 - this machine's own reports are still worth showing
            print(f"warning: the runs of every machine are in the system database (MELTANO_DATABASE_URI="
                  f"{shared_locks.masked(shared)}), which cannot be read: {shared_locks.reason_of(exc, shared)}; "
                  "this machine's runs only", file=sys.stderr)
    if reports is None:
        shared = None
        loaded = (JobReport.load(path) for path in run_logs.recent_reports(limit=10_000))
        reports = list(itertools.islice((r for r in loaded if not (args.failed and r.exit_code == 0)), args.last))
    if args.failed:  # a run still going has not failed (yet)
        reports = [report for report in reports if not still_running(report)]
    for report in reports:
        for line in describe(report, with_host=bool(shared)):
            failure = line.startswith("    ") and not line.lstrip().startswith(("bookmarks:", "log:"))
            console.print(line, markup=False, highlight=False, style="red" if failure else None)
    if not reports:
        print("no runs recorded in the system database" if shared else f"no runs recorded under {run_logs.runs_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
