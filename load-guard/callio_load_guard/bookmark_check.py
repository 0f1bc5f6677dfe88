"""Before an extract step: is the warehouse behind the bookmarks? Then move them back.

Meltano keeps the bookmarks (`.meltano/meltano.db`), the warehouse keeps the rows; they can part.
A deleted DuckDB file, an emptied or new BigQuery dataset, a warehouse restored from an older
backup: the bookmarks still say "read up to T", the tap goes on from T, and everything the
warehouse lost never comes back, while every run exits 0.

What the warehouse really holds, per (stream, tenant): the newest `bookmark_reached` in its own
`sync_log` table. The guard forwards a bookmark only after every row of the load, sync_log rows
included, was counted in the warehouse, so each bookmark Meltano stores is also in sync_log; a
warehouse whose sync_log does not reach the bookmark (or lacks the stream's table) lost data.
Such a bookmark is moved back to what the warehouse holds (removed if it holds nothing of that
tenant and stream), and the tap re-reads from there with its usual look-back; the marts
deduplicate whatever was still there. Bookmarks are only ever moved back, never forward.

    meltano --environment=prod invoke target-bigquery:check-bookmarks tap-callio--calls

The loader's settings come from Meltano (`MELTANO_LOAD_*`), the bookmarks from
`meltano state export/get/set` of the state id `<environment>:<extractor>-to-<loader>`. Exit 0 when the
bookmarks fit the warehouse (or were moved back), 4 when the warehouse cannot be read, 2 when
the state cannot be read or written: the job runner then skips the extract step.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import bigquery_check, duckdb_check
from .guard import redact, secret_values

SYNC_LOG_STREAM = "sync_log"
EXIT_OK = 0
EXIT_STATE = 2
EXIT_UNREADABLE = 4


@dataclass(frozen=True)
class Behind:
    """One (stream, tenant) whose bookmark is ahead of what the warehouse holds."""

    stream: str
    tenant: str
    bookmark: int
    held: int | None  # newest bookmark the warehouse holds; None: nothing at all

    def message(self, table: str) -> str:
        if self.held is None:
            where = (f"nothing of it is in the warehouse ({table} or its {SYNC_LOG_STREAM} rows "
                     "are missing)")
            action = ("bookmark removed: it is read again from start_date or "
                      "days_to_fetch_if_empty; older records need a back-fill (README, "
                      "'How to back-fill')")
        else:
            where = f"the warehouse holds it only up to {_iso(self.held)}"
            action = f"bookmark moved back to {_iso(self.held)}: the gap is read again"
        return (f"bookmark-check: {self.stream}/{self.tenant}: bookmark at {_iso(self.bookmark)} "
                f"but {where}; {action}")


def _iso(epoch_ms: int) -> str:
    return dt.datetime.fromtimestamp(epoch_ms / 1000, dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def _partitions(state: Mapping[str, Any]):
    """(stream, tenant, partition dict) for every tenant bookmark of the tap's state."""
    bookmarks = (state.get("singer_state") or {}).get("bookmarks") or {}
    for stream, stream_state in bookmarks.items():
        for partition in (stream_state or {}).get("partitions") or []:
            tenant = (partition.get("context") or {}).get("tenant")
            value = partition.get("replication_key_value")
            if tenant is not None and isinstance(value, int):
                yield stream, tenant, partition


def find_behind(state: Mapping[str, Any], held: Mapping[tuple[str, str], int],
                tables: set[str]) -> list[Behind]:
    """Every tenant bookmark ahead of the warehouse: its stream's table is missing, or the
    newest `bookmark_reached` in sync_log for (stream, tenant) is older than the bookmark."""
    behind = []
    for stream, tenant, partition in _partitions(state):
        value = partition["replication_key_value"]
        newest = held.get((stream, tenant)) if stream in tables else None
        if newest is None or newest < value:
            behind.append(Behind(stream, tenant, value, newest))
    return behind


