"""The guard around the real DuckDB loader, callio-target-duckdb (and around broken targets
built on it)."""

from __future__ import annotations

import json
import subprocess

import duckdb

from callio_load_guard.load_sequence import sequence_of

from conftest import BIN, LOADER, SECRET, helper_command, run_guard_cli, write_messages

GUARD = "guarded-target-duckdb"


def landed(database, stream):
    with duckdb.connect(str(database), read_only=True) as connection:
        return dict(connection.execute(
            f"SELECT tenant, count(*) FROM raw.{stream} GROUP BY tenant").fetchall())


def load_ids(database, stream):
    with duckdb.connect(str(database), read_only=True) as connection:
        return [row[0] for row in connection.execute(
            f"SELECT DISTINCT _load_id FROM raw.{stream}").fetchall()]


def test_happy_path_lands_everything_and_forwards_last_state(duckdb_setup, tmp_path):
    config, database = duckdb_setup
    # 230 per (stream, tenant) with batch_size_rows 100: several batches per stream, so a
    # loader that drops a row of a batch (target-duckdb 0.8.0 on a newer duckdb) would show.
    messages = tmp_path / "in.jsonl"
    written = write_messages(messages, per_group=230)

    run = run_guard_cli(GUARD, config, messages)

    assert run.returncode == 0, run.stderr
    assert len(run.state_lines) == 1  # only the last state, once
    assert json.loads(run.state_lines[0]) == written["states"][-1]
    for stream in ("calls", "customers"):
        assert landed(database, stream) == {
            tenant: n for (s, tenant), n in written["sent"].items() if s == stream}
        ids = load_ids(database, stream)
        assert ids == [ids[0]] and sequence_of(ids[0]) == 1  # one id for the whole load
    assert "all 920 records" in run.stderr
    assert "Warning" not in run.stderr  # e.g. the target's stdout pipe left unclosed


def test_forwards_exactly_the_last_state_the_real_target_printed(duckdb_setup, tmp_path):
    config, _ = duckdb_setup
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=250)
    unguarded_config = tmp_path / "unguarded.json"
    settings = json.loads(config.read_text())
    settings["filepath"] = str(tmp_path / "unguarded.duckdb")
    unguarded_config.write_text(json.dumps(settings))
    with messages.open("rb") as stdin:
        unguarded = subprocess.run([str(BIN / LOADER), "--config", str(unguarded_config)],
                                   stdin=stdin, capture_output=True, check=True)
    target_states = [line for line in unguarded.stdout.decode().splitlines() if line.strip()]
    assert len(target_states) > 1  # it emits a state per commit; the guard keeps only the last

    run = run_guard_cli(GUARD, config, messages)

    assert run.returncode == 0, run.stderr
    assert run.state_lines == [target_states[-1]]  # byte for byte


def test_second_run_appends_with_a_new_load_id(duckdb_setup, tmp_path):
    config, database = duckdb_setup
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=30)

    first = run_guard_cli(GUARD, config, messages)
    second = run_guard_cli(GUARD, config, messages)

    assert first.returncode == 0 and second.returncode == 0, second.stderr
    # Append-only raw layer: re-read rows are kept as a second version (dbt dedupes).
    assert landed(database, "calls") == {"PK": 60, "HN": 60}
    assert len(load_ids(database, "calls")) == 2


def test_target_that_loses_rows_but_exits_zero_forwards_no_state(duckdb_setup, tmp_path):
    config, database = duckdb_setup
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=120)

    run = run_guard_cli(GUARD, config, messages,
                        target_command=helper_command("lossy_target.py", "calls", "PK", "20"))

    assert run.returncode != 0
    assert run.stdout == ""
    assert landed(database, "calls")["PK"] == 20  # the loss really happened
    assert ("load-guard: calls/PK: sent 120 records, 20 landed in raw.calls"
            " — bookmark not advanced, the next run re-reads them") in run.stderr
    short_lines = [line for line in run.stderr.splitlines() if "bookmark not advanced" in line]
    assert len(short_lines) == 1  # calls/HN and customers/* are complete


def test_target_that_loses_a_whole_stream_tenant(duckdb_setup, tmp_path):
    config, _ = duckdb_setup
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=40)

    run = run_guard_cli(GUARD, config, messages,
                        target_command=helper_command("lossy_target.py", "customers", "HN", "0"))

    assert run.returncode != 0
    assert run.stdout == ""
    assert "customers/HN: sent 40 records, 0 landed in raw.customers" in run.stderr


def test_failing_target_passes_its_exit_code_and_no_state(duckdb_setup, tmp_path):
    config, _ = duckdb_setup
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=5)

    run = run_guard_cli(GUARD, config, messages,
                        target_command=helper_command("failing_target.py", "7"))

    assert run.returncode == 7
    assert run.stdout == ""
    assert "failing_target: simulated load failure" in run.stderr  # target stderr passed through
    assert "target exited with code 7" in run.stderr


def test_real_target_failure_passes_its_exit_code(duckdb_setup, tmp_path):
    config, _ = duckdb_setup
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=5)
    with messages.open("a") as out:  # a record for a stream that never had a SCHEMA
        out.write(json.dumps({"type": "RECORD", "stream": "ghost", "record": {"x": 1}}) + "\n")

    run = run_guard_cli(GUARD, config, messages)

    assert run.returncode != 0
    assert run.stdout == ""
    assert "callio-target-duckdb: stream ghost: a RECORD before its SCHEMA" in run.stderr


def test_config_the_loader_would_refuse_is_refused_up_front(duckdb_setup, tmp_path):
    config, database = duckdb_setup
    settings = json.loads(config.read_text())
    del settings["default_target_schema"]
    config.write_text(json.dumps(settings))
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=5)

    run = run_guard_cli(GUARD, config, messages)

    assert run.returncode == 2
    assert run.stdout == ""
    assert "load-guard: unusable target config: setting 'default_target_schema' is missing" in run.stderr
    assert not database.exists()  # the target never ran


def test_no_secret_in_any_output(duckdb_setup, tmp_path):
    config, _ = duckdb_setup
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=10)
    runs = [
        run_guard_cli(GUARD, config, messages),
        run_guard_cli(GUARD, config, messages,
                      target_command=helper_command("lossy_target.py", "calls", "HN", "1")),
        run_guard_cli(GUARD, config, messages,
                      target_command=helper_command("failing_target.py", "3")),
    ]
    assert [run.returncode == 0 for run in runs] == [True, False, False]
    for run in runs:
        assert SECRET not in run.stdout
        assert SECRET not in run.stderr


def test_unreadable_config_never_echoes_its_content(tmp_path):
    config = tmp_path / "broken.json"
    config.write_text('{"filepath": "x.duckdb", "password": "' + SECRET + '",')  # truncated JSON
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=1)

    run = run_guard_cli(GUARD, config, messages)

    assert run.returncode == 2
    assert run.stdout == ""
    assert "cannot read the target config (JSONDecodeError)" in run.stderr
    assert SECRET not in run.stderr


def test_missing_target_executable_is_a_clean_failure(duckdb_setup, tmp_path):
    config, _ = duckdb_setup
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=1)

    run = run_guard_cli(GUARD, config, messages, target_command="/nonexistent/target-duckdb")

    assert run.returncode == 127
    assert run.stdout == ""
    assert "cannot start the target '/nonexistent/target-duckdb'" in run.stderr
