#!/usr/bin/env bash
# Sets up the BigQuery emulator path (idempotent; safe to re-run).
#
#   bigquery/.venv-emulator  bqemulator + its own DuckDB (1.5.5). Kept apart because the local
#                            warehouse is on duckdb==2.0.1.
#   bigquery/.venv-loader    z3-target-bigquery + dbt-bigquery + pytest: everything that *talks*
#                            to BigQuery, plus the test runner for tests/bigquery.
#
# No step downloads anything but PyPI packages: the DuckDB spatial extension that bqemulator loads
# is installed from the file shipped in the duckdb-extension-spatial wheel, not from the internet.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
python="${PYTHON:-python3}"

# uv (the project's .venv has it, pinned in requirements.txt) installs these two venvs in
# seconds from its cache, where pip took well over a minute.
uv="${UV:-$repo/.venv/bin/uv}"
[ -x "$uv" ] || { echo "uv not found at $uv: run scripts/test.sh --setup-only (or set UV)" >&2; exit 1; }

make_venv() {
  local dir="$1"
  [ -x "$dir/bin/python" ] || "$uv" venv -q --python "$python" "$dir"
}

pip_install() {
  local venv="$1"; shift
  "$uv" pip install -q --python "$venv/bin/python" "$@"
}

# --- emulator -----------------------------------------------------------------------------
emu="$here/.venv-emulator"
make_venv "$emu"
pip_install "$emu" -r "$here/requirements-emulator.txt" -c "$here/constraints-emulator.txt"
# DuckDB looks for extensions in ~/.duckdb/extensions/<version>/<platform>/. Installing from the
# wheel's file puts it there, so bqemulator's LOAD spatial never tries the network.
"$emu/bin/python" - <<'PY'
import pathlib
import duckdb
import duckdb_extension_spatial

root = pathlib.Path(duckdb_extension_spatial.__file__).parent
ext = next(root.glob(f"extensions/v{duckdb.__version__}/spatial.duckdb_extension"))
con = duckdb.connect()
con.install_extension(str(ext), force_install=False)
con.load_extension("spatial")
print(f"duckdb {duckdb.__version__}: spatial extension installed from {ext.name}")
PY

# --- loader + dbt + tests -----------------------------------------------------------------
loader="$here/.venv-loader"
make_venv "$loader"
pip_install "$loader" -r "$here/requirements-loader.txt" -c "$here/constraints-loader.txt"
# The load guard is built by another part of the repository; install it when it is there so the
# guarded tests can run (they are skipped with a reason otherwise).
if [ -f "$repo/load-guard/pyproject.toml" ] || [ -f "$repo/load-guard/setup.py" ]; then
  if pip_install "$loader" -e "$repo/load-guard"; then
    echo "load-guard installed into $loader"
  else
    echo "WARNING: load-guard did not install into $loader" >&2
  fi
fi
echo "BigQuery emulator path ready: $emu, $loader"
