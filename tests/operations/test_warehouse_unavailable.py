"""A warehouse that cannot be written, and a task that hangs, through the real job runner: each
ends in bounded time with one line naming the cause and the setting, not after minutes of
silence with only ``FAILED (exit 1)``.

- BigQuery unreachable (DNS, a refused connection, a dead proxy): one line naming the host and the
  variable, before any request to Callio, nothing extracted that could not be loaded;
- the DuckDB file held by another process (an analyst's notebook, read-only or read-write): one
  line naming the holder's PID; the runner waits for it up to CALLIO_DUCKDB_LOCK_WAIT;
- a task that takes longer than CALLIO_TASK_TIMEOUT is stopped, its whole tree, and the job goes on.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time

import psutil
import pytest

KEY = {"type": "service_account", "project_id": "callio-test", "client_email": "e@callio-test.iam.gserviceaccount.com",
       "private_key": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens on it once the probe is closed


@pytest.fixture
def pipeline(make_pipeline):
    return make_pipeline()


def host_lines(run, text: str) -> list[str]:
    return [line for line in run.output.splitlines() if text in line]


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("BQ_API_ENDPOINT", "http://bigquery.invalid:9050", "bigquery.invalid:9050: DNS lookup failed"),
    ("HTTPS_PROXY", "http://127.0.0.1:{port}", "127.0.0.1:{port}: Connection refused"),
])
def test_unreachable_bigquery_is_one_line_before_any_request(pipeline, tmp_path, variable, value, says):
    port = closed_port()
    key = tmp_path / "key.json"
    key.write_text(json.dumps(KEY))
    env = {**pipeline.env, "SERVICE_ACCOUNT_KEY_FILE": str(key), variable: value.format(port=port)}
    pipeline.sim.reset_stats()
    began = time.monotonic()
    run = pipeline.run([sys.executable, "-m", "orchestrate.run_job", "--environment=prod", "callio-all-bq"],
                       "bigquery-unreachable", env=env)
    assert run.returncode == 1, run.tail()
    assert time.monotonic() - began < 60, "an unreachable warehouse must not hold the run"  # bound, not speed
    named = host_lines(run, says.format(port=port))
    assert len(named) == 1 and variable in named[0], run.tail()
    assert "task started" not in run.output and "Traceback" not in run.output, run.tail()
    assert pipeline.sim.stats()["total"] == 0, "Callio was read although nothing could be loaded"


HOLDER = """
import duckdb, sys, time
connection = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
"""


def hold(path, mode: str, seconds: float) -> subprocess.Popen:
    if mode == "ro" and not path.exists():
        import duckdb  # noqa: PLC0415

        duckdb.connect(str(path)).close()  # a read-only connection needs the file
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode, str(seconds)], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


@pytest.mark.parametrize(("mode", "words"), [("ro", "read-only"), ("rw", "read-write")])
def test_a_warehouse_file_held_by_another_process_is_named(pipeline, mode, words):
    holder = hold(pipeline.db_path, mode, 120)
    try:
        pipeline.sim.reset_stats()
        run = pipeline.run(pipeline.run_job_command("callio-all"), f"held-{mode}",
                           env={**pipeline.env, "CALLIO_DUCKDB_LOCK_WAIT": "1"})
    finally:
        holder.kill()
    assert run.returncode == 1, run.tail()
    named = host_lines(run, "is held by another process")
    assert named and all(f"PID {holder.pid}" in line and words in line for line in named), run.tail()
    assert any("CALLIO_DUCKDB_LOCK_WAIT" in line for line in named), run.tail()
    assert "task started" not in run.output and pipeline.sim.stats()["total"] == 0, run.tail()


def test_the_runner_waits_for_a_reader_that_lets_go(pipeline):
    holder = hold(pipeline.db_path, "ro", 4)
    run = pipeline.run(pipeline.run_job_command("callio-all"), "held-then-free",
                       env={**pipeline.env, "CALLIO_DUCKDB_LOCK_WAIT": "120"})
    holder.wait()
    assert run.returncode == 0, run.tail()
    assert any(f"PID {holder.pid}" in line and "waiting up to 120 s" in line for line in run.output.splitlines()), \
        run.tail()


def test_a_hung_task_is_stopped_after_the_task_timeout_and_the_job_goes_on(pipeline):
    pipeline.sim.set_faults([{"fault": "slow", "delay": 120, "endpoints": ["/user"]}])
    began = time.monotonic()
    run = pipeline.run(pipeline.run_job_command("callio-staffgroup"), "hung",
                       env={**pipeline.env, "CALLIO_TASK_TIMEOUT": "15"})
    took = time.monotonic() - began
    pipeline.sim.clear_faults()
    assert run.returncode == 1, run.tail()
    assert took < 110, f"the hung task held the job {took:.0f} s"  # a bound (the fault holds 120 s), not a speed
    stopped = [line for line in run.output.splitlines() if line.strip().startswith("task tap-callio--staffgroup")]
    assert len(stopped) == 1 and "timed out after 15 s (CALLIO_TASK_TIMEOUT)" in stopped[0], run.tail()
    assert re.search(r"task (finished|FAILED): dbt-duckdb:build", run.output), run.tail()  # the job went on
    taps = [p for p in psutil.process_iter(["cmdline"]) if "tap-callio" in " ".join(p.info["cmdline"] or [])
            and pipeline.accounts_file.parent.name in " ".join(p.info["cmdline"] or [])]
    assert not taps, f"the stopped task left processes: {taps}"
