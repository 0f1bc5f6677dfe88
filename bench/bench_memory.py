"""Peak memory of the tap with volume: max RSS of the `tap-callio` process (from the kernel,
wait4() of that very child) reading 10k, 100k and 1M calls of one tenant, Singer messages to
/dev/null. The tap streams (records leave as each page is parsed), so the figure must stay flat.

    .venv/bin/python bench_memory.py [--quick] [--volumes 10000,100000,1000000]

Goal: under 200 MB at 1M calls, and within 20 % of the 10k figure.
"""

from __future__ import annotations

import benchlib as b

DAYS = 100  # 1M calls over 100 days = 10k a day: the tap's day slices stay near the result window


def measure(calls: int) -> dict:
    with b.simulator(tenants="PK", calls=calls, customers=100, days=DAYS) as sim:
        config = b.tap_config(sim, f"memory-{calls}", ["PK"], start_date=b.iso_days_ago(DAYS + 2))
        catalog = b.catalog_for(config, {"calls"}, f"memory-{calls}")
        sim.reset_stats()
        run = b.run_measured(b.tap_argv(config, catalog))
        if run.returncode != 0:
            raise SystemExit(f"tap failed at {calls} calls:\n{run.stderr_tail}")
        records = b.tap_records_read(run, "PK", "calls")
        requests_sent = b.api_requests(sim.stats(), "/call")
    return {"calls": calls, "records": records, "max_rss_mb": round(run.max_rss_mb, 1),
            "wall_s": round(run.wall_s, 1), "cpu_s": round(run.cpu_s, 1),
            "records_per_s": round(records / run.wall_s), "call_requests": requests_sent}


def main() -> None:
    parser = b.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--volumes", help="comma-separated call counts (default 10k,100k,1M; quick 10k,30k)")
    args = parser.parse_args()
    default = "10000,30000" if args.quick else "10000,100000,1000000"
    volumes = [int(v) for v in (args.volumes or default).split(",")]
    print(f"peak memory of tap-callio (calls stream, 1 tenant, > /dev/null), machine load {b.load_average()}")
    rows = []
    for calls in volumes:
        row = measure(calls)
        rows.append(row)
        print(f"  {calls:>9,} calls: max RSS {row['max_rss_mb']:6.1f} MB, {row['wall_s']:6.1f} s, "
              f"{row['records_per_s']:,} records/s, {row['call_requests']:,} /call requests", flush=True)
    base, top = rows[0]["max_rss_mb"], rows[-1]["max_rss_mb"]
    growth = (top - base) / base
    result = {"rows": rows, "growth_vs_smallest": round(growth, 3),
              "goal": "< 200 MB at 1M calls and within 20 % of the 10k figure",
              "goal_met": top < 200 and growth <= 0.20}
    b.save_result("memory", result)
    print(f"  growth {rows[0]['calls']:,} -> {rows[-1]['calls']:,}: {growth:+.1%}   "
          f"goal: < 200 MB and within 20 %: {'met' if result['goal_met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
