"""Check the configuration before the first request: each problem is one line naming the
setting and the variable that carries it (never a secret's value).

    python -m orchestrate.preflight [--environment=prod] [JOB]     # exit 0 = ready, 2 = not

The job runner runs the same checks before it takes the run lock; the daemon and the schedule
generators check the environment name. What is checked:

- the environment exists (``--environment`` / ``MELTANO_ENVIRONMENT``), the job exists;
- every integer, boolean and date setting of the job's plugins, under every variable that can
  set it (Meltano's ``TAP_CALLIO_PAGE_SIZE`` and the old script's ``API_PAGE_SIZE`` alike), as
  read from the shell and ``.env``: a value Meltano would choke on (a 50-line traceback) or
  misread (``01/11/2026``: 1 November or 11 January?) is refused here;
- the API URL has a scheme and a host;
- the old script's variables this pipeline reads differently (both
  ``CALLIO_ACCOUNTS_FILE`` and ``CALLIO_ACCOUNTS_JSON``, the scheduler's slot lists, ``LOG_LEVEL``);
- for BigQuery jobs: ``BQ_PROJECT_ID`` (set, not a placeholder, the key's project) and the service
  account key (``SERVICE_ACCOUNT_KEY_FILE`` readable JSON of a service account, or
  ``SERVICE_ACCOUNT_KEY_JSON``).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from urllib.parse import urlparse

from orchestrate import (
    bigquery_project,
    dotenv_check,
    project_files,
    run_logs,
    runner_settings,
    shared_locks,
    slots,
    tap_rules,
)
from orchestrate.exit_codes import EXIT_BEHIND
from orchestrate.project_env import env_file, log_level, setting
from orchestrate.project_files import Setting, environments, jobs, plugins_of_job, settings_of

LOG_LEVELS = {"debug", "info", "warning", "error", "critical"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
DAY_MONTH = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}")
TAP = "tap-callio"


def chosen_environment(given: str | None) -> str | None:
    """The environment a command line asked for (``--environment``, else ``MELTANO_ENVIRONMENT``,
    else dev), or None after one line on stderr when the project has no such environment."""
    environment = given or setting("MELTANO_ENVIRONMENT") or "dev"
    if environment in environments():
        return environment
    print(f"configuration error: {unknown_environment(environment)}", file=sys.stderr)
    return None


def unknown_environment(environment: str) -> str:
    return (f"environment {environment!r} (--environment / MELTANO_ENVIRONMENT) does not exist: "
            f"choose one of {', '.join(environments())}")


# --- checks ---------------------------------------------------------------------------------

@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)  # the job must not run: exit 2
    warnings: list[str] = field(default_factory=list)  # it runs, but the operator must know
    notes: list[str] = field(default_factory=list)  # facts worth a line (which project is written)


def _check_value(s: Setting, variable: str, value: str) -> str | None:
    shown = "(hidden)" if s.sensitive else repr(value)
    where = f"{variable}={shown} ({s.plugin} setting {s.name})"
    rules = tap_rules.rules()
    if s.kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            return f"{where} is not a whole number"
        if s.plugin == TAP and (problem := rules.number_problem(s.name, int(value))):
            return f"{where}: {problem}"
    elif s.kind == "boolean":
        if value.strip().lower() not in {"true", "false", "1", "0", "yes", "no", "on", "off"}:
            return f"{where} is not true or false"
    elif s.kind == "date_iso8601":
        text = value.strip()
        if DAY_MONTH.match(text):
            return (f"{where}: day/month order is ambiguous; write the date as YYYY-MM-DD "
                    f"(e.g. 2026-11-01 for 1 November), optionally with a UTC time: 2026-11-01T00:00:00Z")
        if not ISO_DATE.match(text):
            return f"{where} is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)"
        if s.plugin == TAP and s.name == "start_date" and (problem := rules.start_date_problem(text)):
            return f"{where}: {problem}"
    if s.name == "api_url":
        url = urlparse(value.strip())
        if url.scheme not in ("http", "https") or not url.netloc:
            return f"{where} is not a URL: it needs the scheme and host, e.g. https://clientapi.phonenet.io"
    return None


def setting_problems(plugin_names: list[str]) -> list[str]:
    problems = []
    seen = set()
    for plugin in plugin_names:
        for s in settings_of(plugin):
            for variable in s.variables:
                value = setting(variable)
                if value is None or (variable, s.name) in seen:
                    continue
                seen.add((variable, s.name))
                if problem := _check_value(s, variable, value):
                    problems.append(problem)
    return problems


def accounts_problems(environment: str) -> list[str]:
    """The account list the tap will get, read and checked as the tap does (tap_rules): none at all,
    an unreadable file, a folder, an empty list, labels that would mix two tenants' rows."""
    try:
        tap_rules.configured_accounts(environment)
    except tap_rules.rules().ConfigProblem as problem:
        return [str(problem)]
    return []


