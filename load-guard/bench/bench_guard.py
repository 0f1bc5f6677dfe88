"""Figures for the README: guard overhead and the guard's own peak memory versus volume.

Run: .venv/bin/python bench/bench_guard.py [RECORDS ...]   (default 20000 200000)
The guard runs in this process (so its peak RSS is measurable apart from the target's) around
the real target-duckdb; the same input is also loaded unguarded for the overhead figure.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from callio_load_guard.duckdb_check import DuckDBCounter
from callio_load_guard.guard import run_guard

TARGET = str(Path(sys.executable).parent / "target-duckdb")


def write_input(path: Path, records: int) -> None:
    schema = {"type": "object", "properties": {
        "tenant": {"type": ["string"]}, "_id": {"type": ["string"]},
        "createTime": {"type": ["integer"]}, "direction": {"type": ["string"]},
        "fromUser": {"type": ["object", "null"]}}}
    with path.open("w") as out:
        out.write(json.dumps({"type": "SCHEMA", "stream": "calls", "schema": schema,
                              "key_properties": ["tenant", "_id"]}) + "\n")
        for i in range(records):
            out.write(json.dumps({"type": "RECORD", "stream": "calls", "record": {
                "tenant": ("PK", "HN", "SG")[i % 3], "_id": f"id{i}", "createTime": i,
                "direction": "outbound", "fromUser": {"_id": f"u{i % 50}", "name": "Nhân viên"}}})
                      + "\n")
            if i % 10000 == 9999:
                state = {"type": "STATE", "value": {"bookmarks": {"calls": i}}}
                out.write(json.dumps(state) + "\n")


def config_for(directory: Path, name: str) -> tuple[Path, dict]:
    config = {"filepath": str(directory / f"{name}.duckdb"), "default_target_schema": "raw",
              "primary_key_required": False, "add_metadata_columns": True,
              "batch_size_rows": 10000}
    path = directory / f"{name}.json"
    path.write_text(json.dumps(config))
    return path, config


def main(sizes: list[int]) -> None:
    for records in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            messages = directory / "in.jsonl"
            write_input(messages, records)

            plain_path, _ = config_for(directory, "plain")
            started = time.perf_counter()
            with messages.open("rb") as stdin:
                subprocess.run([TARGET, "--config", str(plain_path)], stdin=stdin, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            plain = time.perf_counter() - started

            guarded_path, config = config_for(directory, "guarded")
            stderr = io.BytesIO()
            started = time.perf_counter()
            with messages.open("rb") as stdin:
                code = run_guard([TARGET, "--config", str(guarded_path)],
                                 lambda config=config: DuckDBCounter(config), stdin=stdin,
                                 stdout=io.BytesIO(), stderr=stderr,
                                 home=directory / "guard-home")
            guarded = time.perf_counter() - started
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            assert code == 0, stderr.getvalue().decode()
            print(f"{records} records: target-duckdb alone {plain:.1f}s, guarded {guarded:.1f}s "
                  f"(+{(guarded / plain - 1) * 100:.0f}%), guard process peak RSS so far "
                  f"{peak_mb:.0f} MB")


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [20000, 200000])
