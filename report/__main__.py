"""Write the HTML report of the report tenants (fact_staff_daily_PK and fact_calls_hourly: the
last 30 days against the 30 before) to one file, in Vietnamese or English (--lang).

    python -m report                                   # DuckDB file CALLIO_DUCKDB_PATH (default output/callio.duckdb)
    python -m report --duckdb output/demo.duckdb
    python -m report --bigquery                        # BQ_PROJECT_ID, BQ_DATASET_ID, ... as dbt's profile
    python -m report --environment=prod --meltano-plugin=dbt-bigquery   # where that dbt plugin writes

The page (default output/report.html, or CALLIO_REPORT_PATH) needs no network to open.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from orchestrate import freshness
from orchestrate.project_files import business_time_zone
from report.labels import LANGUAGE_VARIABLE, Words, language
from report.page import render
from report.warehouse import PROJECT_ROOT, BigQueryWarehouse, DuckDBWarehouse

log = logging.getLogger("report")
DEFAULT_DAYS = 30


def default_output() -> Path:
    return Path(os.environ.get("CALLIO_REPORT_PATH") or PROJECT_ROOT / "output" / "report.html")


def dbt_plugin_settings(environment: str, plugin: str) -> dict:
    """The effective configuration of a Meltano dbt plugin in one environment (.env, shell and
    environment overrides applied), so the report reads exactly the warehouse dbt just built."""
    from orchestrate.meltano_cli import meltano_command  # the runner's own: same .env (CALLIO_ENV_FILE)

    completed = subprocess.run(meltano_command(environment, "config", "--unsafe", "print", plugin, "--format=json"),
                               cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        # Meltano's own message names the plugin or the environment; the settings never appear.
        raise RuntimeError(f"meltano config print {plugin} failed: {completed.stderr.strip().splitlines()[-1:]}")
    return json.loads(completed.stdout)


def warehouse_from(args: argparse.Namespace):
    if args.meltano_plugin == "dbt-duckdb" and os.environ.get("CALLIO_DUCKDB_PATH"):
        # The variable of dbt-duckdb's `path` setting, set in the shell: it wins over every other
        # source in Meltano too, so the answer is known without starting Meltano (seconds saved).
        return DuckDBWarehouse(os.environ["CALLIO_DUCKDB_PATH"])
    if args.meltano_plugin:
        settings = dbt_plugin_settings(args.environment, args.meltano_plugin)
        if "bigquery" in args.meltano_plugin:
            return BigQueryWarehouse.from_dbt_settings(settings)
        return DuckDBWarehouse(settings["path"])
    if args.bigquery:
        return BigQueryWarehouse.from_env()
    return DuckDBWarehouse(args.duckdb or os.environ.get("CALLIO_DUCKDB_PATH") or str(PROJECT_ROOT / "output" / "callio.duckdb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m report", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--duckdb", metavar="FILE", help="DuckDB file (default: CALLIO_DUCKDB_PATH or output/callio.duckdb)")
    source.add_argument("--bigquery", action="store_true", help="BigQuery, from the BQ_* variables of transform/profiles.yml")
    source.add_argument("--meltano-plugin", metavar="PLUGIN",
                        help="read where this Meltano dbt plugin (dbt-duckdb, dbt-bigquery) writes in --environment")
    parser.add_argument("--environment", default=os.environ.get("MELTANO_ENVIRONMENT", "dev"),
                        help="Meltano environment for --meltano-plugin (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=None, help="HTML file (default: CALLIO_REPORT_PATH or output/report.html)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="local days shown, ending at the latest day with data (default: %(default)s)")
    parser.add_argument("--tenant", action="append", help="a tenant to show (repeat for several; default: every tenant of the table)")
    parser.add_argument("--lang", help=f"labels and formats: vi or en (default: {LANGUAGE_VARIABLE}, else vi)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s report: %(message)s", stream=sys.stderr)
    if args.days < 1:
        parser.error("--days must be at least 1")
    try:
        words = Words(language(args.lang))
    except ValueError as error:
        parser.error(str(error))
    output = args.output or default_output()
    try:
        data = warehouse_from(args).read(args.tenant, args.days)
    except Exception as error:  # noqa: BLE001 - one clear line for the operator, no stack trace
        log.error("cannot read the report table: %s: %s", type(error).__name__, error)
        return 1
    zone = business_time_zone()
    output.parent.mkdir(parents=True, exist_ok=True)
    stale_after = freshness.page_limit_hours(args.environment)
    output.write_text(render(data, zone, dt.datetime.now(dt.UTC), args.days, words, stale_after), encoding="utf-8")
    if data.rows and data.hourly is None:
        log.warning("%s has no table fact_calls_hourly yet: the page leaves the call-centre figures out until "
                    "the next dbt run builds it", data.source)
    if data.rows:
        log.info("wrote %s: tenant %s, %s to %s, %d rows, last successful load %s", output, ", ".join(data.tenants),
                 data.first_day, data.last_day, len(data.rows), data.last_load)
    else:
        log.warning("wrote %s without charts: fact_staff_daily_PK has no rows for %s", output,
                    ", ".join(data.tenants) or "any tenant")
    return 0


if __name__ == "__main__":
    sys.exit(main())
