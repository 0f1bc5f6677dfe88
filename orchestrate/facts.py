"""What the project declares, as JSON, for an engine that runs outside this venv (Dagster).

    python -m orchestrate.facts --json [--environment=E]
    python -m orchestrate.facts --system-database-uri     # for Dagster's launcher only: holds a password

Dagster lives in a virtualenv of its own (orchestrate_dagster/) and calls this project only as
subprocesses, so it asks here instead of reading meltano.yml a second way. Each fact comes from
its one home: the tenants from the accounts setting, read and checked as the tap does
(``tap_rules.configured_accounts``); the schedules in effect and the hourly freshness check's
cron from ``slots`` (meltano.yml's, or the old script's ``SCHEDULER_*`` variables); the
environment's jobs and their tasks, and the streams each extractor variant reads, from the
project files; the ``meltano`` command the job runner uses
(``meltano_cli.meltano_command``: the same ``.env``).

The preflight's checks come first (``preflight.check``): a configuration that cannot be used (no
accounts, an unknown environment, an unreachable PostgreSQL system database) is its one line per
problem on stderr, exit 2, as before a job. Nothing printed by ``--json`` is a secret: the system database's
URI is shown with its password masked. ``--system-database-uri`` prints it unmasked when it is
PostgreSQL (nothing for SQLite): Dagster's launcher puts its run storage in the same database
and hands the value on in its processes' environment, never to a log.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from orchestrate import preflight, project_files, shared_locks, slots, tap_rules
from orchestrate.exit_codes import EXIT_CONFIG
from orchestrate.meltano_cli import job_tasks, meltano_command
from orchestrate.project_env import setting
from orchestrate.run_job import default_environment


def environment_jobs(environment: str) -> dict[str, list[str]]:
    """The jobs this environment runs, with their tasks: the BigQuery twins (``-bq``) on prod,
    the DuckDB ones elsewhere (the rule ``slots.schedules_for`` picks schedules by)."""
    on_bigquery = environment == "prod"
    return {job: job_tasks(environment, job) for job in project_files.jobs()
            if job.endswith(slots.BIGQUERY_SUFFIX) == on_bigquery}


def extractor_streams(jobs: dict[str, list[str]]) -> dict[str, list[str]]:
    """The streams each extractor variant of these jobs selects (its ``select_filter``)."""
    plugins = project_files.plugins()
    extractors = {shlex.split(task)[0] for tasks in jobs.values() for task in tasks
                  if not shlex.split(task)[0].startswith("dbt-")}
    return {name: list(plugins[name].get("select_filter") or []) for name in sorted(extractors)}


def system_database() -> dict[str, str]:
    uri = setting("MELTANO_DATABASE_URI") or "sqlite:///.meltano/meltano.db"
    kind = "postgresql" if shared_locks.database_uri() else uri.split(":", 1)[0]
    return {"kind": kind, "uri": shared_locks.masked(uri)}


def facts(environment: str) -> dict:
    accounts, where = tap_rules.configured_accounts(environment)
    jobs = environment_jobs(environment)
    chosen = slots.schedules_for(environment, slots.all_schedules(environment), None)
    return {
        "environment": environment,
        "tenants": [account["tenant"] for account in accounts],
        "accounts_from": where,
        "jobs": jobs,
        "extractors": extractor_streams(jobs),
        "schedules": [{"name": s.name, "cron": s.cron, "job": s.job} for s in chosen],
        "freshness_cron": slots.FRESHNESS.cron,
        "meltano": meltano_command(environment),
        "system_database": system_database(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.facts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", default=None, help="dev, demo or prod (default: MELTANO_ENVIRONMENT, else dev)")
    shown = parser.add_mutually_exclusive_group(required=True)
    shown.add_argument("--json", action="store_true", help="print the facts as one JSON object")
    shown.add_argument("--system-database-uri", action="store_true",
                       help="print MELTANO_DATABASE_URI, password included, when it is PostgreSQL (else nothing)")
    args = parser.parse_args(argv)
    if args.system_database_uri:
        print(shared_locks.database_uri() or "")
        return 0
    environment = args.environment or default_environment()
    if refused := preflight.check(environment).problems:
        for problem in refused:
            print(f"configuration error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        found = facts(environment)
    except tap_rules.rules().ConfigProblem as problem:
        print(f"configuration error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except SystemExit as refused:  # slots: the old script's slot variables cannot be read
        print(refused, file=sys.stderr)
        return EXIT_CONFIG
    json.dump(found, sys.stdout, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