def moved_back(state: Mapping[str, Any], behind: list[Behind]) -> dict[str, Any]:
    """The state with each lagging bookmark set to what the warehouse holds (or removed)."""
    fixed = copy.deepcopy(dict(state))
    targets = {(b.stream, b.tenant): b.held for b in behind}
    for stream, stream_state in fixed["singer_state"]["bookmarks"].items():
        partitions = (stream_state or {}).get("partitions")
        if not partitions:
            continue
        kept = []
        for partition in partitions:
            key = (stream, (partition.get("context") or {}).get("tenant"))
            if key not in targets:
                kept.append(partition)
            elif targets[key] is not None:
                kept.append({**partition, "replication_key_value": targets[key]})
        stream_state["partitions"] = kept
    return fixed


def held_in_duckdb(config: Mapping[str, Any], streams: set[str]):
    """({(stream, tenant): newest bookmark_reached}, streams whose table exists, counter to
    close) of a DuckDB warehouse; held_in_bigquery is the same for BigQuery."""
    import duckdb

    counter = duckdb_check.DuckDBCounter(config)
    path = duckdb_check._database_path(config)
    if not os.path.exists(path):
        return {}, set(), counter  # the file is gone: it holds nothing
    catalog, schema, _ = duckdb_check.duckdb_table_for(config, SYNC_LOG_STREAM)
    connection = counter._connect()
    try:
        present = {row[0] for row in connection.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_catalog = ? AND table_schema = ?", [catalog, schema]).fetchall()}
        tables = {s for s in streams if duckdb_check.duckdb_table_for(config, s)[2] in present}
        held = {}
        if SYNC_LOG_STREAM in tables:
            qualified = counter.table_label(SYNC_LOG_STREAM).split(".")
            sql = ("SELECT stream, tenant, max(bookmark_reached) FROM "
                   + ".".join(duckdb_check._quote(p) for p in (catalog, *qualified))
                   + " WHERE bookmark_reached IS NOT NULL GROUP BY 1, 2")
            held = {(s, t): int(v) for s, t, v in connection.execute(sql).fetchall()}
    except duckdb.Error:
        counter.close()
        raise
    return held, tables, counter


def held_in_bigquery(config: Mapping[str, Any], streams: set[str]):
    from google.api_core.exceptions import NotFound

    counter = bigquery_check.BigQueryCounter(config)
    client = bigquery_check.bigquery_client(config)
    counter._client = client
    project, dataset, _ = bigquery_check.bigquery_table_for(config, SYNC_LOG_STREAM)
    try:
        present = {t.table_id for t in client.list_tables(f"{project}.{dataset}")}
    except NotFound:
        return {}, set(), counter  # no dataset: it holds nothing
    tables = {s for s in streams if bigquery_check.bigquery_table_for(config, s)[2] in present}
    held = {}
    if SYNC_LOG_STREAM in tables:
        def field(name: str) -> str:
            return (f"`{name}`" if bigquery_check.is_denormalized(config)
                    else f"JSON_VALUE(data, '$.{name}')")
        reached = f"SAFE_CAST({field('bookmark_reached')} AS INT64)"
        sql = (f"SELECT {field('stream')} AS stream, {field('tenant')} AS tenant, MAX({reached})"
               f" FROM `{project}`.`{dataset}`.`{SYNC_LOG_STREAM}`"
               f" WHERE {reached} IS NOT NULL GROUP BY stream, tenant")
        rows = client.query(sql, location=config.get("location") or "US").result()
        held = {(row[0], row[1]): int(row[2]) for row in rows}
    return held, tables, counter


WAREHOUSES = {"target_duckdb": held_in_duckdb,
              "target_bigquery": held_in_bigquery}


def loader_config_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The loader's settings as Meltano hands them to an invoked plugin (MELTANO_LOAD_<NAME>)."""
    prefix = "MELTANO_LOAD_"
    return {key[len(prefix):].lower(): value for key, value in environ.items()
            if key.startswith(prefix) and value != ""}


def _meltano(meltano: str, *args: str) -> subprocess.CompletedProcess:
    environment = os.environ.get("MELTANO_ENVIRONMENT", "")
    command = [meltano, *([f"--environment={environment}"] if environment else []), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False,
                          cwd=os.environ.get("MELTANO_PROJECT_ROOT") or None)


def invoked_through_meltano(environ: Mapping[str, str]) -> bool:
    """Run by `meltano invoke` on a loader of this project (its name, namespace, environment)."""
    return (environ.get("MELTANO_LOADER_NAMESPACE", "") in WAREHOUSES
            and bool(environ.get("MELTANO_LOADER_NAME")) and bool(environ.get("MELTANO_ENVIRONMENT")))


def state_id_of(extractor: str, environ: Mapping[str, str] = os.environ,
                suffix: str | None = None) -> str:
    """Meltano's state id of `meltano run <extractor> <loader>` (with `--state-id-suffix`, as the
    job runner's one-tenant runs use, `:<suffix>` at the end)."""
    base = (f"{environ.get('MELTANO_ENVIRONMENT', '')}:{extractor}-to-"
            f"{environ.get('MELTANO_LOADER_NAME', '')}")
    return f"{base}:{suffix}" if suffix else base


class StateUnreadable(Exception):
    """The bookmarks could not be read from Meltano."""


def one_tenant(state: Mapping[str, Any], tenant: str) -> dict[str, Any]:
    """The part of a state that is one tenant's: its partitions of every stream."""
    bookmarks = {}
    for stream, stream_state in ((state.get("singer_state") or {}).get("bookmarks") or {}).items():
        mine = [p for p in (stream_state or {}).get("partitions") or []
                if (p.get("context") or {}).get("tenant") == tenant]
        if mine:
            bookmarks[stream] = {"partitions": mine}
    return {"singer_state": {"bookmarks": bookmarks}} if bookmarks else {}


def seed_from_all_tenants(extractors: list[str], states: dict[str, dict[str, Any]], every: Mapping[str, Any],
                          tenant: str, suffix: str, meltano: str,
                          environ: Mapping[str, str] = os.environ) -> None:
    """A tenant's first run of its own (job runner --tenant): its state id does not exist yet, so
    it starts from the tenant's bookmarks in the all-tenant state id, instead of reading all over
    again (or, with nothing there, from the start). Written at once, so the run and every later
    one continue from it."""
    for extractor in dict.fromkeys(extractors):
        if extractor in states or state_id_of(extractor, environ, suffix) in every:
            continue
        base = every.get(state_id_of(extractor, environ)) or {}
        mine = one_tenant(base.get("completed") or {}, tenant)
        if not mine:
            continue
        state_id = state_id_of(extractor, environ, suffix)
        done = _meltano(meltano, "state", "set", "--force", state_id, json.dumps(mine))
        if done.returncode != 0:
            raise StateUnreadable(f"meltano state set {state_id} exited {done.returncode}")
        states[extractor] = mine
        print(f"bookmark-check: {state_id}: tenant {tenant}'s first run of its own starts from its "
              f"bookmarks in {state_id_of(extractor, environ)}", file=sys.stderr)


def read_states(extractors: list[str], meltano: str,
                environ: Mapping[str, str] = os.environ,
                suffix: str | None = None, tenant: str | None = None) -> dict[str, dict[str, Any]]:
    """{extractor: its state as the next run will get it} for the extractors that have one.

    One `meltano state export` for all of them (each Meltano call is about a second of CPU, and
    a job checks up to three extractors). A state with a partial part (a run that did not
    finish) is read again through `meltano state get`, which merges it as the tap will see it.
    """
    exported = _meltano(meltano, "state", "export")
    if exported.returncode != 0:
        raise StateUnreadable(f"meltano state export exited {exported.returncode}")
    lines = [line for line in exported.stdout.splitlines() if line.strip()]
    try:
        every = json.loads(lines[-1]) if lines else {}
    except ValueError as error:
        raise StateUnreadable(f"meltano state export printed no JSON ({error})") from error
    states = {}
    for extractor in dict.fromkeys(extractors):
        state_id = state_id_of(extractor, environ, suffix)
        entry = every.get(state_id)
        if entry is None:
            continue  # no bookmark yet: the first run reads from the start anyway
        if not entry.get("partial"):
            states[extractor] = entry.get("completed") or {}
            continue
        got = _meltano(meltano, "state", "get", state_id)
        got_lines = [line for line in got.stdout.splitlines() if line.strip()]
        if got.returncode != 0 or not got_lines:
            raise StateUnreadable(f"meltano state get {state_id} exited {got.returncode}")
        states[extractor] = json.loads(got_lines[-1])
    if tenant is not None and suffix:
        seed_from_all_tenants(extractors, states, every, tenant, suffix, meltano, environ)
    return states


def check(extractor: str, state: Mapping[str, Any] | None,
          meltano: str, environ: Mapping[str, str] = os.environ, suffix: str | None = None) -> int:
    """Check one extractor's bookmarks (`state`: as read_states gave it; None: it has none)."""
    state_id = state_id_of(extractor, environ, suffix)
    if not state:
        return EXIT_OK
    streams = {stream for stream, _, _ in _partitions(state)}
    if not streams:
        return EXIT_OK
    config = loader_config_from_env(environ)
    counter = None
    try:
        namespace = environ["MELTANO_LOADER_NAMESPACE"]
        held, tables, counter = WAREHOUSES[namespace](config, streams | {SYNC_LOG_STREAM})
    except Exception as error:  # noqa: BLE001 - cannot tell: the extract step must not run
        print(redact(f"bookmark-check: cannot read the warehouse to compare it with the "
                     f"bookmarks of {state_id} ({type(error).__name__}: {error}); the extract "
                     "step is skipped", secret_values(config)), file=sys.stderr)
        return EXIT_UNREADABLE
    finally:
        if counter is not None:
            counter.close()
    behind = find_behind(state, held, tables)
    if not behind:
        return EXIT_OK
    fixed = moved_back(state, behind)
    done = _meltano(meltano, "state", "set", "--force", state_id, json.dumps(fixed))
    if done.returncode != 0:
        print(f"bookmark-check: the warehouse is behind the bookmarks of {state_id} and they "
              f"could not be moved back (meltano state set exited {done.returncode}); "
              f"recover with: meltano state clear {state_id}, then run the job", file=sys.stderr)
        return EXIT_STATE
    for lag in behind:
        label = (counter.table_label(lag.stream) if counter is not None else lag.stream)
        print(lag.message(label), file=sys.stderr)
    return EXIT_OK


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="callio-check-bookmarks",
        description="Move bookmarks back to what the warehouse really holds (run through "
                    "`meltano invoke <loader>:check-bookmarks <extractor>`).")
    parser.add_argument("extractors", nargs="+", metavar="extractor",
                        help="the extractors whose bookmarks to check (one job's extract steps)")
    parser.add_argument("--meltano", default="meltano", help="the meltano executable")
    parser.add_argument("--state-id-suffix", default=None,
                        help="the suffix of the run's state ids (meltano run --state-id-suffix)")
    parser.add_argument("--tenant", default=None,
                        help="with --state-id-suffix: the one tenant the run reads; a state id of its own "
                             "that does not exist yet starts from its bookmarks in the all-tenant one")
    args = parser.parse_args()
    if not invoked_through_meltano(os.environ):
        print("bookmark-check: run it through Meltano on a loader of this project "
              "(meltano invoke <loader>:check-bookmarks <extractor>)", file=sys.stderr)
        sys.exit(EXIT_STATE)
    try:
        states = read_states(args.extractors, args.meltano, suffix=args.state_id_suffix, tenant=args.tenant)
    except StateUnreadable as error:
        print(f"bookmark-check: cannot read the bookmarks of {', '.join(args.extractors)} ({error}); "
              "the extract steps are skipped", file=sys.stderr)
        sys.exit(EXIT_STATE)
    # every extractor is checked, even after one failed; the worst exit code is the result
    sys.exit(max(check(extractor, states.get(extractor), args.meltano, suffix=args.state_id_suffix)
                 for extractor in args.extractors))
