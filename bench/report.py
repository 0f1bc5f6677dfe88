"""Print the latest figures of every benchmark (bench/results/*.json) as one Markdown table
(readable in a terminal, pasted as is into bench/README.md).

    .venv/bin/python report.py
"""

from __future__ import annotations

import json

import benchlib as b


def load(name: str) -> dict | None:
    path = b.RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def throughput(r: dict) -> list[tuple]:
    f, t = r["floor"], r["tap"]
    return [
        ("throughput", f"floor: requests + JSON, {f['records']:,} calls", (f"{f['records_per_s']:,} rec/s "
         f"({f['records_per_cpu_s']:,} per client CPU-s)"), "", ""),
        ("throughput", "tap-callio > /dev/null", (f"{t['records_per_s']:,} rec/s ({t['records_per_cpu_s']:,} per "
         f"CPU-s, start-up {t['startup_s']} s incl.)"), "", ""),
        ("throughput", "tap / floor, wall (loaded machine)", f"{r['ratio_wall']}", f">= {b.THROUGHPUT_GOAL}",
         yes(r["ratio_wall"] >= b.THROUGHPUT_GOAL)),
        ("throughput", "tap / floor, idle projection (client + server CPU)", f"{r['ratio_idle_projection']}",
         f">= {b.THROUGHPUT_GOAL}", yes(r["ratio_idle_projection"] >= b.THROUGHPUT_GOAL)),
        ("throughput", "the same after the tap's start-up", f"{r.get('ratio_idle_projection_after_startup', '?')}",
         "", ""),
    ]


def memory(r: dict) -> list[tuple]:
    rows = [("memory", f"tap max RSS, {row['calls']:,} calls", f"{row['max_rss_mb']} MB ({row['wall_s']} s)",
             "< 200 MB", yes(row["max_rss_mb"] < 200)) for row in r["rows"]]
    first, last = r["rows"][0]["calls"], r["rows"][-1]["calls"]
    rows.append(("memory", f"growth {first:,} -> {last:,} calls", f"{r['growth_vs_smallest']:+.1%}", "<= +20 %",
                 yes(r["growth_vs_smallest"] <= 0.2)))
    return rows


def requests_rows(r: dict) -> list[tuple]:
    rows = []
    for case in r["rows"]:
        for stream in ("calls", "customers"):
            s = case[stream]
            missing = f", missing {s['missing_vs_truth']}"
            if "missing_after_next_run" in s:
                missing += f" (after next run {s['missing_after_next_run']})"
            rows.append(("requests", f"{case['case']}: {stream}, {s['records']:,} records",
                         (f"{s['requests']} requests = {s['requests_per_1000_records']} per 1000 (ideal "
                         f"{s['ideal_requests']}){missing}"), f"<= budget {s['budget_requests']}",
                         yes(s["requests"] <= s["budget_requests"])))
    return rows


def latency(r: dict) -> list[tuple]:
    rows = []
    for row in r["rows"]:
        seq, par = row["sequential"], row["side_by_side"]
        head = f"RTT {row['rtt_ms']} ms, {row['tenants']} tenants x {row['calls_per_tenant']:,} calls"
        rows += [
            ("latency", f"{head}: side by side / floor ({row['floor_s']} s)",
             (f"{par['wall_s']} s = {row['wall_over_floor']} x ({row['wall_after_startup_over_floor']} x after the "
             f"{row['tap_startup_s']} s start-up)"), "<= 1.5", yes(row["wall_after_startup_over_floor"] <= 1.5)),
            ("latency", f"{head}: one tenant at a time / side by side", (f"{seq['wall_s']} s / {par['wall_s']} s = "
             f"{row['speedup']} x"), ">= 2.5", yes(row["speedup"] >= 2.5)),
            ("latency", f"{head}: idle projection after start-up (round trips x RTT, or tap CPU)",
             (f"{row['idle_projection']['side_by_side_s']} s = {row['idle_projection']['over_floor']} x floor; speed-up "
             f"{row['idle_projection']['speedup']} x"), "<= 1.5; >= 2.5",
             yes(row["idle_projection"]["over_floor"] <= 1.5 and row["idle_projection"]["speedup"] >= 2.5)),
            ("latency", f"{head}: listing requests / ideal", ", ".join(
                f"{k} {v}" for k, v in row["requests_over_ideal"].items()), "<= 1.25 + a handful",
             yes(all(v <= 1.25 for k, v in row["requests_over_ideal"].items() if k in ("calls", "customers")))),
        ]
    return rows


