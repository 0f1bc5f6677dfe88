"""The dead man's switch: is every tenant's data recent enough? Run hourly by every scheduler.

    python -m orchestrate.freshness [--environment=prod] [--max-age-hours H]

A failed run says so itself (orchestrate.notify); no run at all (the daemon stopped, the server
off, a schedule lost) says nothing. This check reads what the warehouse itself holds: for each
tenant of the accounts and each stream, the last successful load (the newest ``raw.sync_log``
row with status OK, from whichever machine loaded it). Older than the limit, or never, is STALE:
each is one line, the exit code is 1 and one message goes to CALLIO_NOTIFY_URLS (again when the
set of stale tenants × streams changes, at most once a day while it stays the same). What was
last told is remembered in the run-log folder; with a PostgreSQL system database (several
machines, each running this check hourly) in its table ``callio_freshness_alerts``, per set of
tenants checked, so that machines with the same accounts send one message, not one each, and
machines with different accounts each tell of their own.

The limit of a stream, by default, is two missed slots of its schedules: the longest span from
one slot to the slot after next (customers and calls at 02:30, 04:00, 06:00, 08:00, 11:00 UTC:
18.5 h, 08:00 to 02:30; staff and groups once a day: 48 h), plus an hour for the run itself.
``--max-age-hours`` sets one limit for every stream.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass

from orchestrate import business_time, notify, project_files, run_logs, shared_locks, slots, tap_rules, warehouse
from orchestrate.preflight import chosen_environment

RUN_MARGIN_H = 1.0
FAMILIES = {"customers": ("customers",), "calls": ("calls",), "staffgroup": ("staff", "groups")}
EXIT_STALE = 1
ALERTS = "callio_freshness_alerts"


def family_of(extractor: str) -> str | None:
    return next((family for family in FAMILIES if extractor.endswith(f"--{family}")), None)


def limits_from_schedules(environment: str) -> dict[str, float]:
    """{stream: hours}: two missed slots of the schedules that read it, plus the run's margin."""
    chosen = slots.schedules_for(environment, slots.all_schedules(environment), None)
    times: dict[str, set[int]] = {stream: set() for streams in FAMILIES.values() for stream in streams}
    for schedule in chosen:
        for task in project_files.jobs().get(schedule.job, []):
            family = family_of(str(task).split()[0])
            for stream in FAMILIES.get(family or "", ()):
                times[stream] |= {hour * 60 + minute for hour, minute in slots.daily_times(schedule.cron)}
    limits = {}
    for stream, minutes in times.items():
        if not minutes:
            continue  # no schedule reads it: not judged
        ordered = sorted(minutes)
        cyclic = ordered + [m + 1440 for m in ordered] + [m + 2880 for m in ordered]
        span = max(cyclic[i + 2] - cyclic[i] for i in range(len(ordered)))
        limits[stream] = span / 60 + RUN_MARGIN_H
    return limits


def page_limit_hours(environment: str) -> float | None:
    """The age past which the report marks a tenant's data stale: the tightest limit of the
    streams it shows (calls, customers), or None when no schedule of the environment reads them."""
    limits = limits_from_schedules(environment) if environment in project_files.environments() else {}
    shown = [limits[s] for s in ("calls", "customers") if s in limits]
    return min(shown) if shown else None


@dataclass(frozen=True)
class Age:
    tenant: str
    stream: str
    last_ok: dt.datetime | None  # UTC
    limit_h: float

    def hours(self, now: dt.datetime) -> float | None:
        return None if self.last_ok is None else (now - self.last_ok).total_seconds() / 3600

    def stale(self, now: dt.datetime) -> bool:
        hours = self.hours(now)
        return hours is None or hours > self.limit_h

    @property
    def key(self) -> str:
        return f"{self.tenant}/{self.stream}"

    def line(self, now: dt.datetime) -> str:
        where = self.key
        if self.last_ok is None:
            return f"STALE {where}: never loaded successfully (limit {self.limit_h:g} h)"
        state = "STALE" if self.stale(now) else "ok   "
        return (f"{state} {where}: last successful load {business_time.local_text(self.last_ok)}, "
                f"{self.hours(now):.1f} h ago (limit {self.limit_h:g} h)")


def ages(environment: str, limits: dict[str, float]) -> list[Age]:
    tenants = [account["tenant"] for account in tap_rules.configured_accounts(environment)[0]]
    last = warehouse.connect(environment).last_successful_loads()
    return [Age(tenant, stream, last.get((tenant, stream)), limit)
            for tenant in tenants for stream, limit in sorted(limits.items())]


