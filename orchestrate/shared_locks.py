"""Locks shared by every machine of a team: PostgreSQL advisory locks in Meltano's system database.

With ``MELTANO_DATABASE_URI=postgresql+psycopg://...`` several machines share the bookmarks, so
the file lock of one machine (``run_lock``) no longer keeps two runs of the same tenant apart.
Meltano's own check of a running job works only inside one system database and its state lock
covers only the moment state is read or written. So the job runner also takes, on one
connection of its own to that database:

- ``extract`` locks, one per tenant it reads (all the tenants of the accounts for an all-tenant
  run, taken in sorted order so that two runs never wait for each other crosswise), held for the
  whole job: two machines never extract the same tenant's streams at once;
- the ``transform`` lock around the dbt step: two machines never build the final tables at once
  (their MERGEs would collide), while their extractions of different tenants go side by side.

Session-level advisory locks end with the connection. The runner hands the connection's socket
to every task it starts (as it does the lock file), so a runner killed outright keeps its locks
while its task lives. Who holds a lock (host, PID, job, since when) is kept in the table
``callio_run_locks`` of the same database, for the one line a waiting run prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from orchestrate import runner_settings
from orchestrate.project_env import setting

POLL_S = 1.0
HOLDERS = "callio_run_locks"


def database_uri() -> str | None:
    """Meltano's system database when it is PostgreSQL (the shared mode), else None."""
    uri = setting("MELTANO_DATABASE_URI") or ""
    return uri if uri.startswith(("postgresql", "postgres:")) else None


PASSWORD_IN_URI = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def masked(text: str) -> str:
    """A URI, or a text holding URIs, with each password as ``***``: what messages show."""
    return PASSWORD_IN_URI.sub(r"\1***@", text)


def reason_of(exc: Exception, uri: str) -> str:
    """A database error as one line an operator can be shown: its first line, with every password
    masked (in a URI it quotes, and the database's own, should the driver quote it bare)."""
    text = str(exc).strip()
    reason = masked(text.splitlines()[0]) if text else type(exc).__name__
    password = urlsplit(uri).password
    return reason.replace(password, "***") if password else reason


def create_table(connection, table: str, columns: str) -> None:
    """``create table if not exists``, one machine at a time: PostgreSQL fails the second of two
    doing it at the same moment (duplicate key in pg_type), so it runs under a lock of its own."""
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute("select pg_advisory_xact_lock(%s)", (key_number(f"{table}:create"),))
        cursor.execute(f"create table if not exists {table} ({columns})")


def conninfo(uri: str) -> str:
    """SQLAlchemy's ``postgresql+psycopg://`` (Meltano's form) as libpq's ``postgresql://``."""
    scheme, rest = uri.split("://", 1)
    return f"postgresql://{rest}" if scheme.startswith("postgres") else uri


def connect(uri: str, timeout_s: float = 10.0):
    import psycopg  # noqa: PLC0415 (only the shared mode needs it)

    return psycopg.connect(conninfo(uri), autocommit=True, connect_timeout=max(1, int(timeout_s)))


def reachable_problem(uri: str) -> str | None:
    """One line when the database cannot be reached (naming the variable, never the password)."""
    try:
        with connect(uri, timeout_s=5):
            return None
    except Exception as exc:  # noqa: BLE001 - every failure is the same line for an operator
        return (f"MELTANO_DATABASE_URI={masked(uri)} (Meltano's system database: bookmarks, run locks) "
                f"cannot be reached: {reason_of(exc, uri)}")


UPGRADE_KEY = "callio:meltano-system-database-upgrade"


def meltano_revision() -> str:
    """The schema revision this Meltano runs on (its own lock file of the migrations)."""
    import meltano.migrations  # noqa: PLC0415 (the project venv's Meltano; imported for its path only)

    return (Path(meltano.migrations.__file__).parent / "db.lock").read_text().strip()


def _revision(connection) -> str | None:
    import psycopg  # noqa: PLC0415

    try:
        with connection.cursor() as cursor:
            row = cursor.execute("select version_num from alembic_version").fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return row[0] if row else None


def ensure_upgraded(uri: str, upgrade: Callable[[], int]) -> None:
    """Bring a new (or older) system database to this Meltano's schema, one machine at a time.

    Every Meltano command migrates the database it opens, and two machines' first commands on a
    new PostgreSQL database migrate it at once: one of them fails ("duplicate key", "cannot upgrade
    the system database"). So the runner checks the revision first (one query) and, when it differs,
    runs ``meltano upgrade database`` under an advisory lock every machine takes."""
    head = meltano_revision()
    with connect(uri) as connection:
        if _revision(connection) == head:
            return
        with connection.cursor() as cursor:
            cursor.execute("select pg_advisory_lock(%s)", (key_number(UPGRADE_KEY),))
            try:
                if _revision(connection) != head and upgrade() != 0:
                    raise RuntimeError("meltano upgrade database failed (the run log of the next job says why)")
            finally:
                cursor.execute("select pg_advisory_unlock(%s)", (key_number(UPGRADE_KEY),))


