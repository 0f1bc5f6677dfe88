"""The guard's private folder (mode 0700): the load sequence and the loader's temporary files.

A loader writes each batch of records to a temporary file (target-duckdb: a CSV of customer and
call records, up to ~11 MB). In the system temp folder such a file is readable by every user and
stays there when the load is killed. The guard points the loader's TMPDIR at a folder of its own
per load instead, removes it when the load ends for any reason it can see, and at the next start
removes what a killed load left behind (a folder whose lock no living guard holds).

Where: ``$LOAD_GUARD_HOME``, else ``load-guard/`` in Meltano's system folder
(``$MELTANO_SYS_DIR_ROOT``, else ``$MELTANO_PROJECT_ROOT/.meltano``, else ``./.meltano``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

HOME_ENV = "LOAD_GUARD_HOME"
PRIVATE_MODE = 0o700
TEMP_ENV_NAMES = ("TMPDIR", "TEMP", "TMP")  # the names Python's tempfile (and most tools) read


def guard_home() -> Path:
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit)
    system_dir = os.environ.get("MELTANO_SYS_DIR_ROOT")
    if system_dir:
        return Path(system_dir) / "load-guard"
    root = os.environ.get("MELTANO_PROJECT_ROOT") or os.getcwd()
    return Path(root) / ".meltano" / "load-guard"


def private_folder(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_MODE)
    os.chmod(path, PRIVATE_MODE)  # mkdir's mode is cut by the umask; an old folder may be wider
    return path


def _try_lock(handle) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def clear_leftovers(temp_root: Path) -> list[str]:
    """Remove every load folder under ``temp_root`` whose guard is gone; return their names.

    Each live load holds an exclusive lock on ``<name>.lock`` (created before its folder), so a
    lock we can take, or a folder without a lock file, belongs to a load that ended or was
    killed. Folders of loads still running (another guard at the same time) are left alone."""
    removed = []
    for lock_path in sorted(temp_root.glob("*.lock")):
        with open(lock_path, "a+b") as handle:
            if not _try_lock(handle):
                continue  # a running load
            shutil.rmtree(temp_root / lock_path.stem, ignore_errors=True)
            lock_path.unlink(missing_ok=True)
            removed.append(lock_path.stem)
    for entry in sorted(temp_root.iterdir()):
        if entry.suffix != ".lock" and not (temp_root / f"{entry.name}.lock").exists():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry.name)
    return removed


@contextlib.contextmanager
def load_temp_folder(home: Path, load_id: str) -> Iterator[tuple[Path, list[str]]]:
    """A private temp folder for one load: yields (folder, names of leftovers cleared first);
    the folder and everything in it is gone when the block ends, however it ends."""
    temp_root = private_folder(home / "tmp")
    cleared = clear_leftovers(temp_root)
    lock_path = temp_root / f"{load_id}.lock"
    folder = temp_root / load_id
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            folder.mkdir(mode=PRIVATE_MODE)
            yield folder, cleared
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            lock_path.unlink(missing_ok=True)


def environment_with_temp(folder: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The loader's environment: as ours, with every temp-folder variable set to ``folder``."""
    env = dict(os.environ if base is None else base)
    for name in TEMP_ENV_NAMES:
        env[name] = str(folder)
    return env
