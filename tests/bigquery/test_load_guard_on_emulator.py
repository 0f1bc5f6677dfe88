"""load-guard's guarded-target-bigquery wrapping the emulated target (LOAD_GUARD_TARGET_COMMAND)."""

from __future__ import annotations

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
