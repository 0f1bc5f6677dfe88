"""A release's changes to the final tables, applied by themselves once per warehouse.

``transform/schema_changes.yml`` lists the changes an incremental build cannot apply to existing
rows (a new column stays NULL in them). Each warehouse records the changes it has had in the
table ``callio_schema_changes`` beside its raw tables. Before a job's first task the job runner
asks which listed changes the warehouse lacks and rebuilds their models, and what is built on
them, with ``dbt build --full-refresh --select <model>+`` through Meltano; then it records them.

- a new warehouse (no final tables yet) records every change at once: its first build creates
  every column;
- a warehouse built before this record existed (final tables, no record) gets every change once;
- a rebuild that fails is not recorded: the job fails with one line saying what to run, and the
  next job tries again.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from orchestrate import warehouse
from orchestrate.project_env import PROJECT_ROOT

CHANGES_FILE = PROJECT_ROOT / "transform" / "schema_changes.yml"


@dataclass(frozen=True)
class Change:
    id: str
    version: str
    models: tuple[str, ...]
    columns: tuple[str, ...]  # the columns it added to the first model (tests drop them to fake an old warehouse)
    why: str


def declared() -> list[Change]:
    entries = (yaml.safe_load(CHANGES_FILE.read_text(encoding="utf-8")) or {}).get("changes") or []
    return [Change(str(e["id"]), str(e["version"]), tuple(e["full_refresh"]), tuple(e.get("columns") or ()),
                   str(e["why"])) for e in entries]


@dataclass
class Plan:
    pending: list[Change]  # to rebuild, then record
    record_only: list[Change]  # a new warehouse: record without rebuilding


def plan(recorded: set[str] | None, built: bool, changes: list[Change]) -> Plan:
    if not built:
        return Plan([], [c for c in changes if recorded is None or c.id not in recorded])
    done = recorded or set()
    return Plan([c for c in changes if c.id not in done], [])


def full_refresh_command(dbt_plugin: str, changes: list[Change]) -> list[str]:
    """The arguments of ``meltano invoke`` that rebuild the changes' models and their dependants."""
    selectors = [f"{model}+" for change in changes for model in change.models]
    return [dbt_plugin, "build", "--full-refresh", "--exclude-resource-type", "unit_test",
            "--select", *dict.fromkeys(selectors)]


def main(argv: list[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    from orchestrate.preflight import chosen_environment  # noqa: PLC0415 (preflight imports much more)

    parser = argparse.ArgumentParser(prog="python -m orchestrate.schema_changes",
                                     description="List the schema changes this warehouse has not had yet.")
    parser.add_argument("--environment", default=None, help="default: MELTANO_ENVIRONMENT, else dev")
    args = parser.parse_args(argv)
    environment = chosen_environment(args.environment)
    if environment is None:
        return 2
    planned = plan(*warehouse.connect(environment).schema_changes(), declared())
    if not planned.pending:
        print(f"schema changes: none pending for environment {environment}")
        return 0
    for change in planned.pending:
        print(f"schema change {change.id} (release {change.version}, {change.why}): the next job rebuilds "
              f"{', '.join(change.models)} and what is built on them, once")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
