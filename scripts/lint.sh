#!/usr/bin/env bash
# Lint the whole repository, the same way scripts/test.sh does:
#   ruff      every Python file (the one configuration: [tool.ruff] in pyproject.toml)
#   sqlfluff  the dbt models (transform/.sqlfluff: dbt templater, DuckDB dialect)
# Builds .venv-lint from requirements-lint.txt when it is missing or the pins changed.
#
#   bash scripts/lint.sh          # report every violation; exit 1 if there is any
#   bash scripts/lint.sh --fix    # apply the tools' safe fixes first, then report what is left
#   bash scripts/lint.sh --setup-only
#
# After merging branches, run it and fix what it reports: ruff's import order and pyupgrade
# rules fix themselves with --fix; long lines and the rest need a hand.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$repo"
fix=false
[ "${1:-}" = "--fix" ] && fix=true

lint_venv="$repo/.venv-lint"
if [ ! -x "$lint_venv/bin/sqlfluff" ] || ! stamp_ok lint "$repo/requirements-lint.txt"; then
  say "preparing .venv-lint"
  setup_project_venv "$repo/requirements-test.txt"  # brings uv
  [ -x "$lint_venv/bin/python" ] || "$venv/bin/uv" venv -q --python "$python" "$lint_venv" || exit 1
  "$venv/bin/uv" pip install -q --python "$lint_venv/bin/python" -r "$repo/requirements-lint.txt" || exit 1
  stamp_set lint "$repo/requirements-lint.txt"
fi

[ "${1:-}" = "--setup-only" ] && exit 0

passed=0; failed=0
check() {  # check NAME COMMAND... : run one linter, count it
  say "lint: $1"
  if "${@:2}"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "lint: $1 FAILED" >&2; fi
}

if $fix; then
  "$lint_venv/bin/ruff" check --fix --quiet "$repo" || true
fi
check ruff "$lint_venv/bin/ruff" check "$repo"

# The dbt templater compiles the models against a throw-away DuckDB file (the raw tables need
# not exist: the models read missing ones as empty); dbt's artefacts stay out of transform/.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
sqlfluff_lint() {
  (cd "$repo/transform" && \
    CALLIO_DUCKDB_PATH="$scratch/lint.duckdb" CALLIO_RAW_SCHEMA=raw DBT_TARGET=duckdb \
    DBT_TARGET_PATH="$scratch/target" DBT_LOG_PATH="$scratch/logs" DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    "$lint_venv/bin/sqlfluff" "$@" models)
}
if $fix; then
  sqlfluff_lint fix --quiet > /dev/null || true
fi
check sqlfluff sqlfluff_lint lint --nocolor

# Closing line in the words scripts/test.sh sums up.
echo "lint: $passed passed, $failed failed"
[ "$failed" = 0 ]
