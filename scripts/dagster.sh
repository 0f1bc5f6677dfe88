#!/usr/bin/env bash
# Dagster as the engine (orchestrate_dagster/README.md): the UI and the daemon for a person, one
# tenant's partition headless, the definitions checked. Builds .venv-dagster (pinned, apart from
# the project's .venv) when it is missing or its pins changed; the project's .venv and Meltano's
# plugins come from install.sh, demo.sh or test.sh.
#
#   bash scripts/dagster.sh [--environment=E]                         UI on http://127.0.0.1:3000 + daemon
#   bash scripts/dagster.sh [--environment=E] ui --host 0.0.0.0 --port 3000
#   bash scripts/dagster.sh [--environment=E] daemon                  the daemon alone (a service)
#   bash scripts/dagster.sh [--environment=E] materialize TENANT [JOB]   one tenant's partition, headless
#   bash scripts/dagster.sh [--environment=E] validate                dagster definitions validate
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$repo"
if [ ! -x "$venv/bin/meltano" ]; then
  echo "the project is not installed: run bash scripts/install.sh (or demo.sh) first" >&2
  exit 2
fi
setup_dagster_venv
exec "$repo/.venv-dagster/bin/python" -m orchestrate_dagster "$@"
