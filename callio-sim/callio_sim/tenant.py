"""One tenant's data: time axes in numpy, records generated on demand, overlays for changes.

Customers are keyed by their index in createTime order; calls by their index in the base
timeline (inserted calls get keys after the base ones). Queries work on sorted arrays, so a time
filter is a binary search and a page is a slice.
"""

from __future__ import annotations

import random
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import records, timeline, vocab
from .config import DAY_MS, SimConfig, local_day_start


@dataclass(frozen=True)
class CallView:
    """An immutable snapshot of the call axis; replaced whole on every insert."""

    times: np.ndarray  # createTime, ascending
    keys: np.ndarray | None  # key at each position; None = identity (no inserts yet)

    def key_at(self, positions: np.ndarray) -> np.ndarray:
        return positions if self.keys is None else self.keys[positions]


@dataclass(frozen=True)
class CustomerView:
    """An immutable snapshot of the customer axes; replaced whole on every update."""

    update_times: np.ndarray  # current updateTime, indexed by key
    by_update: np.ndarray  # keys ordered by current updateTime
    update_sorted: np.ndarray  # update_times[by_update]


def tenant_code(name: str) -> int:
    return zlib.crc32(name.encode()) & 0xFFFF


class TenantData:
    def __init__(self, cfg: SimConfig, name: str, clock) -> None:
        self.cfg = cfg
        self.name = name
        self.seed = cfg.seed
        self.tenant_code = tenant_code(name)
        self._customer_base = records.mix(cfg.seed, self.tenant_code, records.STREAM_CODES["customers"])
        self._call_base = records.mix(cfg.seed, self.tenant_code, records.STREAM_CODES["calls"])
        self.clock = clock  # callable -> current simulated epoch ms
        self.lock = threading.Lock()
        self.hotline = "0283" + f"{self.tenant_code % 10_000_000:07d}"
        self.groups = records.make_groups(cfg.seed, self.tenant_code, cfg.groups, cfg.now_ms)
        self.staff = records.make_staff(cfg.seed, self.tenant_code, cfg.staff, self.groups, cfg.now_ms)
        # shared, never mutated: quirks copy before they change a nested object
        self.owner_refs = [records.owner_ref(member) for member in self.staff]
        # staff removed from the account (mutate delete_staff): gone from /user and the truth,
        # still named by the calls and customers that refer to them, as in the real API
        self.deleted_staff: set[str] = set()
        self.customer_created, base_updates = timeline.customer_times(cfg, self.tenant_code)
        order = np.argsort(base_updates, kind="stable")
        self.customers_view = CustomerView(base_updates, order, base_updates[order])
        self.customer_overlay: dict[int, dict[str, Any]] = {}
        base_calls = timeline.call_times(cfg, name, self.tenant_code)
        # createTime of each base key (a key is a position in the generated, sorted array; the
        # callbacks move some, see _add_callbacks); views never modify arrays in place
        self.base_call_times = base_calls
        self.base_call_count = len(base_calls)
        self.calls_view = CallView(base_calls, None)
        self.inserted_call_times: dict[int, int] = {}
        # callback key -> the missed inbound call whose number it calls (keys after the base ones)
        self.callback_of: dict[int, int] = {}
        self.mutation_rng = random.Random(records.mix(cfg.seed, self.tenant_code, records.STREAM_CODES["updates"]))
        self._add_callbacks()

    # ----- records -------------------------------------------------------------------------

    def customer(self, key: int) -> dict[str, Any]:
        return self.customers([key])[0]

    def customers(self, keys: list[int]) -> list[dict[str, Any]]:
        view = self.customers_view
        created = self.customer_created[keys].tolist()
        updated = view.update_times[keys].tolist()
        rows = records.draw_rows(self._customer_base, keys)
        overlay = self.customer_overlay
        return [records.make_customer(self, rng, k, c, u, overlay.get(k))
                for rng, k, c, u in zip(rows, keys, created, updated)]

    def call_time(self, key: int) -> int:
        if key < self.base_call_count:
            return int(self.base_call_times[key])
        return self.inserted_call_times[key]

    def call(self, key: int) -> dict[str, Any]:
        return self.calls([key])[0]

    def calls(self, keys: list[int]) -> list[dict[str, Any]]:
        times = [self.call_time(k) for k in keys]
        known = np.searchsorted(self.customer_created, times, side="right").tolist()
        rows = records.draw_rows(self._call_base, keys)
        return [records.make_call(self, rng, k, t, n) for rng, k, t, n in zip(rows, keys, times, known)]

    def callback_number(self, key: int) -> str | None:
        """The number a callback calls (the missed call's fromNumber, as that call shows it);
        None for every other call."""
        missed = self.callback_of.get(key)
        return None if missed is None else self.call(missed)["fromNumber"]

    def _add_callbacks(self) -> None:
        """Make some outbound calls call the number of a missed inbound call, at the delays that
        decide whether it was called back (timeline.callback_delays). Each is the outbound call
        of the same local day nearest to where its callback falls, moved there: the tenant keeps
        `--calls` calls and every day its count. None falls after now or before the first day."""
        keys = np.arange(self.base_call_count)
        first = records.uniforms(self._call_base, keys, 0)
        missed = np.flatnonzero(records.missed_inbound_mask(first, records.uniforms(self._call_base, keys, 2)))
        delays = timeline.callback_delays(self.cfg, self.tenant_code, len(missed))
        times = self.base_call_times  # sorted; base keys are positions
        targets = times[missed] + np.where(delays == timeline.NO_CALLBACK, 0, delays)
        wanted = ((delays != timeline.NO_CALLBACK) & (targets <= self.cfg.now_ms)
                  & (targets >= timeline.first_call_day_start(self.cfg)))
        outbound = np.flatnonzero(first < records.OUTBOUND_BELOW)  # candidates, in time order
        taken = np.zeros(len(outbound), dtype=bool)
        moved = times.copy()
        candidate_times = times[outbound]
        for source, target in zip(missed[wanted].tolist(), targets[wanted].tolist()):
            day = local_day_start(target)
            lo, hi = np.searchsorted(candidate_times, [day, day + DAY_MS])
            nearest = _nearest_free(candidate_times, taken, int(lo), int(hi), target)
            if nearest is None:
                continue
            taken[nearest] = True
            key = int(outbound[nearest])
            moved[key] = target
            self.callback_of[key] = source
        if self.callback_of:
            order = np.argsort(moved, kind="stable")
            self.base_call_times = moved
            self.calls_view = CallView(moved[order], order.astype(np.int64))

    def call_customer_number(self, u: list[float], known: int) -> str:
        """From 4 uniforms: the phone of a customer who existed then (recent ones more often,
        a quarter in another format than the customer's own), or 10 % a stranger's number."""
        if known == 0 or u[0] < 0.1:
            return "0" + vocab.MOBILE_PREFIXES[int(u[1] * len(vocab.MOBILE_PREFIXES))] + f"{int(u[2] * 1e7):07d}"
        key = known - 1 - int(known * u[1] ** 2)
        digits, style = records.customer_phone(self.seed, self.tenant_code, key)
        if u[3] < 0.25:
            style = (style + 1 + int(u[2] * 3)) % 4
        return vocab.format_phone(digits, style)

    # ----- queries -------------------------------------------------------------------------

    def query_calls(self, lo_time: int | None, hi_time: int | None, descending: bool,
                    offset: int, limit: int) -> tuple[int, list[int]]:
        """(total matching, keys of the requested page) for createTime in [lo, hi]."""
        view = self.calls_view
        lo, hi = _bounds(view.times, lo_time, hi_time)
        return hi - lo, _page(lo, hi, descending, offset, limit, view.key_at)

    def query_customers(self, sort_field: str, descending: bool, created: tuple, updated: tuple,
                        offset: int, limit: int) -> tuple[int, list[int]]:
        view = self.customers_view
        if sort_field == "createTime":
            axis, other, identity = self.customer_created, view.update_times, True
            axis_range, other_range = created, updated
        else:
            axis, other, identity = view.update_sorted, self.customer_created, False
            axis_range, other_range = updated, created
        lo, hi = _bounds(axis, *axis_range)
        keys_in_range = (lambda pos: pos) if identity else (lambda pos: view.by_update[pos])
        if other_range == (None, None):
            return hi - lo, _page(lo, hi, descending, offset, limit, keys_in_range)
        keys = keys_in_range(np.arange(lo, hi))
        values = other[keys]
        keep = np.ones(len(keys), dtype=bool)
        if other_range[0] is not None:
            keep &= values >= other_range[0]
        if other_range[1] is not None:
            keep &= values <= other_range[1]
        keys = keys[keep]
        if descending:
            keys = keys[::-1]
        return len(keys), keys[offset:offset + limit].tolist()

    def all_customers(self) -> Iterator[dict[str, Any]]:
        total = len(self.customer_created)
        for start in range(0, total, 2_000):
            yield from self.customers(list(range(start, min(start + 2_000, total))))

    def all_calls(self) -> Iterator[dict[str, Any]]:
        view = self.calls_view
        for start in range(0, len(view.times), 2_000):
            yield from self.calls(view.key_at(np.arange(start, min(start + 2_000, len(view.times)))).tolist())

    # ----- mutations -----------------------------------------------------------------------

    def insert_calls(self, count: int, late_ms: int = 0) -> list[str]:
        """Insert `count` new calls at now (or `late_ms` in the past: late-written CDRs)."""
        if count <= 0:
            return []
        with self.lock:
            view = self.calls_view
            keys = view.keys if view.keys is not None else np.arange(len(view.times), dtype=np.int64)
            now = self.clock()
            new_keys = []
            new_times = []
            for _i in range(count):
                key = self.base_call_count + len(self.inserted_call_times)
                t = now - late_ms - (self.mutation_rng.randint(0, 60_000) if late_ms else 0)
                self.inserted_call_times[key] = t
                new_keys.append(key)
                new_times.append(t)
            order = np.argsort(np.asarray(new_times, dtype=np.int64), kind="stable")
            new_t = np.asarray(new_times, dtype=np.int64)[order]
            new_k = np.asarray(new_keys, dtype=np.int64)[order]
            pos = np.searchsorted(view.times, new_t, side="right")
            self.calls_view = CallView(np.insert(view.times, pos, new_t), np.insert(keys, pos, new_k))
        return [c["_id"] for c in self.calls(new_keys)]

    def present_staff(self) -> list[tuple[int, dict[str, Any]]]:
        """(position, member) of the staff still in the account; positions stay stable."""
        return [(i, m) for i, m in enumerate(self.staff) if m["_id"] not in self.deleted_staff]

    def delete_staff(self, count: int) -> list[str]:
        """Remove the last `count` staff members still present from the account."""
        if count <= 0:
            return []
        with self.lock:
            chosen = [m["_id"] for _, m in self.present_staff()[-count:]]
            self.deleted_staff.update(chosen)
        return chosen

    def update_customers(self, count: int) -> list[str]:
        """Update `count` random customers now: new updateTime, maybe new status and/or owner."""
        total = len(self.customer_created)
        if count <= 0 or total == 0:
            return []
        with self.lock:
            rng = self.mutation_rng
            chosen = rng.sample(range(total), min(count, total))
            view = self.customers_view
            update_times = view.update_times.copy()
            now = self.clock()
            for key in chosen:
                overlay = dict(self.customer_overlay.get(key, {}))
                roll = rng.random()
                if roll < 0.7:
                    overlay["status"] = (records.status_values([rng.random() for _ in range(5)])
                                         or [rng.choice(vocab.STATUSES)])
                if roll > 0.5:
                    overlay["owner"] = rng.randrange(len(self.staff))
                    overlay["assignedTime"] = now
                self.customer_overlay[key] = overlay
                update_times[key] = now
            moved = np.asarray(chosen, dtype=np.int64)
            rest = view.by_update[~np.isin(view.by_update, moved)]
            by_update = np.concatenate([rest, moved])  # `now` is the newest time: they go last
            self.customers_view = CustomerView(update_times, by_update, update_times[by_update])
        return [c["_id"] for c in self.customers(chosen)]


