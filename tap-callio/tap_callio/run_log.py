"""What happened in this run, per tenant and stream: the rows of ``sync_log``
and the end-of-run summary on stderr."""

from __future__ import annotations

import dataclasses
import datetime
import typing as t
import uuid

from tap_callio.slicing import iso

STATUS_OK = "OK"
STATUS_ERROR_LOGIN = "ERROR_LOGIN"
STATUS_ERROR = "ERROR"
# Complete as far as it went, but stopped by the record cap (max_records_per_run) with the bookmark
# short of the read window's end: not a failure (what was read is delivered and its bookmark
# saved), not OK either (the data is not current). The job runner exits 3 on it.
STATUS_BEHIND = "BEHIND"
HOUR_MS = 3_600_000


def behind_text(ms: int) -> str:
    """27 days 4 hours, 3 hours, under an hour."""
    days, hours = divmod(max(0, ms) // HOUR_MS, 24)
    if days:
        return f"{days} day{'s' * (days != 1)} {hours} hour{'s' * (hours != 1)}"
    return f"{hours} hour{'s' * (hours != 1)}" if hours else "under an hour"


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


@dataclasses.dataclass
class StreamRun:
    tenant: str
    stream: str
    started_at: str = dataclasses.field(default_factory=_now_iso)
    finished_at: str | None = None
    status: str = STATUS_OK
    error: str | None = None
    records_read: int = 0
    records_dropped: int = 0
    records_quarantined: int = 0
    bookmark_start: int | None = None
    bookmark_reached: int | None = None
    requests: int = 0
    # the record cap that stopped the stream, and the end of the window it did not reach
    cap: int | None = None
    window_end: int | None = None

    def fail(self, status: str, error: str) -> None:
        self.status = status
        self.error = error

    def stop_at_cap(self, cap: int, window_end: int) -> None:
        self.status, self.cap, self.window_end = STATUS_BEHIND, cap, window_end

    @property
    def reason(self) -> str | None:
        """The error, or for a stream stopped at the cap how far behind its bookmark is (known
        once its last slice is counted, so worded when asked)."""
        if self.status != STATUS_BEHIND or self.cap is None or self.window_end is None:
            return self.error
        reached = self.bookmark_reached if self.bookmark_reached is not None else self.bookmark_start
        where = f"at {iso(reached)}" if reached is not None else "not set yet"
        behind = behind_text(self.window_end - reached) if reached is not None else "everything"
        return (
            f"record cap {self.cap} reached (max_records_per_run, LIMIT_RECORDS_PER_ENDPOINT): the bookmark is "
            f"{behind} behind ({where}); the next runs go on from there"
        )

    def finish(self) -> None:
        self.finished_at = _now_iso()


class RunLog:
    """Collects one :class:`StreamRun` per (tenant, stream) in this run."""

    def __init__(self) -> None:
        self.run_id = uuid.uuid4().hex
        self.entries: dict[tuple[str, str], StreamRun] = {}

    def start(self, tenant: str, stream: str) -> StreamRun:
        entry = StreamRun(tenant=tenant, stream=stream)
        self.entries[(tenant, stream)] = entry
        return entry

    @property
    def failed(self) -> list[StreamRun]:
        return [e for e in self.entries.values() if e.status not in (STATUS_OK, STATUS_BEHIND)]

    @property
    def behind(self) -> list[StreamRun]:
        return [e for e in self.entries.values() if e.status == STATUS_BEHIND]

    def rows(self) -> t.Iterator[dict]:
        for entry in self.entries.values():
            yield {
                "run_id": self.run_id,
                "tenant": entry.tenant,
                "stream": entry.stream,
                "status": entry.status,
                "error": entry.reason,
                "records_read": entry.records_read,
                "records_quarantined": entry.records_quarantined,
                "bookmark_start": entry.bookmark_start,
                "bookmark_reached": entry.bookmark_reached,
                "started_at": entry.started_at,
                "finished_at": entry.finished_at or _now_iso(),
            }

    def summary_lines(self) -> list[str]:
        header = f"{'tenant':<10} {'stream':<10} {'status':<12} {'records':>9} {'dropped':>7}  bookmark reached"
        lines = [f"tap-callio run {self.run_id} summary:", header]
        for entry in sorted(self.entries.values(), key=lambda e: (e.tenant, e.stream)):
            lines.append(
                f"{entry.tenant:<10} {entry.stream:<10} {entry.status:<12} "
                f"{entry.records_read:>9} {entry.records_dropped:>7}  {iso(entry.bookmark_reached) or '-'}"
            )
        for entry in sorted(self.entries.values(), key=lambda e: (e.tenant, e.stream)):
            if entry.records_quarantined:
                lines.append(
                    f"QUARANTINED {entry.tenant}/{entry.stream}: {entry.records_quarantined} records "
                    "(loaded to the quarantine table, not to their own)"
                )
        for entry in self.behind:
            lines.append(f"BEHIND {entry.tenant}/{entry.stream}: {entry.reason}")
        for entry in self.failed:
            lines.append(f"FAILED {entry.tenant}/{entry.stream}: {entry.error}")
        return lines
