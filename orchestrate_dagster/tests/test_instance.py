"""Dagster's instance file (orchestrate_dagster/instance.py), read back by Dagster itself."""

from __future__ import annotations

import stat
from urllib.parse import parse_qs, urlsplit

import dagster as dg

from orchestrate_dagster.instance import SCHEMA, STORAGE_URL, storage_url, write_instance

URI = "postgresql+psycopg://callio:s3cret-Pw@db.example:6432/meltano?sslmode=require"


def test_the_storage_url_is_dagster_postgres_form_in_a_schema_of_its_own():
    url = urlsplit(storage_url(URI))
    assert (url.scheme, url.username, url.password, url.hostname, url.port, url.path) == \
        ("postgresql+psycopg2", "callio", "s3cret-Pw", "db.example", 6432, "/meltano")
    query = parse_qs(url.query)
    assert query == {"sslmode": ["require"], "options": [f"-c search_path={SCHEMA}"]}


def test_the_instance_file_names_the_variable_never_the_uri(tmp_path):
    path = write_instance(tmp_path / "home", postgres=True)
    text = path.read_text()
    assert STORAGE_URL in text and "://" not in text and "s3cret" not in text
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700


def test_dagster_reads_it_as_a_queue_with_one_run_per_tenant_partition_and_only_the_daemons_used(tmp_path):
    home = tmp_path / "home"
    write_instance(home, postgres=False)  # the same file but for the storage, which needs a server
    with dg.DagsterInstance.from_config(str(home)) as instance:
        coordinator = instance.run_coordinator
        assert type(coordinator).__name__ == "QueuedRunCoordinator"
        limits = coordinator.get_run_queue_config().tag_concurrency_limits
        assert limits == [{"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}]
        assert instance.run_monitoring_enabled and instance.run_monitoring_max_runtime_seconds == 24 * 3600
        assert sorted(instance.get_required_daemon_types()) == \
            ["BACKFILL", "MONITORING", "QUEUED_RUN_COORDINATOR", "SCHEDULER", "SENSOR"]
