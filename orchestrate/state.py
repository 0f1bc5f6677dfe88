"""Bookmarks: show them, reset them, back-fill one tenant from a date.

    python -m orchestrate.state show                                  # every bookmark of the environment
    python -m orchestrate.state reset --stream calls                  # calls start again, every tenant
    python -m orchestrate.state reset --stream calls --tenant PK      # only PK's calls
    python -m orchestrate.state reset --all                           # every stream, every tenant
    python -m orchestrate.state backfill --tenant PK --from 2026-11-01 [--stream calls]

(``--environment=prod`` etc. as everywhere; default ``MELTANO_ENVIRONMENT``, else dev.)

Bookmarks live in Meltano's state, one state id per environment and stream family, e.g.
``prod:tap-callio--calls-to-target-bigquery`` (a plain ``meltano run tap-callio target-duckdb``
keeps its own id, ``dev:tap-callio-to-target-duckdb``, which the jobs never read). Inside, each
tenant of an incremental stream (customers, calls) has its own bookmark. A reset or back-fill
changes only what it names; the next job run re-reads from there (records read again land once
more in the raw tables and once in the final tables). A back-fill moves the tenant's bookmark
back to the date, never forward. Every change takes the run lock: it waits for no run, and
refuses while one is going.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from orchestrate import business_time, shared_locks
from orchestrate.meltano_cli import PROJECT_ROOT, meltano_command
from orchestrate.preflight import ISO_DATE
from orchestrate.project_env import setting
from orchestrate.project_files import environments
from orchestrate.run_lock import Busy, exclusive_run

FAMILY_OF = {"customers": "customers", "calls": "calls", "staff": "staffgroup", "groups": "staffgroup"}
INCREMENTAL = ("customers", "calls")
REPLICATION_KEY = {"customers": "updateTime", "calls": "createTime"}


class StateError(Exception):
    pass


TENANT_SUFFIX = "tenant-"


def tenant_suffix(tenant: str) -> str:
    """The state id suffix of a one-tenant run (``run_job --tenant``): ``tenant-PK``; a label
    with spaces or letters outside ASCII percent-encoded (``tenant-H%C3%A0%20N%E1%BB%99i``)."""
    return TENANT_SUFFIX + quote(tenant, safe="")


def _meltano(environment: str, *args: str) -> str:
    done = subprocess.run(meltano_command(environment, *args), cwd=PROJECT_ROOT, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise StateError(f"meltano {' '.join(a for a in args[:3] if '://' not in a)} failed: {shared_locks.masked(last)}")
    return done.stdout


def state_ids(environment: str) -> list[str]:
    listed = _meltano(environment, "state", "list", "--pattern", f"{environment}:*")
    return sorted({line.strip() for line in listed.splitlines() if line.strip().startswith(f"{environment}:")})


def ids_of_family(environment: str, family: str) -> list[str]:
    return [i for i in state_ids(environment) if i.split(":", 1)[1].startswith(f"tap-callio--{family}-to-")]


def get(environment: str, state_id: str) -> dict:
    text = _meltano(environment, "state", "get", state_id).strip()
    return json.loads(text.splitlines()[-1]) if text else {}


def put(environment: str, state_id: str, state: dict) -> None:
    bookmarks = _bookmarks(state)
    for name in [n for n, entry in bookmarks.items() if not entry]:
        del bookmarks[name]  # e.g. sync_log's empty entry: nothing to keep
    if not bookmarks:
        _meltano(environment, "state", "clear", "--force", state_id)
    else:
        _meltano(environment, "state", "set", "--force", state_id, json.dumps(state))


def _bookmarks(state: dict) -> dict:
    return state.setdefault("singer_state", {}).setdefault("bookmarks", {})


def reset(environment: str, stream: str | None, tenant: str | None) -> list[str]:
    """Forget bookmarks; returns one line per change."""
    done = []
    families = sorted({FAMILY_OF[stream]}) if stream else sorted(set(FAMILY_OF.values()))
    for family in families:
        for state_id in ids_of_family(environment, family):
            state = get(environment, state_id)
            bookmarks = _bookmarks(state)
            streams = [stream] if stream else list(bookmarks)
            for name in streams:
                if name not in bookmarks:
                    continue
                if tenant is None:
                    del bookmarks[name]
                    done.append(f"{state_id}: {name} reset for every tenant")
                    continue
                partitions = bookmarks[name].get("partitions", [])
                kept = [p for p in partitions if p.get("context", {}).get("tenant") != tenant]
                if len(kept) != len(partitions):
                    bookmarks[name]["partitions"] = kept
                    done.append(f"{state_id}: {name} reset for tenant {tenant}")
            put(environment, state_id, state)
    return done


def to_epoch_ms(text: str) -> int:
    """A back-fill start: a date is local midnight in the business time zone (what an operator
    in Vietnam means by "from 1 November"), a time without a zone is local too, ``Z`` or an
    offset is taken as written."""
    if not ISO_DATE.match(text.strip()):
        raise StateError(f"--from {text!r} is not a date: write YYYY-MM-DD (a local day), "
                         "YYYY-MM-DDTHH:MM (local time) or YYYY-MM-DDTHH:MM:SSZ (UTC)")
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise StateError(f"--from {text!r} is not a real date") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=business_time.zone())
    return int(when.timestamp() * 1000)


def default_loader(environment: str) -> str:
    return "target-bigquery" if environment == "prod" else "target-duckdb"


def backfill(environment: str, tenant: str, start_ms: int, streams: list[str]) -> list[str]:
    done = []
    for stream in streams:
        ids = ids_of_family(environment, FAMILY_OF[stream]) or [
            f"{environment}:tap-callio--{FAMILY_OF[stream]}-to-{default_loader(environment)}"]
        for state_id in ids:
            state = get(environment, state_id) if state_id in state_ids(environment) else {}
            entry = _bookmarks(state).setdefault(stream, {})
            partitions = entry.setdefault("partitions", [])
            mine = next((p for p in partitions if p.get("context", {}).get("tenant") == tenant), None)
            if mine is None:
                mine = {"context": {"tenant": tenant}}
                partitions.append(mine)
            current = mine.get("replication_key_value")
            if isinstance(current, int) and current <= start_ms:
                done.append(f"{state_id}: {stream} of {tenant} already starts before that ({_iso(current)}); unchanged")
                continue
            mine["replication_key"] = REPLICATION_KEY[stream]
            mine["replication_key_value"] = start_ms
            put(environment, state_id, state)
            done.append(f"{state_id}: {stream} of {tenant} re-read from {_iso(start_ms)} at the next run")
    return done


def _iso(ms: int) -> str:
    """The UTC instant (bookmarks are UTC) and the same moment in the business time zone."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{moment.isoformat(timespec='seconds').replace('+00:00', 'Z')} ({business_time.local_text(moment)})"


