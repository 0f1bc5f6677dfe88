"""Run the schedules of meltano.yml at their slots, one run at a time, without Airflow.

    python -m orchestrate.daemon --environment=prod           # runs nightly-bq, daytime-bq
    python -m orchestrate.daemon --environment=dev            # runs nightly, daytime
    python -m orchestrate.daemon --schedules=daytime --list   # show the next slots and exit

Schedules are read once at start from ``meltano schedule list --format=json``, or built from
the old script's ``SCHEDULER_RUN_TIMES_UTC`` / ``SCHEDULER_STAFF_GROUP_TIME_UTC`` when set
(``orchestrate.slots``; restart the daemon after editing them). Times are UTC whatever the
server's time zone: the daemon computes every slot in UTC. Each run goes through
``orchestrate.run_job`` under the same file lock as manual runs, so a manual run and a slot
never overlap: the slot waits. A slot missed because a run was still going is run once as
soon as the lock frees (slots are coalesced, never queued up). ``--now`` runs the first
schedule's job at once on start. The daemon logs to stderr and ``logs/daemon.log``; each run
keeps its own full log under ``logs/runs/``.

On SIGTERM (``systemctl stop``) or SIGINT the daemon starts nothing new, ends the running task's
whole process tree (``orchestrate.stopping``), releases the run lock and exits: 0 when it was
idle, 128 + the signal when it had to stop a run.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from croniter import croniter

from orchestrate import business_time, preflight, run_logs, slots
from orchestrate.meltano_cli import Schedule
from orchestrate.run_job import configure_logging, default_environment, run_locked
from orchestrate.slots import all_schedules, schedules_for
from orchestrate.stopping import STOPPER, Stopper

log = logging.getLogger("orchestrate.daemon")

__all__ = ["Planner", "schedules_for", "serve", "main"]


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
    run_logs.private_dir(path.parent)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s  %(message)s"))
    logging.getLogger().addHandler(handler)


def utcnow() -> datetime:
    return datetime.now(UTC)


def check_freshness(environment: str) -> None:
    """The hourly dead man's switch (orchestrate.freshness): its stale lines into the daemon log;
    it notifies by itself. Read-only, so it needs no run lock."""
    try:
        done = subprocess.run([sys.executable, "-m", "orchestrate.freshness", f"--environment={environment}"],
                              capture_output=True, text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        log.error("freshness check did not end within 600 s")
        return
    stale = [line for line in done.stdout.splitlines() if line.startswith("STALE")]
    for line in stale:
        log.error("freshness: %s", line)
    if done.returncode not in (0, 1):
        log.error("freshness check failed (exit %d): %s", done.returncode, done.stderr.strip()[-300:])
    elif not stale:
        log.info("freshness: every tenant and stream is recent enough")


def serve(environment: str, chosen: list[Schedule], stopper: Stopper, *, now: bool = False) -> int:
    """Run the slots until a stop; returns the exit code (non-zero if a run had to be stopped)."""
    planner = Planner(chosen, utcnow())
    if now:
        first = chosen[0]
        planner.next_at[first.name] = utcnow()
    interrupted = False
    while not stopper.requested.is_set():
        schedule, due = planner.earliest()
        log.info("next: %s (job %s) at %s", schedule.name, schedule.job, due.isoformat())
        if stopper.requested.wait(max(0.0, (due - utcnow()).total_seconds())):
            break
        if schedule.job == slots.FRESHNESS_JOB:
            check_freshness(environment)
            planner.done(schedule, utcnow())
            continue
        log.info("slot %s %s: job %s starting", schedule.name, due.isoformat(), schedule.job)
        code = run_locked(environment, schedule.job, wait=True, stopper=stopper)
        log.log(logging.INFO if code == 0 else logging.ERROR, "slot %s: job %s exit %d", schedule.name, schedule.job, code)
        if stopper.requested.is_set():
            interrupted = code != 0
            break
        planner.done(schedule, utcnow())
    return stopper.exit_code if interrupted else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.daemon", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", default=None, help="dev, demo or prod (default: MELTANO_ENVIRONMENT, else dev)")
    parser.add_argument("--schedules", help="comma-separated schedule names (default: by environment)")
    parser.add_argument("--list", action="store_true", help="print the chosen schedules and their next slots, then exit")
    parser.add_argument("--now", action="store_true", help="run the first chosen schedule's job at once, then follow the slots")
    parser.add_argument("--log-file", type=Path, default=None, help="default: logs/daemon.log")
    args = parser.parse_args(argv)
    configure_logging()
    environment = args.environment or default_environment()
    if problems := preflight.problems(environment):
        for problem in problems:
            print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    names = [n.strip() for n in args.schedules.split(",")] if args.schedules else None
    chosen = schedules_for(environment, all_schedules(environment), names)
    if not chosen:
        log.error("no schedules to run for environment %s", environment)
        return 2
    chosen = slots.with_freshness(chosen)
    if args.list:
        now = utcnow()
        for s in chosen:
            upcoming = next_slot(s, now)
            print(f"{s.name:<14} {s.cron:<18} (UTC) job {s.job:<28} next {upcoming.isoformat()} "
                  f"({business_time.local_text(upcoming)})")
        return 0
    add_file_log(args.log_file or run_logs.log_root() / "daemon.log")
    STOPPER.install()
    log.info("daemon started: environment %s, schedules %s", environment, ", ".join(s.name for s in chosen))
    code = serve(environment, chosen, STOPPER, now=args.now)
    log.info("daemon stopped (exit %d)", code)
    return code


if __name__ == "__main__":
    sys.exit(main())
