"""The profile's proposed tap changes one by one (tap_proposed.py, BENCH_ONLY), against the same
simulator, one run after the other: tap as is, without SDK type conformance, with the msgspec
writer, with both. Records per CPU-second of the tap process (kernel figure) and wall time.
Not part of run.sh (it only serves to check the advice in README.md).

    .venv/bin/python bench_variants.py [--calls 50000] [--repeat 2]
"""

from __future__ import annotations

import os
import sys

import benchlib as b

VARIANTS = [("tap-callio as is", None), ("no type conformance", "conform"), ("msgspec writer", "msgspec"),
            ("both (tap_proposed.py)", "")]


def main() -> None:
    parser = b.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs per variant (the best is kept)")
    args = parser.parse_args()
    rows = []
    with b.simulator(tenants="PK", calls=args.calls, customers=100, days=30) as sim:
        config = b.tap_config(sim, "variants", ["PK"])
        catalog = b.catalog_for(config, {"calls"}, "variants")
        best: dict[str, b.ChildRun] = {}
        for _ in range(args.repeat):  # interleaved, so that load changes hit every variant alike
            for label, only in VARIANTS:
                if only is None:
                    argv, env = b.tap_argv(config, catalog), None
                else:
                    argv = [sys.executable, str(b.BENCH_DIR / "tap_proposed.py"), *b.tap_argv(config, catalog)[1:]]
                    env = {**os.environ, "BENCH_ONLY": only}
                run = b.run_measured(argv, env=env)
                if run.returncode != 0:
                    raise SystemExit(f"{label} failed:\n{run.stderr_tail}")
                if label not in best or run.cpu_s < best[label].cpu_s:
                    best[label] = run
        records = b.tap_records_read(best[VARIANTS[0][0]], "PK", "calls")
    base = best[VARIANTS[0][0]].cpu_s
    print(f"tap variants, {records:,} calls, 1 tenant, best of {args.repeat}, machine load {b.load_average()}")
    for label, _ in VARIANTS:
        run = best[label]
        rows.append({"variant": label, "cpu_s": round(run.cpu_s, 2), "wall_s": round(run.wall_s, 2),
                     "records_per_cpu_s": round(records / run.cpu_s), "cpu_vs_as_is": round(run.cpu_s / base, 2)})
        print(f"  {label:<24} CPU {run.cpu_s:6.2f} s ({run.cpu_s / base:4.0%} of as is), "
              f"{records / run.cpu_s:8,.0f} records per CPU-s, wall {run.wall_s:6.2f} s")
    b.save_result("variants", {"calls": records, "repeat": args.repeat, "rows": rows})


if __name__ == "__main__":
    main()
