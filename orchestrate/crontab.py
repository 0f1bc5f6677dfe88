"""Print the schedules of meltano.yml as crontab lines (cron instead of the daemon).

    python -m orchestrate.crontab --environment=prod | crontab -     # replaces your crontab!

Each line runs ``orchestrate.run_job --no-wait``: if the previous run still holds the lock the
slot is skipped cleanly. cron must run in UTC (or set CRON_TZ=UTC, printed first).
"""

from __future__ import annotations

import argparse
import shlex
import sys

from orchestrate.daemon import schedules_for
from orchestrate.meltano_cli import PROJECT_ROOT, schedules
from orchestrate.run_job import default_environment


def crontab_lines(environment: str, names: list[str] | None, python: str) -> list[str]:
    root = shlex.quote(str(PROJECT_ROOT))
    lines = ["CRON_TZ=UTC"]
    for s in schedules_for(environment, schedules(environment), names):
        run = f"{shlex.quote(python)} -m orchestrate.run_job --no-wait --environment={environment} {s.job}"
        log = f".meltano/logs/orchestrate/{s.name}.log"
        lines.append(f"{s.cron} cd {root} && mkdir -p .meltano/logs/orchestrate && {run} >> {log} 2>&1")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.crontab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", default=default_environment())
    parser.add_argument("--schedules", help="comma-separated schedule names (default: by environment)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.schedules.split(",")] if args.schedules else None
    print("\n".join(crontab_lines(args.environment, names, sys.executable)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
