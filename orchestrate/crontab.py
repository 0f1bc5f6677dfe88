"""Print the schedules as crontab lines (cron instead of the daemon).

    python -m orchestrate.crontab --environment=prod | crontab -     # replaces your crontab!

cron fires in the server's local time (Debian's and Ubuntu's cron ignore ``CRON_TZ``), so each
UTC slot is converted to this machine's local time when the lines are generated (run it on the
server, or with the server's ``TZ``); in a time zone with daylight saving time, regenerate after
each clock change (the output says so). Each line runs ``orchestrate.run_job --no-wait`` from
the project folder: if the previous run still holds the lock the slot is skipped cleanly. The
runner keeps each run's full log under ``logs/runs/``; what cron itself sees (a Python that
cannot start, say) is appended to ``logs/cron.log``, whose folder the line creates.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from orchestrate import slots
from orchestrate.meltano_cli import PROJECT_ROOT
from orchestrate.preflight import chosen_environment


def crontab_lines(environment: str, names: list[str] | None, python: str) -> list[str]:
    root = shlex.quote(str(PROJECT_ROOT))
    chosen = slots.schedules_for(environment, slots.all_schedules(environment), names)
    lines = [f"# Callio ELT ({environment}): {note}" for note in slots.timezone_note()]
    for slot in slots.local_times(chosen):
        run = f"{shlex.quote(python)} -m orchestrate.run_job --no-wait --environment={environment} {slot.schedule.job}"
        lines.append(f"# {slot.utc} UTC: {slot.schedule.name}")
        lines.append(f"{slot.minute} {slot.hour} * * * cd {root} && mkdir -p logs && {run} >> logs/cron.log 2>&1")
    check = f"{shlex.quote(python)} -m orchestrate.freshness --environment={environment}"
    lines.append("# hourly: is every tenant's data recent enough? (orchestrate.freshness; a night without any run too)")
    minute, hour = slots.FRESHNESS.cron.split()[:2]
    lines.append(f"{minute} {hour} * * * cd {root} && mkdir -p logs && {check} >> logs/cron.log 2>&1")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.crontab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", default=None, help="default: MELTANO_ENVIRONMENT, else dev")
    parser.add_argument("--schedules", help="comma-separated schedule names (default: by environment)")
    args = parser.parse_args(argv)
    environment = chosen_environment(args.environment)
    if environment is None:
        return 2
    names = [n.strip() for n in args.schedules.split(",")] if args.schedules else None
    print("\n".join(crontab_lines(environment, names, sys.executable)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
