"""Shared helpers: Singer message files, target configs, and running the guard for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent  # the test venv, where the console scripts live
LOADER = "callio-target-duckdb"  # the project's DuckDB loader (duckdb-loader/), beside the guard
HERE = Path(__file__).parent
SECRET = "pw-7f3a9c1e-never-print-me"

CALLS_SCHEMA = {
    "type": "object",
    "properties": {
        "tenant": {"type": ["string"]},
        "_id": {"type": ["string"]},
        "createTime": {"type": ["integer", "null"]},
        "duration": {"type": ["integer", "null"]},
        "direction": {"type": ["string", "null"]},
        "fromUser": {"type": ["object", "null"],
                     "properties": {"_id": {"type": ["string", "null"]}}},
    },
}
CUSTOMERS_SCHEMA = {
    "type": "object",
    "properties": {
        "tenant": {"type": ["string"]},
        "_id": {"type": ["string"]},
        "updateTime": {"type": ["integer", "null"]},
        "name": {"type": ["string", "null"]},
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
    },
}


def _record(stream: str, tenant: str, i: int) -> dict:
    if stream == "calls":
        return {"tenant": tenant, "_id": f"c{i}", "createTime": 1_700_000_000_000 + i,
                "duration": i % 7, "direction": "outbound" if i % 2 else "inbound",
                "fromUser": {"_id": f"u{i % 5}"}}
    return {"tenant": tenant, "_id": f"k{i}", "updateTime": 1_700_000_000_000 + i,
            "name": f"Khách {i}", "tags": ["a", "b"] if i % 3 else []}


def write_messages(path: Path, per_group: int, tenants=("PK", "HN")) -> dict:
    """SCHEMA, RECORDs and a STATE after each (stream, tenant); returns what was written."""
    sent = {}
    states = []
    with path.open("w", encoding="utf-8") as out:
        for stream, schema in (("calls", CALLS_SCHEMA), ("customers", CUSTOMERS_SCHEMA)):
            out.write(json.dumps({"type": "SCHEMA", "stream": stream, "schema": schema,
                                  "key_properties": ["tenant", "_id"]}) + "\n")
            for tenant in tenants:
                for i in range(per_group):
                    out.write(json.dumps({"type": "RECORD", "stream": stream,
                                          "record": _record(stream, tenant, i)},
                                         ensure_ascii=False) + "\n")
                sent[(stream, tenant)] = per_group
                state = {"bookmarks": {stream: {"tenant": tenant, "position": per_group}},
                         "seq": len(states)}
                states.append(state)
                out.write(json.dumps({"type": "STATE", "value": state}) + "\n")
    return {"sent": sent, "states": states}


@dataclass
class GuardRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def state_lines(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.strip()]


def run_guard_cli(script: str, config: Path, messages: Path, target_command: str | None = None,
                  timeout: float = 120) -> GuardRun:
    env = dict(os.environ)
    env.pop("LOAD_GUARD_TARGET_COMMAND", None)
    env["PYTHONWARNINGS"] = "once"  # as Meltano starts every plugin: a leaked pipe would show
    if target_command:
        env["LOAD_GUARD_TARGET_COMMAND"] = target_command
    with messages.open("rb") as stdin:
        done = subprocess.run([str(BIN / script), "--config", str(config)], stdin=stdin,
                              capture_output=True, env=env, timeout=timeout)
    return GuardRun(done.returncode, done.stdout.decode(), done.stderr.decode())


@pytest.fixture(autouse=True)
def guard_home(tmp_path, monkeypatch):
    """The guard's private folder (load sequence, loader temp files) inside the test's tmp_path;
    guards started as subprocesses inherit it through the environment."""
    home = tmp_path / "guard-home"
    monkeypatch.setenv("LOAD_GUARD_HOME", str(home))
    return home


@pytest.fixture
def duckdb_setup(tmp_path):
    """A loader config (with a secret the guard must never print) and its database."""
    database = tmp_path / "warehouse.duckdb"
    config = tmp_path / "target_config.json"
    config.write_text(json.dumps({
        "filepath": str(database),
        "default_target_schema": "raw",
        "add_metadata_columns": True,
        "batch_size_rows": 100,
        "password": SECRET,
    }))
    return config, database


def helper_command(script: str, *args: str) -> str:
    """A LOAD_GUARD_TARGET_COMMAND running one of the helper scripts in tests/."""
    import shlex

    return shlex.join([sys.executable, str(HERE / script), *args])
