#!/usr/bin/env bash
# Every test of the repository, each part in the environment it ships with:
#   callio-sim/tests       simulator                 (.venv)
#   tap-callio/tests       tap, SDK standard suite   (.venv-tap)
#   load-guard/tests       the STATE-holding wrapper (.venv-guard)
#   tests/                 project: meltano end to end, orchestrate, oracle  (.venv)
#   tests/bigquery         BigQuery emulator path    (bigquery/.venv-loader, when present)
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

setup_project_venv "$repo/requirements-test.txt"
meltano_install

# Side environments for parts whose pins clash with the project's (requests, duckdb, ...).
# uv (shipped with Meltano) builds them in seconds.
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
if [ -f "$repo/load-guard/pyproject.toml" ]; then
  side_venv "$repo/.venv-guard" "load-guard[test]" callio-sim
fi
have_bigquery=false
if [ -f "$repo/bigquery/setup_emulator.sh" ] && compgen -G "$repo/tests/bigquery/test_*.py" > /dev/null; then
  say "preparing the BigQuery emulator (bigquery/setup_emulator.sh)"
  bash "$repo/bigquery/setup_emulator.sh"
  have_bigquery=true
fi
if [ "${1:-}" = "--setup-only" ]; then
  say "every environment is set up; no tests run (--setup-only)"
  exit 0
fi
set +e

# Two lanes run side by side (the machine has 2 cores): the tap's long suite in one, the rest in
# the other. Each suite writes to output/test-logs/<suite>.log, printed in full when it ends.
logs="$repo/output/test-logs"
rm -rf "$logs"; mkdir -p "$logs"
suite() {  # suite NAME DIR PYTHON [pytest args...]
  local name="$1" dir="$2" py="$3"; shift 3
  local began=$SECONDS
  (cd "$dir" && "$py" -m pytest -q -p no:cacheprovider --durations=5 "$@") > "$logs/$name.log" 2>&1
  local code=$?
  echo "$code" > "$logs/$name.code"
  { say "tests: $name ($(( SECONDS - began ))s, exit $code)"; cat "$logs/$name.log"; } >&2
}

say "running the test suites (logs in output/test-logs/)"
# The end-to-end suites dominate (each test drives real `meltano run`s and dbt builds), so the
# reliability tests are split over both lanes to keep the whole run under CI's 15 minutes.
# Measured on a quiet 2-core machine (fresh clone, installs included, commit of 2026-11-29):
# tap-callio 170 s, bigquery 140 s, callio-sim 26 s, load-guard 8 s, project + reliability 750 s.
reliability_a=(tests/reliability/test_crash_recovery.py tests/reliability/test_api_faults.py
              tests/reliability/test_odd_replies.py)
(
  suite tap-callio "$repo/tap-callio" "$repo/.venv-tap/bin/python"
  $have_bigquery && suite bigquery "$repo" "$repo/bigquery/.venv-loader/bin/python" tests/bigquery
  suite reliability-a "$repo" "$venv/bin/python" "${reliability_a[@]}"
) &
lane_a=$!
(
  suite callio-sim "$repo/callio-sim" "$venv/bin/python"
  [ -d "$repo/.venv-guard" ] && suite load-guard "$repo/load-guard" "$repo/.venv-guard/bin/python"
  suite project "$repo" "$venv/bin/python" tests --ignore=tests/bigquery --ignore=tests/reliability
  suite reliability-b "$repo" "$venv/bin/python" tests/reliability \
    "${reliability_a[@]/#/--ignore=}"
) &
lane_b=$!
wait "$lane_a" "$lane_b"

say "summary ($(( SECONDS - started ))s)"
failed=0
for name in callio-sim tap-callio load-guard bigquery project reliability-a reliability-b; do
  [ -f "$logs/$name.code" ] || continue
  code="$(cat "$logs/$name.code")"
  if [ "$code" = 0 ]; then state=passed; else state="FAILED (pytest exit $code)"; failed=1; fi
  printf '  %-12s %s  %s\n' "$name" "$state" "$(grep -E '[0-9]+ (passed|failed|error)' "$logs/$name.log" | tail -1)"
done
# Every expected suite must have run (a missing result is a failure, not a pass).
for name in callio-sim tap-callio project reliability-a reliability-b; do
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