def show(environment: str) -> list[str]:
    lines = []
    for state_id in state_ids(environment):
        for stream, entry in sorted(_bookmarks(get(environment, state_id)).items()):
            for p in entry.get("partitions", []) or [entry]:
                value = p.get("replication_key_value")
                where = _iso(value) if isinstance(value, int) else (value or "-")
                lines.append(f"{state_id}  {stream:<10} {p.get('context', {}).get('tenant', '-'):<8} {where}")
    return lines


def export(environment: str, database_uri: str | None = None) -> dict:
    """Every state id of the system database (``--database-uri``: another one) with its state."""
    extra = ["--database-uri", database_uri] if database_uri else []
    text = _meltano(environment, "state", *extra, "export").strip()
    return json.loads(text.splitlines()[-1]) if text else {}


def migrate(environment: str, target_uri: str) -> list[str]:
    """Copy every bookmark of the current system database (``MELTANO_DATABASE_URI``, SQLite by
    default) into another one (PostgreSQL), through Meltano's own export and import, then read it
    back: the next run there goes on from exactly the same bookmarks. The source is left as it is."""
    source = export(environment)
    with tempfile.TemporaryDirectory(prefix="callio-state-") as folder:
        path = Path(folder) / "state.json"
        path.touch(mode=0o600)
        path.write_text(json.dumps(source))
        _meltano(environment, "state", "--database-uri", target_uri, "import", str(path))
    copied = export(environment, target_uri)
    missing = [state_id for state_id, entry in source.items() if copied.get(state_id) != entry]
    if missing:
        raise StateError(f"the copy differs for {', '.join(sorted(missing))}: nothing was switched; "
                         "run the migration again")
    return [f"{state_id}: copied" for state_id in sorted(source)] + [
        f"{len(source)} state ids copied and read back; now set MELTANO_DATABASE_URI to the new database in .env "
        "on every machine (the old database is left as it was)"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrate.state", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", default=None, help="default: MELTANO_ENVIRONMENT, else dev")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("show", help="every bookmark of the environment")
    resetting = commands.add_parser("reset", help="forget bookmarks: one stream, one tenant of it, or everything")
    resetting.add_argument("--stream", choices=sorted(FAMILY_OF))
    resetting.add_argument("--tenant")
    resetting.add_argument("--all", action="store_true", help="every stream of every tenant")
    filling = commands.add_parser("backfill", help="re-read one tenant from a date at the next run")
    filling.add_argument("--tenant", required=True)
    filling.add_argument("--from", dest="start", required=True,
                         help="YYYY-MM-DD: from local midnight (business time zone); or YYYY-MM-DDTHH:MM:SSZ (UTC)")
    filling.add_argument("--stream", choices=INCREMENTAL, help="default: customers and calls")
    moving = commands.add_parser("migrate", help="copy every bookmark into another system database (PostgreSQL)")
    moving.add_argument("--to", dest="target", required=True, metavar="URI",
                        help="the new MELTANO_DATABASE_URI, e.g. postgresql+psycopg://callio:...@db:5432/meltano")
    args = parser.parse_args(argv)
    environment = args.environment or setting("MELTANO_ENVIRONMENT") or "dev"
    if environment not in environments():
        print(f"configuration error: environment {environment!r} (--environment / MELTANO_ENVIRONMENT) does not exist: "
              f"choose one of {', '.join(environments())}", file=sys.stderr)
        return 2
    try:
        if args.command == "show":
            print("\n".join(show(environment)) or f"no bookmarks in environment {environment}")
            return 0
        if args.command == "reset" and not (args.all or args.stream):
            parser.error("reset needs --stream (optionally with --tenant) or --all")
        if args.command == "reset" and args.all and (args.stream or args.tenant):
            parser.error("--all resets everything: give it alone")
        with exclusive_run(wait=False):
            if args.command == "reset":
                done = reset(environment, args.stream, args.tenant)
            elif args.command == "migrate":
                done = migrate(environment, args.target)
            else:
                done = backfill(environment, args.tenant, to_epoch_ms(args.start),
                                [args.stream] if args.stream else list(INCREMENTAL))
    except Busy:
        print("a job run is going (run lock held): try again when it has finished", file=sys.stderr)
        return 1
    except StateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(done) or "nothing to change")
    return 0


if __name__ == "__main__":
    sys.exit(main())
