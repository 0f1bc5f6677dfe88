#!/usr/bin/env bash
# Every test of the repository, each part in the environment it ships with:
#   callio-sim/tests       simulator                 (.venv)
#   tap-callio/tests       tap, SDK standard suite   (.venv-tap)
#   load-guard/tests       the STATE-holding wrapper (.venv-guard)
#   duckdb-loader/tests    the DuckDB loader, with the Singer SDK's target test streams (.venv-guard)
#   tests/                 project: meltano end to end, orchestrate, oracle  (.venv); the DuckDB
#                          loader's migration test (target-duckdb 0.8.0, then the new loader) apart
#   tests/bigquery         BigQuery emulator path    (bigquery/.venv-loader, when present)
#   transform              transform/scripts/check.sh --ci: full refresh == incremental, the
#                          report window, the offline BigQuery compile (Meltano's plugin venvs)
#   lint                   scripts/lint.sh: ruff (every Python file) and sqlfluff (dbt models)
#   tests/singer           the tap with third-party Singer tools: target-jsonl, singer-check-tap,
#                          meltanolabs-target-postgres on a private PostgreSQL  (.venv-tap)
#   tests/multi            two copies of the project sharing one PostgreSQL system database  (.venv)
#   orchestrate_dagster/tests  the Dagster code location's own logic  (.venv-dagster)
#   tests/dagster_engine   Dagster as the engine through scripts/dagster.sh: validation, one tenant's
#                          partition in process, a bounded dagster-daemon run  (.venv, PostgreSQL)
# The dbt models, their data tests and unit tests run inside the end-to-end tests (dbt build).
# Exits non-zero if any suite failed; a summary is printed last.
#
#   bash scripts/test.sh                # set up, then run every suite
#   bash scripts/test.sh --setup-only   # set up every environment, run nothing
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$repo"
set -e
started=$SECONDS
setup_only=false; [ "${1:-}" = "--setup-only" ] && setup_only=true
# Each suite writes to output/test-logs/<suite>.log, printed in full when it ends.
logs="$repo/output/test-logs"
rm -rf "$logs"; mkdir -p "$logs"
suite() {  # suite NAME DIR PYTHON [pytest args...]
  local name="$1" dir="$2" py="$3"; shift 3
  local began=$SECONDS code=0
  # `|| code=$?`: under set -e a failed suite would otherwise end its lane, and the suites after
  # it in that lane would never run
  # `times` in the subshell: the CPU its processes used (user, system), to balance the lanes by
  (cd "$dir" && "$py" -m pytest -q -p no:cacheprovider --durations="${TEST_DURATIONS:-5}" "$@"; c=$?
   times > "$logs/$name.cpu"; exit $c) > "$logs/$name.log" 2>&1 || code=$?
  echo "$code" > "$logs/$name.code"
  { say "tests: $name ($(( SECONDS - began ))s, cpu $(tail -1 "$logs/$name.cpu" 2>/dev/null), exit $code)"; cat "$logs/$name.log"; } >&2
}
step() {  # step NAME COMMAND... : a check that is not a pytest suite; its log ends "N passed, M failed"
  local name="$1"; shift
  local began=$SECONDS code=0
  ("$@"; c=$?; times > "$logs/$name.cpu"; exit $c) > "$logs/$name.log" 2>&1 || code=$?
  echo "$code" > "$logs/$name.code"
  { say "checks: $name ($(( SECONDS - began ))s, cpu $(tail -1 "$logs/$name.cpu" 2>/dev/null), exit $code)"; cat "$logs/$name.log"; } >&2
}
trap 'kill $(jobs -p) 2> /dev/null || true' EXIT  # a failed set-up leaves no suite running
setup_done="$logs/.setup-done"  # written once every environment is ready

setup_project_venv "$repo/requirements-test.txt"
# Side environments for parts whose pins clash with the project's (requests, duckdb, ...).
# uv (pinned in requirements.txt) builds them in seconds.
side_venv() {  # side_venv DIR PART[extra]... : each part (a folder of this repository), editable
  local dir="$1"; shift
  local name; name="$(basename "$dir")"
  local manifests=() args=()
  for part in "$@"; do manifests+=("$repo/${part%%[*}/pyproject.toml"); args+=(-e "$repo/$part"); done
  if [ ! -x "$dir/bin/python" ] || ! stamp_ok "$name" "${manifests[@]}"; then
    say "preparing $name"
    [ -x "$dir/bin/python" ] || "$venv/bin/uv" venv -q --python "$python" "$dir"
    "$venv/bin/uv" pip install -q --python "$dir/bin/python" "${args[@]}"
    stamp_set "$name" "${manifests[@]}"
  fi
}
side_venv "$repo/.venv-tap" "tap-callio[test]" callio-sim
setup_dagster_venv "$repo/orchestrate_dagster/requirements-test.txt"  # Dagster's pins, and pytest for its unit tests
bash "$repo/scripts/lint.sh" --setup-only
if [ -f "$repo/load-guard/pyproject.toml" ]; then
  side_venv "$repo/.venv-guard" "load-guard[test]" "duckdb-loader[test]" callio-sim
