"""Parse every compiled BigQuery model with sqlglot's BigQuery dialect (syntax check only:
no names, types or permissions are checked; that needs a real BigQuery), and make sure no
DuckDB-only function leaked into the BigQuery SQL (sqlglot accepts unknown functions).

    .venv-bq/bin/python scripts/check_bigquery_sql.py target-bq/compiled
"""

from __future__ import annotations

import sys
from pathlib import Path

import sqlglot
from sqlglot.errors import ParseError

# DuckDB spellings that have a BigQuery counterpart in a dispatch macro
DUCKDB_ONLY = ("nfc_normalize(", "epoch_ms(", "try_cast(", "timezone(", "::", " double)", "'g')")


def main() -> None:
    root = Path(sys.argv[1])
    files = sorted(root.rglob("*.sql"))
    failures = 0
    for path in files:
        try:
            sqlglot.parse(path.read_text(encoding="utf-8"), read="bigquery")
        except ParseError as exc:
            failures += 1
            print(f"FAIL {path}: {str(exc).splitlines()[0]}")
            continue
        leaked = [token for token in DUCKDB_ONLY if token in path.read_text(encoding="utf-8").lower()]
        if leaked:
            failures += 1
            print(f"FAIL {path}: DuckDB-only SQL {leaked}")
    print(f"sqlglot (bigquery dialect): {len(files) - failures}/{len(files)} compiled files parse")
    sys.exit(1 if failures or not files else 0)


if __name__ == "__main__":
    main()
