"""Helpers the BigQuery emulator tests share: running the loader and reading what landed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIGQUERY_DIR = REPO / "bigquery"
LAUNCHER = BIGQUERY_DIR / "emulated_target_bigquery.py"
LOADER_BIN = Path(sys.executable).parent
SMALL = {"customers": 40, "calls": 120}  # per tenant


def target_config(tmp_path: Path, emulator, dataset: str) -> Path:
    """The production settings (batch_job, denormalized) pointed at one emulator dataset."""
    config = {"project": emulator.project, "dataset": dataset, "location": "US",
              "method": "batch_job", "denormalized": True, "batch_size": 500}
    path = tmp_path / f"target-{dataset}.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def loader_env(emulator, *, gzip: bool) -> dict[str, str]:
    env = dict(os.environ, **emulator.env())
    env["EMULATED_TARGET_NO_CONSISTENCY_SLEEP"] = "1"
    env["EMULATED_TARGET_NO_GZIP"] = "0" if gzip else "1"
    env["LOAD_GUARD_TARGET_COMMAND"] = f"{sys.executable} {LAUNCHER}"
    return env


def run_loader(command: list[str], config: Path, singer: Path, env: dict[str, str]):
    with open(singer, "rb") as stdin:
        return subprocess.run([*command, "--config", str(config)], stdin=stdin,
                              capture_output=True, env=env, timeout=300)


def launcher_command() -> list[str]:
    return [sys.executable, str(LAUNCHER)]


def state_lines(stdout: bytes) -> list[dict]:
    """Singer STATE values the target wrote (its stdout carries only state)."""
    return [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]


def row_counts(client, dataset: str) -> dict[str, int]:
    counts = {}
    for table in client.list_tables(dataset):
        query = f"SELECT COUNT(*) FROM `{dataset}`.`{table.table_id}`"
        counts[table.table_id] = list(client.query(query).result())[0][0]
    return counts
