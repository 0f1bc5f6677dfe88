"""The variables the orchestrator itself reads, from the shell or the project's ``.env``.

Meltano reads ``.env`` for the plugins' settings; the job runner, the daemon and the schedule
generators are not Meltano, so they read the same file here (the shell wins, as in Meltano) for
their own variables: ``MELTANO_ENVIRONMENT``, ``LOG_LEVEL``, ``SCHEDULER_RUN_TIMES_UTC``,
``SCHEDULER_STAFF_GROUP_TIME_UTC``, the BigQuery and account variables the preflight checks.

``CALLIO_ENV_FILE`` names another file (tests; a server keeping it under /etc); every ``meltano``
call of the orchestrator then gets ``--env-file`` with it, so both read the same values.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# python-dotenv warns on stderr about a line it cannot parse; the preflight names that line and
# its variable instead (orchestrate.dotenv_check), once, as an error.
logging.getLogger("dotenv.main").setLevel(logging.ERROR)


def env_file() -> Path:
    named = os.environ.get("CALLIO_ENV_FILE")
    return Path(named).resolve() if named else PROJECT_ROOT / ".env"


@functools.cache
def _file_values(path: Path, _mtime: float) -> dict[str, str]:
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def project_env() -> Mapping[str, str]:
    """``.env`` overlaid by the shell: the values Meltano would see."""
    path = env_file()
    values: dict[str, str] = {}
    if path.is_file():
        values.update(_file_values(path, path.stat().st_mtime))
    values.update(os.environ)
    return values


def setting(name: str, default: str | None = None) -> str | None:
    """One variable, blank counting as unset (as the old script did)."""
    value = project_env().get(name)
    return value if value not in (None, "") else default


def log_level() -> str:
    """The old script's LOG_LEVEL (upper-cased there): how much the job runner's console shows."""
    return (setting("LOG_LEVEL") or "INFO").strip().lower()
