"""Fixtures for the BigQuery path on the local emulator (bigquery/README.md).

Run with the loader venv, which has the BigQuery client, z3-target-bigquery, dbt-bigquery and
the load guard:  bash bigquery/setup_emulator.sh && bigquery/.venv-loader/bin/pytest tests/bigquery -q

One emulator serves the whole session; every test writes to datasets of its own, so tests stay
independent without paying the emulator start each time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "bigquery"))
sys.path.insert(0, str(HERE.parent))  # tests/: oracle, support
sys.path.insert(0, str(HERE))

# These tests need the loader venv (bigquery/.venv-loader). Under another interpreter (the
# project's main test run) the folder is not collected instead of failing on imports; run it
# with bigquery/.venv-loader/bin/pytest.
try:
    import google.cloud.bigquery  # noqa: F401
    import target_bigquery  # noqa: F401
except ImportError:
    collect_ignore_glob = ["test_*.py"]

from loader_runs import (  # noqa: E402
    LOADER_BIN,
    SMALL,
    loader_env,
    run_loader,
    target_config,
)
from singer_messages import write_singer_file  # noqa: E402

from emulator import running_emulator  # noqa: E402


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    with running_emulator(log_dir=tmp_path_factory.mktemp("bqemulator")) as emu:
        yield emu


@pytest.fixture(scope="session")
def bq_client(emulator):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    client = bigquery.Client(project=emulator.project, credentials=AnonymousCredentials(),
                             client_options={"api_endpoint": emulator.endpoint})
    yield client
    client.close()


@pytest.fixture(scope="session")
def singer_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("singer") / "callio.singer.jsonl"
    write_singer_file(path, **SMALL)
    return path


@pytest.fixture(scope="session")
def one_stream_singer_file(tmp_path_factory) -> Path:
    """The calls alone, for the lost gzip load. z3-target-bigquery 0.7.2 looks for a failed
    load job only when it starts draining a sink, before handing that sink's job to its worker:
    with several streams, a job that fails while the next sink is drained makes it exit 1
    (seen once in a run of .ci/run: "Malformed JSON"), one that fails later is never looked at (exit 0, STATE, no
    rows). With one sink the job always starts after the last look: the silent loss, every time."""
    path = tmp_path_factory.mktemp("singer") / "calls.singer.jsonl"
    write_singer_file(path, **SMALL, streams=("calls",))
    return path


@pytest.fixture(scope="session")
def landed_raw(emulator, singer_file, tmp_path_factory) -> str:
    """The Singer file loaded once through the load guard and the launcher with no-gzip, as in
    production (every raw row carries the guard's `_load_id`, which the marts read); returns the
    dataset."""
    dataset = "callio_raw"
    config = target_config(tmp_path_factory.mktemp("landed"), emulator, dataset)
    result = run_loader([str(LOADER_BIN / "guarded-target-bigquery")], config, singer_file,
                        loader_env(emulator, gzip=False))
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return dataset
