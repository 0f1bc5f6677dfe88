#!/usr/bin/env bash
# Install the pipeline on a Linux server for real use: the project's .venv (no simulator, no
# demo data) and only the Meltano plugins the environment's jobs use, private run folders,
# then the preflight of the configuration. Idempotent: run it again after an update.
#
#   bash scripts/install.sh                    # prod: BigQuery (tap-callio, target-bigquery, dbt-bigquery)
#   bash scripts/install.sh --environment=dev  # dev: DuckDB (tap-callio, target-duckdb, dbt-duckdb)
#   bash scripts/install.sh --service-user=callio   # (root) also the systemd unit's user and its folders
#   bash scripts/install.sh --dagster          # also .venv-dagster: Dagster as the engine (scripts/dagster.sh)
#
# Exit 0: ready to schedule (python -m orchestrate.crontab / orchestrate.daemon, see README).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$repo"

environment=prod
service_user=""
dagster=false
for arg in "$@"; do
  case "$arg" in
    --environment=*) environment="${arg#--environment=}" ;;
    --service-user=*) service_user="${arg#--service-user=}" ;;
    --dagster) dagster=true ;;
    *) echo "usage: bash scripts/install.sh [--environment=prod|dev] [--service-user=NAME] [--dagster]" >&2; exit 2 ;;
  esac
done
case "$environment" in
  prod) plugins=(tap-callio target-bigquery dbt-bigquery) ;;
  dev) plugins=(tap-callio target-duckdb dbt-duckdb) ;;
  *) echo "configuration error: --environment=$environment: choose prod or dev" >&2; exit 2 ;;
esac

setup_project_venv "$repo/requirements.txt"
if $dagster; then
  setup_dagster_venv  # Dagster's own venv (orchestrate_dagster/README.md); Meltano stays in .venv
fi
say "meltano install ${plugins[*]}"
# compiled at install, as in setup.sh's meltano_install: scheduled runs start from bytecode
UV_COMPILE_BYTECODE=1 "$venv/bin/meltano" install "${plugins[@]}"
mkdir -p .meltano logs && chmod 700 .meltano logs
if [ ! -f .env ]; then
  cp .env.example .env && chmod 600 .env
  say "created .env from .env.example: fill it in, then run this script again"
  exit 1
fi
say "preflight ($environment)"
"$venv/bin/python" -m orchestrate.preflight --environment="$environment"
if [ -n "$service_user" ]; then
  # the user systemd runs the daemon as (README "Installing on a server"): created if missing,
  # given the folders a run writes, then checked as that user
  "$venv/bin/python" -m orchestrate.service_user --user "$service_user" --environment="$environment" --create
fi
if $dagster; then
  say "ready: start Dagster with  bash scripts/dagster.sh --environment=$environment  (README \"Running on more than one machine\")"
else
  say "ready: schedule it with  $venv/bin/python -m orchestrate.crontab --environment=$environment  (or the daemon; README \"Jobs and scheduling\")"
fi