def lock_wait() -> float:
    return runner_settings.number("CALLIO_LOCK_WAIT")


def key_number(key: str) -> int:
    """A stable signed 64-bit number of a lock name (pg_advisory_lock takes a bigint)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def extract_key(environment: str, tenant: str) -> str:
    return f"callio:{environment}:extract:{tenant}"


def transform_key(environment: str) -> str:
    return f"callio:{environment}:transform"


class Busy(Exception):
    """Another machine's run holds a lock (the message says which, where and since when)."""


class Unreachable(Exception):
    """The database stopped answering in the middle of the run: no lock can be taken (and the
    ones held ended with the connection)."""


class SharedLocks:
    """One connection to the system database, holding this run's advisory locks."""

    def __init__(self, uri: str, job: str) -> None:
        self.uri = uri
        self.connection = connect(uri)
        self.job = job
        self.held: list[str] = []
        create_table(self.connection, HOLDERS, "key text primary key, host text, pid integer, job text, since timestamptz")

    @property
    def inherited_fds(self) -> tuple[int, ...]:
        """The connection's socket: handed to the tasks, it keeps the locks while they live. None
        once the database has dropped the connection: its locks ended with it."""
        import psycopg  # noqa: PLC0415

        try:
            return (self.connection.pgconn.socket,)
        except psycopg.OperationalError:
            return ()

    def _try(self, key: str) -> bool:
        with self.connection.cursor() as cursor:
            got = cursor.execute("select pg_try_advisory_lock(%s)", (key_number(key),)).fetchone()[0]
            if got:
                cursor.execute(f"insert into {HOLDERS} values (%s, %s, %s, %s, now()) on conflict (key) do update "
                               "set host = excluded.host, pid = excluded.pid, job = excluded.job, since = now()",
                               (key, socket.gethostname(), os.getpid(), self.job))
        return bool(got)

    def _try_or_unreachable(self, key: str) -> bool:
        import psycopg  # noqa: PLC0415

        try:
            return self._try(key)
        except psycopg.Error as exc:
            raise Unreachable(f"{key} cannot be taken: the system database (MELTANO_DATABASE_URI) stopped "
                              f"answering: {reason_of(exc, self.uri)}") from exc

    def holder(self, key: str) -> str:
        with self.connection.cursor() as cursor:
            row = cursor.execute(f"select host, pid, job, since from {HOLDERS} where key = %s", (key,)).fetchone()
        if row is None:
            return f"another run holds {key}"
        host, pid, job, since = row
        local = since.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"{key} is held by job {job} on {host} (PID {pid}) since {local}"

    def acquire(self, keys: list[str], *, wait: bool, on_wait: Callable[[str], None] | None = None) -> None:
        """Take every key (sorted), waiting up to CALLIO_LOCK_WAIT for each; Busy when not."""
        deadline = time.monotonic() + (lock_wait() if wait else 0.0)
        for key in sorted(set(keys) - set(self.held)):
            told = False
            while not self._try_or_unreachable(key):
                if time.monotonic() >= deadline:
                    waited = "" if not wait else f" (waited {lock_wait():.0f} s, CALLIO_LOCK_WAIT)"
                    raise Busy(self.holder(key) + waited)
                if on_wait is not None and not told:
                    on_wait(f"waiting: {self.holder(key)}")
                    told = True
                time.sleep(POLL_S)
            self.held.append(key)

    def release(self, keys: list[str]) -> None:
        import psycopg  # noqa: PLC0415

        for key in [k for k in keys if k in self.held]:
            self.held.remove(key)
            # a connection the database dropped has no locks left to release: nothing to do
            with contextlib.suppress(psycopg.Error), self.connection.cursor() as cursor:
                cursor.execute(f"delete from {HOLDERS} where key = %s and pid = %s and host = %s",
                               (key, os.getpid(), socket.gethostname()))
                cursor.execute("select pg_advisory_unlock(%s)", (key_number(key),))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.release(list(self.held))
        with contextlib.suppress(Exception):
            self.connection.close()

    @contextlib.contextmanager
    def holding(self, keys: list[str], *, wait: bool, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        self.acquire(keys, wait=wait, on_wait=on_wait)
        try:
            yield
        finally:
            self.release(keys)
