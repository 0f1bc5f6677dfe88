"""Repair a tenant label that mixed two tenants' data (README "Repairing a tenant's data").

    python -m orchestrate.tenant_repair list [--environment=prod]            # every label in the raw tables
    python -m orchestrate.tenant_repair remove --tenant 'PK ' [--environment=prod]

Before 0.2.0 two accounts whose labels look the same (``PK`` and ``PK `` with another
company's login) were both accepted: the raw tables kept the labels as given, but the final
tables trim them, so the second company's rows landed under ``PK`` and stayed there after the
label was fixed. ``list`` shows every label exactly as loaded (quoted, so a space or a decomposed
letter shows) and marks the ones the preflight now refuses. ``remove`` deletes the raw rows of
that exact label (the other labels' rows stay), forgets its bookmarks and rebuilds the final
tables from what is left (``dbt build --full-refresh``), all under the run lock. Give the
account its right label; the next job reads it as a new tenant (from ``start_date`` /
``days_to_fetch_if_empty``; ``orchestrate.state backfill`` to go further back).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys

from orchestrate import bigquery_project, state, tap_rules, warehouse
from orchestrate.meltano_cli import PROJECT_ROOT, meltano_command
from orchestrate.preflight import chosen_environment
from orchestrate.run_lock import Busy, exclusive_run


def listing(environment: str) -> list[str]:
    rules = tap_rules.rules()
    counts = warehouse.connect(environment).raw_tenants()
    keys: dict[str, list[str]] = {}
    for label in counts:
        keys.setdefault(rules.label_key(label), []).append(label)
    lines = []
    for label, rows in sorted(counts.items()):
        notes = [problem] if (problem := rules.label_problem(label)) else []
        twins = [other for other in keys[rules.label_key(label)] if other != label]
        if twins:
            notes.append(f"the same tenant as {', '.join(shlex.quote(t) for t in twins)} once trimmed and normalised")
        lines.append(f"{shlex.quote(label):<24} {rows:>9} raw rows" + (f"  <- {'; '.join(notes)}" if notes else ""))
    return lines


def remove(environment: str, label: str) -> list[str]:
    done = [f"{shlex.quote(label)}: {warehouse.connect(environment).delete_raw_tenant(label)} raw rows deleted"]
    done += state.reset(environment, None, label) or [f"{shlex.quote(label)}: no bookmarks"]
    dbt_plugin = "dbt-bigquery" if environment == "prod" else "dbt-duckdb"
    environ = {**os.environ, **(bigquery_project.task_environment() if dbt_plugin == "dbt-bigquery" else {})}
    rebuilt = subprocess.run(meltano_command(environment, "invoke", f"{dbt_plugin}:full-refresh"), cwd=PROJECT_ROOT,
                             env=environ, capture_output=True, text=True, check=False)
    if rebuilt.returncode != 0:
        last = (rebuilt.stdout.strip().splitlines() or ["(no output)"])[-1]
        raise state.StateError(f"the final tables could not be rebuilt ({last}): run meltano --environment="
                               f"{environment} invoke {dbt_plugin}:full-refresh")
    done.append("final tables rebuilt from the raw rows left (dbt build --full-refresh)")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.tenant_repair", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", default=None, help="default: MELTANO_ENVIRONMENT, else dev")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every tenant label in the raw tables, exactly as loaded")
    removing = commands.add_parser("remove", help="delete one exact label's raw rows and bookmarks, rebuild")
    removing.add_argument("--tenant", required=True, help="the label exactly as `list` shows it (quoted)")
    args = parser.parse_args(argv)
    environment = chosen_environment(args.environment)
    if environment is None:
        return 2
    if args.command == "list":
        print("\n".join(listing(environment)) or "no tenant in the raw tables")
        return 0
    try:
        with exclusive_run(wait=False):
            done = remove(environment, args.tenant)
    except Busy:
        print("a job run is going (run lock held): try again when it has finished", file=sys.stderr)
        return 1
    except state.StateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