fi
# Debian's faketime: tests move the loader's clock alone (load-guard/tests/test_load_sequence.py,
# tests/reliability/test_warehouse_drift.py). Pinned to Debian 12's version.
if ! command -v faketime > /dev/null; then
  say "installing faketime (apt)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq faketime=0.9.10-2.1 > /dev/null
fi
# The reliability tests the unit lane runs last (see the lanes below).
reliability_c=(tests/reliability/test_upgrade.py)
# The suites that need none of the slower set-up below (Meltano's plugins, the BigQuery
# emulator, PostgreSQL) start now, beside it: the set-up leaves most of a core idle.
if ! $setup_only; then
  say "running the simulator, tap, load guard and lint checks (logs in output/test-logs/)"
  (
    suite callio-sim "$repo/callio-sim" "$venv/bin/python"
    suite dagster-unit "$repo" "$repo/.venv-dagster/bin/python" orchestrate_dagster/tests
    suite load-guard "$repo/load-guard" "$repo/.venv-guard/bin/python"
    suite duckdb-loader "$repo/duckdb-loader" "$repo/.venv-guard/bin/python"
    step lint bash "$repo/scripts/lint.sh"
    suite tap-callio "$repo/tap-callio" "$repo/.venv-tap/bin/python"
    # Then a share of the end-to-end suites (below), once every environment is ready, so that
    # the lanes end at about the same time.
    until [ -f "$setup_done" ]; do sleep 1; done
    suite project "$repo" "$venv/bin/python" tests --ignore=tests/bigquery --ignore=tests/reliability \
      --ignore=tests/operations --ignore=tests/singer --ignore=tests/multi \
      --ignore=tests/test_duckdb_loader_migration.py --ignore=tests/dagster_engine
    suite singer "$repo" "$repo/.venv-tap/bin/python" tests/singer
    suite migration "$repo" "$venv/bin/python" tests/test_duckdb_loader_migration.py
    suite reliability-c "$repo" "$venv/bin/python" "${reliability_c[@]}"
  ) &
  lane_unit=$!
fi

meltano_install
# Headless Chromium from Debian, for the HTML report's browser test (tests/report_browser.py).
if ! command -v chromium > /dev/null; then
  say "installing chromium (apt) for the HTML report's browser test"
  apt-get update -qq && apt-get install -y -qq chromium > /dev/null
fi

# Third-party Singer tools for tests/singer, each set in a venv of its own (their pins clash with
# the SDK's and with each other), and Debian's PostgreSQL server for meltanolabs-target-postgres.
requirements_venv() {  # requirements_venv DIR REQUIREMENTS_FILE
  local dir="$1" requirements="$2"
  local name; name="$(basename "$dir")"
  if [ ! -x "$dir/bin/python" ] || ! stamp_ok "$name" "$requirements"; then
    say "preparing $name"
    [ -x "$dir/bin/python" ] || "$venv/bin/uv" venv -q --python "$python" "$dir"
    "$venv/bin/uv" pip install -q --python "$dir/bin/python" -r "$requirements"
    stamp_set "$name" "$requirements"
  fi
}
requirements_venv "$repo/.venv-singer-python" "$repo/tests/singer/requirements-singer-python.txt"
# target-duckdb 0.8.0 on duckdb 1.2.2, the loader before duckdb-loader/: a warehouse it made must
# keep loading (tests/test_duckdb_loader_migration.py).
requirements_venv "$repo/.venv-target-duckdb-0.8" "$repo/tests/support/requirements-target-duckdb-0.8.txt"
requirements_venv "$repo/.venv-target-postgres" "$repo/tests/singer/requirements-target-postgres.txt"
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
  say "installing PostgreSQL (Debian package postgresql) for tests/singer"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
fi
have_bigquery=false
if [ -f "$repo/bigquery/setup_emulator.sh" ] && compgen -G "$repo/tests/bigquery/test_*.py" > /dev/null; then
  say "preparing the BigQuery emulator (bigquery/setup_emulator.sh)"
  bash "$repo/bigquery/setup_emulator.sh"
  have_bigquery=true
fi
if $setup_only; then
  say "every environment is set up; no tests run (--setup-only)"
  exit 0
fi
set +e

