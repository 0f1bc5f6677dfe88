"""Throughput: the tap against the floor of what any client can do with this API.

Floor: a minimal keep-alive `requests` client that pages through the simulator's `/call` with
pageSize 500 and parses every page's JSON with `response.json()` (as the tap does), and nothing
else. It pages by keyset (newest first, `to` = the oldest createTime seen, ids at that boundary
skipped), so every page is full and no request comes near the 10,000 result window: the fewest
requests any client can issue.
Tap: the real `tap-callio` (calls stream only) writing its Singer messages to /dev/null.

Both run as child processes against the same simulator, one right after the other, so the ratio
is meaningful even on a busy machine; CPU seconds (from the kernel, per child) are printed too,
because they do not depend on what else the machine is doing.

    .venv/bin/python bench_throughput.py [--quick] [--calls N]
"""

from __future__ import annotations

import json
import sys

import benchlib as b

PAGE_SIZE = 500


def floor_child(url: str, token: str, start_ms: int, end_ms: int) -> None:
    """The minimal client (runs in its own process; prints its record count as JSON)."""
    import requests

    session = requests.Session()
    session.headers["token"] = token
    records = requests_sent = 0
    upper, boundary = end_ms, set()
    while True:  # keyset paging, newest first: every page full, never near the result window
        response = session.get(f"{url}/call", params={"page": 1, "pageSize": PAGE_SIZE,
                                                      "sort": "createTimeDESC", "from": start_ms, "to": upper})
        requests_sent += 1
        response.raise_for_status()
        docs = [d for d in response.json()["docs"] if d["_id"] not in boundary]
        if not docs:
            break
        records += len(docs)
        smallest = min(int(float(d["createTime"])) for d in docs)  # quirks: numeric strings, floats
        boundary = {d["_id"] for d in docs if int(float(d["createTime"])) == smallest}
        # a full page inside one millisecond cannot happen at these volumes; step below it anyway
        upper = smallest if smallest < upper else smallest - 1
    print(json.dumps({"records": records, "requests": requests_sent}))


def measure(calls: int) -> dict:
    with b.simulator(tenants="PK", calls=calls, customers=100, days=30) as sim:
        now = sim.now()
        start = now - 31 * b.DAY_MS
        token = sim.account("PK")["token"]

        out = b.WORK_DIR / "floor-out.json"
        server_before = b.server_cpu_s(sim)
        with open(out, "w") as sink:
            floor = b.run_measured([sys.executable, __file__, "--floor-child", sim.url, token,
                                    str(start), str(now)], stdout=sink)
        if floor.returncode != 0:
            raise SystemExit(f"floor client failed:\n{floor.stderr_tail}")
        floor_records = json.loads(out.read_text())["records"]
        floor_server_cpu = b.server_cpu_s(sim) - server_before

        config = b.tap_config(sim, "throughput", ["PK"])
        catalog = b.catalog_for(config, {"calls"}, "throughput")
        startup = b.run_measured([b.TAP, "--config", str(config), "--about"])  # start-up cost alone
        sim.reset_stats()
        server_before = b.server_cpu_s(sim)
        tap = b.run_measured(b.tap_argv(config, catalog))  # Singer messages to /dev/null
        tap_server_cpu = b.server_cpu_s(sim) - server_before
        if tap.returncode != 0:
            raise SystemExit(f"tap failed:\n{tap.stderr_tail}")
        tap_records = b.tap_records_read(tap, "PK", "calls")
        requests_sent = b.api_requests(sim.stats(), "/call")

    floor_rate = floor_records / floor.wall_s
    floor_cost = (floor.cpu_s + floor_server_cpu) / floor_records

    def idle_ratio(records: int, cpu_s: float) -> float:
        return round(floor_cost / (cpu_s / records), 2)

    tap_rate = tap_records / tap.wall_s
    return {
        "calls": calls,
        "floor": {"records": floor_records, "wall_s": round(floor.wall_s, 2), "cpu_s": round(floor.cpu_s, 2),
                  "records_per_s": round(floor_rate), "records_per_cpu_s": round(floor_records / floor.cpu_s),
                  "server_cpu_s": round(floor_server_cpu, 2)},
        "tap": {"records": tap_records, "call_requests": requests_sent, "wall_s": round(tap.wall_s, 2),
                "cpu_s": round(tap.cpu_s, 2), "records_per_s": round(tap_rate),
                "records_per_cpu_s": round(tap_records / tap.cpu_s), "startup_s": round(startup.wall_s, 2),
                "startup_cpu_s": round(startup.cpu_s, 2),
                "records_per_cpu_s_after_startup": round(tap_records / max(tap.cpu_s - startup.cpu_s, 1e-9)),
                "max_rss_mb": round(tap.max_rss_mb, 1), "server_cpu_s": round(tap_server_cpu, 2)},
        "ratio_wall": round(tap_rate / floor_rate, 2),
        "ratio_cpu": round((tap_records / tap.cpu_s) / (floor_records / floor.cpu_s), 2),
        # client and server take turns (one request at a time), so on an idle machine the wall
        # time is about client CPU + server CPU: the ratio of those sums is the ratio an idle
        # machine would show, whatever the load was while measuring
        "ratio_idle_projection": idle_ratio(tap_records, tap.cpu_s + tap_server_cpu),
        # the same without the tap's fixed start-up (imports, no record moved): what each
        # further record costs, which is what a larger run converges to
        "ratio_idle_projection_after_startup": idle_ratio(
            tap_records, max(tap.cpu_s - startup.cpu_s, 1e-9) + tap_server_cpu),
        "goal": f">= {b.THROUGHPUT_GOAL} of the floor (records/s, issue #16)",
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--floor-child":
        url, token, start, end = sys.argv[2:6]
        floor_child(url, token, int(start), int(end))
        return
    parser = b.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, help="calls in the simulator (default 200,000; quick 10,000)")
    args = parser.parse_args()
    calls = args.calls or (10_000 if args.quick else 200_000)
    result = measure(calls)
    b.save_result("throughput", result)
    f, t = result["floor"], result["tap"]
    print(f"throughput, 1 tenant, {calls:,} calls, pageSize 500, machine load {b.load_average()}")
    print(f"  floor (requests + response.json): {f['records']:,} records in {f['wall_s']} s = "
          f"{f['records_per_s']:,} records/s ({f['records_per_cpu_s']:,} per client CPU-s)")
    print(f"  tap-callio > /dev/null:            {t['records']:,} records in {t['wall_s']} s = "
          f"{t['records_per_s']:,} records/s ({t['records_per_cpu_s']:,} per tap CPU-s; "
          f"start-up {t['startup_s']} s / {t['startup_cpu_s']} CPU-s included; "
          f"{t['records_per_cpu_s_after_startup']:,} per CPU-s after it)")
    print(f"  ratio tap/floor: {result['ratio_wall']} (wall, loaded machine), {result['ratio_cpu']} (client CPU), "
          f"{result['ratio_idle_projection']} (idle-machine projection: client + server CPU; "
          f"{result['ratio_idle_projection_after_startup']} after start-up)   goal >= {b.THROUGHPUT_GOAL}")
    print(f"  server CPU-s: floor {f['server_cpu_s']}, tap {t['server_cpu_s']}")


if __name__ == "__main__":
    main()
