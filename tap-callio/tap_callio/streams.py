"""Stream definitions for tap-callio."""

from __future__ import annotations

import dataclasses
import typing as t
from importlib import resources

from singer_sdk import SchemaDirectory, Stream, StreamSchema
from singer_sdk.helpers.conform import TypeConformanceLevel
from typing_extensions import override

from tap_callio import envelope, reconcile, records
from tap_callio.client import CallioStream, Marker, TenantReading, now_ms
from tap_callio.pagination import RESULT_WINDOW, KeysetPaginator, KeysetToken, SnapshotPaginator
from tap_callio.parsing import parse_epoch_ms
from tap_callio.settings import setting
from tap_callio.slicing import SlicePlanner, TimeSlice, iso, run_end, run_start

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_callio.run_log import StreamRun

SCHEMAS = SchemaDirectory(resources.files(__package__) / "schemas")


class Reslice(Exception):
    """The slice holds more records than a slice may: read a shorter one instead."""

    def __init__(self, piece: TimeSlice) -> None:
        super().__init__("reslice")
        self.piece = piece


@dataclasses.dataclass(frozen=True)
class SliceDone(Marker):
    """Every record of the tenant's slice ending at ``hi`` was yielded before this."""

    hi: int
    reconciled_at: int | None = None  # stored with the bookmark when this run is a reconciliation


@dataclasses.dataclass(frozen=True)
class TenantStart:
    """What a tenant's reader needs from the state, read in the main thread."""

    bookmark: int | None
    state: t.Mapping[str, t.Any]  # a copy of the tenant's state (reconcile.py reads it)


class IncrementalReading(TenantReading):
    """Per-thread state of the slice being read (see TenantReading)."""

    slice: TimeSlice | None = None
    paginator: KeysetPaginator | None = None
    planner: SlicePlanner | None = None
    reported: int | None = None  # totalDocs of the slice's first page


