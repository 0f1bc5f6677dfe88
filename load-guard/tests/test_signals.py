"""SIGTERM reaches the target, and a run stopped mid-way forwards no bookmark."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from conftest import BIN, helper_command


def test_sigterm_is_forwarded_and_no_state_is_kept(duckdb_setup):
    config, _ = duckdb_setup
    env = dict(os.environ, LOAD_GUARD_TARGET_COMMAND=helper_command("slow_target.py"))
    guard = subprocess.Popen([str(BIN / "guarded-target-duckdb"), "--config", str(config)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
    # The tap stays open (like a tap still reading the API); the target has acknowledged a state.
    guard.stdin.write((json.dumps({"type": "STATE", "value": {"bookmarks": {"calls": 1}}})
                       + "\n").encode())
    guard.stdin.flush()
    first = guard.stderr.readline().decode()
    assert first.startswith("load-guard: load ") and "started" in first
    assert guard.stderr.readline().decode().strip() == "slow_target: state acknowledged"

    guard.send_signal(signal.SIGTERM)
    stdout, stderr = guard.communicate(timeout=30)

    assert guard.returncode == 143
    assert stdout == b""  # the acknowledged state was held back, not forwarded
    assert b"slow_target: got SIGTERM" in stderr
    assert b"stopped by signal 15; no bookmark forwarded" in stderr
    guard.stdin.close()


def test_without_config_the_target_runs_unguarded(tmp_path):
    # e.g. `--about`: nothing is loaded without a config, so the guard just execs the target.
    env = dict(os.environ, LOAD_GUARD_TARGET_COMMAND=f"{sys.executable} -c "
               "\"import sys; print('args:', sys.argv[1:])\"")
    done = subprocess.run([str(BIN / "guarded-target-duckdb"), "--about"], capture_output=True,
                          env=env, timeout=30)
    assert done.returncode == 0
    assert done.stdout.decode().strip() == "args: ['--about']"
