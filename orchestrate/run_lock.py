"""One pipeline run at a time on this machine (a lock file under .meltano/run/).

Two runs at once would read the same bookmarks and write the same tables; the lock makes the
second one wait (the daemon) or leave without doing anything (``--no-wait``, e.g. from cron).

The lock must outlive a runner killed outright (``kill -9`` of its process group, what an OOM
killer or ``timeout -s KILL`` does): each task runs in a session of its own, so the task's
``meltano run`` and its plugins would go on writing with the lock free. Two things prevent it:

- the lock is a ``flock`` on an open file, and the runner hands that open file to every task it
  starts (:attr:`HeldLock.inherited_fds`): the lock is released only when the last process
  holding it ends, the runner or its task;
- the runner records each task's process group beside the lock (``<lock>.pids``). Meltano does
  not pass the file on to the plugins, so a new run also looks for living members of the
  recorded groups (a tap whose ``meltano`` was killed) and treats them as a run still going,
  naming their PIDs in one line.

On Windows (no ``flock``) the lock is Windows' own byte-range lock, held by the runner alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil

from orchestrate.project_env import PROJECT_ROOT

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

POLL_S = 0.5


class Busy(Exception):
    """Another run holds the lock (its message says which, and what is still running)."""


def lock_path() -> Path:
    return Path(os.environ.get("CALLIO_RUN_LOCK", PROJECT_ROOT / ".meltano" / "run" / "callio-run.lock"))


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


class HeldLock:
    """The lock, held: what a task must inherit, and where its process group is recorded."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self.fd = path, fd
        self.pids_path = path.with_name(path.name + ".pids")

    @property
    def inherited_fds(self) -> tuple[int, ...]:
        """Pass to ``subprocess.Popen(pass_fds=...)``: the task then holds the lock too."""
        return (self.fd,) if fcntl is not None else ()

    def record_task(self, process_group: int | None) -> None:
        groups = [] if process_group is None else [process_group]
        self.pids_path.write_text(json.dumps({"runner": os.getpid(), "groups": groups}))


def _recorded(pids_path: Path) -> dict:
    try:
        return json.loads(pids_path.read_text())
    except (OSError, ValueError):
        return {}


def leftovers(pids_path: Path) -> list[psutil.Process]:
    """Living processes of the task groups a previous run recorded (never this process)."""
    groups = set(_recorded(pids_path).get("groups") or [])
    if not groups or not hasattr(os, "getpgid"):
        return []
    found = []
    for process in psutil.process_iter(["name"]):
        with contextlib.suppress(psutil.Error, ProcessLookupError, PermissionError):
            if process.pid != os.getpid() and os.getpgid(process.pid) in groups \
                    and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
    return found


def still_running(path: Path) -> str | None:
    """One line naming what the previous run left running, or None."""
    pids_path = path.with_name(path.name + ".pids")
    living = leftovers(pids_path)
    if not living:
        return None
    runner = _recorded(pids_path).get("runner")
    runner_state = "is still running" if runner and psutil.pid_exists(runner) else "is gone (killed?)"
    named = ", ".join(f"{p.pid} ({p.info.get('name') or '?'})" for p in living[:8])
    more = f" and {len(living) - 8} more" if len(living) > 8 else ""
    return (f"the previous run's processes are still running: PIDs {named}{more} "
            f"(its job runner, PID {runner}, {runner_state})")


@contextlib.contextmanager
def exclusive_run(*, wait: bool, on_wait: Callable[[str], None] | None = None) -> Iterator[HeldLock]:
    """Hold the run lock; ``wait`` False raises Busy at once, True waits (``on_wait`` hears once
    what it waits for)."""
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    told = False
    try:
        while True:
            if _try_lock(fd):
                blocker = still_running(path)
                if blocker is None:
                    break
                _unlock(fd)  # a task of a killed runner is still going: not ours to run beside
            else:
                blocker = still_running(path) or f"another run holds {path}"
            if not wait:
                raise Busy(blocker)
            if on_wait is not None and not told:
                on_wait(f"waiting: {blocker}")
                told = True
            time.sleep(POLL_S)
        held = HeldLock(path, fd)
        held.record_task(None)
        try:
            yield held
        finally:
            held.record_task(None)
            _unlock(fd)
    finally:
        os.close(fd)


def _unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
