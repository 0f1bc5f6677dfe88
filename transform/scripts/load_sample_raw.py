"""Land Singer message files into DuckDB raw tables through the load guard, like the real pipeline.

    python scripts/load_sample_raw.py --db ../output/callio.duckdb batch1.singer.jsonl [batch2...]

Each file is one target run (one batch, one load id). The loader (`guarded-target-duckdb`: the
load guard around the project's callio-target-duckdb, duckdb-loader/) is taken from --target-bin, else
transform/.venv-target/bin/guarded-target-duckdb. Prints the row count of
every raw table afterwards so a dropped row is visible.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_TARGET = Path(__file__).resolve().parent.parent / ".venv-target" / "bin" / "guarded-target-duckdb"


def load(db: Path, schema: str, files: list[Path], target_bin: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps({"filepath": str(db), "default_target_schema": schema,
                                      "add_metadata_columns": True}))
        for path in files:
            with path.open("rb") as messages:
                subprocess.run([str(target_bin), "--config", str(config)], stdin=messages,
                               stdout=subprocess.DEVNULL, check=True)


def row_counts(db: Path, schema: str, target_bin: Path) -> str:
    # duckdb is importable in the target's venv; run there to keep this script dependency-free
    python = target_bin.parent / "python"
    code = (
        "import duckdb,sys; c=duckdb.connect(sys.argv[1], read_only=True);"
        "rows=c.execute(\"select table_name from information_schema.tables where table_schema=? order by 1\","
        " [sys.argv[2]]).fetchall();"
        "print(', '.join(f'{t}={c.execute(f\"select count(*) from {sys.argv[2]}.{t}\").fetchone()[0]}' for (t,) in rows))"
    )
    return subprocess.run([str(python), "-c", code, str(db), schema], check=True,
                          capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--schema", default="raw")
    parser.add_argument("--target-bin", type=Path, default=DEFAULT_TARGET)
    parser.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args()
    load(args.db, args.schema, args.files, args.target_bin)
    print(f"raw tables in {args.db} ({args.schema}): {row_counts(args.db, args.schema, args.target_bin)}", file=sys.stderr)


if __name__ == "__main__":
    main()
