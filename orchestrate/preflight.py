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
import functools
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import yaml

from orchestrate import slots
from orchestrate.project_env import PROJECT_ROOT, setting

PLACEHOLDER_PROJECTS = {"my-gcp-project", "callio-project", "your-project-id", "change-me"}
LOG_LEVELS = {"debug", "info", "warning", "error", "critical"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
DAY_MONTH = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}")


# --- the project's definitions (meltano.yml and its included files) --------------------------

@functools.cache
def _project() -> dict:
    root = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    merged = {"plugins": {}, "jobs": [], "environments": [], "schedules": []}
    for include in [PROJECT_ROOT / "meltano.yml", *(PROJECT_ROOT / p for p in root.get("include_paths", []))]:
        data = yaml.safe_load(Path(include).read_text()) or {}
        for kind, plugins in (data.get("plugins") or {}).items():
            merged["plugins"].setdefault(kind, []).extend(plugins)
        for key in ("jobs", "environments", "schedules"):
            merged[key].extend(data.get(key) or [])
    return merged


def environments() -> list[str]:
    return [e["name"] for e in _project()["environments"]]


def chosen_environment(given: str | None) -> str | None:
    """The environment a command line asked for (``--environment``, else ``MELTANO_ENVIRONMENT``,
    else dev), or None after one line on stderr when the project has no such environment."""
    environment = given or setting("MELTANO_ENVIRONMENT") or "dev"
    if environment in environments():
        return environment
    print(f"configuration error: environment {environment!r} (--environment / MELTANO_ENVIRONMENT) does not exist: "
          f"choose one of {', '.join(environments())}", file=sys.stderr)
    return None


def jobs() -> dict[str, list[str]]:
    return {j["name"]: j["tasks"] for j in _project()["jobs"]}


def _plugins() -> dict[str, dict]:
    return {p["name"]: p for kind in _project()["plugins"].values() for p in kind}


@dataclass(frozen=True)
class Setting:
    plugin: str
    name: str
    kind: str
    variables: tuple[str, ...]
    sensitive: bool