def legacy_problems() -> list[str]:
    """The old script's variables whose meaning changed: refused with their new home."""
    problems = []
    accounts_json = (setting("CALLIO_ACCOUNTS_JSON") or "").strip().strip("'\"")
    if setting("CALLIO_ACCOUNTS_FILE") and accounts_json not in ("", "[]"):
        problems.append("CALLIO_ACCOUNTS_FILE and CALLIO_ACCOUNTS_JSON are both set: the old script used the file, "
                        "this pipeline would use the JSON (tap-callio settings accounts_file / accounts); keep one")
    level = setting("LOG_LEVEL")
    if level is not None and level.strip().lower() not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL={level!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    problems += slots.problems()
    return problems


def cap_warnings(environment: str) -> list[str]:
    cap_setting = project_files.configured(environment, TAP, "max_records_per_run")
    try:
        cap = int(cap_setting.value or 0)
    except ValueError:
        return []  # refused by setting_problems
    if cap <= 0:
        return []
    where = f"{cap_setting.variable}={cap}" if cap_setting.variable else f"max_records_per_run {cap}"
    return [f"{where} (tap-callio max_records_per_run) stops every tenant and stream after {cap} records per run: "
            f"a run that stops there ends BEHIND (exit {EXIT_BEHIND}) with its bookmarks short of now; "
            "unset it (or 0) to read everything"]


def configured_labels(environment: str) -> tuple[list[str], str] | None:
    """The tenant labels of the configured accounts and where they are configured; None when the
    accounts cannot be read (accounts_problems names why)."""
    try:
        listed, where = tap_rules.configured_accounts(environment)
    except tap_rules.rules().ConfigProblem:
        return None
    return [account["tenant"] for account in listed], where


def report_tenant_warnings(environment: str) -> list[str]:
    """CALLIO_REPORT_TENANTS naming a label no account has: its report rows would stay empty."""
    chosen = setting("CALLIO_REPORT_TENANTS")
    configured = configured_labels(environment) if chosen else None
    if configured is None:
        return []
    labels, where = configured
    # compared as dbt compares them (trimmed only): a label typed in another Unicode form than
    # the accounts' (NFC) would match no row, so it is named too
    unknown = [label.strip() for label in chosen.split(",") if label.strip() and label.strip() not in labels]
    if not unknown:
        return []
    return [f"CALLIO_REPORT_TENANTS (dbt setting report_tenants) names {', '.join(map(repr, unknown))}, not a tenant "
            f"of {where} ({', '.join(labels)}): fact_staff_daily_PK and the HTML report hold no rows for it"]


def uses_bigquery(job: str | None) -> bool:
    return bool(job) and any(p in ("target-bigquery", "dbt-bigquery") for p in plugins_of_job(job))


def tenant_problems(environment: str, tenant: str) -> list[str]:
    """``--tenant`` must name one of the configured accounts (a typo would run nothing)."""
    configured = configured_labels(environment)
    if configured is None:
        return []
    labels, where = configured
    if tap_rules.rules().label_key(tenant) in labels:
        return []
    return [f"--tenant {tenant!r} is not a tenant of {where}: choose one of {', '.join(labels)}"]


def database_problems() -> list[str]:
    """Meltano's system database, when it is PostgreSQL (several machines): reachable."""
    uri = shared_locks.database_uri()
    problem = shared_locks.reachable_problem(uri) if uri else None
    return [problem] if problem else []


def check(environment: str, job: str | None = None, tenant: str | None = None) -> Findings:
    if environment not in environments():
        return Findings([unknown_environment(environment)])
    if job is not None and job not in jobs():
        return Findings([f"job {job!r} does not exist: choose one of {', '.join(jobs())}"])
    found = Findings(problems=dotenv_check.problems(env_file()))
    if tenant is not None:
        found.problems += tenant_problems(environment, tenant)
    plugin_names = plugins_of_job(job) if job else list(project_files.plugins())
    found.problems += setting_problems(plugin_names)
    if TAP in {project_files.lineage(p)[-1] for p in plugin_names}:
        found.problems += accounts_problems(environment)
        found.warnings += cap_warnings(environment)
        found.warnings += report_tenant_warnings(environment)
    found.problems += legacy_problems()
    found.problems += runner_settings.problems()
    found.problems += database_problems()
    if uses_bigquery(job):
        chosen = bigquery_project.choose()
        found.problems += chosen.problems
        if chosen.note:
            found.notes.append(chosen.note)
    return found


def problems(environment: str, job: str | None = None) -> list[str]:
    return check(environment, job).problems


def orchestrator_settings(environment: str) -> list[str]:
    """The orchestrator's own effective values (the plugins': ``meltano config print``)."""
    chosen = slots.schedules_for(environment, slots.all_schedules(environment), None)
    lines = [f"environment: {environment}", f"log level: {log_level()} (LOG_LEVEL)",
             f"run logs: {run_logs.runs_dir()} (CALLIO_LOG_DIR), kept {run_logs.retention_days()} days "
             "(CALLIO_LOG_RETENTION_DAYS)"]
    lines += [f"slot {s.name}: {s.cron} UTC, job {s.job}" for s in chosen]
    return lines


def report(found: Findings) -> None:
    """The findings on stderr, one line each, as the job runner and this command print them;
    when something is refused, only what is refused."""
    for problem in found.problems:
        print(f"configuration error: {problem}", file=sys.stderr)
    if found.problems:
        return
    for warning in found.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for note in found.notes:
        print(note, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.preflight", description=__doc__.split("\n\n")[0])
    parser.add_argument("job", nargs="?", help="job to check for (default: every plugin's settings)")
    parser.add_argument("--environment", default=None, help="default: MELTANO_ENVIRONMENT, else dev")
    parser.add_argument("--show", action="store_true", help="also print the orchestrator's effective settings and slots")
    parser.add_argument("--online", action="store_true",
                        help="also reach Callio (one login per tenant) and the warehouse, with a short timeout")
    args = parser.parse_args(argv)
    environment = args.environment or setting("MELTANO_ENVIRONMENT") or "dev"
    found = check(environment, args.job)
    if args.online and not found.problems:
        from orchestrate import online_check  # noqa: PLC0415 (only this option needs the network code)

        found.problems += online_check.problems(environment, args.job)
    report(found)
    if found.problems:
        return 2
    if args.show:
        print("\n".join(orchestrator_settings(environment)))
    print(f"configuration ok: environment {environment}" + (f", job {args.job}" if args.job else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
