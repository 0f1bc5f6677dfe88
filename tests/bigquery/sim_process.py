"""The simulator for the BigQuery tests, started from the tap's venv (.venv-tap, built by
scripts/test.sh): these tests run in the loader's venv, which has no callio_sim."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from loader_runs import REPO

TAP_VENV_BIN = REPO / ".venv-tap" / "bin"


@contextlib.contextmanager
def running_simulator_process(folder: Path, *options: str) -> Iterator[tuple[str, Path]]:
    """`callio-sim` with the given options on a free port; yields (its URL, its accounts file)."""
    missing = [name for name in ("tap-callio", "callio-sim") if not (TAP_VENV_BIN / name).exists()]
    assert not missing, f"{missing} not in {TAP_VENV_BIN}: build it with bash scripts/test.sh"
    ready, accounts = folder / "sim-ready.json", folder / "accounts.json"
    log = (folder / "sim.log").open("w")
    process = subprocess.Popen([str(TAP_VENV_BIN / "callio-sim"), "--port", "0", *options,
                                "--ready-file", str(ready), "--accounts-out", str(accounts)],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() or not ready.read_text().strip():
            assert process.poll() is None, "the simulator exited at start"
            assert time.monotonic() < deadline, "the simulator did not become ready"
            time.sleep(0.1)
        yield json.loads(ready.read_text())["url"], accounts
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
