"""Warehouse slots: a DuckDB path and a dbt target folder that the tests of one checkout hold in
turn, so that dbt can reuse its parse of the project from one test to the next.

dbt reuses its last parse (partial parsing: <target>/partial_parse.msgpack) only when the profile
is unchanged, and the profile holds the DuckDB file's path. With a new path for every test, every
test's first build parsed the whole project again: 2.5-4 CPU-s on top of a build's 8.5
(docs/decisions.md, "Testing"). A slot is a folder of a fixed name; a test holds it (an exclusive
`flock`, released when the test ends or its process dies) and finds it empty but for dbt's
target. What dbt does with a parse of the same project, files changed or not, is dbt's own
partial parsing: the slots only stop throwing its result away.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# One set of slots per checkout: a CI clone and a developer's working tree may test at once.
SLOTS_ROOT = (Path(tempfile.gettempdir())
              / f"callio-test-slots-{hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:12]}")
KEPT = {"lock", "dbt-target"}


@dataclass(frozen=True)
class Slot:
    warehouse: Path  # CALLIO_DUCKDB_PATH
    dbt_target: Path  # DBT_TARGET_PATH


@contextlib.contextmanager
def warehouse_slot() -> Iterator[Slot]:
    """Hold the first free slot of this checkout while the block runs; its warehouse starts absent."""
    SLOTS_ROOT.mkdir(exist_ok=True)
    for number in itertools.count():
        folder = SLOTS_ROOT / f"slot-{number}"
        folder.mkdir(exist_ok=True)
        # open() gives a descriptor no child process inherits: a daemon a test starts never keeps
        # the slot after the test
        lock = (folder / "lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        with lock:
            for leftover in folder.iterdir():  # the last holder's warehouse, its WAL and spill folder
                if leftover.name not in KEPT:
                    shutil.rmtree(leftover) if leftover.is_dir() and not leftover.is_symlink() else leftover.unlink()
            yield Slot(folder / "warehouse.duckdb", folder / "dbt-target")
        return
