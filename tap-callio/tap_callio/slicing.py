"""Time windows of an incremental run: where it starts, where it ends, and the
slices it is read in.

All values are epoch milliseconds; API time filters are inclusive on both
ends, so consecutive slices are ``[lo, hi]``, ``[hi + 1, ...]``.
"""

from __future__ import annotations

import dataclasses
import datetime
import typing as t

DAY_MS = 86_400_000


@dataclasses.dataclass(frozen=True)
class TimeSlice:
    lo: int
    hi: int

    def __str__(self) -> str:
        return f"[{iso(self.lo)} .. {iso(self.hi)}]"


def iso(epoch_ms: int | None) -> str | None:
    if epoch_ms is None:
        return None
    moment = datetime.datetime.fromtimestamp(epoch_ms / 1000, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_start_date(text: str) -> int:
    """ISO date or date-time (naive means UTC) to epoch ms."""
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp() * 1000)


def run_start(
    *,
    bookmark: int | None,
    lookback_ms: int,
    start_date: str | None,
    days_if_empty: int,
    now_ms: int,
) -> int:
    """First millisecond to read.

    With a bookmark (everything up to and including it was read), restart just
    after it minus the look-back, which re-reads late arrivals.  Without one, use
    ``start_date``, else ``days_if_empty`` days back from now.
    """
    if bookmark is not None:
        return max(0, bookmark + 1 - lookback_ms)
    if start_date:
        return parse_start_date(start_date)
    return now_ms - days_if_empty * DAY_MS


def run_end(now_ms: int, safety_lag_ms: int) -> int:
    """Last millisecond a run may read (and so the furthest bookmark): now minus
    a small lag, so that records still being written at 'now' are not skipped."""
    return now_ms - safety_lag_ms


def time_slices(start: int, end: int, slice_ms: int) -> t.Iterator[TimeSlice]:
    """Consecutive inclusive slices covering ``[start, end]``, oldest first."""
    lo = start
    while lo <= end:
        hi = min(lo + slice_ms - 1, end)
        yield TimeSlice(lo, hi)
        lo = hi + 1


def halves(piece: TimeSlice, min_slice_ms: int) -> tuple[TimeSlice, TimeSlice] | None:
    """Split a slice in two (older half first) unless that would go below the
    minimum slice length."""
    length = piece.hi - piece.lo + 1
    if length < 2 * min_slice_ms:
        return None
    mid = piece.lo + length // 2 - 1
    return TimeSlice(piece.lo, mid), TimeSlice(mid + 1, piece.hi)
