"""A private PostgreSQL server for one test module (tests/singer: a target's database; tests/multi:
Meltano's system database shared by two copies of the project): Debian's binaries (package `postgresql`,
installed by scripts/test.sh), a fresh cluster in a temporary folder, a free port on 127.0.0.1,
trust authentication. Root cannot run postgres, so as root the server runs as the `postgres`
user through runuser."""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import typing as t
from pathlib import Path


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL server binaries not found: scripts/test.sh installs Debian's postgresql"
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclasses.dataclass
class PostgresServer:
    port: int
    bin_dir: Path
    user: str = "postgres"
    database: str = "postgres"
    data: Path | None = None
    log: Path | None = None
    run_as: list[str] = dataclasses.field(default_factory=list)
    options: str = ""

    def uri(self, database: str | None = None) -> str:
        """The SQLAlchemy URI Meltano takes (MELTANO_DATABASE_URI)."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database or self.database}"

    def create_database(self, name: str) -> str:
        self.query(f'create database "{name}"')
        return self.uri(name)

    def stop(self) -> None:
        """Stop the server at once (a database host going down)."""
        subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, check=True)

    def start(self) -> None:
        subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                        "-o", self.options, "start"], capture_output=True, check=True)

    def query(self, sql: str) -> list[tuple[str, ...]]:
        """Rows of a query as text tuples (psql, unaligned, tab-separated)."""
        done = subprocess.run(
            [str(self.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
             "-d", self.database, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            capture_output=True, text=True, check=False,
        )
        assert done.returncode == 0, done.stderr
        return [tuple(line.split("\t")) for line in done.stdout.splitlines() if line]

    def columns(self, schema: str, table: str) -> set[str]:
        rows = self.query(
            "select column_name from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{table}'"
        )
        return {row[0] for row in rows}


@contextlib.contextmanager
def running_postgres() -> t.Iterator[PostgresServer]:
    bin_dir = _bin_dir()
    workdir = Path(tempfile.mkdtemp(prefix="callio-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres", group="postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    data, log = workdir / "data", workdir / "server.log"
    port = _free_port()
    subprocess.run([*run_as, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = subprocess.run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                              "-o", options, "start"], capture_output=True, text=True, check=False)
    try:
        assert started.returncode == 0, f"{started.stderr}\n{log.read_text() if log.exists() else ''}"
        yield PostgresServer(port=port, bin_dir=bin_dir, data=data, log=log, run_as=run_as, options=options)
    finally:
        subprocess.run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(workdir, ignore_errors=True)
