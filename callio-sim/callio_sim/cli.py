"""`callio-sim` command line: start the server, or dump ground truth / accounts and exit."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .app import STREAMS, Simulator, dumps
from .config import Burst, SimConfig


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="callio-sim", description="Simulator of the Callio (Phonenet) client API.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port to bind; 0 picks a free one (default 8765)")
    p.add_argument("--seed", type=int, default=42, help="seed of every generated value (default 42)")
    p.add_argument("--tenants", default="PK,HN,SG", help="comma-separated tenant labels (default PK,HN,SG)")
    p.add_argument("--customers", type=int, default=2000, help="customers per tenant (default 2000)")
    p.add_argument("--calls", type=int, default=10000, help="calls per tenant, bursts excluded (default 10000)")
    p.add_argument("--staff", type=int, default=20, help="staff per tenant (default 20)")
    p.add_argument("--groups", type=int, default=5, help="groups per tenant (default 5)")
    p.add_argument("--days", type=int, default=30, help="calls spread over the last D local days (default 30)")
    p.add_argument("--customer-days", type=int, default=0,
                   help="customers created over the last D days (default max(days, 120))")
    p.add_argument("--now", type=int, default=0, dest="now_ms",
                   help="pin the clock: epoch ms of 'now' at start (default: wall clock)")
    p.add_argument("--clock-skew", type=float, default=0.0, dest="clock_skew_s", metavar="SECONDS",
                   help="without --now: the simulated clock runs SECONDS ahead (+) or behind (-) the host's; "
                        "the Date header and every time stamp follow it (default 0)")
    p.add_argument("--burst", action="append", default=[], metavar="[TENANT@]DATE:COUNT",
                   help="exactly COUNT extra calls on local day DATE (YYYY-MM-DD); repeatable")
    p.add_argument("--same-ms-fraction", type=float, default=0.08,
                   help="share of calls sharing the previous call's createTime (default 0.08)")
    p.add_argument("--no-quirks", action="store_true", help="serve canonical records only")
    p.add_argument("--token-ttl", type=float, default=1500.0, dest="token_ttl_s",
                   help="session token lifetime in seconds (default 1500 = 25 min)")
    p.add_argument("--accounts-per-tenant", type=int, default=1, help="login accounts per tenant (default 1)")
    p.add_argument("--live-inserts-per-sec", type=float, default=0.0, help="new calls per second per tenant")
    p.add_argument("--live-updates-per-sec", type=float, default=0.0, help="customer updates per second per tenant")
    p.add_argument("--live-late-per-sec", type=float, default=0.0,
                   help="late calls (created --late-minutes in the past) per second per tenant")
    p.add_argument("--log-requests", action="store_true",
                   help="log one line per API request to stderr (method, path, tenant, status; never tokens)")
    p.add_argument("--late-minutes", type=float, default=5.0,
                   help="how far in the past late calls (mutate late_calls) are written (default 5)")
    p.add_argument("--callback-window-hours", type=float, default=24.0,
                   help="callbacks of missed inbound calls are generated around this window's edge, the "
                        "warehouse's callback_window_hours (default 24)")
    p.add_argument("--latency-ms", type=float, default=0.0,
                   help="latency model: round trip added to every API request, ms (default 0 = off)")
    p.add_argument("--latency-per-record-ms", type=float, default=0.0,
                   help="latency model: backend time per record in the reply, ms (default 0)")
    p.add_argument("--latency-jitter-ms", type=float, default=0.0,
                   help="latency model: up to this much more per request, uniform and seeded, ms (default 0)")
    p.add_argument("--faults", type=Path, help="JSON file of fault rules (see README)")
    p.add_argument("--accounts-out", type=Path, help="write the logins [{tenant,email,password}] to FILE")
    p.add_argument("--dump-truth", type=Path, metavar="DIR",
                   help="write DIR/<tenant>/<stream>.ndjson and exit without serving")
    p.add_argument("--ready-file", type=Path, help="write {\"url\": ...} to FILE once listening")
    return p


def config_from_args(args: argparse.Namespace) -> SimConfig:
    return SimConfig(
        seed=args.seed, tenants=tuple(args.tenants.split(",")), customers=args.customers, calls=args.calls,
        staff=args.staff, groups=args.groups, days=args.days, customer_days=args.customer_days,
        now_ms=args.now_ms, clock_skew_s=args.clock_skew_s, bursts=tuple(Burst.parse(b) for b in args.burst),
        same_ms_fraction=args.same_ms_fraction, quirks=not args.no_quirks, token_ttl_s=args.token_ttl_s,
        accounts_per_tenant=args.accounts_per_tenant, live_inserts_per_sec=args.live_inserts_per_sec,
        live_updates_per_sec=args.live_updates_per_sec, live_late_per_sec=args.live_late_per_sec,
        late_minutes=args.late_minutes, callback_window_hours=args.callback_window_hours,
        log_requests=args.log_requests, latency_ms=args.latency_ms,
        latency_per_record_ms=args.latency_per_record_ms, latency_jitter_ms=args.latency_jitter_ms,
    )


def dump_truth(sim: Simulator, out_dir: Path) -> None:
    for tenant in sim.tenants:
        (out_dir / tenant).mkdir(parents=True, exist_ok=True)
        for stream in STREAMS:
            with open(out_dir / tenant / f"{stream}.ndjson", "wb") as fh:
                for record in sim.truth(tenant, stream):
                    fh.write(dumps(record) + b"\n")


def write_json_atomically(path: Path, value) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=2))
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        sim = Simulator(config_from_args(args))
        if args.faults:
            sim.faults.replace(json.loads(args.faults.read_text()))
    except (ValueError, OSError) as err:
        print(f"callio-sim: {err}", file=sys.stderr)
        return 2
    if args.accounts_out:
        write_json_atomically(args.accounts_out, sim.accounts_report(with_tokens=False))
    if args.dump_truth:
        dump_truth(sim, args.dump_truth)
        return 0
    from .server import serve

    server = serve(sim, args.host, args.port)
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}"
    if args.ready_file:
        write_json_atomically(args.ready_file, {"url": url, "pid": os.getpid()})
    print(f"callio-sim listening on {url} (tenants {','.join(sim.tenants)}, ready in "
          f"{time.perf_counter() - started:.2f}s)", file=sys.stderr, flush=True)
    sim.start_live()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
