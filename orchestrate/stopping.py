"""Stopping a run cleanly on SIGTERM (``systemctl stop``) or SIGINT (Ctrl-C).

A stop must never leave a part of the pipeline behind: an orphaned ``meltano``, tap, guarded
target or dbt would keep writing the warehouse and the bookmarks after the run lock is released,
and the next run would collide with it. So each task runs in its own process group, and a stop

1. starts nothing new (the job runner and the daemon both ask :attr:`Stopper.requested`),
2. sends SIGTERM to the whole process tree of the running task (the tap then writes the state
   of its completed slices; the load guard forwards only state whose rows it counted),
3. escalates to SIGKILL after ``CALLIO_STOP_TIMEOUT`` seconds (default 30),
4. and only then lets the caller release the run lock and exit non-zero (128 + signal).

systemd's default ``KillMode=control-group`` sends SIGTERM to every process at once, which is
equally safe: the tree is still waited for, and killed, before the lock goes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time

import psutil

from orchestrate import runner_settings

# Windows has neither process groups nor SIGKILL: the tree is found through psutil alone, and
# psutil's send_signal(SIGTERM) there is TerminateProcess.
HAS_GROUPS = hasattr(os, "killpg") and hasattr(os, "getpgid")
SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)


def stop_timeout() -> float:
    return runner_settings.number("CALLIO_STOP_TIMEOUT")


def _members(process: subprocess.Popen) -> list[psutil.Process]:
    """Everything the task started: its tree (also what left the group) and its group."""
    found: dict[int, psutil.Process] = {}
    with contextlib.suppress(psutil.NoSuchProcess):
        root = psutil.Process(process.pid)
        for member in (root, *root.children(recursive=True)):
            found[member.pid] = member
    for member in psutil.process_iter() if HAS_GROUPS else ():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError):
            if os.getpgid(member.pid) == process.pid:
                found[member.pid] = member
    return list(found.values())


def _alive(members: list[psutil.Process]) -> list[psutil.Process]:
    living = []
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            if member.is_running() and member.status() != psutil.STATUS_ZOMBIE:
                living.append(member)
    return living


def _signal_all(process: subprocess.Popen, members: list[psutil.Process], signum: int) -> None:
    if HAS_GROUPS:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signum)
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            member.send_signal(signum)


def end_process_tree(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM the task's process group and every descendant, wait up to ``timeout`` seconds,
    then SIGKILL what is left. Returns once nothing of it is alive."""
    members = _members(process)
    _signal_all(process, members, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # The task's own process is reaped here too, so that it does not linger as a zombie.
        process.poll()
        members = _alive(members + _members(process))
        if not members:
            break
        time.sleep(0.2)
    else:
        _signal_all(process, members, SIGKILL)
        psutil.wait_procs(members, timeout=10)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def reap_leftovers(process: subprocess.Popen) -> None:
    """After a task's main process ended: nothing it started may outlive it."""
    if _alive(_members(process)):
        end_process_tree(process, stop_timeout())


class Stopper:
    """Receives SIGTERM / SIGINT once for the whole process (job runner or daemon)."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.signum: int | None = None
        self._lock = threading.Lock()
        self._task: subprocess.Popen | None = None
        self._ender: threading.Thread | None = None

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGTERM)

    def _on_signal(self, signum: int, _frame) -> None:
        if self.requested.is_set():
            return
        self.signum = signum
        self.requested.set()
        with self._lock:
            task = self._task
        if task is not None:
            self._end_in_background(task)

    def _end_in_background(self, task: subprocess.Popen) -> None:
        # Not in the handler itself: waiting there would block the thread reading the output.
        self._ender = threading.Thread(target=end_process_tree, args=(task, stop_timeout()), daemon=True)
        self._ender.start()

    def running(self, task: subprocess.Popen | None) -> None:
        """Register the task now running (None when it ended); a stop already asked ends it."""
        with self._lock:
            self._task = task
        if task is not None and self.requested.is_set():
            self._end_in_background(task)

    def wait_for_ender(self) -> None:
        if self._ender is not None:
            self._ender.join()


STOPPER = Stopper()
