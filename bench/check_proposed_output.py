"""Check that tap_proposed.py emits the same records as tap-callio (all five streams, a small
simulator; only the run-dependent fields of sync_log / _snapshot_at may differ).

    .venv/bin/python check_proposed_output.py
"""
import json, os, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as b
with b.simulator(tenants="PK", calls=3000, customers=3000) as sim:
    config = b.tap_config(sim, "equiv", ["PK"], start_date=b.iso_days_ago(125))
    catalog = b.catalog_for(config, {"calls", "customers", "staff", "groups", "sync_log"}, "equiv")
    outs = {}
    for name, argv in [("as_is", b.tap_argv(config, catalog)),
                       ("proposed", [sys.executable, str(b.BENCH_DIR / "tap_proposed.py"), *b.tap_argv(config, catalog)[1:]])]:
        p = subprocess.run(argv, capture_output=True, check=True)
        recs = {}
        for line in p.stdout.splitlines():
            m = json.loads(line)
            if m["type"] == "RECORD":
                r = m["record"]; r.pop("_snapshot_at", None)
                for k in ("run_id", "started_at", "finished_at"): r.pop(k, None)
                recs[(m["stream"], r.get("_id") or r.get("stream"))] = r
        outs[name] = recs
    a, p = outs["as_is"], outs["proposed"]
    differing = [k for k in a.keys() | p.keys() if a.get(k) != p.get(k)]
    unexpected = [k for k in differing if k[0] != "sync_log"]  # sync_log bookmarks follow the clock
    print(f"{len(a)} records as is, {len(p)} proposed; differing outside sync_log: {len(unexpected)}")
    for k in unexpected[:5]:
        print(" ", k, a.get(k), p.get(k))
    sys.exit(1 if unexpected or len(a) != len(p) else 0)
