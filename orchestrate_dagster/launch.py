"""Start Dagster for this project (``bash scripts/dagster.sh`` runs this in ``.venv-dagster``).

    bash scripts/dagster.sh [--environment=E] [ui [--host H] [--port P]]   the UI and the daemon, for a person
    bash scripts/dagster.sh [--environment=E] daemon                       the daemon alone (a service)
    bash scripts/dagster.sh [--environment=E] materialize TENANT [JOB]     one tenant's partition of a job, headless
    bash scripts/dagster.sh [--environment=E] validate                     dagster definitions validate

Before each, the instance is made ready: ``$DAGSTER_HOME/dagster.yaml`` (orchestrate_dagster/instance.py;
``DAGSTER_HOME`` defaults to ``.dagster/``), the run storage's schema on PostgreSQL, the project's
facts (a refused configuration is its one line, exit 2), dbt's manifest. Dagster's processes run
in ``DAGSTER_HOME``, not in the project folder: Dagster's command line copies a ``.env`` of its
working folder into its environment, and the job runner would then take those copies for shell
values and miss a later edit of ``.env``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from orchestrate_dagster import instance, transform
from orchestrate_dagster.project import (
    PROJECT_ROOT,
    Facts,
    ProjectUnavailable,
    dagster_home,
    load_facts,
    orchestrate_command,
)

EXIT_CONFIG = 2
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 3000
CODE_LOCATION = ["-m", "orchestrate_dagster.definitions", "-d", str(PROJECT_ROOT)]
STOP_WAIT_S = 120  # a stopped daemon waits for nothing; a webserver's run workers are not its children


def dagster_tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def prepare(environment: str | None) -> Facts:
    """Everything Dagster's processes need, in this process's environment (they inherit it)."""
    if environment:
        os.environ["MELTANO_ENVIRONMENT"] = environment
    home = dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    facts = load_facts()
    uri = subprocess.run(orchestrate_command("facts", "--system-database-uri"), cwd=PROJECT_ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    where = f"SQLite under {home}"
    if uri:
        os.environ[instance.STORAGE_URL] = instance.storage_url(uri)
        where = f"schema {instance.SCHEMA} of {facts.system_database['uri']}"
        try:
            instance.create_schema(os.environ[instance.STORAGE_URL])
        except Exception as exc:  # noqa: BLE001 - one line for an operator, without the password
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if password := urlsplit(uri).password:
                reason = reason.replace(password, "***")
            raise ProjectUnavailable(f"Dagster's run storage ({where}) cannot be made ready: {reason}") from None
    instance.write_instance(home, postgres=bool(uri))
    transform.prepare_manifest(facts)
    print(f"Dagster: environment {facts.environment}, tenants {', '.join(facts.tenants)}; runs stored in {where}",
          file=sys.stderr)
    return facts


def stop_like_ctrl_c(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(host: str, port: int) -> int:
    """The UI and the daemon until one of them ends or a stop (Ctrl-C, SIGTERM) comes; then both stop.
    Failure notifications link to the UI at CALLIO_DAGSTER_URL, by default the address it listens on."""
    os.environ.setdefault("CALLIO_DAGSTER_URL", f"http://{host}:{port}")
    commands = [[dagster_tool("dagster-daemon"), "run", *CODE_LOCATION],
                [dagster_tool("dagster-webserver"), "-h", host, "-p", str(port), *CODE_LOCATION]]
    processes = [subprocess.Popen(command, cwd=dagster_home()) for command in commands]
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    print(f"Dagster UI: {os.environ['CALLIO_DAGSTER_URL']} (Ctrl-C stops it and the daemon)", file=sys.stderr)
    code = 0
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(1)
        code = next(process.returncode for process in processes if process.returncode is not None)
    except KeyboardInterrupt:
        pass
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
    return code


def daemon() -> int:
    """``dagster-daemon run`` in place of this process (a service manager's signals reach it)."""
    os.chdir(dagster_home())
    os.execv(dagster_tool("dagster-daemon"), [dagster_tool("dagster-daemon"), "run", *CODE_LOCATION])
    return 0  # not reached


def validate() -> int:
    return subprocess.run([dagster_tool("dagster"), "definitions", "validate", *CODE_LOCATION], cwd=dagster_home(),
                          check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bash scripts/dagster.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", default=None, help="dev, demo or prod (default: MELTANO_ENVIRONMENT, else dev)")
    commands = parser.add_subparsers(dest="command")
    ui = commands.add_parser("ui", help="the UI and the daemon (the default)")
    ui.add_argument("--host", default=DEFAULT_HOST, help="the UI's address (default 127.0.0.1: this machine only)")
    ui.add_argument("--port", type=int, default=DEFAULT_PORT)
    commands.add_parser("daemon", help="the daemon alone: schedules, the run queue, the failure sensor")
    materialize = commands.add_parser("materialize", help="one tenant's partition of a job, in this process")
    materialize.add_argument("tenant")
    materialize.add_argument("job", nargs="?", default=None, help="a Meltano job (default: the one extracting every family)")
    commands.add_parser("validate", help="load the definitions and check them (dagster definitions validate)")
    args = parser.parse_args(argv)
    try:
        facts = prepare(args.environment)
    except ProjectUnavailable as problem:
        print(f"configuration error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "materialize":
        from orchestrate_dagster.headless import materialize  # noqa: PLC0415 (loads the definitions)

        return materialize(facts, args.tenant, args.job)
    if args.command == "daemon":
        return daemon()
    if args.command == "validate":
        return validate()
    return serve(getattr(args, "host", DEFAULT_HOST), getattr(args, "port", DEFAULT_PORT))
