"""Load ids grow from one load to the next whatever the loader's clock does, and keep growing
when either the warehouse or the guard's own counter is lost."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from callio_load_guard.load_sequence import format_load_id, sequence_of

from conftest import BIN, LOADER, run_guard_cli, write_messages

GUARD = "guarded-target-duckdb"


def loads(database):
    """(sequence, newest _sdc_batched_at) per load id found in raw.calls, oldest first."""
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "SELECT _load_id, max(_sdc_batched_at) FROM raw.calls GROUP BY 1").fetchall()
    return sorted((sequence_of(load_id), batched_at) for load_id, batched_at in rows)


def run_under_clock(config, messages, offset: str | None):
    """The guarded target with the whole process tree's clock shifted by ``offset`` (faketime)."""
    command = None
    if offset is not None:
        faketime = shutil.which("faketime")
        assert faketime, "faketime is missing (scripts/test.sh installs Debian's faketime)"
        command = f"{faketime} -f {offset} {BIN / LOADER}"
    return run_guard_cli(GUARD, config, messages, target_command=command)


def test_load_ids_grow_while_the_loader_clock_jumps_both_ways(duckdb_setup, tmp_path):
    config, database = duckdb_setup
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=3)

    # 30 minutes ahead, then 2 hours behind (a jump back), then the true time (a jump forward).
    for offset in ("+30m", "-2h", None):
        run = run_under_clock(config, messages, offset)
        assert run.returncode == 0, run.stderr

    history = loads(database)
    assert [sequence for sequence, _ in history] == [1, 2, 3]
    batched = [batched_at for _, batched_at in history]
    # The loader's clock really jumped: its timestamps are not in load order.
    assert batched[0] > batched[1] and batched[2] > batched[1] and batched[0] > batched[2]


def test_sequence_survives_a_lost_counter_or_a_lost_warehouse(duckdb_setup, guard_home, tmp_path):
    config, database = duckdb_setup
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=2)
    assert run_guard_cli(GUARD, config, messages).returncode == 0

    (guard_home / "load-sequence").unlink()  # the project folder lost (a new machine)
    assert run_guard_cli(GUARD, config, messages).returncode == 0
    assert [s for s, _ in loads(database)] == [1, 2]  # continued from the warehouse

    other = tmp_path / "restored.duckdb"  # the warehouse lost: a fresh file
    settings = json.loads(config.read_text())
    settings["filepath"] = str(other)
    config.write_text(json.dumps(settings))
    assert run_guard_cli(GUARD, config, messages).returncode == 0
    assert [s for s, _ in loads(other)] == [3]  # continued from the guard's counter


@pytest.mark.parametrize("load_id, sequence", [
    (format_load_id(42), 42),
    ("000000000007-9f3c1a7e", 7),
    ("f47ac10b-58cc-4372-a567-0e02b2c3d479", 0),  # uuid4 of the first guard version
    ("12345678-1234-4234-8234-123456789abc", 0),  # a uuid4 that starts with digits
    (None, 0),
    ("", 0),
])
def test_sequence_of(load_id, sequence):
    assert sequence_of(load_id) == sequence
