"""Latency: a first sync of three equal tenants against a simulator whose every reply takes a
network round trip (the simulator's latency model), one tenant at a time and side by side.

The floor is what no client can beat without more requests in flight per tenant: the ideal number
of requests of one tenant (records / 500 per stream, rounded up, plus its login) times the round
trip, the tenants read side by side. Printed: wall time against that floor (also without the tap's
fixed start-up, which is no network time), listing requests against the ideal per tenant and
stream, and the speed-up of reading tenants side by side. Nothing is asserted.

    .venv/bin/python bench_latency.py [--quick] [--rtt-ms 50,150]
"""

from __future__ import annotations

import math

import benchlib as b

TENANTS = ["PK", "HN", "SG"]
ENDPOINTS = {"calls": "/call", "customers": "/customer", "staff": "/user", "groups": "/user-group"}
PAGE_SIZE = 500


def run_tap(sim, rtt_ms: int, concurrency: int) -> dict:
    name = f"latency-{rtt_ms}-c{concurrency}"
    config = b.tap_config(sim, name, TENANTS, tenant_concurrency=concurrency, page_size=PAGE_SIZE)
    catalog = b.catalog_for(config, set(ENDPOINTS), name)
    sim.reset_stats()
    run = b.run_measured(b.tap_argv(config, catalog))  # Singer messages to /dev/null
    if run.returncode != 0:
        raise SystemExit(f"tap failed ({name}):\n{run.stderr_tail}")
    stats = sim.stats()
    requests: dict[str, dict[str, int]] = {tenant: {} for tenant in TENANTS}
    for entry in stats["entries"]:
        for stream, endpoint in ENDPOINTS.items():
            if entry["endpoint"] == endpoint and entry["tenant"] in requests:
                requests[entry["tenant"]][stream] = requests[entry["tenant"]].get(stream, 0) + entry["count"]
    return {"wall_s": round(run.wall_s, 2), "cpu_s": round(run.cpu_s, 2), "requests": requests,
            "total_requests": stats["total"], "max_in_flight": stats["max_in_flight"]}


def ideal_requests(sim) -> dict[str, dict[str, int]]:
    """Per tenant and stream: records / page size, rounded up (at least one request)."""
    return {tenant: {stream: max(1, math.ceil(sum(1 for _ in sim.truth(tenant, stream)) / PAGE_SIZE))
                     for stream in ENDPOINTS} for tenant in TENANTS}


def measure(rtt_ms: int, calls: int, customers: int) -> dict:
    with b.simulator(tenants=",".join(TENANTS), calls=calls, customers=customers, staff=20, groups=5,
                     latency_ms=rtt_ms) as sim:
        startup = b.run_measured([b.TAP, "--about"])  # the tap's fixed start-up cost
        ideal = ideal_requests(sim)
        # one tenant's ideal requests plus its login, times the round trip; tenants side by side
        floor_s = max(sum(streams.values()) + 1 for streams in ideal.values()) * rtt_ms / 1000
        sequential = run_tap(sim, rtt_ms, concurrency=1)
        side_by_side = run_tap(sim, rtt_ms, concurrency=len(TENANTS))
    ratio = {stream: round(sum(side_by_side["requests"][t].get(stream, 0) for t in TENANTS)
                           / sum(ideal[t][stream] for t in TENANTS), 3) for stream in ENDPOINTS}
    return {
        "rtt_ms": rtt_ms, "tenants": len(TENANTS), "calls_per_tenant": calls, "customers_per_tenant": customers,
        "ideal_requests": ideal, "floor_s": round(floor_s, 2), "tap_startup_s": round(startup.wall_s, 2),
        "sequential": sequential, "side_by_side": side_by_side,
        "requests_over_ideal": ratio,
        "wall_over_floor": round(side_by_side["wall_s"] / floor_s, 2),
        "wall_after_startup_over_floor": round((side_by_side["wall_s"] - startup.wall_s) / floor_s, 2),
        "speedup": round(sequential["wall_s"] / side_by_side["wall_s"], 2),
    }


def main() -> None:
    parser = b.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--rtt-ms", default="50,150", help="round trips to measure, ms (default 50,150)")
    args = parser.parse_args()
    calls, customers = (2_000, 600) if args.quick else (10_000, 3_000)
    rows = []
    print(f"latency: first sync of {len(TENANTS)} tenants x ({calls:,} calls, {customers:,} customers), "
          f"pageSize {PAGE_SIZE}, machine load {b.load_average()}")
    for rtt in (int(v) for v in args.rtt_ms.split(",")):
        row = measure(rtt, calls, customers)
        rows.append(row)
        seq, par = row["sequential"], row["side_by_side"]
        print(f"  RTT {rtt} ms: floor {row['floor_s']} s; side by side {par['wall_s']} s = "
              f"{row['wall_over_floor']} x floor ({row['wall_after_startup_over_floor']} x without the tap's "
              f"{row['tap_startup_s']} s start-up); one tenant at a time {seq['wall_s']} s; speed-up "
              f"{row['speedup']} x; requests / ideal {row['requests_over_ideal']}; "
              f"max in flight {par['max_in_flight']}", flush=True)
    b.save_result("latency", {"rows": rows, "goal": "<= 1.5 x floor, >= 2.5 x faster than one tenant at a time"})


if __name__ == "__main__":
    main()
