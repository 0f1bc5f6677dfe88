"""Benchmark of the simulator: start-up time with 100k calls per tenant, then records/second
served in pages of 500 over real HTTP by one keep-alive client (like the tap).

Three figures per scan: wall-clock records/s with the client parsing JSON (what a tap sees),
wall-clock records/s with the client only reading the bytes, and records per CPU-second of the
server process (independent of other load on the machine).

    .venv/bin/python bench_sim.py [--calls 100000] [--customers 100000]
"""

from __future__ import annotations

import argparse
import os
import time

import requests

from callio_sim.testing import running_simulator

PAGES = 20  # 20 x 500 = the 10,000 result window


def server_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scan(session: requests.Session, url: str, path: str, params: dict, parse: bool) -> tuple[int, float]:
    records = 0
    started = time.perf_counter()
    for page in range(1, PAGES + 1):
        resp = session.get(url + path, params={**params, "page": page, "pageSize": 500})
        resp.raise_for_status()
        records += len(resp.json()["docs"]) if parse else 500 * bool(resp.content)
    return records, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()

    started = time.perf_counter()
    with running_simulator(tenants="PK,HN,SG", calls=args.calls, customers=args.customers,
                           staff=80, groups=5, days=30) as sim:
        startup = time.perf_counter() - started
        print(f"start-up, 3 tenants x {args.calls:,} calls + {args.customers:,} customers: "
              f"{startup:.2f} s from process start to healthy")
        session = requests.Session()
        for path, params in (("/call", {"sort": "createTimeDESC"}), ("/customer", {"sort": "updateTimeDESC"})):
            for parse in (True, False):
                total = seconds = cpu = 0.0
                for tenant in sim.tenants:
                    session.headers["token"] = sim.account(tenant)["token"]
                    cpu_before = server_cpu_seconds(sim.process.pid)
                    records, elapsed = scan(session, sim.url, path, params, parse)
                    cpu += server_cpu_seconds(sim.process.pid) - cpu_before
                    total += records
                    seconds += elapsed
                mode = "client parses JSON" if parse else "client reads bytes"
                print(f"{path:9s} {int(total):,} records in pages of 500 ({mode}): "
                      f"{total / seconds:,.0f} records/s, {total / 500 / seconds:.1f} pages/s; "
                      f"server: {total / max(cpu, 1e-9):,.0f} records per CPU-second")


if __name__ == "__main__":
    main()
