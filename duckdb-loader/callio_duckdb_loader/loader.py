"""The Singer side: read messages from stdin, spool records, land batches, emit STATE.

A batch is cut every ``batch_size_rows`` records (all streams together), before a stream's
schema changes, and at the end of the input. It lands in a worker thread while the next batch
is being spooled (DuckDB works outside the GIL), so the tap is not held up by a commit; at most
one batch waits behind the one landing. A STATE message is written to stdout only once every
record that came before it is committed.
"""

from __future__ import annotations

import json
import logging
import queue
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO

import msgspec

from .columns import Column, columns_for
from .config import LoaderConfig
from .errors import LoadError
from .spool import Spool
from .warehouse import StreamBatch, Warehouse

log = logging.getLogger("callio_duckdb_loader")


class _Envelope(msgspec.Struct):
    """The two keys a RECORD line is routed by; the rest of the line is skipped, not built."""

    type: str = ""
    stream: str = ""


_envelope = msgspec.json.Decoder(_Envelope)


def _decode(line: bytes) -> Any:
    try:
        return msgspec.json.decode(line)
    except msgspec.DecodeError:
        return json.loads(line)  # NaN, Infinity: what Python's json writers may send


def _route_slowly(line: bytes) -> _Envelope | None:
    """A line msgspec refused: blank (None), or a message only Python's json reads (NaN,
    Infinity; DuckDB refuses such a record loudly when it lands)."""
    if not line.strip():
        return None
    try:
        message = json.loads(line)
    except ValueError:
        raise LoadError("a line that is not JSON (not a Singer message)") from None
    if not isinstance(message, dict) or not isinstance(message.get("type", ""), str) \
            or not isinstance(message.get("stream", ""), str):
        raise LoadError("a line that is not a Singer message (type and stream must be strings)")
    return _Envelope(message.get("type", ""), message.get("stream", ""))


def _state_value(line: bytes) -> bytes:
    """What a target prints for a STATE message: its value, one JSON line."""
    message = _decode(line)
    if "value" not in message:
        raise LoadError("a STATE message without a value")
    return msgspec.json.encode(message["value"]) + b"\n"


@dataclass
class _Job:
    batches: list[StreamBatch] = field(default_factory=list)
    state: bytes | None = None


class _Lander(threading.Thread):
    """Lands jobs one after the other and then writes their STATE; remembers the first failure
    (every later job is then dropped: nothing after a failed batch may be acknowledged)."""

    def __init__(self, warehouse: Warehouse, stdout: IO[bytes]) -> None:
        super().__init__(name="callio-target-duckdb-lander", daemon=True)
        self.warehouse = warehouse
        self.stdout = stdout
        self.jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=1)
        self.failure: BaseException | None = None

    def run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.failure is not None:
                continue
            try:
                if job.batches:
                    self.warehouse.land(job.batches)
                    for batch in job.batches:
                        for path in batch.files:
                            path.unlink(missing_ok=True)
                if job.state is not None:
                    self.stdout.write(job.state)
                    self.stdout.flush()
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                self.failure = error

    def submit(self, job: _Job) -> None:
        if self.failure is not None:
            raise self.failure
        self.jobs.put(job)

    def finish(self) -> None:
        self.jobs.put(None)
        self.join()
        if self.failure is not None:
            raise self.failure

    def abandon(self) -> None:
        """The input failed: land nothing more and wait for the thread to end. A batch already
        landing still commits and writes its STATE: every record before that STATE is in."""
        if self.failure is None:
            self.failure = LoadError("the load was abandoned")
        if self.is_alive():
            self.jobs.put(None)
            self.join()


class Loader:
    def __init__(self, config: LoaderConfig, raw_config: Mapping[str, Any],
                 stdout: IO[bytes] | None = None) -> None:
        self.config = config
        self.warehouse = Warehouse(raw_config, config.path, config.duckdb_settings)
        self.lander = _Lander(self.warehouse, stdout or sys.stdout.buffer)
        self.spool = Spool()
        self.columns: dict[str, list[Column]] = {}
        self.schemas: dict[str, Any] = {}
        self.writers: dict[str, BinaryIO] = {}  # stream -> its file in the batch being gathered
        self.pending: dict[str, int] = {}  # stream -> records spooled in the batch being gathered
        self.touched: set[str] = set()  # streams whose table must exist after the next batch
        self.state: bytes | None = None  # the latest STATE's value, not yet handed to the lander
        self.total = 0

    def _cut(self) -> None:
        """Hand the batch gathered so far (and the latest STATE) to the lander."""
        files = self.spool.cut()
        self.writers = {}
        batches = [StreamBatch(stream, self.columns[stream], [files[stream]] if stream in files else [],
                               self.pending.get(stream, 0))
                   for stream in sorted(self.touched | set(files))]
        if batches or self.state is not None:
            self.lander.submit(_Job(batches, self.state))
        self.pending, self.touched, self.state = {}, set(), None

    def _schema(self, message: Mapping[str, Any]) -> None:
        stream = message.get("stream")
        schema = message.get("schema")
        if not isinstance(stream, str) or not isinstance(schema, Mapping):
            raise LoadError("a SCHEMA message without a stream name or a schema object")
        if not isinstance(schema.get("properties"), Mapping):
            raise LoadError(f"stream {stream}: its schema declares no properties, so its records"
                            " cannot be typed")
        if self.schemas.get(stream) == schema:
            return
        if self.pending.get(stream):
            self._cut()  # the records spooled so far land under the schema they came with
        self.schemas[stream] = schema
        self.columns[stream] = columns_for(stream, schema, self.config.flattening_max_depth,
                                           self.config.add_metadata_columns)
        self.touched.add(stream)

    def _writer(self, stream: str) -> BinaryIO:
        if stream not in self.columns:
            raise LoadError(f"stream {stream}: a RECORD before its SCHEMA")
        writer = self.writers[stream] = self.spool.writer(stream)
        return writer

    def run(self, stdin: IO[bytes]) -> int:
        """Load everything from ``stdin``; the number of records landed."""
        self.lander.start()
        decode = _envelope.decode
        batch_size = self.config.batch_size_rows
        try:
            for line in stdin:
                # The hot path (one RECORD line): route it by two keys, append it to its file.
                try:
                    envelope = decode(line)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    envelope = _route_slowly(line)
                    if envelope is None:
                        continue
                kind = envelope.type
                if kind == "RECORD":
                    stream = envelope.stream
                    writer = self.writers.get(stream) or self._writer(stream)
                    writer.write(line if line[-1:] == b"\n" else line + b"\n")
                    self.pending[stream] = self.pending.get(stream, 0) + 1
                    self.total += 1
                    if self.total % batch_size == 0:
                        self._cut()
                elif kind == "STATE":
                    self.state = _state_value(line)
                    if not self.pending:  # nothing waits to be committed before it
                        self._cut()
                elif kind == "SCHEMA":
                    self._schema(_decode(line))
                # ACTIVATE_VERSION, BATCH, ...: the raw tables are append-only logs
            self._cut()
            self.lander.finish()
        except BaseException:
            self.lander.abandon()
            raise
        finally:
            self.spool.remove()
            self.warehouse.close()
        return self.total
