"""Sorted time axes, built once per tenant with numpy.

Only the times live in memory (8 bytes per record); every other field of a record is generated
on demand from (seed, tenant, key), so start-up stays fast and memory stays small with volume.
"""

from __future__ import annotations

import numpy as np

from .config import DAY_MS, SimConfig, local_date_start, local_day_start

# Share of a day's calls inside business hours (08:00-18:00 local), the rest spread over 24 h.
BUSINESS_SHARE = 0.85


def _day_offsets(rng: np.random.Generator, n: int, limit_ms: int) -> np.ndarray:
    """n offsets inside one local day, mostly in business hours, all below `limit_ms`."""
    business = rng.random(n) < BUSINESS_SHARE
    offs = np.where(
        business,
        8 * 3_600_000 + (rng.random(n) * 10 * 3_600_000),
        rng.random(n) * DAY_MS,
    ).astype(np.int64)
    late = offs > limit_ms
    if late.any():
        offs[late] = (rng.random(int(late.sum())) * (limit_ms + 1)).astype(np.int64)
    return offs


def call_times(cfg: SimConfig, tenant: str, tenant_code: int) -> np.ndarray:
    """createTime of every base call of a tenant, ascending, all <= now.

    `cfg.calls` calls are spread over the last `cfg.days` local days (weekends quieter, today
    only up to now); each burst day gets exactly its count on top. A fraction of calls repeats
    the previous call's millisecond, so several calls share one createTime.
    """
    rng = np.random.default_rng([cfg.seed, tenant_code, 7])
    now = cfg.now_ms
    today = local_day_start(now)
    first = first_call_day_start(cfg)
    day_starts = first + DAY_MS * np.arange(cfg.days, dtype=np.int64)
    weekday = ((day_starts + 7 * 3_600_000) // DAY_MS + 3) % 7  # 0 = Monday
    weights = np.where(weekday == 6, 0.35, np.where(weekday == 5, 0.7, 1.0))
    weights = weights * rng.uniform(0.75, 1.25, cfg.days)
    weights[-1] *= max((now - today) / DAY_MS, 0.02)
    counts = np.floor(weights / weights.sum() * cfg.calls).astype(np.int64)
    counts[-1] += cfg.calls - counts.sum()  # rounding remainder goes to today
    chunks = []
    for start, count in zip(day_starts.tolist(), counts.tolist()):
        if count:
            chunks.append(start + _day_offsets(rng, count, min(DAY_MS - 1, now - start)))
    for burst in cfg.bursts_for(tenant):
        start = local_date_start(burst.date)
        if start > now:
            raise ValueError(f"burst day {burst.date} is after --now")
        chunks.append(start + _day_offsets(rng, burst.count, min(DAY_MS - 1, now - start)))
    times = np.sort(np.concatenate(chunks)) if chunks else np.zeros(0, dtype=np.int64)
    if len(times) > 1 and cfg.same_ms_fraction > 0:
        repeat = rng.random(len(times)) < cfg.same_ms_fraction
        repeat[0] = False
        times[repeat] = np.iinfo(np.int64).min
        times = np.maximum.accumulate(times)  # forward-fill: repeat the previous createTime
    return times


def customer_times(cfg: SimConfig, tenant_code: int) -> tuple[np.ndarray, np.ndarray]:
    """(createTime ascending, base updateTime) of every customer of a tenant.

    About 20 % were never updated, about 8 % were updated today (whatever their age), the rest
    at some time between creation and now, skewed towards creation.
    """
    rng = np.random.default_rng([cfg.seed, tenant_code, 11])
    n = cfg.customers
    now = cfg.now_ms
    span = cfg.customer_days * DAY_MS
    created = np.sort(now - (rng.random(n) ** 0.8 * span).astype(np.int64))
    kind = rng.random(n)
    age = now - created
    updated = created + (age * rng.random(n) ** 2).astype(np.int64)
    today = local_day_start(now)
    todays = np.maximum(created, today) + (rng.random(n) * (now - np.maximum(created, today))).astype(np.int64)
    updated = np.where(kind < 0.20, created, np.where(kind < 0.28, todays, updated))
    return created, np.minimum(updated, now)


# Half the missed inbound calls get an outbound call to their number (a callback, or not quite);
# in turn: inside the window, at its edge (exactly the window: still a callback), just past it
# (up to a minute more), before the missed call, in the missed call's millisecond (not after it).
CALLBACK_SHARE = 0.5
NO_CALLBACK = np.iinfo(np.int64).min


def callback_delays(cfg: SimConfig, tenant_code: int, missed: int) -> np.ndarray:
    """For each of `missed` missed inbound calls, the ms from it to its outbound partner call,
    or NO_CALLBACK. The window is `cfg.callback_window_hours`, the warehouse's default."""
    rng = np.random.default_rng([cfg.seed, tenant_code, 13])
    window = round(cfg.callback_window_hours * 3_600_000)
    chosen = rng.random(missed) < CALLBACK_SHARE
    turn = np.cumsum(chosen) % 5
    u = rng.random(missed)
    delays = np.select(
        [turn == 0, turn == 1, turn == 2, turn == 3],
        [1 + (u * (window - 1)).astype(np.int64),        # inside
         np.full(missed, window, dtype=np.int64),         # at the edge
         window + 1 + (u * 60_000).astype(np.int64),      # just past it
         -1 - (u * window).astype(np.int64)],             # before the missed call
        0)                                               # the same millisecond
    return np.where(chosen, delays, NO_CALLBACK)


def first_call_day_start(cfg: SimConfig) -> int:
    """Epoch ms of the first local day that holds calls (`cfg.days` days up to today)."""
    return local_day_start(cfg.now_ms) - (cfg.days - 1) * DAY_MS
