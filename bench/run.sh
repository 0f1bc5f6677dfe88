#!/usr/bin/env bash
# Every benchmark, one after the other (never in parallel: they would measure each other), then
# the table of results. Safe to run again: the venv is only (re)built when its inputs changed.
#
#   bash bench/run.sh [--quick]        # full run ~15 min; --quick ~3 min (small volumes)
#
# Each script also runs alone: bench/.venv/bin/python bench/bench_<name>.py [--quick]
# Figures land in bench/results/<name>.json; bench/.venv/bin/python bench/report.py reprints them.
set -uo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$bench")"
python="${PYTHON:-python3}"
venv="$bench/.venv"
quick=()
[ "${1:-}" = "--quick" ] && quick=(--quick)
export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false
# Bytecode kept, as in scripts/setup.sh: a figure must not include compiling dbt at every start.
unset PYTHONDONTWRITEBYTECODE

say() { printf '\n==> %s\n' "$*" >&2; }

# The end-to-end benchmark runs the project's own Meltano: the project's idempotent set-up
# (scripts/setup.sh, as demo.sh does) installs it when needed.
# It comes first: bench/.venv is built with its uv.
(source "$repo/scripts/setup.sh" && setup_project_venv "$repo/requirements.txt" && meltano_install) \
  || { say "the project's set-up (scripts/setup.sh) failed"; exit 1; }

# bench/.venv: the simulator and the tap (editable) plus the measuring tools, all pinned.
inputs=("$bench/requirements.txt" "$repo/callio-sim/pyproject.toml" "$repo/tap-callio/pyproject.toml")
want="$(cat "${inputs[@]}" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$want" ]; then
  say "preparing bench/.venv"
  # with the project's uv (pinned in requirements.txt): seconds, where pip took most of a minute
  [ -x "$venv/bin/python" ] || "$repo/.venv/bin/uv" venv -q --python "$python" "$venv" || exit 1
  (cd "$bench" && "$repo/.venv/bin/uv" pip install -q --python "$venv/bin/python" -r requirements.txt) || exit 1
  echo "$want" > "$venv/.stamp"
fi

started=$SECONDS
failed=()
for name in throughput latency memory requests profile e2e; do
  say "bench_$name.py ${quick[*]:-}"
  if ! "$venv/bin/python" "$bench/bench_$name.py" "${quick[@]}"; then
    failed+=("$name")
  fi
done

say "results ($(( SECONDS - started )) s; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
"$venv/bin/python" "$bench/report.py"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
