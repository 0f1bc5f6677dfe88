"""The scheduler as systemd runs it (``User=callio``): an unprivileged user that nothing else
created, with the project owned by root. ``orchestrate.service_user --create`` makes the user and
gives it the folders a run writes; then the real daemon, run as that user, runs a job to the end.
Without it every command of that user ended in a PermissionError and the unit restarted in a loop.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from callio_sim.testing import running_simulator
from reliability.pipeline import SIM_OPTIONS

from conftest import PROJECT_ROOT, isolated_environment

USER = "callio-svc-test"


def service_user(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestrate.service_user", "--user", USER, "--environment=demo",
                           *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def server(tmp_path):
    """Every folder a run writes, in a place of its own (outside pytest's private tmp, which the
    service user could not enter), and the project's plugin folder open to pass through, as on
    a server where the service user owns .meltano."""
    assert os.geteuid() == 0, "this test creates a system user: run it as root, as scripts/test.sh and CI do"
    base = Path(tempfile.mkdtemp(prefix="callio-service-"))
    os.chmod(base, 0o755)
    # Open to pass through: the project's plugin folder (the venvs' scripts point into it) and the
    # folders above this machine's Python (pyenv under /root here; /usr/bin on a server).
    passages = [PROJECT_ROOT / ".meltano", *Path(os.path.realpath(sys.executable)).parents]
    modes = {folder: stat.S_IMODE(folder.stat().st_mode) for folder in passages}
    for folder, mode in modes.items():
        os.chmod(folder, mode | 0o001)
    try:
        yield base
    finally:
        for folder, mode in modes.items():
            os.chmod(folder, mode)
        subprocess.run(["rm", "-rf", str(base)], check=False)
        subprocess.run(["userdel", USER], check=False, capture_output=True)


def test_a_missing_service_user_is_one_line_saying_what_to_run(server):
    subprocess.run(["userdel", USER], check=False, capture_output=True)
    env = {**isolated_environment(server), "CALLIO_ENV_FILE": str(server / "absent.env")}
    done = service_user(env)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"{USER!r} does not exist" in lines[0] and "--create" in lines[0], done.stderr


def test_the_daemon_runs_a_job_as_an_unprivileged_service_user(server):
    with running_simulator(**SIM_OPTIONS) as sim:
        env = isolated_environment(server)
        accounts, dotenv = server / "accounts.json", server / "callio.env"
        sim.write_accounts_file(accounts)
        dotenv.write_text("LOG_LEVEL=INFO\n")
        env.update({"CALLIO_API_URL": sim.url, "CALLIO_ACCOUNTS_FILE": str(accounts), "CALLIO_ENV_FILE": str(dotenv),
                    "TAP_CALLIO_DAYS_TO_FETCH_IF_EMPTY": "6", "HOME": str(server / "meltano-sys" / "home")})

        created = service_user(env, "--create")
        assert created.returncode == 0, created.stdout + created.stderr
        assert f"created {USER}" in created.stdout and "can run the jobs here" in created.stdout, created.stdout
        assert stat.S_IMODE(dotenv.stat().st_mode) == 0o640  # the secrets: its group only

        # setpriv execs the daemon itself as the user, as systemd's User= does (runuser would stay
        # in between and answer the stop with its own exit code)
        daemon = subprocess.Popen(["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups", "--",
                                   sys.executable, "-m", "orchestrate.daemon",
                                   "--environment=demo", "--schedules=nightly", "--now"],
                                  cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        log = server / "logs" / "daemon.log"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and daemon.poll() is None:
            if log.exists() and "slot nightly" in log.read_text() and ": job callio-all exit" in log.read_text():
                break
            time.sleep(1)
        daemon.send_signal(signal.SIGTERM)
        output = daemon.communicate(timeout=120)[0]
        assert "PermissionError" not in output and "Traceback" not in output, output[-3000:]
        assert "job callio-all exit 0" in log.read_text(), output[-3000:]
        assert daemon.returncode == 0, output[-3000:]

    warehouse = Path(env["CALLIO_DUCKDB_PATH"])
    assert warehouse.stat().st_uid != 0, "the warehouse was not written by the service user"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tenants = connection.execute("select count(distinct tenant) from main.call_log").fetchone()[0]
    assert tenants == 2
