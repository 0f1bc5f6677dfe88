"""Time windows of an incremental run: where it starts, where it ends, and the
slices it is read in.

All values are epoch milliseconds; API time filters are inclusive on both
ends, so consecutive slices are ``[lo, hi]``, ``[hi + 1, ...]``.

Slices are sized from what the API reports (:class:`SlicePlanner`): the first
page of a slice carries ``totalDocs``, so a slice holding too many records is
shrunk before any of them is emitted, and the next slice is sized from the
density of the last one.  Empty years cost one request, a dense day is cut to
fit, and every slice is read in ``ceil(records / page_size)`` requests.
"""

from __future__ import annotations

import dataclasses
import datetime

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


# Aim slices at this share of their record limit, so that a slightly denser
# stretch still fits and does not cost a discarded first page.
FILL = 0.8


class SlicePlanner:
    """Cuts ``[start, end]`` into consecutive slices of at most ``max_records``
    records (and at most ``max_ms`` long unless empty), as far as ``min_ms``
    allows, oldest first.

    Usage: ``piece = planner.next_slice()``; read its first page; unless
    ``planner.fits(piece, total)`` for the ``totalDocs`` reported,
    ``planner.too_many(piece, total)`` gives a shorter piece from the same start
    (that page is discarded); once a piece is read, ``planner.completed(piece,
    records)`` moves on.

    The planner remembers the last count it was told (``[lo, known_hi]`` holds
    ``known_total``), so that after a shorter piece it knows whether the rest of
    that range fits without asking again, and it gallops through empty
    stretches, which are never cut by ``max_ms`` (nothing to re-read there).
    """

    def __init__(self, start: int, end: int, *, max_records: int, min_ms: int, max_ms: int | None = None) -> None:
        self.lo = start
        self.end = end
        self.max_records = max(1, max_records)
        self.limit = self.max_records  # lowered by a record cap (set_limit)
        self.min_ms = max(1, min_ms)
        self.max_ms = max_ms
        self.length = self._bounded(end - start + 1)  # first guess: everything left
        self.known_hi: int | None = None
        self.known_total = 0

    @property
    def finished(self) -> bool:
        return self.lo > self.end

    def set_limit(self, limit: int | None) -> None:
        self.limit = self.max_records if limit is None else max(1, min(limit, self.max_records))

    def next_slice(self) -> TimeSlice:
        return TimeSlice(self.lo, min(self.lo + self.length - 1, self.end))

    def fits(self, piece: TimeSlice, total: int | None) -> bool:
        """Whether a piece reported to hold ``total`` records is read as it is."""
        if total == 0:
            return True
        short_enough = not self.max_ms or piece.hi - piece.lo + 1 <= self.max_ms
        return short_enough and (total is None or total <= self.limit)

    def too_many(self, piece: TimeSlice, total: int, newest: tuple[int, int] | None = None) -> TimeSlice | None:
        """A shorter piece from the same start, sized for the density just
        reported; None when the piece cannot shrink (then read it whole).

        ``newest`` is (records on the first page, oldest key among them): the
        page holds the piece's newest records, so it tells how densely the
        piece is filled at its recent end. If at that density all ``total``
        records fit in (half of) the piece's newer part, the older part is
        probably empty: it becomes the next piece (one request) instead of
        a binary search through empty years."""
        length = piece.hi - piece.lo + 1
        if length <= self.min_ms:
            return None
        self.known_hi, self.known_total = piece.hi, total
        # at least halve, so that an uneven stretch still converges quickly
        shrunk = min(self._for_density(length, total), length // 2)
        if newest is not None and 0 < newest[0] < total and piece.lo <= newest[1] <= piece.hi:
            span_of_all = (piece.hi - newest[1] + 1) * total // newest[0]
            probably_empty = length - 2 * span_of_all
            shrunk = max(shrunk, probably_empty)
        self.length = self._bounded(shrunk)
        return self.next_slice()

    def completed(self, piece: TimeSlice, records: int) -> None:
        """Move past ``piece``; size the next slice for what is known."""
        length = piece.hi - piece.lo + 1
        self.lo = piece.hi + 1
        if self.known_hi is not None and self.known_hi >= self.lo:
            rest = TimeSlice(self.lo, self.known_hi)
            self.known_total = max(self.known_total - records, 0)
            if self.fits(rest, self.known_total):
                self.length = self._bounded(rest.hi - rest.lo + 1)  # the rest of the known range, exactly
                return
            if records <= 0:  # still before the data: gallop
                guess = max(2 * length, self._for_density(rest.hi - rest.lo + 1, self.known_total))
            else:
                guess = self._capped(self._for_density(length, records))
            self.length = self._bounded(min(guess, (rest.hi - rest.lo + 1) // 2))
            return
        self.known_hi = None
        if records <= 0:
            self.length = self._bounded(self.end - self.lo + 1)  # empty: try everything left
        else:
            self.length = self._bounded(self._capped(self._for_density(length, records)))

    def _for_density(self, length: int, records: int) -> int:
        """A length expected to hold about FILL x limit records, at this density."""
        if records <= self.limit:
            return length if records <= 0 else max(length, int(length * self.limit * FILL / records))
        return int(length * self.limit * FILL / records)

    def _capped(self, length: int) -> int:
        return min(length, self.max_ms) if self.max_ms else length

    def _bounded(self, length: int) -> int:
        return max(length, self.min_ms, 1)
