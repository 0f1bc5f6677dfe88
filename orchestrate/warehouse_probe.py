"""Can this job's warehouse be written now? Asked once, before the first task.

- BigQuery: the API's host (or the proxy in ``HTTPS_PROXY``) must answer a TCP connection within
  a few seconds. Unreachable, the loader printed nothing for minutes and ended in a traceback and
  dbt retried DNS for minutes more; now the job stops in one line naming the host and the
  variable, without extracting anything that could not be loaded.
- DuckDB: the file must not be held by another process (a notebook, DBeaver, a dashboard): DuckDB
  has one writer, and a reader blocks it too. The holder is named with its PID; the runner waits
  for it up to ``CALLIO_DUCKDB_LOCK_WAIT`` seconds (default 120) before giving up.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import psutil

from orchestrate import project_files, runner_settings
from orchestrate.project_env import setting

try:
    import fcntl
except ImportError:  # Windows: no F_GETLK; the loader's own error names the holder
    fcntl = None  # type: ignore[assignment]

BIGQUERY_HOST = "bigquery.googleapis.com"
CONNECT_TIMEOUT_S = 8.0
FLOCK = "hhqqi4x"  # struct flock on Linux (64-bit): l_type, l_whence, l_start, l_len, l_pid


def reach(host: str, port: int, timeout: float = CONNECT_TIMEOUT_S) -> str | None:
    """None when ``host:port`` accepts a TCP connection, else why not, in a few words."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"DNS lookup failed ({exc.strerror})"
    last = "no address"
    deadline = time.monotonic() + timeout
    for family, kind, proto, _name, address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        with socket.socket(family, kind, proto) as connection:
            connection.settimeout(left)
            try:
                connection.connect(address)
                return None
            except TimeoutError:
                last = f"no answer within {timeout:.0f} s"
            except OSError as exc:
                last = exc.strerror or type(exc).__name__
    return last


def bigquery_target() -> tuple[str, int, str]:
    """(host, port, what sets it) of the first hop to BigQuery."""
    proxy = setting("HTTPS_PROXY") or setting("https_proxy")
    if proxy:
        url = urlparse(proxy if "://" in proxy else f"http://{proxy}")
        return url.hostname or proxy, url.port or 3128, "HTTPS_PROXY"
    endpoint = setting("BQ_API_ENDPOINT")
    if endpoint:  # an emulator, or a private endpoint
        url = urlparse(endpoint)
        return url.hostname or endpoint, url.port or (443 if url.scheme == "https" else 80), "BQ_API_ENDPOINT"
    return BIGQUERY_HOST, 443, "the server's network and DNS (HTTPS_PROXY if it needs a proxy)"


def bigquery_problem() -> str | None:
    host, port, what = bigquery_target()
    why = reach(host, port)
    if why is None:
        return None
    return (f"BigQuery cannot be reached at {host}:{port}: {why} (check {what}); no task was started, "
            "so no bookmark moved")


@dataclass(frozen=True)
class Holder:
    pid: int
    writing: bool

    def describe(self) -> str:
        name = "?"
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(self.pid)
            command = " ".join(" ".join(process.cmdline()[:3]).split())  # one line, however it was started
            name = (command[:60] + "...") if len(command) > 60 else (command or process.name())
        mode = "read-write" if self.writing else "read-only"
        return f"PID {self.pid} ({name}) holds it open {mode}"


def duckdb_holder(path: Path) -> Holder | None:
    """The other process holding a DuckDB file (DuckDB locks it with fcntl, shared for a
    read-only connection, exclusive for a writer), or None."""
    if fcntl is None or not path.is_file():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack(FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
    finally:
        os.close(fd)
    kind, _whence, _start, _length, pid = struct.unpack(FLOCK, answer)
    return None if kind == fcntl.F_UNLCK else Holder(pid, kind == fcntl.F_WRLCK)


def duckdb_lock_wait() -> float:
    return runner_settings.number("CALLIO_DUCKDB_LOCK_WAIT")


def duckdb_problem(path: Path, say: Callable[[str], None]) -> str | None:
    """Wait (bounded) while another process holds the file; the line to fail with, or None."""
    wait = duckdb_lock_wait()
    deadline = time.monotonic() + wait
    told = False
    while (holder := duckdb_holder(path)) is not None:
        if time.monotonic() >= deadline:
            return (f"the warehouse file {path} is held by another process: {holder.describe()}; close it "
                    f"(a notebook, DBeaver, a dashboard) and run again (waited {wait:.0f} s, "
                    "CALLIO_DUCKDB_LOCK_WAIT)")
        if not told:
            say(f"the warehouse file {path} is held by another process: {holder.describe()}; "
                f"waiting up to {wait:.0f} s (CALLIO_DUCKDB_LOCK_WAIT)")
            told = True
        time.sleep(0.5)
    return None


def problem(environment: str, job: str, say: Callable[[str], None]) -> str | None:
    """Why this job's warehouse cannot be written now, or None."""
    plugins = {project_files.lineage(p)[-1] for p in project_files.plugins_of_job(job)}
    if plugins & {"target-bigquery", "dbt-bigquery"}:
        return bigquery_problem()
    if plugins & {"target-duckdb", "dbt-duckdb"}:
        path = project_files.configured(environment, "target-duckdb", "filepath").value
        return duckdb_problem(Path(path).expanduser(), say) if path else None
    return None