class IncrementalStream(CallioStream):
    """Time-sliced, keyset-paged incremental stream.

    Slices are read oldest to newest, each newest-first, sized from the
    ``totalDocs`` the API reports (slicing.SlicePlanner); records are emitted
    as they arrive, and the bookmark becomes a slice's upper bound only once
    that slice is complete and written (see README, "State").
    """

    from_param: t.ClassVar[str]
    to_param: t.ClassVar[str]
    lookback_setting: t.ClassVar[str]
    # A first sync reads the whole history, not just start_date / days_to_fetch_if_empty.
    first_sync_reads_everything: t.ClassVar[bool] = False
    reading_type = IncrementalReading
    _reading: IncrementalReading

    # The SDK would move the bookmark with every record; ours moves per slice.
    # Private SDK member (called by Stream._sync_records for each record);
    # tests/test_sdk_contract.py fails if the SDK stops calling it.
    @override
    def _increment_stream_state(self, latest_record: dict, *, context: Context | None = None) -> None:
        pass

    @override
    def get_new_paginator(self) -> KeysetPaginator:
        piece = self._reading.slice
        assert piece is not None
        paginator = KeysetPaginator(
            lo=piece.lo,
            hi=piece.hi,
            key=t.cast("str", self.replication_key),
            page_size=self.page_size,
        )
        self._reading.paginator = paginator
        return paginator

    @override
    def get_url_params(self, context: Context | None, next_page_token: KeysetToken | None) -> dict:
        piece = self._reading.slice
        assert piece is not None
        token = next_page_token or KeysetToken(upper=piece.hi)
        lower, upper = token.query_bounds(piece.lo)
        return {
            "page": token.page,
            "pageSize": self.page_size,
            "sort": f"{self.replication_key}DESC",
            self.from_param: lower,
            self.to_param: upper,
        }

    @override
    def parse_response(self, response: t.Any) -> t.Iterator[dict]:
        reading = self._reading
        if reading.paginator is not None and reading.paginator.count == 0:
            self._check_size(response)
        yield from super().parse_response(response)

    def _check_size(self, response: t.Any) -> None:
        """First page of a slice: if it holds too many records, raise before any is emitted."""
        reading = self._reading
        total = envelope.total_docs(response)
        reading.reported = total
        planner, piece = reading.planner, reading.slice
        if planner is None or piece is None or planner.fits(piece, total):
            return
        smaller = planner.too_many(piece, t.cast("int", total), self._newest_on_page(response))
        if smaller is not None:
            raise Reslice(smaller)

    def _newest_on_page(self, response: t.Any) -> tuple[int, int] | None:
        """(records on this first page, the oldest key among them): the slice's newest records."""
        keys = [
            parse_epoch_ms(doc.get(self.replication_key)) for doc in envelope.docs(response) if isinstance(doc, dict)
        ]
        known = [key for key in keys if key is not None]
        return (len(known), min(known)) if known else None

    @override
    def accept(self, record: dict) -> bool:
        paginator = self._reading.paginator
        key_value = record[t.cast("str", self.replication_key)]
        if paginator is None:
            return True
        # Client-side check of the server's time filter, then boundary dedupe.
        return paginator.in_range(key_value) and not paginator.already_read(record["_id"], key_value)

    # -- the bookmark (main thread) ----------------------------------------------

    def _bookmark(self, context: Context | None) -> int | None:
        state = self.get_context_state(context)
        if state.get("replication_key") not in (None, self.replication_key):
            return None
        return parse_epoch_ms(state.get("replication_key_value"))

    def _save_bookmark(self, context: Context | None, value: int, reconciled_at: int | None = None) -> None:
        state = self.get_context_state(context)
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = value
        if reconciled_at is not None:
            state[reconcile.RECONCILED_AT] = reconciled_at
        self.state_manager.is_flushed = False  # private SDK member, checked by tests/test_sdk_private_members.py
        self._write_state_message()

    @override
    def tenant_start(self, context: Context) -> TenantStart:
        return TenantStart(self._bookmark(context), dict(self.get_context_state(context)))

    @override
    def on_marker(self, context: Context, run: StreamRun, marker: Marker) -> None:
        if not isinstance(marker, SliceDone):
            super().on_marker(context, run, marker)
            return
        bookmark = self._bookmark(context)
        if bookmark is None or marker.hi > bookmark:
            self._save_bookmark(context, marker.hi, marker.reconciled_at)
            run.bookmark_reached = marker.hi

    # -- the run of one tenant (its worker thread) ---------------------------------

    def first_time(self, bookmark: int | None, now: int) -> int:
        if bookmark is None and self.first_sync_reads_everything:
            return 0
        return run_start(
            bookmark=bookmark,
            lookback_ms=int(setting(self.config, self.lookback_setting)),
            start_date=self.config.get("start_date"),
            days_if_empty=int(setting(self.config, "days_to_fetch_if_empty")),
            now_ms=now,
        )

    @override
    def read_tenant(self, context: Context, run: StreamRun, start: t.Any) -> t.Iterator[t.Any]:
        begin = t.cast("TenantStart", start)
        bookmark = begin.bookmark
        run.bookmark_start = run.bookmark_reached = bookmark
        now = now_ms()
        first, reconciled_at = reconcile.widen(
            self.first_time(bookmark, now), state=begin.state, bookmark=bookmark, now_ms=now, config=self.config
        )
        end = run_end(now, int(setting(self.config, "safety_lag_ms")))
        cap = int(setting(self.config, "max_records_per_run") or 0)
        self.logger.info("tenant %s stream %s: reading %s .. %s", self._tenant, self.name, iso(first), iso(end))
        planner = SlicePlanner(
            first,
            end,
            max_records=RESULT_WINDOW,
            min_ms=int(setting(self.config, "min_time_slice_ms")),
            max_ms=int(self.config.get("time_slice_ms") or 0) or None,
        )
        reading = self._reading
        reading.planner = planner
        while not planner.finished:
            if cap and run.records_read >= cap:
                run.stop_at_cap(cap, end)
                self.logger.warning(
                    "tenant %s stream %s: record cap %d reached (max_records_per_run), BEHIND: the next run "
                    "goes on from the last completed slice",
                    self._tenant,
                    self.name,
                    cap,
                )
                break
            # under a record cap, slices hold about what is left of it (at least a page)
            planner.set_limit(max(cap - run.records_read, self.page_size) if cap else None)
            piece = planner.next_slice()
            read = yield from self._read_slice(context, run, piece)
            if read is None:
                continue  # resliced: planner.next_slice() is now shorter
            planner.completed(piece, reading.reported if reading.reported is not None else read)
            # never past the server's clock (this tenant's, read in this thread)
            yield SliceDone(self.bookmark_bound(piece.hi), reconciled_at)
            self.logger.info(
                "tenant %s stream %s: slice %s done, %d records (%d this run)",
                self._tenant,
                self.name,
                piece,
                read,
                run.records_read,
            )

    def _read_slice(self, context: Context, run: StreamRun, piece: TimeSlice) -> t.Generator[t.Any, None, int | None]:
        """Yield a slice's records (and its Quarantined markers); the number read, or None if it
        had to be resliced (before any of its records was yielded)."""
        reading = self._reading
        reading.slice, reading.reported = piece, None
        read = 0
        try:
            for record in self.request_records(context):
                if reading.quarantined:
                    yield from self.take_quarantined()  # poison records of the page, before what follows
                read += 1
                run.records_read += 1
                yield record
            yield from self.take_quarantined()  # before SliceDone moves the bookmark past them
        except Reslice:
            return None
        finally:
            reading.paginator = None
        return read


