"""End to end on the demo environment: the project's own Meltano (`.venv/bin/meltano`, plugins
from `meltano install`) runs tap-callio -> target-duckdb for customers, calls, staff+groups and
then dbt build, against the simulator (3 tenants), from an empty database; then, right after a
little new data (inserted and late calls, updated customers, arriving as soon as the full run
has read the calls), the same stages again (incremental run, from the bookmarks of the first).

Full run: each stage is one `meltano --environment=demo run ...` (the tasks of job `callio-all`),
timed separately; the figures include Meltano's own start-up per invocation (measured alone too).
Incremental run: `meltano --environment=demo run callio-all`, the whole job in one invocation, as
a schedule runs it.
Side by side, right after the full run's calls stage and on the same records (before the new
data): the tap alone, as Meltano starts it (its plugin venv, the config and catalog Meltano
hands it, `meltano invoke --dump`), writing to /dev/null. Extract + load (the calls stage: Meltano,
tap, load guard, loader) over the tap's own time is the loader chain's cost (issue #26: <= 1.3).
Both are also projected for an idle machine from CPU seconds, as bench_throughput does: the tap is
one process whose threads share one core, everything else (Meltano, guard, loader, simulator) can
run on the other, so a run lasts at least max(the tap's CPU, all CPU / 2).
Nothing shared is touched: the bookmarks go to bench/.work/meltano.db (MELTANO_DATABASE_URI),
the warehouse to bench/.work/e2e.duckdb (CALLIO_DUCKDB_PATH), logins to bench/.work.

    .venv/bin/python bench_e2e.py [--quick] [--calls TOTAL] [--customers TOTAL]

Default: 1,000,000 calls and 300,000 customers in total over 3 tenants (quick: 15,000 / 6,000).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

import benchlib as b

REPO = b.BENCH_DIR.parent
MELTANO = REPO / ".venv" / "bin" / "meltano"
TENANTS = ["PK", "HN", "SG"]
JOB = "callio-all"  # meltano/orchestrate.meltano.yml: the stages below, in this order
STAGES = [
    ("customers", ["run", "tap-callio--customers", "target-duckdb"]),
    ("calls", ["run", "tap-callio--calls", "target-duckdb"]),
    ("staff+groups", ["run", "tap-callio--staffgroup", "target-duckdb"]),
    ("dbt build", ["run", "dbt-duckdb:build"]),
]
COUNTED = ["raw.calls", "raw.customers", "raw.staff", "raw.groups", "raw.sync_log",
           "main.call_log", "main.customer", "main.fact_staff_daily"]
NEW_CALLS, NEW_LATE, NEW_UPDATES = 300, 30, 100  # per tenant, between the two runs
SAFETY_LAG_S = 60  # tap-callio's default safety_lag_ms / 1000
CUSTOMER_DAYS = 120  # the simulator's default customer history (max(days, 120))


def check_project() -> None:
    missing = [p for p in (MELTANO, REPO / ".meltano/extractors/tap-callio/venv",
                           REPO / ".meltano/loaders/target-duckdb/venv", REPO / ".meltano/utilities/dbt-duckdb/venv")
               if not p.exists()]
    if missing:
        names = ", ".join(str(p.relative_to(REPO)) for p in missing)
        raise SystemExit(f"the Meltano project is not installed ({names} missing): run `bash bench/run.sh` "
                         "(it runs the project's scripts/setup.sh steps) or `bash scripts/demo.sh` once")


def meltano_env(sim, accounts: Path, db: Path, system_db: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "MELTANO_DATABASE_URI": f"sqlite:///{system_db}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "CALLIO_DUCKDB_PATH": str(db),
        "CALLIO_API_URL": sim.url,
        "CALLIO_ACCOUNTS_FILE": str(accounts),
        # every customer of the simulator's history, not just the default 30 days
        "TAP_CALLIO_START_DATE": b.iso_days_ago(CUSTOMER_DAYS + 5),
    })
    env.pop("VIRTUAL_ENV", None)
    return env


def idle_projection_s(cpu_s: float, tap_cpu_s: float, server_cpu_s: float) -> float:
    """The least wall time 2 idle cores need: the tap on one, everything else beside it."""
    return max(tap_cpu_s, (cpu_s + server_cpu_s) / 2)


def run_stages(env: dict, label: str, sim, after_calls=None) -> list[dict]:
    rows = []
    for name, args in STAGES:
        log = b.WORK_DIR / f"e2e-{label}-{name.replace('+', '-').replace(' ', '-')}.log"
        server_before = b.server_cpu_s(sim)
        run = b.run_measured([str(MELTANO), "--environment=demo", *args], env=env, cwd=REPO, stderr_path=log,
                             poll_tree=True)
        server_cpu = b.server_cpu_s(sim) - server_before
        if run.returncode != 0:
            raise SystemExit(f"stage {name} ({label}) failed, exit {run.returncode}; log {log}:\n{run.stderr_tail}")
        idle = idle_projection_s(run.cpu_s, run.cpu_by_program_s.get("tap-callio", 0.0), server_cpu)
        rows.append({"stage": name, "wall_s": round(run.wall_s, 1), "cpu_s": round(run.cpu_s, 1),
                     "max_rss_mb": round(run.max_rss_mb), "peak_rss_by_program_mb": run.peak_rss_by_program_mb,
                     "cpu_by_program_s": run.cpu_by_program_s, "server_cpu_s": round(server_cpu, 1),
                     "idle_projection_s": round(idle, 1)})
        peaks = ", ".join(f"{k} {v}" for k, v in run.peak_rss_by_program_mb.items())
        cpu = ", ".join(f"{k} {v}" for k, v in run.cpu_by_program_s.items())
        print(f"    {label:<11} {name:<13} {run.wall_s:7.1f} s  (CPU {run.cpu_s:6.1f} s: {cpu}; simulator "
              f"{server_cpu:.1f}; idle projection {idle:.1f} s; peak RSS MB: {peaks})", flush=True)
        if name == "calls" and after_calls is not None:
            after_calls()
    return rows


def run_job(env: dict) -> list[dict]:
    """The incremental run as a scheduler runs it: the whole job in one `meltano run`."""
    log = b.WORK_DIR / "e2e-incremental.log"
    run = b.run_measured([str(MELTANO), "--environment=demo", "run", JOB], env=env, cwd=REPO, stderr_path=log,
                         poll_tree=True)
    if run.returncode != 0:
        raise SystemExit(f"incremental run failed, exit {run.returncode}; log {log}:\n{run.stderr_tail}")
    print(f"    incremental `meltano run {JOB}` (all stages, one invocation) {run.wall_s:7.1f} s  "
          f"(CPU {run.cpu_s:6.1f} s: " + ", ".join(f"{k} {v}" for k, v in run.cpu_by_program_s.items())
          + "; peak RSS MB: " + ", ".join(f"{k} {v}" for k, v in run.peak_rss_by_program_mb.items()) + ")",
          flush=True)
    return [{"stage": f"meltano run {JOB}", "wall_s": round(run.wall_s, 1), "cpu_s": round(run.cpu_s, 1),
             "max_rss_mb": round(run.max_rss_mb), "peak_rss_by_program_mb": run.peak_rss_by_program_mb,
             "cpu_by_program_s": run.cpu_by_program_s}]


def tap_alone(env: dict, sim) -> dict:
    """The calls extractor alone on the records the calls stage just loaded: the config and
    catalog Meltano gives it, no Meltano around it, Singer messages to /dev/null."""
    files = {}
    for dump in ("config", "catalog"):
        files[dump] = b.WORK_DIR / f"e2e-tap-alone-{dump}.json"
        with open(files[dump], "wb") as out:
            done = b.run_measured([str(MELTANO), "--environment=demo", "invoke", f"--dump={dump}", "tap-callio--calls"],
                                  env=env, cwd=REPO, stdout=out)
        if done.returncode != 0:
            raise SystemExit(f"meltano invoke --dump={dump} failed:\n{done.stderr_tail}")
    server_before = b.server_cpu_s(sim)
    run = b.run_measured([b.TAP, "--config", str(files["config"]), "--catalog", str(files["catalog"])], env=env,
                         cwd=REPO, stderr_path=b.WORK_DIR / "e2e-tap-alone.log")
    server_cpu = b.server_cpu_s(sim) - server_before
    idle = idle_projection_s(run.cpu_s, run.cpu_s, server_cpu)
    for path in files.values():
        path.unlink()  # the config holds the accounts
    if run.returncode != 0:
        raise SystemExit(f"the tap alone failed:\n{run.stderr_tail}")
    records = sum(b.tap_records_read(run, tenant, "calls") for tenant in TENANTS)
    print(f"    tap alone     calls         {run.wall_s:7.1f} s  (CPU {run.cpu_s:6.1f} s, simulator {server_cpu:.1f}, "
          f"idle projection {idle:.1f} s, {records:,} calls, peak RSS {run.max_rss_mb:.0f} MB)", flush=True)
    return {"wall_s": round(run.wall_s, 1), "cpu_s": round(run.cpu_s, 1), "records": records,
            "max_rss_mb": round(run.max_rss_mb), "server_cpu_s": round(server_cpu, 1),
            "idle_projection_s": round(idle, 1)}


def counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {table: con.execute(f"select count(*) from {table}").fetchone()[0] for table in COUNTED}


def main() -> None:
    parser = b.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, help="calls in total over the 3 tenants")
    parser.add_argument("--customers", type=int, help="customers in total over the 3 tenants")
    args = parser.parse_args()
    calls = args.calls or (15_000 if args.quick else 1_000_000)
    customers = args.customers or (6_000 if args.quick else 300_000)
    check_project()
    db, system_db = b.WORK_DIR / "e2e.duckdb", b.WORK_DIR / "meltano.db"
    for stale in (db, Path(f"{db}.wal"), system_db):
        stale.unlink(missing_ok=True)

    with b.simulator(tenants=",".join(TENANTS), calls=-(-calls // 3), customers=-(-customers // 3)) as sim:
        accounts = sim.write_accounts_file(b.WORK_DIR / "e2e-accounts.json")
        env = meltano_env(sim, accounts, db, system_db)
        startup = b.run_measured([str(MELTANO), "--environment=demo", "state", "list"], env=env, cwd=REPO)
        print(f"end to end (demo environment), {calls:,} calls + {customers:,} customers over 3 tenants, "
              f"machine load {b.load_average()}")
        print(f"    meltano start-up alone (state list): {startup.wall_s:.1f} s per invocation")
        mutated_at = 0.0
        alone: dict = {}

        def new_data() -> None:
            # side by side: the tap alone on the same records, then the new data arrives
            nonlocal mutated_at
            alone.update(tap_alone(env, sim))
            mutated_at = time.monotonic()
            for tenant in TENANTS:
                sim.mutate(tenant, insert_calls=NEW_CALLS, update_customers=NEW_UPDATES, late_calls=NEW_LATE)

        full = run_stages(env, "full", sim, after_calls=new_data)
        after_full = counts(db)
        # new calls are stamped "now" and the tap never reads the last safety_lag_ms (60 s) of
        # the timeline: wait out what is left of it (not timed), or the incremental run could
        # not see them yet
        waited = max(0.0, SAFETY_LAG_S + 1 - (time.monotonic() - mutated_at))
        print(f"    (waiting {waited:.0f} s, not timed: the tap's 60 s safety lag over the new calls)", flush=True)
        time.sleep(waited)
        incremental = run_job(env)
        after_incremental = counts(db)

    new_calls = after_incremental["main.call_log"] - after_full["main.call_log"]
    calls_stage = next(r for r in full if r["stage"] == "calls")
    ratio = calls_stage["wall_s"] / alone["wall_s"]
    idle_ratio = calls_stage["idle_projection_s"] / alone["idle_projection_s"]
    print(f"    extract + load (calls stage) / the tap alone: {ratio:.2f} measured "
          f"({calls_stage['wall_s']} s / {alone['wall_s']} s; Meltano's start-up {startup.wall_s:.1f} s of it), "
          f"{idle_ratio:.2f} idle projection ({calls_stage['idle_projection_s']} s / {alone['idle_projection_s']} s)")
    idle_full = sum(r["idle_projection_s"] for r in full)
    print(f"    full run, idle projection: {idle_full:.1f} s (dbt build counted at its CPU / 2)")
    total_full = sum(r["wall_s"] for r in full)
    total_incremental = sum(r["wall_s"] for r in incremental)
    result = {"calls": calls, "customers": customers, "tenants": TENANTS,
              "meltano_startup_s": round(startup.wall_s, 1),
              "tap_alone_calls": alone, "extract_load_over_tap": round(ratio, 2),
              "extract_load_over_tap_idle_projection": round(idle_ratio, 2),
              "full": {"stages": full, "total_s": round(total_full, 1), "rows": after_full,
                       "idle_projection_s": round(idle_full, 1)},
              "incremental": {"new_data_per_tenant": {"insert_calls": NEW_CALLS, "update_customers": NEW_UPDATES,
                                                      "late_calls": NEW_LATE},
                              "new_calls_in_call_log": new_calls, "new_calls_expected": 3 * (NEW_CALLS + NEW_LATE),
                              "stages": incremental, "total_s": round(total_incremental, 1),
                              "rows": after_incremental}}
    b.save_result("e2e", result)
    print(f"    full run total {total_full:.1f} s; incremental run total {total_incremental:.1f} s")
    print(f"    new calls in call_log after the incremental run: {new_calls:,} of {3 * (NEW_CALLS + NEW_LATE):,}")
    print("    rows after the full run: " + ", ".join(f"{k} {v:,}" for k, v in after_full.items()))
    print("    rows after the incremental run: " + ", ".join(f"{k} {v:,}" for k, v in after_incremental.items()))


if __name__ == "__main__":
    main()
