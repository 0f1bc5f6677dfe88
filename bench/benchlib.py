"""Shared helpers of the benchmark scripts: start the simulator, run the tap as a child process
and measure it (wall time, CPU time and peak RSS from the kernel), record results.

Every figure comes from the real parts: the simulator over HTTP on 127.0.0.1 and the real
`tap-callio` console script in a subprocess, exactly as a scheduler runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
from callio_sim.testing import running_simulator

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR") or BENCH_DIR / "results")  # latest figures
WORK_DIR = BENCH_DIR / ".work"  # scratch files (configs, catalogs, outputs); git-ignored
WORK_DIR.mkdir(exist_ok=True)
VENV_BIN = Path(sys.executable).parent
# The tap as Meltano runs it: its plugin venv (bench/run.sh runs the project's set-up first).
# bench/.venv has the same editable tap, but also numpy (the simulator's), which the SDK's joblib
# then imports: 0.2 CPU-s more at every start than a pipeline run pays.
PLUGIN_TAP = BENCH_DIR.parent / ".meltano" / "extractors" / "tap-callio" / "venv" / "bin" / "tap-callio"
TAP = str(PLUGIN_TAP if PLUGIN_TAP.exists() else VENV_BIN / "tap-callio")
DAY_MS = 86_400_000
THROUGHPUT_GOAL = 0.6  # issue #16: the tap's records/s at least this share of the floor's


class TreeMemoryPoller:
    """Peak RSS per program among the descendants of a process, sampled every `interval`
    seconds in a thread (wait4() only gives the largest one; this says which it was), and the
    CPU seconds each program had used when last seen (a process's last half second is missed)."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid = pid
        self.interval = interval
        self.peaks: dict[str, float] = {}
        self._cpu: dict[int, tuple[str, float]] = {}  # pid -> (program, CPU seconds so far)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def program(proc: psutil.Process) -> str:
        cmd = proc.cmdline()
        # python scripts: the script's name (tap-callio, target-duckdb, dbt, meltano), not "python"
        words = [Path(c).name for c in cmd[:3] if not c.startswith("-")]
        named = [w for w in words if not w.startswith("python")]
        return named[0] if named else (words[0] if words else proc.name())

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(self.pid)
                for proc in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        name = self.program(proc)
                        rss = proc.memory_info().rss / 2**20
                        self.peaks[name] = max(self.peaks.get(name, 0.0), rss)
                        times = proc.cpu_times()
                        # the name first seen: an exiting process loses its command line
                        first = self._cpu.get(proc.pid, (name, 0.0))[0]
                        self._cpu[proc.pid] = (first, times.user + times.system)
            self._stop.wait(self.interval)

    @property
    def cpu_by_program(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for name, seconds in self._cpu.values():
            totals[name] = totals.get(name, 0.0) + seconds
        return totals

    def __enter__(self) -> TreeMemoryPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclasses.dataclass
class ChildRun:
    """What the kernel says about one finished child process."""

    returncode: int
    wall_s: float
    cpu_s: float  # user + system of the child (and of its own waited-for children)
    max_rss_mb: float
    stderr_tail: str = ""
    peak_rss_by_program_mb: dict[str, float] = dataclasses.field(default_factory=dict)
    cpu_by_program_s: dict[str, float] = dataclasses.field(default_factory=dict)


def run_measured(argv: list[str], *, stdout: Any = subprocess.DEVNULL, stdin: Any = None, env: dict | None = None,
                 cwd: str | Path | None = None, stderr_path: Path | None = None,
                 poll_tree: bool = False) -> ChildRun:
    """Run argv to completion; peak RSS and CPU come from wait4() of exactly that child,
    so neither polling gaps nor other processes can distort them."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    stderr_path = stderr_path or WORK_DIR / "child-stderr.log"
    with open(stderr_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=err, env=env, cwd=cwd)
        poller = TreeMemoryPoller(proc.pid) if poll_tree else contextlib.nullcontext()
        try:
            with poller:
                _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted: leave no orphan behind
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            raise
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    tail = stderr_path.read_text(errors="replace").splitlines()[-15:]
    return ChildRun(
        returncode=proc.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
        stderr_tail="\n".join(tail),
        peak_rss_by_program_mb={k: round(v) for k, v in poller.peaks.items()} if poll_tree else {},
        cpu_by_program_s={k: round(v, 1) for k, v in poller.cpu_by_program.items()} if poll_tree else {},
    )


@contextlib.contextmanager
def simulator(**options: Any) -> Iterator[Any]:
    """The real simulator in a subprocess on a free port (callio_sim.testing)."""
    options.setdefault("seed", 42)
    with running_simulator(startup_timeout=300, **options) as sim:
        yield sim


def iso_days_ago(days: float) -> str:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def tap_config(sim: Any, name: str, tenants: list[str] | None = None, **settings: Any) -> Path:
    """Write a config for the tap against `sim` (logins through /auth/login, as in production)."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    accounts = sim.write_accounts_file(WORK_DIR / f"{name}-accounts.json", tenants)
    config = {
        "api_url": sim.url,
        "accounts_file": str(accounts),
        "page_size": 500,
        # the simulator spreads calls over the last 30 local days: start safely before
        "start_date": iso_days_ago(40),
        "request_timeout": 60,
        "retry_base_delay_s": 0.2,
        **settings,
    }
    path = WORK_DIR / f"{name}-config.json"
    path.write_text(json.dumps(config))
    return path


def catalog_for(config: Path, streams: set[str], name: str) -> Path:
    """Discover the catalog and select only `streams` (sync_log always rides along in the tap;
    deselecting it keeps the output to the stream being measured)."""
    out = subprocess.run([TAP, "--config", str(config), "--discover"], check=True,
                         capture_output=True, text=True).stdout
    catalog = json.loads(out)
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in streams
        for item in entry.get("metadata", []):
            if item.get("breadcrumb") == []:
                item["metadata"]["selected"] = chosen
    path = WORK_DIR / f"{name}-catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def tap_argv(config: Path, catalog: Path, state: Path | None = None) -> list[str]:
    argv = [TAP, "--config", str(config), "--catalog", str(catalog)]
    if state is not None:
        argv += ["--state", str(state)]
    return argv


def tap_records_read(run: ChildRun, tenant: str, stream: str) -> int:
    """Records the tap read, from its end-of-run summary on stderr."""
    for line in reversed(run.stderr_tail.splitlines()):
        match = re.search(rf"\|\s+{tenant}\s+{stream}\s+\w+\s+(\d+)\s+\d+", line)
        if match:
            return int(match.group(1))
    raise SystemExit(f"no summary line for {tenant}/{stream} in the tap's stderr:\n{run.stderr_tail}")


def api_requests(stats: dict, endpoint: str) -> int:
    return int(stats.get("by_endpoint", {}).get(endpoint, 0))


def server_cpu_s(sim: Any) -> float:
    """CPU seconds the simulator process (and any children) has used so far."""
    proc = psutil.Process(sim.process.pid)
    total = sum(proc.cpu_times()[:2])
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(child.cpu_times()[:2])
    return total


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def save_result(name: str, payload: dict) -> Path:
    """bench/results/<name>.json: the latest figures of one script (read by report.py)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "load_average_at_end": load_average(), **payload}
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small volumes (the whole suite in < 3 min)")
    return parser
