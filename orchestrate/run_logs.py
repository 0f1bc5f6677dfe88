"""Where each job run keeps its full log: ``logs/runs/<YYYY-MM-DD>/<HHMMSS>-<job>.log`` (UTC),
with the run's report beside it (``.json``, read by ``python -m orchestrate.runs``).

``CALLIO_LOG_DIR`` moves the folder; ``CALLIO_LOG_RETENTION_DAYS`` (default 30) says how many
days of run logs are kept (older day folders are removed when a run starts). The folders are
private (0700): run logs name tenants and hold error texts of the API.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from orchestrate import runner_settings
from orchestrate.project_env import PROJECT_ROOT, setting


def log_root() -> Path:
    return Path(setting("CALLIO_LOG_DIR") or PROJECT_ROOT / "logs")


def runs_dir() -> Path:
    return log_root() / "runs"


def retention_days() -> int:
    return int(runner_settings.number("CALLIO_LOG_RETENTION_DAYS"))


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def new_log_file(job: str, now: datetime | None = None) -> Path:
    now = now or datetime.now(UTC)
    private_dir(log_root())
    private_dir(runs_dir())
    day = private_dir(runs_dir() / now.strftime("%Y-%m-%d"))
    path = day / f"{now.strftime('%H%M%S')}-{job}.log"
    path.touch(mode=0o600)
    return path


def prune(today: date | None = None) -> list[Path]:
    """Remove day folders older than the retention; returns what was removed."""
    today = today or datetime.now(UTC).date()
    oldest_kept = today - timedelta(days=retention_days() - 1)
    removed = []
    if not runs_dir().is_dir():
        return removed
    for day in runs_dir().iterdir():
        try:
            when = date.fromisoformat(day.name)
        except ValueError:
            continue
        if day.is_dir() and when < oldest_kept:
            shutil.rmtree(day, ignore_errors=True)
            removed.append(day)
    return removed


def recent_reports(limit: int) -> list[Path]:
    """The newest run reports first."""
    if not runs_dir().is_dir():
        return []
    found = sorted(runs_dir().glob("*/*.json"), key=lambda p: (p.parent.name, p.name), reverse=True)
    return found[:limit]