class CustomersStream(IncrementalStream):
    name = "customers"
    path = "/customer"
    replication_key = "updateTime"
    schema = StreamSchema(SCHEMAS)
    record_builder = staticmethod(records.customer_record)
    # from/to filter createTime on /customer; updates need the updateTime filters
    from_param = "fromUpdateTime"
    to_param = "toUpdateTime"
    lookback_setting = "customers_lookback_ms"
    # The report needs the current record of every customer who is called, however long
    # ago it was last updated; empty years cost a request or two (SlicePlanner).
    first_sync_reads_everything = True


class CallsStream(IncrementalStream):
    name = "calls"
    path = "/call"
    replication_key = "createTime"
    schema = StreamSchema(SCHEMAS)
    record_builder = staticmethod(records.call_record)
    from_param = "from"
    to_param = "to"
    lookback_setting = "calls_lookback_ms"


class SnapshotStream(CallioStream):
    """Small full-table endpoint: a tenant's records are emitted only once all
    its pages were read, each stamped with the same ``_snapshot_at``.

    With ``emit_activate_version_messages``, ACTIVATE_VERSION is sent after the last tenant's
    records, and only when every tenant's snapshot was complete: an upserting target then
    deletes the rows this run did not send (staff removed in Callio). The SDK would send it
    before the first record, which makes a target delete every tenant's rows, and keep a
    failed tenant's rows deleted.
    """

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._version_to_activate: int | None = None

    # Private SDK hook (Stream.sync calls it once, before the first record, when
    # emit_activate_version_messages is on; tests/test_sdk_private_members.py checks it exists).
    @override
    def _write_activate_version_message(self, full_table_version: int) -> None:
        self._version_to_activate = full_table_version

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        yield from super().get_records(context)
        if self._version_to_activate is None or context != (self.partitions or [None])[-1]:
            return
        version, self._version_to_activate = self._version_to_activate, None
        incomplete = sorted(run.tenant for run in self._tap.run_log.failed if run.stream == self.name)
        if incomplete:
            self.logger.warning(
                "stream %s: no ACTIVATE_VERSION this run (incomplete snapshot of %s): "
                "rows removed in Callio stay in the target until a complete run",
                self.name,
                ", ".join(incomplete),
            )
            return
        super()._write_activate_version_message(version)

    @override
    def get_new_paginator(self) -> SnapshotPaginator:
        return SnapshotPaginator()

    @override
    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        return {"page": next_page_token or 1, "pageSize": self.page_size}

    @override
    def read_tenant(self, context: Context, run: StreamRun, start: t.Any) -> t.Iterator[t.Any]:
        snapshot = list(self.request_records(context))  # tens to hundreds of rows
        yield from self.take_quarantined()
        snapshot_at = now_ms()
        unique: dict[str, dict] = {}
        for record in snapshot:
            unique[record["_id"]] = record  # page drift can repeat a row
        for record in unique.values():
            record["_snapshot_at"] = snapshot_at
            run.records_read += 1
            yield record


class StaffStream(SnapshotStream):
    name = "staff"
    path = "/user"
    schema = StreamSchema(SCHEMAS)
    record_builder = staticmethod(records.staff_record)


class GroupsStream(SnapshotStream):
    name = "groups"
    path = "/user-group"
    schema = StreamSchema(SCHEMAS)
    record_builder = staticmethod(records.group_record)


class SyncLogStream(Stream):
    """One row per tenant and stream of this run; synced after every other stream."""

    name = "sync_log"
    primary_keys: t.ClassVar[list[str]] = ["run_id", "tenant", "stream"]

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        # An audit log: each run adds rows; ACTIVATE_VERSION would delete earlier runs' rows.
        return False

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # rows built by run_log.py, schema-exact
    schema = StreamSchema(SCHEMAS)

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        yield from self._tap.run_log.rows()
