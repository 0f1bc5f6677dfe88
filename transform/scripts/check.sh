#!/usr/bin/env bash
# Everything that verifies the transform, offline:
#   1. venvs (.venv: dbt-duckdb, .venv-bq: dbt-bigquery + sqlglot, .venv-target: the DuckDB loader)
#   2. sample Singer data -> the DuckDB loader (guarded) -> dbt build (seeds, models, data + unit tests),
#      a second batch -> incremental dbt build -> fact window == oracle
#   3. re-run without new data changes nothing; --full-refresh gives the same marts and
#      fact_staff_daily(_PK) == oracle on every day; the key and presence tests fail on faults
#      planted in a copy of the warehouse (scripts/data_test_probe.py)
#   4. dbt source freshness, dbt docs generate, oracle pytest
#   5. BigQuery: dbt parse + dbt compile against a local API stub (no network, dummy token),
#      incremental branches included, then a BigQuery-dialect parse of the compiled SQL
# Usage: scripts/check.sh            (KEEP_WORK=1 keeps the temporary DuckDB file)
#        scripts/check.sh --ci       the checks no other suite makes (2, 3, the window, the
#                                    planted faults, 5);
#                                    scripts/test.sh runs this with the venvs it already has
# Tools come from the variables below when set (scripts/test.sh points them at Meltano's plugin
# venvs), else from the three venvs this script creates.
set -euo pipefail
cd "$(dirname "$0")/.."
TRANSFORM="$PWD"
PY=${PYTHON:-python3}
CI_SCOPE=false
[ "${1:-}" = "--ci" ] && CI_SCOPE=true

make_venv() {  # dir requirements
    if [ ! -x "$1/bin/python" ]; then "$PY" -m venv "$1"; fi
    "$1/bin/pip" install -q --disable-pip-version-check -r "$2"
}
if [ -z "${CHECK_DBT_DUCKDB:-}" ]; then
    echo "== venvs"
    make_venv .venv requirements.txt
    make_venv .venv-bq requirements-bq.txt
    make_venv .venv-target requirements-target.txt
fi
DBT_DUCKDB=${CHECK_DBT_DUCKDB:-.venv/bin/dbt}               # dbt-duckdb
DBT_BIGQUERY=${CHECK_DBT_BIGQUERY:-.venv-bq/bin/dbt}        # dbt-bigquery
TARGET_DUCKDB=${CHECK_TARGET_DUCKDB:-.venv-target/bin/guarded-target-duckdb}  # load guard + callio-target-duckdb
DUCKDB_PY=${CHECK_DUCKDB_PYTHON:-.venv/bin/python}          # python with duckdb 2.0.1
SQLGLOT_PY=${CHECK_SQLGLOT_PYTHON:-.venv-bq/bin/python}     # python with sqlglot