E2E_GOAL_S = {"full": 75, "incremental": 10}  # issue #26 (#16 asked 90 s for the full run)
EXTRACT_LOAD_GOAL = 1.3  # issue #26: the calls stage over the tap alone on the same records
PEAK_RSS_GOAL_MB = 400


def e2e(r: dict) -> list[tuple]:
    rows = []
    for run in ("full", "incremental"):
        stages = ", ".join(f"{s['stage']} {s['wall_s']} s" for s in r[run]["stages"])
        rows.append(("end to end", f"{run} run ({r['calls']:,} calls, {r['customers']:,} customers, 3 tenants)"
                     if run == "full" else f"incremental run ({r[run].get('new_calls_in_call_log', '?')} of "
                     f"{r[run].get('new_calls_expected', '?')} new calls landed)",
                     f"{r[run]['total_s']} s: {stages}"
                     + (f" (idle projection {r[run]['idle_projection_s']} s)" if "idle_projection_s" in r[run] else ""),
                     f"<= {E2E_GOAL_S[run]} s",
                     yes(r[run]["total_s"] <= E2E_GOAL_S[run])))
    peaks: dict[str, float] = {}
    for stage in r["full"]["stages"] + r["incremental"]["stages"]:
        for program, mb in stage.get("peak_rss_by_program_mb", {}).items():
            peaks[program] = max(peaks.get(program, 0), mb)
    rows.append(("end to end", "peak RSS per program (both runs)", ", ".join(f"{k} {v} MB" for k, v in peaks.items()),
                 f"<= {PEAK_RSS_GOAL_MB} MB", yes(max(peaks.values(), default=0) <= PEAK_RSS_GOAL_MB)))
    if "extract_load_over_tap" in r:
        alone = r["tap_alone_calls"]
        rows.append(("end to end", f"extract + load over the tap alone, {alone['records']:,} calls side by side",
                     f"{r['extract_load_over_tap']} measured (tap alone {alone['wall_s']} s, CPU {alone['cpu_s']} s); "
                     f"idle projection {r.get('extract_load_over_tap_idle_projection', '?')}",
                     f"<= {EXTRACT_LOAD_GOAL}", yes(r["extract_load_over_tap"] <= EXTRACT_LOAD_GOAL)))
    rows.append(("end to end", "meltano start-up per invocation", f"{r['meltano_startup_s']} s", "", ""))
    return rows


def profile(r: dict) -> list[tuple]:
    shares = ", ".join(f"{k} {v} %" for k, v in list(r["own_time_share_by_package_pct"].items())[:5])
    top = ", ".join(f"{row['function'].split(':', 1)[0]}:{row['function'].rsplit('(', 1)[-1].rstrip(')')} "
                    f"{row['own_pct']} %" for row in r["top_own_time"][:5])
    return [("profile", f"own time by package, {r['calls']:,} calls (cProfile)", shares, "", ""),
            ("profile", "top functions by own time", top, "", "")]


def main() -> None:
    builders = {"throughput": throughput, "latency": latency, "memory": memory, "requests": requests_rows, "e2e": e2e,
                "profile": profile}
    print("| benchmark | measure | result | goal | met |")
    print("|---|---|---|---|---|")
    for name, build in builders.items():
        result = load(name)
        if result is None:
            print(f"| {name} | not run yet | | | |")
            continue
        for row in build(result):
            print("| " + " | ".join(str(cell) for cell in row) + " |")
        print(f"| {name} | measured at | {result['at']}, load {result['load_average_at_end']} | | |")


if __name__ == "__main__":
    main()