transform_check() {  # transform/scripts/check.sh --ci with the venvs set up above
  local plugins="$repo/.meltano"
  CHECK_DBT_DUCKDB="$plugins/utilities/dbt-duckdb/venv/bin/dbt" \
  CHECK_DBT_BIGQUERY="$plugins/utilities/dbt-bigquery/venv/bin/dbt" \
  CHECK_TARGET_DUCKDB="$plugins/loaders/target-duckdb/venv/bin/guarded-target-duckdb" \
  CHECK_DUCKDB_PYTHON="$venv/bin/python" CHECK_SQLGLOT_PYTHON="$repo/bigquery/.venv-emulator/bin/python" \
  PYTHON="$venv/bin/python" bash "$repo/transform/scripts/check.sh" --ci && echo "transform: 1 passed, 0 failed"
}

say "running the end-to-end suites (logs in output/test-logs/)"
touch "$setup_done"
# The end-to-end suites dominate (each test drives real job runs and dbt builds). They share the
# 2 cores, busy throughout, in three lanes beside the unit lane, which goes on with project,
# singer, the loader migration and reliability-c once the set-up is done; the lanes are balanced
# by measured wall time. 2026-12-07, a fresh clone, wall s (CPU-s): the unit lane's unit suites
# 465 (beside the set-up, about 75 s), project 221 (93), singer 54 (21), migration 110 (42);
# lane a bigquery 329 (206), reliability-a 574 (316); lane b transform 142 (61), multi 341
# (178), reliability-b 610 (401), the longest, so test_upgrade (112 s) moved to the unit lane
# (reliability-c) and test_bad_config (76 s) to lane a; lane d dagster 399 (142: a third of its
# time is its daemon waiting for a schedule's tick, which the other lanes use), operations 576
# (334). The figures: each suite's log line below.
reliability_a=(tests/reliability/test_crash_recovery.py tests/reliability/test_api_faults.py
              tests/reliability/test_odd_replies.py tests/reliability/test_concurrent_runs.py
              tests/reliability/test_login_failure.py tests/reliability/test_bad_config.py)
(
  $have_bigquery && suite bigquery "$repo" "$repo/bigquery/.venv-loader/bin/python" tests/bigquery
  suite reliability-a "$repo" "$venv/bin/python" "${reliability_a[@]}"
) &
lane_a=$!
(
  $have_bigquery && step transform transform_check
  # multi: two copies of the project on one PostgreSQL (shared state, one tenant per run, locks)
  suite multi "$repo" "$venv/bin/python" tests/multi
  suite reliability-b "$repo" "$venv/bin/python" tests/reliability \
    "${reliability_a[@]/#/--ignore=}" "${reliability_c[@]/#/--ignore=}"
) &
lane_b=$!
(
  suite dagster "$repo" "$venv/bin/python" tests/dagster_engine
  # ops: operations tests (stopping, old .env, preflight, console and run logs, state commands,
  # schedules as text) through the real job runner and daemon.
  suite operations "$repo" "$venv/bin/python" tests/operations
) &
lane_d=$!
wait "$lane_unit" "$lane_a" "$lane_b" "$lane_d"

say "summary ($(( SECONDS - started ))s)"
failed=0
for name in lint callio-sim tap-callio singer load-guard duckdb-loader transform bigquery project multi migration \
    reliability-a reliability-b reliability-c operations dagster-unit dagster; do
  [ -f "$logs/$name.code" ] || continue
  code="$(cat "$logs/$name.code")"
  if [ "$code" = 0 ]; then state=passed; else state="FAILED (pytest exit $code)"; failed=1; fi
  printf '  %-12s %s  %s\n' "$name" "$state" "$(grep -E '[0-9]+ (passed|failed|error)' "$logs/$name.log" | tail -1)"
done
# Every expected suite must have run (a missing result is a failure, not a pass).
for name in lint callio-sim tap-callio singer load-guard duckdb-loader project multi migration reliability-a \
    reliability-b reliability-c operations dagster-unit dagster; do
  [ -f "$logs/$name.code" ] || { echo "  $name did not run" >&2; failed=1; }
done
# One closing line over all suites, in pytest's words.
total_passed=0; total_failed=0
for log in "$logs"/*.log; do
  line="$(grep -E '^=*.*[0-9]+ (passed|failed|error)' "$log" | tail -1)"
  p="$(grep -oE '[0-9]+ passed' <<< "$line" | grep -oE '[0-9]+' || true)"
  total_passed=$(( total_passed + ${p:-0} ))
  for f in $(grep -oE '[0-9]+ (failed|errors?)' <<< "$line" | grep -oE '[0-9]+'); do
    total_failed=$(( total_failed + f ))
  done
done
[ "$failed" = 0 ] || [ "$total_failed" -gt 0 ] || total_failed=1
echo "$total_passed passed, $total_failed failed"
exit "$failed"
