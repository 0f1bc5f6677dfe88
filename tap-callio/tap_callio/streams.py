"""Stream definitions for tap-callio."""

from __future__ import annotations

import collections
import typing as t
from importlib import resources

from singer_sdk import SchemaDirectory, Stream, StreamSchema
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_callio import envelope, reconcile, records
from tap_callio.client import CallioStream, now_ms
from tap_callio.pagination import RESULT_WINDOW, KeysetPaginator, KeysetToken, SnapshotPaginator
from tap_callio.parsing import parse_epoch_ms
from tap_callio.slicing import TimeSlice, halves, iso, run_end, run_start, time_slices

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_callio.run_log import StreamRun

SCHEMAS = SchemaDirectory(resources.files(__package__) / "schemas")


class SplitSlice(Exception):
    """The slice holds more than the result window: read it as two halves."""

    def __init__(self, pieces: tuple[TimeSlice, TimeSlice]) -> None:
        super().__init__("split")
        self.pieces = pieces


class IncrementalStream(CallioStream):
    """Time-sliced, keyset-paged incremental stream.

    Slices are read oldest to newest, each newest-first; records are emitted
    as they arrive, and the bookmark becomes a slice's upper bound only once
    that slice is complete (see README, "State").
    """

    from_param: t.ClassVar[str]
    to_param: t.ClassVar[str]
    lookback_setting: t.ClassVar[str]

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._slice: TimeSlice | None = None
        self._paginator: KeysetPaginator | None = None
        self._reconciled_at: int | None = None  # set when this run is a wide re-read (reconcile.py)

    # The SDK would move the bookmark with every record; ours moves per slice.
    def _increment_stream_state(self, latest_record: dict, *, context: Context | None = None) -> None:
        pass

    def get_new_paginator(self) -> KeysetPaginator:
        assert self._slice is not None
        self._paginator = KeysetPaginator(
            lo=self._slice.lo,
            hi=self._slice.hi,
            key=t.cast("str", self.replication_key),
            page_size=self.page_size,
        )
        return self._paginator

    def get_url_params(self, context: Context | None, next_page_token: KeysetToken | None) -> dict:
        assert self._slice is not None
        token = next_page_token or KeysetToken(upper=self._slice.hi)
        lower, upper = token.query_bounds(self._slice.lo)
        return {
            "page": token.page,
            "pageSize": self.page_size,
            "sort": f"{self.replication_key}DESC",
            self.from_param: lower,
            self.to_param: upper,
        }

    def parse_response(self, response: t.Any) -> t.Iterator[dict]:
        paginator = self._paginator
        if paginator is not None and paginator.count == 0 and self._slice is not None:
            self._maybe_split(response, self._slice)
        yield from super().parse_response(response)

    def _maybe_split(self, response: t.Any, piece: TimeSlice) -> None:
        total = envelope.total_docs(response)
        if total is None or total <= RESULT_WINDOW:
            return
        pieces = halves(piece, int(self.config.get("min_time_slice_ms", 60_000)))
        if pieces is not None:
            raise SplitSlice(pieces)

    def accept(self, record: dict) -> bool:
        paginator = self._paginator
        key_value = record[t.cast("str", self.replication_key)]
        if paginator is None:
            return True
        # Client-side check of the server's time filter, then boundary dedupe.
        return paginator.in_range(key_value) and not paginator.already_read(record["_id"], key_value)

    # -- the run of one tenant -----------------------------------------------

    def _bookmark(self, context: Context | None) -> int | None:
        state = self.get_context_state(context)
        if state.get("replication_key") not in (None, self.replication_key):
            return None
        return parse_epoch_ms(state.get("replication_key_value"))

    def _save_bookmark(self, context: Context | None, value: int) -> None:
        state = self.get_context_state(context)
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = value
        if self._reconciled_at is not None:
            state[reconcile.RECONCILED_AT] = self._reconciled_at
        self.state_manager.is_flushed = False
        self._write_state_message()

    def read_tenant(self, context: Context | None, run: StreamRun) -> t.Iterator[dict]:
        bookmark = self._bookmark(context)
        run.bookmark_start = run.bookmark_reached = bookmark
        now = now_ms()
        start = run_start(
            bookmark=bookmark,
            lookback_ms=int(self.config[self.lookback_setting]),
            start_date=self.config.get("start_date"),
            days_if_empty=int(self.config.get("days_to_fetch_if_empty", 30)),
            now_ms=now,
        )
        start, self._reconciled_at = reconcile.widen(
            start, state=self.get_context_state(context), bookmark=bookmark, now_ms=now, config=self.config
        )
        end = run_end(now, int(self.config.get("safety_lag_ms", 60_000)))
        cap = int(self.config.get("max_records_per_run", 0) or 0)
        self.logger.info("tenant %s stream %s: reading %s .. %s", self._tenant, self.name, iso(start), iso(end))
        pending = collections.deque(time_slices(start, end, int(self.config.get("time_slice_ms", 86_400_000))))
        while pending:
            if cap and run.records_read >= cap:
                self.logger.info(
                    "tenant %s stream %s: record cap %d reached, resuming from %s next run",
                    self._tenant,
                    self.name,
                    cap,
                    iso(run.bookmark_reached),
                )
                break
            piece = pending.popleft()
            self._slice = piece
            read_before = run.records_read
            try:
                for record in self.request_records(context):
                    run.records_read += 1
                    yield record
            except SplitSlice as split:
                pending.extendleft(reversed(split.pieces))
                continue
            finally:
                self._paginator = None
            reached = self.bookmark_bound(piece.hi)  # never past the server's clock
            if bookmark is None or reached > bookmark:
                bookmark = reached
                self._save_bookmark(context, bookmark)
            run.bookmark_reached = bookmark
            self.logger.info(
                "tenant %s stream %s: slice %s done, %d records (%d this run)",
                self._tenant,
                self.name,
                piece,
                run.records_read - read_before,
                run.records_read,
            )


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
    its pages were read, each stamped with the same ``_snapshot_at``."""

    def get_new_paginator(self) -> SnapshotPaginator:
        return SnapshotPaginator()

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        return {"page": next_page_token or 1, "pageSize": self.page_size}

    def read_tenant(self, context: Context | None, run: StreamRun) -> t.Iterator[dict]:
        snapshot = list(self.request_records(context))  # tens to hundreds of rows
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
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # rows built by run_log.py, schema-exact
    schema = StreamSchema(SCHEMAS)

    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        yield from self._tap.run_log.rows()
