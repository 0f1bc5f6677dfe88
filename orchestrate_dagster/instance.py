"""Dagster's instance (``$DAGSTER_HOME/dagster.yaml``): where its runs live and how many go at once.

- Storage (runs, events, schedules' ticks): with a PostgreSQL system database
  (``MELTANO_DATABASE_URI=postgresql+psycopg://...``), the same database, in a schema of its own,
  ``dagster`` (Meltano's tables and Dagster's share names such as ``runs`` and
  ``alembic_version``); otherwise SQLite files under ``DAGSTER_HOME``. The file names only the
  variable that holds the URI (``CALLIO_DAGSTER_STORAGE_URL``, set by the launcher for Dagster's
  own processes), never the URI: it holds a password.
- Runs are queued (``QueuedRunCoordinator``) with at most one run per tenant partition at a time
  (the tag ``dagster/partition``): two runs of one tenant would wait for each other's extract
  lock anyway; queued, the second one waits in Dagster's queue, visible, instead of inside a step.
- Only the daemons the code location uses: schedules, sensors, the queue, run monitoring (and
  backfills, always on). No declarative automation and no freshness policies are defined, so
  their daemons are off instead of polling the storage for nothing.
- Run monitoring: a run that does not start within 5 minutes, or runs longer than a day, is
  failed, so that a run lost with its worker (Dagster's default launcher cannot tell a dead worker
  from a slow one) does not hold its tenant's place in the queue for ever. A day is above
  anything the job runner lets a run take (each task ends at ``CALLIO_TASK_TIMEOUT``, 4 h).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import yaml

STORAGE_URL = "CALLIO_DAGSTER_STORAGE_URL"
SCHEMA = "dagster"
PARTITION_TAG = "dagster/partition"
RUN_START_TIMEOUT_S = 300
RUN_MAX_RUNTIME_S = 24 * 3600


DRIVER = "postgresql+psycopg2"  # dagster-postgres' driver; SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3


def storage_url(system_database_uri: str) -> str:
    """Meltano's ``postgresql+psycopg://...`` as the URL dagster-postgres takes (its driver,
    psycopg2), every connection in the schema ``dagster``."""
    parts = urlsplit(system_database_uri)
    query = dict(parse_qsl(parts.query))
    query["options"] = " ".join(filter(None, [query.get("options"), f"-c search_path={SCHEMA}"]))
    return urlunsplit((DRIVER, parts.netloc, parts.path, urlencode(query, quote_via=quote), parts.fragment))


def instance_config(*, postgres: bool) -> dict:
    config: dict = {
        "telemetry": {"enabled": False},
        "nux": {"enabled": False},  # the UI's first-visit newsletter dialog
        "auto_materialize": {"enabled": False, "use_sensors": False},
        "freshness": {"enabled": False},
        "run_coordinator": {
            "module": "dagster",
            "class": "QueuedRunCoordinator",
            "config": {"tag_concurrency_limits": [
                {"key": PARTITION_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1},
            ]},
        },
        "run_monitoring": {"enabled": True, "start_timeout_seconds": RUN_START_TIMEOUT_S,
                           "max_runtime_seconds": RUN_MAX_RUNTIME_S, "max_resume_run_attempts": 0},
    }
    if postgres:
        config["storage"] = {"postgres": {"postgres_url": {"env": STORAGE_URL}}}
    return config


def write_instance(home: Path, *, postgres: bool) -> Path:
    """Write ``dagster.yaml`` (private folder: Dagster's local logs hold the runner's output)."""
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    path = home / "dagster.yaml"
    path.write_text("# Written by orchestrate_dagster/instance.py at each start of scripts/dagster.sh: edit that.\n"
                    + yaml.safe_dump(instance_config(postgres=postgres), sort_keys=False), encoding="utf-8")
    return path


def create_schema(url: str) -> None:
    """The schema of Dagster's tables, made once (Dagster makes its tables, not the schema; without
    it they would land in ``public`` beside Meltano's)."""
    import psycopg2  # noqa: PLC0415 (dagster-postgres' driver; only the PostgreSQL mode needs it)

    connection = psycopg2.connect(url.replace(DRIVER, "postgresql", 1))  # libpq's own form
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {SCHEMA}")
    finally:
        connection.close()
