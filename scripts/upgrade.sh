#!/usr/bin/env bash
# Upgrade an installed server to the newest release of its git branch, without a run in between:
#
#   bash scripts/upgrade.sh                    # prod (BigQuery)
#   bash scripts/upgrade.sh --environment=dev  # dev (DuckDB)
#
# 1. stop: the systemd unit callio-elt if it is running (started again at the end); cron and Task
#    Scheduler runs need nothing, step 2 keeps them out;
# 2. hold the run lock (the job runner's): a running job is waited for, a cron slot that fires
#    meanwhile is skipped (--no-wait), the daemon's next slot waits;
# 3. git pull --ff-only (refuses local changes and a history that is not a fast-forward);
# 4. bash scripts/install.sh: the pinned packages and plugins of the new release, the preflight;
# 5. the schema changes of the release (transform/schema_changes.yml) that this warehouse has not
#    had: listed here, applied by the next job by itself (a rebuild of the models named, once);
# 6. start the unit again; print what the release changed (CHANGELOG.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

environment=prod
for arg in "$@"; do
  case "$arg" in
    --environment=*) environment="${arg#--environment=}" ;;
    *) echo "usage: bash scripts/upgrade.sh [--environment=prod|dev]" >&2; exit 2 ;;
  esac
done
say() { printf '==> %s\n' "$*" >&2; }

[ -d .git ] || { echo "upgrade: $(pwd) is not a git clone: install the new release next to it instead (README \"Upgrading\")" >&2; exit 2; }
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "upgrade: files of the release were changed here (git status): commit or undo them first; .env and logs are not affected" >&2
  exit 2
fi
before="$(cat VERSION 2>/dev/null || echo unknown)"

unit=callio-elt
restart=false
if command -v systemctl > /dev/null && systemctl is-active --quiet "$unit" 2> /dev/null; then
  say "stopping $unit (it finishes or stops the running task first)"
  systemctl stop "$unit"
  restart=true
fi

lock="${CALLIO_RUN_LOCK:-.meltano/run/callio-run.lock}"
mkdir -p "$(dirname "$lock")"
say "waiting for the run lock ($lock): no job runs during the upgrade"
status=0
flock --wait "${CALLIO_UPGRADE_LOCK_WAIT:-7200}" "$lock" bash -c '
  set -euo pipefail
  git pull --ff-only
  bash scripts/install.sh --environment="$1"
  .venv/bin/python -m orchestrate.schema_changes --environment="$1"
' upgrade "$environment" || status=$?

if $restart; then
  say "starting $unit again"
  systemctl start "$unit"
fi
[ "$status" = 0 ] || { echo "upgrade: stopped (exit $status); the previous release's files may be partly updated: run it again" >&2; exit "$status"; }
after="$(cat VERSION)"
say "release $before -> $after; what changed: CHANGELOG.md"
awk -v v="$after" '$0 ~ "^## " v {show=1; print; next} /^## / {show=0} show' CHANGELOG.md
