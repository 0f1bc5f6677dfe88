"""Where the tap spends its time: the real `tap-callio` (calls stream, 1 tenant, messages to
/dev/null) profiled twice on the same simulator:

- cProfile (deterministic): own time per function, top entries, and own time summed per
  package (singer_sdk, tap_callio, requests/urllib3, json, ...);
- pyinstrument (sampling, low overhead): the call tree, frames above 2 % of the run (not
  with --quick).

    .venv/bin/python bench_profile.py [--quick] [--calls N]

Full reports land in bench/results/profile-cprofile.txt and profile-pyinstrument.txt.
"""

from __future__ import annotations

import io
import pstats
import sys
from collections import defaultdict

import benchlib as b

TOP = 25


def package_of(filename: str) -> str:
    """A readable owner for a profiled function: the package after site-packages, or stdlib."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    if "/tap-callio/" in filename:
        return "tap_callio"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    return "stdlib:" + filename.rsplit("/", 1)[-1].removesuffix(".py")


def cprofile_report(stats_file: str) -> tuple[str, list[dict], dict[str, float]]:
    stats = pstats.Stats(stats_file)
    total = stats.total_tt
    per_package: dict[str, float] = defaultdict(float)
    rows = []
    for (filename, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        per_package[package_of(filename)] += tottime
        rows.append({"function": f"{package_of(filename)}:{filename.rsplit('/', 1)[-1]}:{line}({func})",
                     "calls": calls, "own_s": round(tottime, 3), "cum_s": round(cumtime, 3),
                     "own_pct": round(100 * tottime / total, 1)})
    rows.sort(key=lambda r: r["own_s"], reverse=True)
    buffer = io.StringIO()
    pstats.Stats(stats_file, stream=buffer).sort_stats("tottime").print_stats(60)
    buffer.write("\n\n")
    pstats.Stats(stats_file, stream=buffer).sort_stats("cumulative").print_stats(60)
    shares = {k: round(100 * v / total, 1) for k, v in sorted(per_package.items(), key=lambda kv: -kv[1])}
    return buffer.getvalue(), rows[:TOP], shares


def main() -> None:
    parser = b.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, help="calls to read (default 100,000; quick 10,000)")
    args = parser.parse_args()
    calls = args.calls or (10_000 if args.quick else 100_000)
    stats_file = b.WORK_DIR / "tap.pstats"
    tree_file = b.RESULTS_DIR / "profile-pyinstrument.txt"
    b.RESULTS_DIR.mkdir(exist_ok=True)
    with b.simulator(tenants="PK", calls=calls, customers=100, days=30) as sim:
        config = b.tap_config(sim, "profile", ["PK"])
        catalog = b.catalog_for(config, {"calls"}, "profile")
        tap_args = ["-m", "tap_callio", "--config", str(config), "--catalog", str(catalog)]
        quick = args.quick
        plain = b.run_measured(b.tap_argv(config, catalog))
        profiled = b.run_measured([sys.executable, "-m", "cProfile", "-o", str(stats_file), *tap_args])
        runs = [plain, profiled]
        if not quick:  # the sampled call tree is the longer read: full runs only
            sampled = b.run_measured([str(b.VENV_BIN / "pyinstrument"), "--renderer", "text", "--show-all",
                                      "--outfile", str(tree_file), *tap_args])
            runs.append(sampled)
        for run in runs:
            if run.returncode != 0:
                raise SystemExit(f"tap failed under the profiler:\n{run.stderr_tail}")
    text, top, shares = cprofile_report(str(stats_file))
    (b.RESULTS_DIR / "profile-cprofile.txt").write_text(text)
    b.save_result("profile", {"calls": calls, "wall_s_unprofiled": round(plain.wall_s, 1),
                              "wall_s_cprofile": round(profiled.wall_s, 1),
                              "wall_s_pyinstrument": None if quick else round(sampled.wall_s, 1),
                              "own_time_share_by_package_pct": shares, "top_own_time": top})

    print(f"profile of tap-callio reading {calls:,} calls (1 tenant, > /dev/null), machine load {b.load_average()}")
    print(f"  wall: {plain.wall_s:.1f} s plain, {profiled.wall_s:.1f} s under cProfile"
          + ("" if quick else f", {sampled.wall_s:.1f} s under pyinstrument"))
    print("  own time by package (cProfile):")
    for package, pct in list(shares.items())[:12]:
        print(f"    {pct:5.1f} %  {package}")
    print(f"  top {TOP} functions by own time (cProfile):")
    for row in top:
        print(f"    {row['own_pct']:5.1f} %  {row['own_s']:7.2f} s  {row['calls']:>9,}  {row['function']}")
    if not quick:
        print("  call tree (pyinstrument), frames >= 2 %:")
        for line in tree_lines(tree_file.read_text()):
            print("    " + line)
    print("  full reports: bench/results/profile-cprofile.txt, bench/results/profile-pyinstrument.txt")


def tree_lines(tree: str, limit: int = 70) -> list[str]:
    """The pyinstrument tree without frames under 2 % of the root time."""
    lines = [line for line in tree.splitlines() if line.strip()]
    root_time = None
    kept = []
    for line in lines:
        body = line.lstrip(" │├└─")
        head = body.split(" ", 1)[0]
        try:
            seconds = float(head)
        except ValueError:
            continue
        root_time = root_time or seconds
        if seconds >= 0.02 * root_time:
            kept.append(line.rstrip())
    return kept[:limit]


if __name__ == "__main__":
    main()
