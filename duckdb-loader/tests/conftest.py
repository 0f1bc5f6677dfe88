"""Run the real console script on Singer messages and read what landed."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

LOADER = str(Path(sys.executable).parent / "callio-target-duckdb")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def states(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("callio-target-duckdb: ")]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


def write_config(path: Path, database: Path, **settings) -> Path:
    config = {"filepath": str(database), "default_target_schema": "raw", **settings}
    path.write_text(json.dumps(config))
    return path


def messages_file(path: Path, messages: list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for message in messages:
            out.write(json.dumps(message, ensure_ascii=False) + "\n")
    return path


def load(tmp_path: Path, database: Path, messages: list[dict] | Path, **settings) -> Run:
    config = write_config(tmp_path / "config.json", database, **settings)
    source = messages if isinstance(messages, Path) else messages_file(tmp_path / "in.jsonl", messages)
    env_tmp = tmp_path / "tmp"
    env_tmp.mkdir(exist_ok=True)
    with source.open("rb") as stdin:
        done = subprocess.run([LOADER, "--config", str(config)], stdin=stdin, capture_output=True,
                              timeout=120, env={"TMPDIR": str(env_tmp), "PATH": "/usr/bin:/bin"})
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def rows(database: Path, table: str) -> list[dict]:
    with duckdb.connect(str(database), read_only=True) as connection:
        cursor = connection.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def column_types(database: Path, table: str) -> dict[str, str]:
    schema, name = table.split(".")
    with duckdb.connect(str(database), read_only=True) as connection:
        return dict(connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, name]).fetchall())


def schema_message(stream: str, properties: dict) -> dict:
    return {"type": "SCHEMA", "stream": stream, "key_properties": [],
            "schema": {"type": "object", "properties": properties}}


def record(stream: str, values: dict, time_extracted: str | None = None) -> dict:
    message = {"type": "RECORD", "stream": stream, "record": values}
    if time_extracted:
        message["time_extracted"] = time_extracted
    return message


def state(value) -> dict:
    return {"type": "STATE", "value": value}


def rows_if_any(database: Path, table: str) -> list[dict]:
    """The rows of ``table``, [] when a rolled-back load left no such table (or no file)."""
    if not database.exists():
        return []
    try:
        return rows(database, table)
    except duckdb.CatalogException:
        return []
