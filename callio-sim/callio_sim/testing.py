"""Run the real simulator in a subprocess from Python tests.

    from callio_sim.testing import running_simulator
    with running_simulator(customers=500, calls=2000, tenants="PK,HN") as sim:
        requests.get(sim.url + "/call", headers={"token": sim.accounts[0]["token"]})

Options are the CLI options with underscores (`customers=500`, `now_ms=...`, `bursts=[...]`,
`quirks=False`, `faults=[rules]`, `token_ttl_s=...`); see README.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .cli import build_parser

_SPECIAL = {"host", "port", "dump_truth", "ready_file", "accounts_out", "faults", "burst", "no_quirks"}


def _option_map() -> dict[str, tuple[str, bool]]:
    """dest -> (option string, is a flag), from the CLI parser so the two never drift apart."""
    return {a.dest: (a.option_strings[0], a.nargs == 0) for a in build_parser()._actions
            if a.option_strings and a.dest not in _SPECIAL and a.dest != "help"}


def options_to_argv(options: dict[str, Any], workdir: Path) -> list[str]:
    opts = dict(options)
    mapping = _option_map()
    argv: list[str] = []
    if "now" in opts:
        opts["now_ms"] = opts.pop("now")
    if "token_ttl" in opts:
        opts["token_ttl_s"] = opts.pop("token_ttl")
    for burst in opts.pop("bursts", None) or opts.pop("burst", None) or []:
        argv += ["--burst", burst if isinstance(burst, str) else
                 (f"{burst.tenant}@" if burst.tenant else "") + f"{burst.date.isoformat()}:{burst.count}"]
    if opts.pop("quirks", True) is False:
        argv.append("--no-quirks")
    faults = opts.pop("faults", None)
    if faults:
        path = workdir / "faults.json"
        path.write_text(json.dumps(faults))
        argv += ["--faults", str(path)]
    for key, value in opts.items():
        if key not in mapping:
            raise TypeError(f"running_simulator() got an unknown option {key!r}")
        option, is_flag = mapping[key]
        if is_flag:
            argv += [option] if value else []
            continue
        if key == "tenants" and not isinstance(value, str):
            value = ",".join(value)
        argv += [option, str(value)]
    return argv


class SimulatorHandle:
    def __init__(self, process: subprocess.Popen, url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path  # the server's stderr; exists until the with-block ends
        self.accounts: list[dict[str, str]] = self._request("GET", "/_sim/accounts")
        self.config: dict[str, Any] = self._request("GET", "/_sim/config")

    # ----- HTTP helper -------------------------------------------------------------------------

    def _request(self, method: str, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    # ----- public API --------------------------------------------------------------------------

    @property
    def tenants(self) -> list[str]:
        return list(self.config["tenants"])

    def account(self, tenant: str) -> dict[str, str]:
        return next(a for a in self.accounts if a["tenant"] == tenant)

    def write_accounts_file(self, path: str | Path, tenants: list[str] | None = None) -> Path:
        """Write the login list [{tenant,email,password}] the tap reads as its accounts_file."""
        path = Path(path)
        rows = [{k: a[k] for k in ("tenant", "email", "password")} for a in self.accounts
                if tenants is None or a["tenant"] in tenants]
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2))
        return path

    def truth(self, tenant: str, stream: str) -> Iterator[dict[str, Any]]:
        """Canonical records as they are now (NDJSON streamed, one dict at a time)."""
        with urllib.request.urlopen(f"{self.url}/_sim/truth/{tenant}/{stream}", timeout=300) as resp:
            for line in resp:
                if line.strip():
                    yield json.loads(line)

    def set_faults(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._request("POST", "/_sim/faults", rules)["rules"]

    def clear_faults(self) -> None:
        self._request("DELETE", "/_sim/faults")

    def faults(self) -> list[dict[str, Any]]:
        return self._request("GET", "/_sim/faults")["rules"]

    def stats(self) -> dict[str, Any]:
        return self._request("GET", "/_sim/stats")

    def reset_stats(self) -> None:
        self._request("POST", "/_sim/stats/reset", {})

    def mutate(self, tenant: str, insert_calls: int = 0, update_customers: int = 0,
               late_calls: int = 0, late_minutes: float | None = None,
               delete_staff: int = 0) -> dict[str, Any]:
        payload = {"tenant": tenant, "insert_calls": insert_calls, "update_customers": update_customers,
                   "late_calls": late_calls, "delete_staff": delete_staff}
        if late_minutes is not None:
            payload["late_minutes"] = late_minutes
        return self._request("POST", "/_sim/mutate", payload)

    def now(self) -> int:
        return self._request("GET", "/_sim/health")["now"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def running_simulator(startup_timeout: float = 60.0, host: str = "127.0.0.1",
                      **options: Any) -> Iterator[SimulatorHandle]:
    """Start `callio-sim` on a free port, wait for /_sim/health, yield a handle, stop it."""
    with tempfile.TemporaryDirectory(prefix="callio-sim-") as tmp:
        workdir = Path(tmp)
        ready = workdir / "ready.json"
        argv = [sys.executable, "-m", "callio_sim", "--host", host, "--port", "0",
                "--ready-file", str(ready), *options_to_argv(options, workdir)]
        log = open(workdir / "server.log", "wb")
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        handle = None
        try:
            url = _wait_ready(process, ready, workdir / "server.log", startup_timeout)
            handle = SimulatorHandle(process, url, workdir / "server.log")
            yield handle
        finally:
            if handle is not None:
                handle.stop()
            elif process.poll() is None:
                process.kill()
                process.wait()
            log.close()


def _wait_ready(process: subprocess.Popen, ready: Path, log: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"callio-sim exited with {process.returncode}: {log.read_text()[-2000:]}")
        if ready.exists():
            url = json.loads(ready.read_text())["url"]
            try:
                with urllib.request.urlopen(url + "/_sim/health", timeout=5) as resp:
                    if resp.status == 200:
                        return url
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"callio-sim did not become healthy within {timeout}s")
