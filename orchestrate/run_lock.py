"""One pipeline run at a time on this machine (a file lock under .meltano/run/).

Two runs at once would read the same bookmarks and write the same tables; the lock makes the
second one wait (the daemon) or leave without doing anything (``--no-wait``, e.g. from cron).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from orchestrate.meltano_cli import PROJECT_ROOT


class Busy(Exception):
    """Another run holds the lock."""


def lock_path() -> Path:
    return Path(os.environ.get("CALLIO_RUN_LOCK", PROJECT_ROOT / ".meltano" / "run" / "callio-run.lock"))


@contextlib.contextmanager
def exclusive_run(*, wait: bool) -> Iterator[None]:
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=-1 if wait else 0)
    except Timeout:
        raise Busy(str(path)) from None
    try:
        yield
    finally:
        lock.release()
