"""Which Google Cloud project the BigQuery jobs write to, decided once for every part.

The old script wrote to its service account key's ``project_id`` and used ``BQ_PROJECT_ID``
only when the key had none; its template sets ``BQ_PROJECT_ID=rio-system-migration``. An
unchanged old ``.env`` must keep writing where the old script wrote, so the same rule holds
here, and another project is used only when it is named explicitly: ``CALLIO_BQ_PROJECT``
(or Meltano's own ``TARGET_BIGQUERY_PROJECT`` / ``DBT_BIGQUERY_PROJECT``).

The job runner hands the chosen project to every Meltano command of a BigQuery job as
``BQ_PROJECT_ID`` (the variable target-bigquery, dbt-bigquery and the report read), so the
loader, the bookmark check, dbt and the report cannot disagree.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from orchestrate import project_files
from orchestrate.project_env import setting

EXPLICIT = ("CALLIO_BQ_PROJECT", "TARGET_BIGQUERY_PROJECT", "DBT_BIGQUERY_PROJECT")
PLACEHOLDER_PROJECTS = {"my-gcp-project", "callio-project", "your-project-id", "change-me"}


@dataclass
class Key:
    """The service account key as configured (never its secret parts in a message)."""

    variable: str | None = None  # SERVICE_ACCOUNT_KEY_FILE or SERVICE_ACCOUNT_KEY_JSON
    info: dict | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def project(self) -> str | None:
        return (self.info or {}).get("project_id") or None


def service_account_key() -> Key:
    key_file, key_json = setting("SERVICE_ACCOUNT_KEY_FILE"), setting("SERVICE_ACCOUNT_KEY_JSON")
    if key_file and key_json:
        return Key(problems=["SERVICE_ACCOUNT_KEY_FILE and SERVICE_ACCOUNT_KEY_JSON are both set (target-bigquery "
                             "credentials_path / credentials_json, dbt-bigquery keyfile / keyfile_json); keep one"])
    if not key_file and not key_json:
        return Key(problems=["no BigQuery key: set SERVICE_ACCOUNT_KEY_FILE (a service account key file) or "
                             "SERVICE_ACCOUNT_KEY_JSON (the key as one line of JSON)"])
    if key_file:
        path, where = Path(key_file).expanduser(), f"SERVICE_ACCOUNT_KEY_FILE={key_file} (target-bigquery credentials_path)"
        if not path.is_file():
            return Key("SERVICE_ACCOUNT_KEY_FILE", problems=[f"{where}: no such file"])
        try:
            info = json.loads(path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            return Key("SERVICE_ACCOUNT_KEY_FILE", problems=[f"{where}: cannot be read ({exc.strerror})"])
        except ValueError:
            return Key("SERVICE_ACCOUNT_KEY_FILE", problems=[f"{where}: not JSON"])
        variable = "SERVICE_ACCOUNT_KEY_FILE"
    else:
        try:
            info = json.loads(str(key_json).strip().strip("'"))
        except ValueError:
            return Key("SERVICE_ACCOUNT_KEY_JSON",
                       problems=["SERVICE_ACCOUNT_KEY_JSON (target-bigquery credentials_json) is not valid JSON"])
        variable = "SERVICE_ACCOUNT_KEY_JSON"
    if not isinstance(info, dict) or info.get("type") != "service_account" or not info.get("client_email") \
            or not info.get("private_key"):
        return Key(variable, problems=[f"{variable} is not a service account key "
                                       "(needs type service_account, client_email, private_key)"])
    return Key(variable, info)


@dataclass
class Choice:
    project: str | None
    note: str  # one line for the preflight and the run log: the project and why
    problems: list[str]


def choose() -> Choice:
    key = service_account_key()
    problems = list(key.problems)
    explicit = {name: value for name in EXPLICIT if (value := setting(name))}
    legacy = setting("BQ_PROJECT_ID")
    if len(set(explicit.values())) > 1:
        named = ", ".join(f"{name}={value}" for name, value in explicit.items())
        return Choice(None, "", [*problems, f"{named}: these name different BigQuery projects; keep one"])
    if explicit:
        name, project = next(iter(explicit.items()))
        where = f" (the key belongs to {key.project})" if key.project and key.project != project else ""
        return Choice(project, f"BigQuery project: {project}, named by {name}{where}", problems)
    if key.project:
        note = f"BigQuery project: {key.project}, the service account key's project_id (as the old script chose)"
        if legacy and legacy != key.project:
            note += (f"; BQ_PROJECT_ID={legacy} is not used, as the old script did not use it: to write to "
                     f"{legacy} instead, set CALLIO_BQ_PROJECT={legacy}")
        return Choice(key.project, note, problems)
    if not legacy:
        problems.append("BQ_PROJECT_ID (target-bigquery project, dbt-bigquery project) is not set and the key "
                        "names no project_id: set BQ_PROJECT_ID or CALLIO_BQ_PROJECT")
        return Choice(None, "", problems)
    if legacy.strip().lower() in PLACEHOLDER_PROJECTS:
        problems.append(f"BQ_PROJECT_ID={legacy} (target-bigquery project) is the example value: "
                        "set your Google Cloud project")
    return Choice(legacy, f"BigQuery project: {legacy}, from BQ_PROJECT_ID (the key names no project_id)", problems)


def task_environment() -> dict[str, str]:
    """What every Meltano command of a BigQuery job gets, so that each part writes to the chosen
    project (an empty mapping when no project could be chosen: the preflight refused the job)."""
    chosen = choose()
    return {"BQ_PROJECT_ID": chosen.project} if chosen.project else {}


def datasets(environment: str = "prod") -> list[str]:
    """The four datasets the BigQuery jobs write, from their settings: the raw tables, the final
    tables and dbt's two schemas of building blocks beside them."""
    raw = project_files.configured(environment, "target-bigquery", "dataset").value
    final = project_files.configured(environment, "dbt-bigquery", "dataset").value
    return [str(raw), str(final), f"{final}_staging", f"{final}_intermediate"]


def main(argv: list[str] | None = None) -> int:
    import argparse  # noqa: PLC0415
    import shlex  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m orchestrate.bigquery_project",
                                     description="The BigQuery project the jobs write to, and the `bq mk` "
                                                 "commands of their datasets (pipe to bash to run them).")
    parser.add_argument("--environment", default="prod")
    args = parser.parse_args(argv)
    chosen = choose()
    for problem in chosen.problems:
        print(f"configuration error: {problem}", file=sys.stderr)
    if chosen.project is None:
        return 2
    print(f"# {chosen.note}")
    location = project_files.configured(args.environment, "target-bigquery", "location").value
    for dataset in datasets(args.environment):
        print(f"bq --location={shlex.quote(str(location))} mk --dataset {shlex.quote(f'{chosen.project}:{dataset}')}")
    print("# then grant the service account BigQuery Data Editor on these datasets and BigQuery Job User "
          "on the project")
    return 0


if __name__ == "__main__":
    sys.exit(main())