WORK=$(mktemp -d)
STUB_PID=""
cleanup() {
    if [ -n "$STUB_PID" ]; then kill "$STUB_PID" 2>/dev/null || true; fi
    if [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

export DBT_PROFILES_DIR="$TRANSFORM" DBT_TARGET=duckdb CALLIO_DUCKDB_PATH="$WORK/callio.duckdb" CALLIO_RAW_SCHEMA=raw
# dbt artefacts and logs of this check stay in $WORK: a pipeline may use transform/target meanwhile
export DBT_TARGET_PATH="$WORK/target" DBT_LOG_PATH="$WORK/logs"
export LOAD_GUARD_HOME="$WORK/load-guard"  # the guard's load sequence and private temp folder
TODAY=2026-01-15
VARS="{report_today: '$TODAY', report_lookback_days: 7}"
DBT=("$DBT_DUCKDB" --no-use-colors)
BUILD_EXTRA=()  # the unit tests run in tests/ (dbt-duckdb:unit-test) when --ci
$CI_SCOPE && BUILD_EXTRA=(--exclude "test_type:unit")
cp seeds/status_rules.csv tests/fixtures/status_rules_all.csv  # unit tests use the real rules

echo "== sample data"
"$PY" scripts/make_sample_singer.py --out-dir "$WORK" --today "$TODAY"
"$PY" scripts/load_sample_raw.py --target-bin "$TARGET_DUCKDB" --db "$CALLIO_DUCKDB_PATH" "$WORK/batch1.singer.jsonl"

echo "== dbt build on a fresh database (seed, models, data tests, unit tests)"
"${DBT[@]}" build --vars "$VARS" "${BUILD_EXTRA[@]}"

echo "== second batch, incremental dbt build"
"$PY" scripts/load_sample_raw.py --target-bin "$TARGET_DUCKDB" --db "$CALLIO_DUCKDB_PATH" "$WORK/batch2.singer.jsonl"
"${DBT[@]}" build --vars "$VARS" "${BUILD_EXTRA[@]}"
for table in fact_staff_daily fact_agent_kpi_daily fact_calls_hourly; do
    "$DUCKDB_PY" scripts/compare_with_oracle.py --db "$CALLIO_DUCKDB_PATH" --truth "$WORK/truth.json" \
        --today "$TODAY" --lookback-days 7 --table "$table"
done

"$DUCKDB_PY" scripts/table_digest.py "$CALLIO_DUCKDB_PATH" > "$WORK/digest1.txt"
if $CI_SCOPE; then  # re-runs changing nothing: tests/reliability/test_reruns_backfill.py
    cp "$WORK/digest1.txt" "$WORK/digest2.txt"
else
    echo "== re-run without new data changes nothing"
    "${DBT[@]}" run --vars "$VARS"
    "$DUCKDB_PY" scripts/table_digest.py "$CALLIO_DUCKDB_PATH" > "$WORK/digest2.txt"
    diff "$WORK/digest1.txt" "$WORK/digest2.txt"
fi
cat "$WORK/digest2.txt"

echo "== full refresh gives the same marts; fact == oracle on every day"
"${DBT[@]}" build --full-refresh --vars "$VARS" --exclude "test_type:unit"
"$DUCKDB_PY" scripts/table_digest.py "$CALLIO_DUCKDB_PATH" call_log customer staff group update_log > "$WORK/digest3.txt"
grep -E '^(call_log|customer|staff|group|update_log):' "$WORK/digest2.txt" | diff - "$WORK/digest3.txt"
for table in fact_staff_daily fact_agent_kpi_daily fact_calls_hourly; do
    "$DUCKDB_PY" scripts/compare_with_oracle.py --db "$CALLIO_DUCKDB_PATH" --truth "$WORK/truth.json" --table "$table"
done
"$DUCKDB_PY" scripts/compare_with_oracle.py --db "$CALLIO_DUCKDB_PATH" --truth "$WORK/truth.json" \
    --table fact_staff_daily_PK --report-tenants PK

echo "== incremental fact run removes vanished rows inside the window, keeps older days"
"$DUCKDB_PY" scripts/fact_window_probe.py plant "$CALLIO_DUCKDB_PATH" "$TODAY" 7
"${DBT[@]}" run --select fact_staff_daily --vars "$VARS"
"$DUCKDB_PY" scripts/fact_window_probe.py verify "$CALLIO_DUCKDB_PATH"
"$DUCKDB_PY" scripts/compare_with_oracle.py --db "$CALLIO_DUCKDB_PATH" --truth "$WORK/truth.json"

echo "== key, presence and rows_match tests fail on planted faults (in a copy of the warehouse)"
PROBE_DB="$WORK/probe/$(basename "$CALLIO_DUCKDB_PATH")"  # same file name: same database name
mkdir "$WORK/probe" && cp "$CALLIO_DUCKDB_PATH" "$PROBE_DB"
if [ -f "$CALLIO_DUCKDB_PATH.wal" ]; then cp "$CALLIO_DUCKDB_PATH.wal" "$PROBE_DB.wal"; fi
"$DUCKDB_PY" scripts/data_test_probe.py plant "$PROBE_DB"
# stg_callio__groups is left out: its view reads raw.groups, which the probe drops
if CALLIO_DUCKDB_PATH="$PROBE_DB" "${DBT[@]}" test --vars "$VARS" --target-path "$WORK/target-probe" \
        --select "test_name:primary_key test_name:present test_name:present_if_loaded test_name:rows_match" \
        --exclude stg_callio__groups > "$WORK/probe.log"; then
    cat "$WORK/probe.log"; echo "dbt test passed on planted faults"; exit 1
fi
"$DUCKDB_PY" scripts/data_test_probe.py verify "$PROBE_DB" "$WORK/target-probe" || { cat "$WORK/probe.log"; exit 1; }

if ! $CI_SCOPE; then  # in the test command, tests/ runs the oracle tests and dbt docs generate
    echo "== source freshness, docs"
    "${DBT[@]}" source freshness
    "${DBT[@]}" docs generate --vars "$VARS" > /dev/null && test -s "$DBT_TARGET_PATH/catalog.json" && echo "docs generated"

    echo "== oracle tests"
    "$DUCKDB_PY" -m pytest -q ../tests/oracle
fi

echo "== BigQuery: parse and compile offline"
(
    export DBT_TARGET=bigquery BQ_AUTH_METHOD=oauth-secrets BQ_OAUTH_TOKEN=dummy-offline-token \
        BQ_PROJECT_ID=offline-project BQ_DATASET_ID=callio BQ_RAW_DATASET_ID=callio_raw
    unset CALLIO_DUCKDB_PATH
    BQ_DBT=("$DBT_BIGQUERY" --no-use-colors --no-partial-parse)
    $CI_SCOPE || "${BQ_DBT[@]}" parse --target-path "$WORK/target-bq"  # compile parses too
    # compile lists the dataset's tables: a local stub answers, reporting the incremental
    # models as existing so that their incremental branches are compiled too
    "$SQLGLOT_PY" scripts/bq_stub_server.py --port-file "$WORK/bq_port" \
        --existing call_log,customer,update_log,fact_staff_daily,fact_agent_kpi_daily,fact_calls_hourly &
    echo $! > "$WORK/bq_stub.pid"
    for _ in $(seq 600); do [ -s "$WORK/bq_port" ] && break; sleep 0.1; done  # slow on a busy CI
    [ -s "$WORK/bq_port" ] || { echo "the BigQuery API stub did not start"; exit 1; }
    export BQ_API_ENDPOINT="http://127.0.0.1:$(cat "$WORK/bq_port")"
    status=0
    timeout 300 "${BQ_DBT[@]}" compile --target-path "$WORK/target-bq" --vars "$VARS" > "$WORK/bq_compile.log" 2>&1 || status=$?
    kill "$(cat "$WORK/bq_stub.pid")" 2>/dev/null || true
    if [ "$status" -ne 0 ]; then cat "$WORK/bq_compile.log"; exit "$status"; fi
    grep -q "current_rows" "$WORK/target-bq/compiled/callio/models/marts/call_log.sql" \
        || { echo "incremental branch of call_log not compiled"; exit 1; }
    echo "dbt compile (bigquery) OK: $(find "$WORK/target-bq/compiled" -name '*.sql' | wc -l) files"
    "$SQLGLOT_PY" scripts/check_bigquery_sql.py "$WORK/target-bq/compiled"
)
echo "== all checks passed"
