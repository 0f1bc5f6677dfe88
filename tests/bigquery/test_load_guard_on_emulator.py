"""load-guard's guarded-target-bigquery wrapping the emulated target (LOAD_GUARD_TARGET_COMMAND)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from loader_runs import (
    LOADER_BIN,
    SMALL,
    loader_env,
    row_counts,
    run_loader,
    state_lines,
    target_config,
)
from singer_messages import FINAL_STATE, expected_counts

GUARD = LOADER_BIN / "guarded-target-bigquery"

pytestmark = pytest.mark.skipif(
    not GUARD.exists(), reason="load-guard is not installed in this venv (bigquery/setup_emulator.sh "
                               "installs it when load-guard/ exists)")


def test_guard_fails_loudly_and_holds_state_when_the_gzip_load_is_lost(emulator, one_stream_singer_file,
                                                                        bq_client, tmp_path):
    """The target exits 0 with STATE and no rows (one stream: see conftest); the guard counts."""
    dataset = "raw_guarded_gzip"
    result = run_loader([str(GUARD)], target_config(tmp_path, emulator, dataset), one_stream_singer_file,
                        loader_env(emulator, gzip=True))

    assert result.returncode != 0
    assert state_lines(result.stdout) == []  # no bookmark forwarded
    stderr = result.stderr.decode()
    assert "load-guard" in stderr and "0 landed" in stderr, stderr[-2000:]
    assert all(n == 0 for n in row_counts(bq_client, dataset).values())


def test_guard_forwards_state_when_every_row_landed(emulator, singer_file, bq_client, tmp_path):
    dataset = "raw_guarded_ok"
    result = run_loader([str(GUARD)], target_config(tmp_path, emulator, dataset), singer_file,
                        loader_env(emulator, gzip=False))

    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert state_lines(result.stdout) == [FINAL_STATE]
    assert row_counts(bq_client, dataset) == expected_counts(**SMALL)


def test_a_dataset_and_tables_another_machine_created_meanwhile_are_taken_not_a_failure(emulator, singer_file,
                                                                                         bq_client, tmp_path):
    """Two machines' first loads into a new raw dataset, side by side: each looks the dataset and its
    tables up, finds none, creates them, and the slower create meets BigQuery's 409 "Already
    Exists". The later load (the emulated target's stale lookups: each first lookup misses) takes
    what the other made and lands every row, instead of failing that tenant's night."""
    dataset = "raw_guarded_race"
    config = target_config(tmp_path, emulator, dataset)
    first = run_loader([str(GUARD)], config, singer_file, loader_env(emulator, gzip=False))
    assert first.returncode == 0, first.stderr.decode()[-3000:]

    late = run_loader([str(GUARD)], config, singer_file,
                      {**loader_env(emulator, gzip=False), "EMULATED_TARGET_STALE_LOOKUP": "1"})
    assert late.returncode == 0, late.stderr.decode()[-3000:]
    assert state_lines(late.stdout) == [FINAL_STATE]
    assert row_counts(bq_client, dataset) == {table: 2 * n for table, n in expected_counts(**SMALL).items()}


def test_the_target_the_guard_runs_in_production_is_installed_and_is_z3s(monkeypatch):
    """guarded-target-bigquery runs callio-target-bigquery (z3's target with the creates above) from
    its own venv when no LOAD_GUARD_TARGET_COMMAND is set."""
    from callio_load_guard import cli

    launcher = LOADER_BIN / "callio-target-bigquery"
    monkeypatch.delenv("LOAD_GUARD_TARGET_COMMAND", raising=False)
    about = subprocess.run([str(launcher), "--about", "--format=json"], capture_output=True, text=True,
                           timeout=120, check=False)
    assert about.returncode == 0, about.stderr[-2000:]
    assert json.loads(about.stdout)["name"] == "target-bigquery"

    started = []
    monkeypatch.setattr(cli.os, "execvp", lambda file, command: started.append(command) or sys.exit(0))
    monkeypatch.setattr(sys, "argv", ["guarded-target-bigquery", "--about"])
    with pytest.raises(SystemExit):
        cli.main_bigquery()
    assert started == [[str(launcher), "--about"]]
