"""Run the schedules of meltano.yml at their slots, one run at a time, without Airflow.

    python -m orchestrate.daemon --environment=prod           # runs nightly-bq, daytime-bq
    python -m orchestrate.daemon --environment=dev            # runs nightly, daytime
    python -m orchestrate.daemon --schedules=daytime --list   # show the next slots and exit

Schedules are read once at start from ``meltano schedule list --format=json`` (restart the
daemon after editing them). Times are UTC cron expressions. Each run goes through
``orchestrate.run_job`` under the same file lock as manual runs, so a manual run and a slot
never overlap: the slot waits. A slot missed because a run was still going is run once as
soon as the lock frees (slots are coalesced, never queued up). Each run is logged to stderr and
to ``.meltano/logs/orchestrate/daemon.log``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from croniter import croniter

from orchestrate.meltano_cli import PROJECT_ROOT, Schedule, schedules
from orchestrate.run_job import configure_logging, default_environment, run_locked

log = logging.getLogger("orchestrate.daemon")

BIGQUERY_SUFFIX = "-bq"


def schedules_for(environment: str, all_schedules: list[Schedule], names: list[str] | None) -> list[Schedule]:
    """Explicit names, else the BigQuery twins for prod and the DuckDB ones elsewhere."""
    if names:
        chosen = [s for s in all_schedules if s.name in names]
        missing = set(names) - {s.name for s in chosen}
        if missing:
            raise SystemExit(f"unknown schedule(s): {', '.join(sorted(missing))}")
        return chosen
    want_bigquery = environment == "prod"
    return [s for s in all_schedules if s.name.endswith(BIGQUERY_SUFFIX) == want_bigquery]


def next_slot(schedule: Schedule, after: datetime) -> datetime:
    return croniter(schedule.cron, after).get_next(datetime)


class Planner:
    """Which schedule is due next; missed slots collapse into one run."""

    def __init__(self, chosen: list[Schedule], now: datetime) -> None:
        self.next_at = {s.name: next_slot(s, now) for s in chosen}
        self.by_name = {s.name: s for s in chosen}

    def earliest(self) -> tuple[Schedule, datetime]:
        name = min(self.next_at, key=lambda n: (self.next_at[n], n))
        return self.by_name[name], self.next_at[name]

    def done(self, schedule: Schedule, now: datetime) -> None:
        """After a run: the next slot strictly after both the slot just served and now."""
        self.next_at[schedule.name] = next_slot(schedule, max(now, self.next_at[schedule.name]))


def add_file_log(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s  %(message)s"))
    logging.getLogger().addHandler(handler)


def utcnow() -> datetime:
    return datetime.now(UTC)


def serve(environment: str, chosen: list[Schedule], stop: threading.Event) -> None:
    planner = Planner(chosen, utcnow())
    while not stop.is_set():
        schedule, due = planner.earliest()
        log.info("next: %s (job %s) at %s", schedule.name, schedule.job, due.isoformat())
        if stop.wait(max(0.0, (due - utcnow()).total_seconds())):
            break
        log.info("slot %s %s: job %s starting", schedule.name, due.isoformat(), schedule.job)
        code = run_locked(environment, schedule.job, wait=True)
        log.log(logging.INFO if code == 0 else logging.ERROR, "slot %s: job %s exit %d", schedule.name, schedule.job, code)
        planner.done(schedule, utcnow())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.daemon", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", default=default_environment(), help="dev, demo or prod (default: %(default)s)")
    parser.add_argument("--schedules", help="comma-separated schedule names (default: by environment)")
    parser.add_argument("--list", action="store_true", help="print the chosen schedules and their next slots, then exit")
    parser.add_argument("--log-file", type=Path, default=PROJECT_ROOT / ".meltano" / "logs" / "orchestrate" / "daemon.log")
    args = parser.parse_args(argv)
    configure_logging()
    names = [n.strip() for n in args.schedules.split(",")] if args.schedules else None
    chosen = schedules_for(args.environment, schedules(args.environment), names)
    if not chosen:
        log.error("no schedules to run for environment %s", args.environment)
        return 2
    if args.list:
        now = utcnow()
        for s in chosen:
            print(f"{s.name:<12} {s.cron:<18} job {s.job:<28} next {next_slot(s, now).isoformat()}")
        return 0
    add_file_log(args.log_file)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log.info("daemon started: environment %s, schedules %s", args.environment, ", ".join(s.name for s in chosen))
    serve(args.environment, chosen, stop)
    log.info("daemon stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
