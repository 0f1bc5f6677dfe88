#!/usr/bin/env bash
# The whole pipeline on your machine, no Callio account needed:
#   bundled simulator (3 tenants) -> tap-callio -> target-duckdb -> dbt -> output/demo.duckdb
# and prints the report table fact_staff_daily_PK (the HTML report: output/report.html). Safe to run again: each run starts from a
# fresh demo database and fresh demo bookmarks (your dev/prod state is not touched).
#
#   bash scripts/demo.sh
#
# Volumes: DEMO_CUSTOMERS (default 1000) and DEMO_CALLS (default 5000) per tenant.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$repo"

setup_project_venv "$repo/requirements-demo.txt"
meltano_install
meltano=("$venv/bin/meltano" --environment=demo)

# a fresh demo every time: its database and its bookmarks (other environments are untouched)
rm -f output/demo.duckdb output/demo.duckdb.wal
for state_id in $("${meltano[@]}" state list --pattern 'demo:*' 2>/dev/null); do
  "${meltano[@]}" state clear --force "$state_id" >/dev/null 2>&1
done

trap stop_simulator EXIT
start_simulator "$repo/output/demo-accounts.json" --seed 42 --tenants PK,HN,SG \
  --customers "${DEMO_CUSTOMERS:-1000}" --calls "${DEMO_CALLS:-5000}"

# The demo environment reads the simulator's address from CALLIO_API_URL and its logins from
# output/demo-accounts.json (see meltano/environments.meltano.yml). Values from your .env must
# not leak in: real accounts would be sent to the simulator, another database written.
export CALLIO_API_URL="$SIM_URL"
export CALLIO_ACCOUNTS_JSON='[]' CALLIO_ACCOUNTS_FILE="$repo/output/demo-accounts.json"
export CALLIO_DUCKDB_PATH="$repo/output/demo.duckdb" CALLIO_RAW_SCHEMA=raw
say "running job callio-all on the demo environment, from a fresh demo database and bookmarks (extract -> load -> dbt build)"
status=0
"$venv/bin/python" -m orchestrate.run_job --environment=demo callio-all || status=$?
stop_simulator

say "result (the latest day; scripts/show_report.py --help for more days, tenants, columns)"
"$venv/bin/python" scripts/show_report.py output/demo.duckdb --days 1
say "call-centre figures: the last 30 days against the 30 before, the latest day per team, the busy hours"
"$venv/bin/python" scripts/show_report.py output/demo.duckdb --kpi --days 1
[ -f output/report.html ] && say "charts of the last 30 days: output/report.html (opens in any browser, offline)"
exit "$status"
