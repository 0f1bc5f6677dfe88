"""Start the local BigQuery emulator (bqemulator) for tests and manual runs.

    from emulator import running_emulator
    with running_emulator() as emu:
        emu.endpoint   # "http://127.0.0.1:<rest port>"  (clients need the scheme)
        emu.grpc       # "127.0.0.1:<grpc port>"         (Storage Read/Write API)
        emu.project    # project id the emulator answers for
        emu.env()      # the env vars the launcher, the load guard and dbt read

Run as a script to keep one up in the foreground:  python bigquery/emulator.py [--project P]

The emulator lives in its own venv (bigquery/.venv-emulator, made by setup_emulator.sh) because it
needs duckdb==1.5.5 while the local warehouse is on duckdb==2.0.1; this module only needs the
standard library, so it runs from any interpreter.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
EMULATOR_PYTHON = HERE / ".venv-emulator" / "bin" / "python"
# bqemulator's own CLI plus one fix for nested field names that are SQL keywords (see the file).
COMPAT_LAUNCHER = HERE / "bqemulator_compat.py"
DEFAULT_PROJECT = "callio-emulator"


class EmulatorError(RuntimeError):
    """The emulator did not come up; the message carries the tail of its log."""


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    grpc: str
    project: str
    log_path: Path

    def env(self) -> dict[str, str]:
        """Environment for the pieces that talk to the emulator instead of Google."""
        return {
            "BQ_EMULATOR_ENDPOINT": self.endpoint,  # launcher + dbt profile (bigquery/profiles.yml)
            "BQ_EMULATOR_GRPC": self.grpc,  # launcher: storage_write_api client
            "BQ_PROJECT_ID": self.project,  # dbt profile (bigquery/profiles.yml)
            "LOAD_GUARD_BIGQUERY_ENDPOINT": self.endpoint,  # load-guard's row count
        }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rest_ready(endpoint: str, project: str) -> bool:
    url = f"{endpoint}/bigquery/v2/projects/{project}/datasets"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def _stop(process: subprocess.Popen) -> None:
    """Kill the whole process group: uvicorn and gRPC servers must not outlive the test."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _detach_and_die_with_parent() -> None:
    """Runs in the child before exec: own process group (so _stop can kill it whole) and, on
    Linux, SIGTERM when the parent dies, so a killed test run does not leave an emulator behind."""
    os.setsid()
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _tail(path: Path, limit: int = 3000) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-limit:]
    return ""


@contextlib.contextmanager
def running_emulator(
    project: str = DEFAULT_PROJECT,
    *,
    python: Path | None = None,
    startup_timeout: float = 60.0,
    log_dir: Path | None = None,
) -> Iterator[Emulator]:
    """Start an ephemeral (in-memory) emulator on free ports, yield it, stop it."""
    python = Path(python or EMULATOR_PYTHON)
    if not python.exists():
        raise EmulatorError(f"{python} missing: run bash bigquery/setup_emulator.sh first")
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="bqemulator-"))
    log_path = log_dir / "bqemulator.log"
    rest_port, grpc_port = _free_port(), _free_port()
    command = [
        str(python), str(COMPAT_LAUNCHER), "start",
        "--rest-host", "127.0.0.1", "--rest-port", str(rest_port),
        "--grpc-host", "127.0.0.1", "--grpc-port", str(grpc_port),
        "--project", project, "--ephemeral", "--log-level", "info",
    ]
    env = dict(os.environ)
    # The avro extension is optional and would be fetched from the internet at boot; the
    # spatial one is required and was installed from its wheel by setup_emulator.sh.
    env["BQEMU_ENABLE_FORMAT_EXTENSIONS"] = "false"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, preexec_fn=_detach_and_die_with_parent,
        )
    emulator = Emulator(f"http://127.0.0.1:{rest_port}", f"127.0.0.1:{grpc_port}", project,
                        log_path)
    try:
        deadline = time.monotonic() + startup_timeout
        while not (_rest_ready(emulator.endpoint, project) and _port_open(grpc_port)):
            if process.poll() is not None:
                raise EmulatorError(f"bqemulator exited with {process.returncode}:\n"
                                    f"{_tail(log_path)}")
            if time.monotonic() > deadline:
                raise EmulatorError(f"bqemulator not ready after {startup_timeout}s:\n"
                                    f"{_tail(log_path)}")
            time.sleep(0.2)
        yield emulator
    finally:
        _stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the BigQuery emulator in the foreground.")
    parser.add_argument("--project", default=DEFAULT_PROJECT)
    args = parser.parse_args()
    with running_emulator(args.project) as emu:
        for key, value in emu.env().items():
            print(f"export {key}={value}")
        print(f"# log: {emu.log_path}  (Ctrl+C stops the emulator)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    sys.exit(0)


if __name__ == "__main__":
    main()
