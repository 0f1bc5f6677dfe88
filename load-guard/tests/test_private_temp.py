"""The loader's batch files (records in clear) never sit in the system temp folder: they go to a
private folder of the guard (0700) that is removed when a load ends, and what a killed load left
there is removed at the next start."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time

from conftest import BIN, helper_command, run_guard_cli, write_messages

GUARD = "guarded-target-duckdb"


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_failed_load_leaves_no_batch_file(duckdb_setup, guard_home, tmp_path, monkeypatch):
    config, _ = duckdb_setup
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(system_temp))
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=20)

    run = run_guard_cli(GUARD, config, messages,
                        target_command=helper_command("batch_file_target.py", "1"))

    assert run.returncode == 1
    assert "batch_file_target: left" in run.stderr  # it did write a batch file
    assert files_under(system_temp) == []
    assert files_under(guard_home / "tmp") == []  # removed when the load ended


def test_a_killed_load_leaves_nothing_readable_and_the_next_start_clears_it(
        duckdb_setup, guard_home, tmp_path, monkeypatch):
    config, _ = duckdb_setup
    settings = json.loads(config.read_text())
    settings["batch_size_rows"] = 100_000  # one big batch: its spool file is on disk for a while
    config.write_text(json.dumps(settings))
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(system_temp))
    messages = tmp_path / "in.jsonl"
    write_messages(messages, per_group=5_000)

    with messages.open("rb") as stdin:
        guard = subprocess.Popen([str(BIN / GUARD), "--config", str(config)], stdin=stdin,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
    # The real loader spools its batch file; kill the whole load (guard and loader) the
    # moment the file shows up, wherever it is written, as a power cut or the OOM killer would.
    deadline = time.monotonic() + 120
    while not [f for f in files_under(system_temp) + files_under(guard_home)
               if f.endswith(".ndjson")]:
        assert guard.poll() is None, "the load ended before its batch file was seen"
        assert time.monotonic() < deadline, "no batch file appeared"
        time.sleep(0.01)
    os.killpg(guard.pid, signal.SIGKILL)
    guard.wait()

    assert files_under(system_temp) == []  # nothing in the folder every user can read
    leftovers = [f for f in files_under(guard_home / "tmp") if f.endswith(".ndjson")]
    assert leftovers, "the killed load's batch file should be in the private folder"
    for folder in (guard_home, guard_home / "tmp"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    small = tmp_path / "small.jsonl"
    write_messages(small, per_group=2)
    run = run_guard_cli(GUARD, config, small)
    assert run.returncode == 0, run.stderr
    assert "removed the temporary files of 1 earlier load(s)" in run.stderr
    assert files_under(guard_home / "tmp") == []
