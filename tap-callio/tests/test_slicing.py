"""The slice planner: slices cover the run's range without gaps or overlap, shrink
when the API reports too many records, and widen through sparse or empty periods."""

from __future__ import annotations

import itertools

from tap_callio.slicing import DAY_MS, SlicePlanner, TimeSlice


def read_all(planner: SlicePlanner, count_in) -> tuple[list[TimeSlice], int]:
    """Drive the planner as the stream does; returns the slices read and the first pages discarded."""
    read, discarded = [], 0
    while not planner.finished:
        piece = planner.next_slice()
        total = count_in(piece)
        if not planner.fits(piece, total):
            smaller = planner.too_many(piece, total)
            if smaller is not None:
                discarded += 1
                continue
        read.append(piece)
        planner.completed(piece, total)
    return read, discarded


def test_an_empty_range_is_one_slice():
    slices, discarded = read_all(SlicePlanner(0, 10 * 365 * DAY_MS, max_records=10_000, min_ms=60_000), lambda _: 0)
    assert slices == [TimeSlice(0, 10 * 365 * DAY_MS)]
    assert discarded == 0


def test_slices_are_contiguous_and_hold_at_most_the_limit():
    # empty years, then a sparse stretch (one record a day), then dense days (20,000 a day)
    end = 3000 * DAY_MS - 1
    dense_from = 2990 * DAY_MS
    sparse_from = 2900 * DAY_MS

    def count_in(piece: TimeSlice) -> int:
        sparse = max(0, min(piece.hi, dense_from - 1) - max(piece.lo, sparse_from) + 1) // DAY_MS
        dense = max(0, piece.hi - max(piece.lo, dense_from) + 1) * 20_000 // DAY_MS
        return sparse + dense

    slices, discarded = read_all(SlicePlanner(0, end, max_records=10_000, min_ms=60_000), count_in)
    assert slices[0].lo == 0 and slices[-1].hi == end
    assert all(later.lo == earlier.hi + 1 for earlier, later in itertools.pairwise(slices))
    assert all(count_in(piece) <= 10_000 for piece in slices)
    records = count_in(TimeSlice(0, end))
    # listing requests: each slice ceil(records / page) (an empty one still costs one), plus the
    # discarded first pages; the aim is 1.25 x ideal plus a handful
    page = 500
    requests = sum(max(1, -(-count_in(piece) // page)) for piece in slices) + discarded
    ideal = -(-records // page)
    assert requests <= 1.25 * ideal + 20, (requests, ideal, len(slices), discarded)


def test_a_slice_that_cannot_shrink_is_read_whole():
    planner = SlicePlanner(0, 59_999, max_records=10, min_ms=60_000)
    piece = planner.next_slice()
    assert not planner.fits(piece, 500)
    assert planner.too_many(piece, 500) is None


def test_longest_slice_setting_caps_slices_that_hold_records_only():
    # 40 years, records (10 a day) only in the last 10 days
    end = 40 * 365 * DAY_MS - 1
    data_from = end + 1 - 10 * DAY_MS

    def count_in(piece: TimeSlice) -> int:
        return max(0, piece.hi - max(piece.lo, data_from) + 1) * 10 // DAY_MS

    planner = SlicePlanner(0, end, max_records=10_000, min_ms=60_000, max_ms=DAY_MS)
    slices, discarded = read_all(planner, count_in)
    assert all(piece.hi - piece.lo + 1 <= DAY_MS for piece in slices if count_in(piece))
    assert slices[-1].hi == end
    assert len(slices) + discarded <= 10 + 40, (len(slices), discarded)


def test_a_lower_limit_makes_smaller_slices():
    planner = SlicePlanner(0, 10 * DAY_MS - 1, max_records=10_000, min_ms=60_000)
    piece = planner.next_slice()
    assert planner.fits(piece, 5_000)
    planner.set_limit(300)
    assert not planner.fits(piece, 5_000)


def test_the_first_pages_density_skips_empty_years_in_one_step():
    # 56 years, 20,000 records in the last 120 days; the first page (500 newest) spans 3 days
    end = 56 * 365 * DAY_MS - 1
    planner = SlicePlanner(0, end, max_records=10_000, min_ms=60_000)
    piece = planner.next_slice()
    smaller = planner.too_many(piece, 20_000, newest=(500, end + 1 - 3 * DAY_MS))
    assert smaller is not None
    # everything before twice the span those 20,000 records would need at that density
    assert smaller == TimeSlice(0, end - 2 * 120 * DAY_MS)
    planner.completed(smaller, 0)
    # the rest is read in slices sized for its known count
    assert planner.fits(planner.next_slice(), 20_000) is False
