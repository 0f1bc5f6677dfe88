"""Peak memory and time of the loader alone: the project's `target-duckdb` plugin
(callio-target-duckdb from duckdb-loader/, in the plugin venv made by `meltano install`) loading
the same Singer file of customers with different `batch_size_rows` (the project sets 100,000).
Not part of run.sh.

    .venv/bin/python bench_target_memory.py [--customers 100000] [--batches 100000,20000]
"""

from __future__ import annotations

import json

import benchlib as b

REPO = b.BENCH_DIR.parent
TARGET = REPO / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "callio-target-duckdb"


def main() -> None:
    parser = b.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--batches", default="100000,20000")
    args = parser.parse_args()
    if not TARGET.exists():
        raise SystemExit(f"{TARGET} missing: run `meltano install` (bash bench/run.sh does)")
    singer_file = b.WORK_DIR / "target-customers.jsonl"
    with b.simulator(tenants="PK", calls=100, customers=args.customers) as sim:
        config = b.tap_config(sim, "target", ["PK"], start_date=b.iso_days_ago(125))
        catalog = b.catalog_for(config, {"customers"}, "target")
        with open(singer_file, "wb") as sink:
            tap = b.run_measured(b.tap_argv(config, catalog), stdout=sink)
        if tap.returncode != 0:
            raise SystemExit(f"tap failed:\n{tap.stderr_tail}")
    records = b.tap_records_read(tap, "PK", "customers")
    print(f"callio-target-duckdb alone, {records:,} customers from a Singer file, machine load {b.load_average()}")
    rows = []
    for batch in [int(x) for x in args.batches.split(",")]:
        db = b.WORK_DIR / f"target-{batch}.duckdb"
        db.unlink(missing_ok=True)
        target_config = b.WORK_DIR / f"target-{batch}.json"
        target_config.write_text(json.dumps({"filepath": str(db), "default_target_schema": "raw",
                                             "add_metadata_columns": True, "batch_size_rows": batch}))
        with open(singer_file, "rb") as source:
            run = b.run_measured([str(TARGET), "--config", str(target_config)], stdout=None, stdin=source)
        if run.returncode != 0:
            raise SystemExit(f"callio-target-duckdb failed:\n{run.stderr_tail}")
        db.unlink(missing_ok=True)
        rows.append({"batch_size_rows": batch, "max_rss_mb": round(run.max_rss_mb), "wall_s": round(run.wall_s, 1),
                     "cpu_s": round(run.cpu_s, 1)})
        print(f"  batch_size_rows {batch:>7,}: max RSS {run.max_rss_mb:5.0f} MB, {run.wall_s:6.1f} s "
              f"(CPU {run.cpu_s:.1f} s)", flush=True)
    singer_file.unlink()
    b.save_result("target_memory", {"customers": records, "rows": rows})


if __name__ == "__main__":
    main()
