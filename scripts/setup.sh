# Shared set-up for demo.sh and test.sh (source it; it is not run on its own).
# Idempotent: each step is skipped when what it would produce is already up to date.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
venv="$repo/.venv"
export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false
# Bytecode is kept: with PYTHONDONTWRITEBYTECODE (some images set it) every process compiles
# its imports from source at each start (dbt alone 1.6 s more per run, a job 12 s more).
# __pycache__ folders are git-ignored.
unset PYTHONDONTWRITEBYTECODE

say() { printf '==> %s\n' "$*" >&2; }

# A step runs again only when the files it depends on changed (content hash in a stamp file).
stamp_ok() {  # stamp_ok NAME FILE... : true when NAME's stamp matches the files' hash
  local name="$1"; shift
  local want; want="$(cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1)"
  [ -f "$venv/.stamp-$name" ] && [ "$(cat "$venv/.stamp-$name")" = "$want" ]
}
stamp_set() {
  local name="$1"; shift
  cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1 > "$venv/.stamp-$name"
}

setup_project_venv() {  # setup_project_venv REQUIREMENTS_FILE
  local requirements="$1"
  if [ ! -x "$venv/bin/python" ]; then
    say "creating $venv"
    "$python" -m venv "$venv"
  fi
  if ! stamp_ok "$(basename "$requirements")" "$repo/requirements.txt" "$requirements" "$repo/callio-sim/pyproject.toml"; then
    say "installing $(basename "$requirements") into .venv (log: output/setup-pip.log)"
    # uv (pinned in requirements.txt; Meltano uses it for its plugins too) installs in seconds
    # what pip takes most of a minute for; pip only bootstraps it. The chatter goes to a log
    # file, shown only when the install fails.
    mkdir -p "$repo/output"
    (cd "$repo" && { [ -x "$venv/bin/uv" ] || "$venv/bin/pip" install -q "$(grep -E '^uv==' requirements.txt)"; } \
      && "$venv/bin/uv" pip install --python "$venv/bin/python" -r "$requirements") > "$repo/output/setup-pip.log" 2>&1 \
      || { cat "$repo/output/setup-pip.log" >&2; return 1; }
    stamp_set "$(basename "$requirements")" "$repo/requirements.txt" "$requirements" "$repo/callio-sim/pyproject.toml"
  fi
}

meltano_install() {
  # Plugin venvs under .meltano/ (uv backend). Editable plugins (tap, load guard) pick up code
  # changes without a reinstall; only a change of definitions or package metadata needs one.
  local inputs=("$repo/meltano.yml" "$repo"/meltano/*.meltano.yml "$repo/tap-callio/pyproject.toml" "$repo/load-guard/pyproject.toml" "$repo/duckdb-loader/pyproject.toml")
  if ! stamp_ok meltano-install "${inputs[@]}" || [ ! -d "$repo/.meltano/extractors/tap-callio/venv" ]; then
    say "meltano install (plugins into .meltano/)"
    # Compiled at install (uv does not by default), so that even a scheduled run whose user
    # cannot write to .meltano/ starts from bytecode.
    (cd "$repo" && UV_COMPILE_BYTECODE=1 "$venv/bin/meltano" --log-level=warning install)
    stamp_set meltano-install "${inputs[@]}"
  fi
}

# Start the simulator in the background on a free port; sets SIM_URL and SIM_PID.
# Usage: start_simulator ACCOUNTS_FILE [callio-sim options...]
start_simulator() {
  local accounts_file="$1"; shift
  local ready; ready="$(mktemp)"; rm -f "$ready"
  mkdir -p "$(dirname "$accounts_file")" "$repo/output"
  "$venv/bin/callio-sim" --host 127.0.0.1 --port 0 --ready-file "$ready" \
    --accounts-out "$accounts_file" "$@" > "$repo/output/callio-sim.log" 2>&1 &
  SIM_PID=$!
  for _ in $(seq 1 300); do
    if [ -s "$ready" ]; then break; fi
    if ! kill -0 "$SIM_PID" 2>/dev/null; then
      echo "the simulator did not start; see output/callio-sim.log" >&2; return 1
    fi
    sleep 0.1
  done
  SIM_URL="$("$venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$ready")"
  rm -f "$ready"
  say "simulator running at $SIM_URL (pid $SIM_PID)"
}

stop_simulator() {
  if [ -n "${SIM_PID:-}" ] && kill -0 "$SIM_PID" 2>/dev/null; then
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
  fi
  SIM_PID=""
}

setup_dagster_venv() {  # setup_dagster_venv [REQUIREMENTS]: .venv-dagster, Dagster's pins apart from .venv's
  local dir="$repo/.venv-dagster" pins="$repo/orchestrate_dagster/requirements.txt"
  local requirements="${1:-$pins}"
  local name; name="dagster-$(basename "$requirements" .txt)"
  if [ ! -x "$dir/bin/python" ] || ! stamp_ok "$name" "$pins" "$requirements"; then
    say "preparing .venv-dagster (Dagster, $(basename "$requirements"))"
    [ -x "$dir/bin/python" ] || "$venv/bin/uv" venv -q --python "$python" "$dir"
    "$venv/bin/uv" pip install -q --python "$dir/bin/python" -r "$requirements"
    stamp_set "$name" "$pins" "$requirements"
  fi
}
