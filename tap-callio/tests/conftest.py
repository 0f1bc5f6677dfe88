"""Shared helpers: run the real tap (a subprocess, as a scheduler would) against
the real simulator over HTTP, and read its Singer output."""

from __future__ import annotations

import collections
import copy
import dataclasses
import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
import typing as t
from pathlib import Path

import pytest

from callio_sim.testing import running_simulator

FAST_RETRIES = {"retry_base_delay_s": 0.01, "retry_max_delay_s": 0.2, "max_retries": 4}
DAY_MS = 86_400_000


@dataclasses.dataclass
class TapRun:
    returncode: int
    messages: list[dict]
    stderr: str
    max_rss_kb: int = 0
    not_json_lines: list[str] = dataclasses.field(default_factory=list)  # stdout lines that are no message

    def records(self, stream: str, tenant: str | None = None) -> list[dict]:
        return [
            m["record"]
            for m in self.messages
            if m["type"] == "RECORD"
            and m["stream"] == stream
            and (tenant is None or m["record"].get("tenant") == tenant)
        ]

    def ids(self, stream: str, tenant: str) -> set[str]:
        return {r["_id"] for r in self.records(stream, tenant)}

    @property
    def states(self) -> list[dict]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def final_state(self) -> dict:
        return self.states[-1]

    def sync_log(self) -> dict[tuple[str, str], dict]:
        return {(r["tenant"], r["stream"]): r for r in self.records("sync_log")}

    def counts(self) -> collections.Counter:
        return collections.Counter((m["type"], m.get("stream")) for m in self.messages)


# Runs the tap's CLI and, at exit, writes the peak resident memory of this
# process image (VmHWM: counted from exec, unlike rusage which includes the
# forked test process's pages) to stderr.
_RUN_AND_REPORT_PEAK_MEMORY = """
import atexit, sys
def _report():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            sys.stderr.write('PEAK_RSS_KB ' + line.split()[1] + '\\n')
atexit.register(_report)
sys.argv[0] = 'tap-callio'
from tap_callio.tap import main
main()
"""


def tap_command(
    config: dict, workdir: Path, state: dict | None = None, catalog: dict | None = None, extra: t.Sequence[str] = ()
) -> list[str]:
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(config))
    argv = [sys.executable, "-c", _RUN_AND_REPORT_PEAK_MEMORY, "--config", str(config_path), *extra]
    if state is not None:
        (workdir / "state.json").write_text(json.dumps(state))
        argv += ["--state", str(workdir / "state.json")]
    if catalog is not None:
        (workdir / "catalog.json").write_text(json.dumps(catalog))
        argv += ["--catalog", str(workdir / "catalog.json")]
    return argv


def run_tap(
    config: dict,
    state: dict | None = None,
    catalog: dict | None = None,
    extra: t.Sequence[str] = (),
    timeout: float = 180,
) -> TapRun:
    """Run the tap as a subprocess (as a scheduler would)."""
    with tempfile.TemporaryDirectory(prefix="tap-callio-test-") as tmp:
        workdir = Path(tmp)
        argv = tap_command(config, workdir, state, catalog, extra)
        with open(workdir / "out", "w+") as out, open(workdir / "err", "w+") as err:
            process = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=_env())
            timer = threading.Timer(timeout, process.kill)
            timer.start()
            try:
                _, status = os.waitpid(process.pid, 0)
            finally:
                timer.cancel()
            process.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
    messages = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    not_json = [line for line in stdout.splitlines() if not line.startswith("{")]
    peak = [int(line.split()[1]) for line in stderr.splitlines() if line.startswith("PEAK_RSS_KB ")]
    stderr = "".join(line for line in stderr.splitlines(keepends=True) if not line.startswith("PEAK_RSS_KB "))
    return TapRun(process.returncode, messages, stderr, peak[0] if peak else 0, not_json)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TAP_CALLIO_ACCOUNTS", None)
    return env


def logins(sim: t.Any, tenants: t.Sequence[str] | None = None) -> list[dict]:
    return [
        {k: a[k] for k in ("tenant", "email", "password")}
        for a in sim.accounts
        if tenants is None or a["tenant"] in tenants
    ]


def base_config(sim: t.Any, **overrides: t.Any) -> dict:
    config = {
        "api_url": sim.url,
        "accounts": logins(sim),
        "days_to_fetch_if_empty": 45,
        "safety_lag_ms": 1000,
        **FAST_RETRIES,
    }
    config.update(overrides)
    return config


def truth_ids(
    sim: t.Any, tenant: str, stream: str, key: str | None = None, upto: int | None = None, since: int | None = None
) -> set[str]:
    ids = set()
    for record in sim.truth(tenant, stream):
        if key is not None:
            value = record.get(key)
            if upto is not None and value > upto:
                continue
            if since is not None and value < since:
                continue
        ids.add(record["_id"])
    return ids


def catalog_with(*streams: str) -> dict:
    """The discovered catalog with only ``streams`` (and sync_log) selected."""
    return copy.deepcopy(_catalog_with(streams))


@functools.lru_cache
def _catalog_with(streams: tuple[str, ...]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tap_callio", "--discover"], capture_output=True, text=True, check=True, env=_env()
    )
    catalog = json.loads(done.stdout)
    for stream in catalog["streams"]:
        selected = stream["tap_stream_id"] in (*streams, "sync_log", "quarantine")
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = selected
    return catalog


def bookmark(state: dict, stream: str, tenant: str) -> int | None:
    for partition in state["bookmarks"].get(stream, {}).get("partitions", []):
        if partition["context"] == {"tenant": tenant}:
            return partition.get("replication_key_value")
    return None


@pytest.fixture(scope="session")
def small_sim():
    """Two tenants, small volumes, default quirks (lenient parsing exercised)."""
    with running_simulator(
        seed=42, tenants="PK,HN", customers=300, calls=1200, staff=25, groups=4, customer_days=120
    ) as sim:
        yield sim


@pytest.fixture
def clean_sim(small_sim):
    """small_sim without faults and with fresh request counters; faults cleared afterwards."""
    small_sim.clear_faults()
    small_sim.reset_stats()
    yield small_sim
    small_sim.clear_faults()
