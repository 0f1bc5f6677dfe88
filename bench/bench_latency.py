"""Latency: a first sync of three equal tenants against a simulator whose every reply takes a
network round trip (the simulator's latency model), one tenant at a time and side by side.

The floor is what no client can beat without more requests in flight per tenant: the ideal number
of requests of one tenant (records / 500 per stream, rounded up, plus its login) times the round
trip, the tenants read side by side. Printed: wall time against that floor (also without the tap's
fixed start-up, which is no network time), listing requests against the ideal per tenant and
stream, and the speed-up of reading tenants side by side. Nothing is asserted.

On a loaded machine the wall times measure the load, so an *idle projection* is printed too, from
what does not depend on it: after the tap's start-up (its CPU time for `--about`), the round trips
a run had to wait for one after the other (requests counted by the simulator: the busiest
tenant's when side by side, all of them one at a time) times the RTT, or the tap's remaining CPU
time if that is larger (one process: its threads share one core).

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
            "total_requests": stats["total"], "max_in_flight": stats["max_in_flight"],
            # every request of one tenant waits for the one before it; logins included
            "round_trips_in_sequence": (max if concurrency > 1 else sum)(
                sum(entry["count"] for entry in stats["entries"] if entry["tenant"] == tenant) for tenant in TENANTS)}


def idle_projection(run: dict, rtt_ms: int, startup_cpu_s: float) -> float:
    """Seconds after the tap's start-up: the round trips in sequence, or the CPU, whichever is more."""
    return round(max(run["cpu_s"] - startup_cpu_s, run["round_trips_in_sequence"] * rtt_ms / 1000), 2)


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
    seq_idle = idle_projection(sequential, rtt_ms, startup.cpu_s)
    par_idle = idle_projection(side_by_side, rtt_ms, startup.cpu_s)
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
        "tap_startup_cpu_s": round(startup.cpu_s, 2),
        # after the start-up (imports, CPU only, the same for any number of tenants)
        "idle_projection": {"sequential_s": seq_idle, "side_by_side_s": par_idle,
                            "over_floor": round(par_idle / floor_s, 2), "speedup": round(seq_idle / par_idle, 2),
                            "speedup_with_startup": round((seq_idle + startup.cpu_s) / (par_idle + startup.cpu_s), 2)},
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
        idle = row["idle_projection"]
        print(f"    idle projection after start-up: side by side {idle['side_by_side_s']} s = {idle['over_floor']} x "
              f"floor, one at a time {idle['sequential_s']} s, speed-up {idle['speedup']} x "
              f"({idle['speedup_with_startup']} x with start-up; tap CPU {par['cpu_s']} s side by side, "
              f"{seq['cpu_s']} s one at a time; start-up {row['tap_startup_cpu_s']} CPU-s)", flush=True)
    b.save_result("latency", {"rows": rows, "goal": "<= 1.5 x floor, >= 2.5 x faster than one tenant at a time"})


if __name__ == "__main__":
    main()