def _nearest_free(times: np.ndarray, taken: np.ndarray, lo: int, hi: int, target: int) -> int | None:
    """Index in [lo, hi) of the untaken time nearest `target` (`times` ascending), or None."""
    at = int(np.searchsorted(times[lo:hi], target)) + lo
    before, after = at - 1, at
    while before >= lo and taken[before]:
        before -= 1
    while after < hi and taken[after]:
        after += 1
    candidates = [i for i in (before, after) if lo <= i < hi]
    return min(candidates, key=lambda i: abs(int(times[i]) - target), default=None)


def _bounds(axis: np.ndarray, lo_time: int | None, hi_time: int | None) -> tuple[int, int]:
    lo = int(np.searchsorted(axis, lo_time, side="left")) if lo_time is not None else 0
    hi = int(np.searchsorted(axis, hi_time, side="right")) if hi_time is not None else len(axis)
    return lo, max(lo, hi)


def _page(lo: int, hi: int, descending: bool, offset: int, limit: int, key_at) -> list[int]:
    if descending:
        start, stop = max(hi - offset - limit, lo), hi - offset
        if stop <= start:
            return []
        return key_at(np.arange(stop - 1, start - 1, -1)).tolist()
    start, stop = lo + offset, min(lo + offset + limit, hi)
    if stop <= start:
        return []
    return key_at(np.arange(start, stop)).tolist()
