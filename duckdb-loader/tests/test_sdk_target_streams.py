"""The Singer SDK's own target test streams (singer_sdk/testing/target_test_streams), written by
the SDK's authors for every Singer target: each lands with every record and every value, or is
refused with one line where the SDK's suite expects a failure."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from conftest import column_types, load, rows

STREAM_FILES = resources.files("singer_sdk.testing") / "target_test_streams"
REFUSED = {  # file -> what the one error line says (the SDK's suite expects these to fail)
    "invalid_schema.singer": "stream test_invalid_schema: its schema declares no properties",
    "record_before_schema.singer": "a RECORD before its SCHEMA",
}
FILES = sorted(p.name for p in STREAM_FILES.iterdir() if p.name.endswith(".singer"))


def _messages(name: str) -> list[dict]:
    return [json.loads(line) for line in (STREAM_FILES / name).read_text().splitlines() if line.strip()]


def _table(stream: str) -> str:
    return '"raw".' + '"' + stream.replace(".", "_").replace("-", "_").lower() + '"'


def _plain(value):
    """JSON values compared as JSON means them: every number as a float, keys as they are."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _landed(value, column_type: str):
    if value is None:
        return None
    if column_type == "JSON":
        return _plain(json.loads(value))
    if column_type == "TIMESTAMP":
        return value.isoformat()
    return _plain(value)


def _sent(value, column_type: str):
    if value is None:
        return None
    if column_type == "TIMESTAMP":
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return moment.isoformat()
    return _plain(value)


def _row_text(values: dict) -> str:
    return json.dumps({k: v for k, v in values.items() if v is not None}, sort_keys=True)


@pytest.mark.parametrize("name", FILES)
def test_sdk_target_stream_lands_every_record_and_value(name, tmp_path: Path, database: Path):
    source = Path(str(STREAM_FILES / name))
    run = load(tmp_path, database, source, add_metadata_columns=False)

    if name in REFUSED:
        assert run.returncode == 1, run.stderr
        assert len(run.error_lines) == 1 and REFUSED[name] in run.error_lines[0], run.stderr
        assert run.states == []
        return
    assert run.returncode == 0, run.stderr
    messages = _messages(name)
    sent_states = [m["value"] for m in messages if m["type"] == "STATE"]
    if sent_states:
        assert run.states[-1] == sent_states[-1]  # the last state, once everything committed
    streams = {m["stream"] for m in messages if m["type"] == "SCHEMA"}
    for stream in streams:
        records = [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]
        table = _table(stream)
        types = column_types(database, table.replace('"', ""))
        landed = rows(database, table)
        assert len(landed) == len(records), stream
        # Every value a record holds is in a row of its own (columns are the lower-cased names).
        expected = Counter(_row_text({k.lower(): _sent(v, types[k.lower()]) for k, v in r.items()})
                           for r in records)
        actual = Counter(_row_text({k: _landed(v, types[k]) for k, v in row.items()}) for row in landed)
        assert actual == expected, stream


@pytest.mark.parametrize("name", [f for f in FILES if f not in REFUSED])
def test_sdk_target_stream_lands_flattened(name, tmp_path: Path, database: Path):
    """The same files with flattening on (the project's setting): every record lands."""
    source = Path(str(STREAM_FILES / name))
    run = load(tmp_path, database, source, flattening_enabled=True, flattening_max_depth=1)

    assert run.returncode == 0, run.stderr
    messages = _messages(name)
    for stream in {m["stream"] for m in messages if m["type"] == "SCHEMA"}:
        sent = sum(1 for m in messages if m["type"] == "RECORD" and m["stream"] == stream)
        assert len(rows(database, _table(stream))) == sent, stream