def already_told(environment: str, tenants: list[str], stale: list[str], now: dt.datetime) -> bool:
    """Whether this stale set (tenant/stream keys) of these tenants was told less than a day ago;
    if not, it is remembered as told now. With a shared system database the check and the write
    are one transaction under a lock every machine takes: of the machines checking the same
    tenants the first tells, the others do not."""
    uri = shared_locks.database_uri()
    if uri is not None:
        try:
            return _already_told_shared(uri, environment, ",".join(sorted(tenants)), stale, now)
        except Exception as exc:  # noqa: BLE001 - an alarm that cannot be deduplicated is still sent
            print(f"warning: what the other machines told is in the system database (MELTANO_DATABASE_URI="
                  f"{shared_locks.masked(uri)}), which cannot be read: {shared_locks.reason_of(exc, uri)}; "
                  "deciding from this machine's memory", file=sys.stderr)
    marker = run_logs.log_root() / f"freshness-{environment}.json"
    previous = json.loads(marker.read_text()) if marker.exists() else {}
    at = dt.datetime.fromisoformat(previous["at"]) if previous.get("at") else None
    if _told(previous.get("stale"), at, stale, now):
        return True
    run_logs.private_dir(marker.parent)
    marker.write_text(json.dumps({"stale": stale, "at": now.isoformat()}))
    return False


def _already_told_shared(uri: str, environment: str, tenants: str, stale: list[str], now: dt.datetime) -> bool:
    from psycopg.types.json import Jsonb  # noqa: PLC0415 (only the shared mode needs it)

    with shared_locks.connect(uri, timeout_s=5) as connection:
        shared_locks.create_table(connection, ALERTS, "environment text, tenants text, stale jsonb not null, "
                                  "at timestamptz not null, primary key (environment, tenants)")
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute("select pg_advisory_xact_lock(%s)", (shared_locks.key_number(ALERTS),))
            row = cursor.execute(f"select stale, at from {ALERTS} where environment = %s and tenants = %s",
                                 (environment, tenants)).fetchone()
            if row and _told(row[0], row[1], stale, now):
                return True
            cursor.execute(f"insert into {ALERTS} values (%s, %s, %s, %s) on conflict (environment, tenants) do "
                           "update set stale = excluded.stale, at = excluded.at", (environment, tenants, Jsonb(stale), now))
    return False


def _told(told: list[str] | None, at: dt.datetime | None, stale: list[str], now: dt.datetime) -> bool:
    return told == stale and at is not None and now - at < dt.timedelta(days=1)


def notify_once(environment: str, found: list[Age], now: dt.datetime) -> None:
    """One message per new stale set; the same set again after a day at the earliest. The set is
    of tenant/stream keys: the lines change every hour (their ages), the set does not."""
    stale = [age for age in found if age.stale(now)]
    if already_told(environment, sorted({age.tenant for age in found}), [age.key for age in stale], now) or not stale:
        return
    w = notify.WORDS[notify.language()]
    title = f"Callio ELT [{environment}]: {len(stale)} {'stream dữ liệu cũ' if notify.language() == 'vi' else 'stale streams'}"
    notify.send(notify.Message(title, f"{w['environment']}: {environment}\n"
                               + "\n".join(f"- {age.line(now)}" for age in stale)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.freshness", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", default=None, help="default: MELTANO_ENVIRONMENT, else dev")
    parser.add_argument("--max-age-hours", type=float, default=None,
                        help="one limit for every stream (default: two missed slots of its schedules)")
    args = parser.parse_args(argv)
    environment = chosen_environment(args.environment)
    if environment is None:
        return 2
    limits = limits_from_schedules(environment)
    if args.max_age_hours is not None:
        limits = dict.fromkeys(limits or [s for streams in FAMILIES.values() for s in streams], args.max_age_hours)
    now = dt.datetime.now(dt.UTC)
    try:
        found = ages(environment, limits)
    except warehouse.Busy as busy:  # a job is writing the DuckDB file right now: fresh by definition
        print(f"freshness: {busy}; a job is running, checked again at the next hour")
        return 0
    except tap_rules.rules().ConfigProblem as problem:
        print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    for age in found:
        print(age.line(now))
    notify_once(environment, found, now)
    return EXIT_STALE if any(age.stale(now) for age in found) else 0


if __name__ == "__main__":
    sys.exit(main())