def env_prefix(plugin: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", plugin.upper())


def settings_of(plugin_name: str) -> list[Setting]:
    """The settings of a plugin (a variant inherits its parent's), with every variable name
    Meltano reads for it."""
    plugins = _plugins()
    plugin = plugins[plugin_name]
    chain = [plugin_name]
    while "inherit_from" in plugin:
        plugin = plugins[plugin["inherit_from"]]
        chain.append(plugin["name"])
    found = []
    for definition in plugin.get("settings", []):
        names = [f"{env_prefix(p)}_{env_prefix(definition['name'])}" for p in chain]
        names += definition.get("env_aliases", [])
        if definition.get("env"):
            names.append(definition["env"])
        found.append(Setting(plugin["name"], definition["name"], definition.get("kind", "string"),
                             tuple(dict.fromkeys(names)), bool(definition.get("sensitive"))))
    return found


def plugins_of_job(job: str) -> list[str]:
    names = []
    for task in jobs()[job]:
        words = task if isinstance(task, list) else task.split()
        names += [w.split(":")[0] for w in words]
    return list(dict.fromkeys(names))


# --- checks ---------------------------------------------------------------------------------

def _given(variable: str) -> str | None:
    return setting(variable)


def _check_value(s: Setting, variable: str, value: str) -> str | None:
    shown = "(hidden)" if s.sensitive else repr(value)
    where = f"{variable}={shown} ({s.plugin} setting {s.name})"
    if s.kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            return f"{where} is not a whole number"
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
                value = _given(variable)
                if value is None or (variable, s.name) in seen:
                    continue
                seen.add((variable, s.name))
                if problem := _check_value(s, variable, value):
                    problems.append(problem)
    return problems


def legacy_problems() -> list[str]:
    """The old script's variables whose meaning changed: refused with their new home."""
    problems = []
    accounts_json = (_given("CALLIO_ACCOUNTS_JSON") or "").strip().strip("'\"")
    if _given("CALLIO_ACCOUNTS_FILE") and accounts_json not in ("", "[]"):
        problems.append("CALLIO_ACCOUNTS_FILE and CALLIO_ACCOUNTS_JSON are both set: the old script used the file, "
                        "this pipeline would use the JSON (tap-callio settings accounts_file / accounts); keep one")
    level = _given("LOG_LEVEL")
    if level is not None and level.strip().lower() not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL={level!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    problems += slots.problems()
    return problems


def bigquery_problems() -> list[str]:
    problems = []
    key_file, key_json = _given("SERVICE_ACCOUNT_KEY_FILE"), _given("SERVICE_ACCOUNT_KEY_JSON")
    key: dict | None = None
    if key_file and key_json:
        problems.append("SERVICE_ACCOUNT_KEY_FILE and SERVICE_ACCOUNT_KEY_JSON are both set (target-bigquery "
                        "credentials_path / credentials_json, dbt-bigquery keyfile / keyfile_json); keep one")
    elif key_file:
        path = Path(key_file).expanduser()
        if not path.is_file():
            problems.append(f"SERVICE_ACCOUNT_KEY_FILE={key_file} (target-bigquery credentials_path): no such file")
        else:
            try:
                key = json.loads(path.read_text(encoding="utf-8"))
            except OSError as exc:
                problems.append(f"SERVICE_ACCOUNT_KEY_FILE={key_file} (target-bigquery credentials_path): "
                                f"cannot be read ({exc.strerror})")
            except ValueError:
                problems.append(f"SERVICE_ACCOUNT_KEY_FILE={key_file} (target-bigquery credentials_path): not JSON")
    elif key_json:
        try:
            key = json.loads(key_json.strip().strip("'"))
        except ValueError:
            problems.append("SERVICE_ACCOUNT_KEY_JSON (target-bigquery credentials_json) is not valid JSON")
    else:
        problems.append("no BigQuery key: set SERVICE_ACCOUNT_KEY_FILE (a service account key file) or "
                        "SERVICE_ACCOUNT_KEY_JSON (the key as one line of JSON)")
    variable = "SERVICE_ACCOUNT_KEY_FILE" if key_file else "SERVICE_ACCOUNT_KEY_JSON"
    if key is not None and (not isinstance(key, dict) or key.get("type") != "service_account"
                            or not key.get("client_email") or not key.get("private_key")):
        problems.append(f"{variable} is not a service account key "
                        "(needs type service_account, client_email, private_key)")
        key = None
    project = _given("BQ_PROJECT_ID")
    key_project = key.get("project_id") if key else None
    if not project:
        hint = f" (the key's project is {key_project}: set BQ_PROJECT_ID={key_project})" if key_project else ""
        problems.append(f"BQ_PROJECT_ID (target-bigquery project, dbt-bigquery project) is not set{hint}")
    elif project.strip().lower() in PLACEHOLDER_PROJECTS:
        problems.append(f"BQ_PROJECT_ID={project} (target-bigquery project) is the example value: "
                        "set your Google Cloud project")
    return problems


def problems(environment: str, job: str | None = None) -> list[str]:
    known = environments()
    if environment not in known:
        return [f"environment {environment!r} (--environment / MELTANO_ENVIRONMENT) does not exist: "
                f"choose one of {', '.join(known)}"]
    found: list[str] = []
    if job is not None and job not in jobs():
        return [f"job {job!r} does not exist: choose one of {', '.join(jobs())}"]
    plugin_names = plugins_of_job(job) if job else list(_plugins())
    found += setting_problems(plugin_names)
    found += legacy_problems()
    if job and any(p in ("target-bigquery", "dbt-bigquery") for p in plugin_names):
        found += bigquery_problems()
    return found


def orchestrator_settings(environment: str) -> list[str]:
    """The orchestrator's own effective values (the plugins': ``meltano config print``)."""
    from orchestrate import run_logs, slots  # noqa: PLC0415 (run_logs imports nothing of ours)
    from orchestrate.run_job import log_level  # noqa: PLC0415 (run_job imports this module)

    chosen = slots.schedules_for(environment, slots.all_schedules(environment), None)
    lines = [f"environment: {environment}", f"log level: {log_level()} (LOG_LEVEL)",
             f"run logs: {run_logs.runs_dir()} (CALLIO_LOG_DIR), kept {run_logs.retention_days()} days "
             "(CALLIO_LOG_RETENTION_DAYS)"]
    lines += [f"slot {s.name}: {s.cron} UTC, job {s.job}" for s in chosen]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.preflight", description=__doc__.split("\n\n")[0])
    parser.add_argument("job", nargs="?", help="job to check for (default: every plugin's settings)")
    parser.add_argument("--environment", default=None, help="default: MELTANO_ENVIRONMENT, else dev")
    parser.add_argument("--show", action="store_true", help="also print the orchestrator's effective settings and slots")
    args = parser.parse_args(argv)
    environment = args.environment or setting("MELTANO_ENVIRONMENT") or "dev"
    found = problems(environment, args.job)
    for problem in found:
        print(f"configuration error: {problem}", file=sys.stderr)
    if found:
        return 2
    if args.show:
        print("\n".join(orchestrator_settings(environment)))
    print(f"configuration ok: environment {environment}" + (f", job {args.job}" if args.job else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
