"""Print the schedules as Windows Task Scheduler commands (``schtasks``), one task per slot.

    python -m orchestrate.schtasks --environment=prod > schedule.cmd   # review, then run it

Task Scheduler fires in the machine's local time: each UTC slot is converted with this
machine's offset when the commands are generated (run it on the Windows machine). Every task
runs ``scripts\\windows\\run_job.cmd``, which changes to the project folder (so ``orchestrate``
is found), switches the console to UTF-8, runs the job with ``--no-wait`` and appends its output,
a start line and an exit-code line to ``logs\\scheduler.log`` (the runner's full log of each
run is under ``logs\\runs\\``). ``/F`` replaces tasks of the same name, so re-running the
generated file after a change (or a clock change in a daylight-saving zone) is safe.

Each task runs whether or not anyone is logged on: as SYSTEM by default (``/RU SYSTEM``, no
password kept), or as the account ``--run-as`` names (``/RU NAME /RP *``: schtasks asks for its
password once). Without ``/RU`` a task runs only while its creator is logged on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import PureWindowsPath

from orchestrate import slots
from orchestrate.meltano_cli import PROJECT_ROOT
from orchestrate.preflight import chosen_environment

TASK_FOLDER = "Callio ELT"


def schtasks_lines(environment: str, names: list[str] | None, root: PureWindowsPath,
                   run_as: str = "SYSTEM") -> list[str]:
    chosen = slots.schedules_for(environment, slots.all_schedules(environment), names)
    runner = root / "scripts" / "windows" / "run_job.cmd"
    lines = ["@echo off", *(f"rem Callio ELT ({environment}): {note}" for note in slots.timezone_note())]
    account = "/RU SYSTEM" if run_as.upper() == "SYSTEM" else f'/RU "{run_as}" /RP *'
    for slot in slots.local_times(chosen):
        name = f"{TASK_FOLDER}\\{slot.schedule.name} {slot.hour:02d}{slot.minute:02d}"
        # /TR is one string: the inner quotes keep a path with spaces whole.
        action = f'\\"{runner}\\" {environment} {slot.schedule.job}'
        lines.append(f"rem {slot.utc} UTC: {slot.schedule.name}, job {slot.schedule.job}")
        lines.append(f'schtasks /Create /F /TN "{name}" /SC DAILY /ST {slot.hour:02d}:{slot.minute:02d} '
                     f'{account} /TR "{action}"')
    # hourly: is every tenant's data recent enough? (run_job.cmd runs orchestrate.freshness for it)
    check = f'\\"{runner}\\" {environment} {slots.FRESHNESS_JOB}'
    lines.append("rem hourly: the freshness check, a night without any run is reported too")
    lines.append(f'schtasks /Create /F /TN "{TASK_FOLDER}\\freshness" /SC HOURLY /ST 00:15 {account} /TR "{check}"')
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.schtasks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", default=None, help="default: MELTANO_ENVIRONMENT, else dev")
    parser.add_argument("--schedules", help="comma-separated schedule names (default: by environment)")
    parser.add_argument("--root", help="project folder on the Windows machine (default: this project's folder)")
    parser.add_argument("--run-as", default="SYSTEM",
                        help="account the tasks run as, logged on or not (default SYSTEM; another asks its password)")
    args = parser.parse_args(argv)
    environment = chosen_environment(args.environment)
    if environment is None:
        return 2
    names = [n.strip() for n in args.schedules.split(",")] if args.schedules else None
    print("\n".join(schtasks_lines(environment, names, PureWindowsPath(args.root or str(PROJECT_ROOT)), args.run_as)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
