"""Periodic wide re-read ("reconciliation") of an incremental stream, per tenant.

The look-back re-reads a few hours before the bookmark on every run, which catches records that
became visible a little late (a call record is written when the call ends).  A record later than
the look-back would be lost for good; so once every ``reconciliation_interval_hours`` a tenant's
run starts ``reconciliation_days`` before its bookmark instead.  The state remembers, per tenant
and stream, when that last happened (``reconciled_at``, epoch ms of the host clock); it is written
with the first bookmark the run saves, which only happens once every older slice was read.

How late a record may be and still be caught: up to the look-back by the next run, up to
``reconciliation_days`` by the next reconciling run (at most ``reconciliation_interval_hours``
later).  Later than that it needs a back-fill (README).
"""

from __future__ import annotations

import typing as t

from tap_callio.parsing import parse_epoch_ms
from tap_callio.settings import setting

RECONCILED_AT = "reconciled_at"
DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def widen(
    start: int, *, state: t.Mapping[str, t.Any], bookmark: int | None, now_ms: int, config: t.Mapping[str, t.Any]
) -> tuple[int, int | None]:
    """(first millisecond to read, ``reconciled_at`` to store once the run moves its bookmark,
    or None when this run is not a reconciliation)."""
    days = int(setting(config, "reconciliation_days"))
    if bookmark is None:
        return start, now_ms  # a first sync reads everything there is to read
    if days <= 0:
        return start, None
    last = parse_epoch_ms(state.get(RECONCILED_AT))
    if last is not None and now_ms - last < int(setting(config, "reconciliation_interval_hours")) * HOUR_MS:
        return start, None
    return min(start, max(0, bookmark + 1 - days * DAY_MS)), now_ms
