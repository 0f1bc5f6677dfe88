"""The simulator's state and API logic, independent of the HTTP transport."""

from __future__ import annotations

import contextlib
import json
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson

from . import quirks
from .auth import TokenStore, make_accounts
from .config import SimConfig
from .faults import FaultBook
from .tenant import TenantData

STREAMS = ("customers", "calls", "staff", "groups")
SORTS = {
    "/call": {"createTimeDESC", "createTimeASC"},
    "/customer": {"createTimeDESC", "createTimeASC", "updateTimeDESC", "updateTimeASC"},
}
RESULT_WINDOW_MESSAGE = (
    "Result window is too large, from + size must be less than or equal to: [{window}] but was "
    "[{asked}]. See the scroll api for a more efficient way to request large data sets."
)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; orjson is ~20x faster than the stdlib encoder on these records."""
    return orjson.dumps(value)


class Simulator:
    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self._start_wall_ms = cfg.now_ms
        self._start_mono = time.monotonic()
        self.tenants = {name: TenantData(cfg, name, self.now) for name in cfg.tenants}
        self.accounts = make_accounts(cfg.seed, cfg.tenants, cfg.accounts_per_tenant)
        self.tokens = TokenStore(self.accounts, cfg.token_ttl_s)
        self.faults = FaultBook(cfg.seed)
        self.stats: Counter[tuple[str, str, str]] = Counter()
        self.stats_lock = threading.Lock()
        self.delay_ms_total = 0.0  # latency added by the model since the last stats reset
        self.in_flight = 0  # API requests being answered now
        self.max_in_flight = 0  # the most at once since the last stats reset
        self._jitter = random.Random(cfg.seed)
        self._stop = threading.Event()
        self._group_names = {
            name: {g["_id"]: g["name"] for g in t.groups} for name, t in self.tenants.items()
        }

    def now(self) -> int:
        """Simulated epoch ms: the (possibly pinned) start time plus the time since start."""
        return self._start_wall_ms + int((time.monotonic() - self._start_mono) * 1000)

    # ----- statistics ------------------------------------------------------------------------

    def count(self, endpoint: str, tenant: str | None, status: str) -> None:
        """Record an API request's outcome (every API request ends here exactly once)."""
        with self.stats_lock:
            self.stats[(endpoint, tenant or "", status)] += 1
        if self.cfg.log_requests:
            print(f"callio-sim: {endpoint} tenant={tenant or '-'} -> {status}", file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Count an API request as in flight while it is answered (max_in_flight in stats:
        how many requests a client had open at once)."""
        with self.stats_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self.stats_lock:
                self.in_flight -= 1

    def latency_s(self, records: int) -> float:
        """Seconds to hold an API reply under the latency model (0 when it is off); the
        planned delay is added to the statistics, so tests check the model without a clock."""
        cfg = self.cfg
        if not (cfg.latency_ms or cfg.latency_per_record_ms or cfg.latency_jitter_ms):
            return 0.0
        with self.stats_lock:
            jitter = self._jitter.random() * cfg.latency_jitter_ms
            delay_ms = cfg.latency_ms + cfg.latency_per_record_ms * records + jitter
            self.delay_ms_total += delay_ms
        return delay_ms / 1000

    def latency_model(self) -> dict[str, float]:
        cfg = self.cfg
        return {"round_trip_ms": cfg.latency_ms, "per_record_ms": cfg.latency_per_record_ms,
                "jitter_ms": cfg.latency_jitter_ms}

    def stats_report(self) -> dict[str, Any]:
        with self.stats_lock:
            items = list(self.stats.items())
            delay_ms_total = self.delay_ms_total
            max_in_flight = self.max_in_flight
        by_endpoint: Counter[str] = Counter()
        by_tenant: Counter[str] = Counter()
        by_status: Counter[str] = Counter()
        for (endpoint, tenant, status), n in items:
            by_endpoint[endpoint] += n
            by_tenant[tenant] += n
            by_status[status] += n
        return {
            "total": sum(n for _, n in items),
            "by_endpoint": dict(by_endpoint), "by_tenant": dict(by_tenant), "by_status": dict(by_status),
            "entries": [{"endpoint": e, "tenant": t, "status": s, "count": n} for (e, t, s), n in sorted(items)],
            "latency_added_ms": round(delay_ms_total, 3),
            "max_in_flight": max_in_flight,
        }

    def reset_stats(self) -> None:
        with self.stats_lock:
            self.stats.clear()
            self.delay_ms_total = 0.0
            self.max_in_flight = self.in_flight

    # ----- API -------------------------------------------------------------------------------

    def login(self, body: bytes) -> dict[str, Any]:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "Invalid JSON body") from None
        if not isinstance(payload, dict):
            raise ApiError(400, "Invalid JSON body")
        token = self.tokens.login(payload.get("email", ""), payload.get("password", ""))
        if token is None:
            raise ApiError(401, "Email hoặc mật khẩu không đúng")
        tenant = self.tokens.tenant_of_email(payload["email"])
        return {"token": token, "user": {"email": payload["email"], "tenant": tenant},
                "expiresIn": self.cfg.token_ttl_s}

    def list_page(self, endpoint: str, tenant: str, params: dict[str, str]) -> bytes:
        """One page of an API listing, serialised (envelope + docs)."""
        return self.list_page_counted(endpoint, tenant, params)[0]

    def list_page_counted(self, endpoint: str, tenant: str, params: dict[str, str]) -> tuple[bytes, int]:
        """One page of an API listing, serialised, and the number of records on it."""
        data = self.tenants[tenant]
        page = _int_param(params.get("page"), 1, minimum=1)
        default_size = self.cfg.default_page_size
        size = _int_param(params.get("pageSize"), default_size, minimum=1)
        if page * size > self.cfg.result_window:
            raise ApiError(400, RESULT_WINDOW_MESSAGE.format(window=self.cfg.result_window, asked=page * size))
        offset = (page - 1) * size
        has_filter = False
        if endpoint in ("/user", "/user-group"):
            items = data.present_staff() if endpoint == "/user" else list(enumerate(data.groups))
            stream = "staff" if endpoint == "/user" else "groups"
            total = len(items)
            page_items = items[offset:offset + size]
            docs = self._present(data, stream, [i for i, _ in page_items], [m for _, m in page_items])
        else:
            sort = params.get("sort") or "createTimeDESC"
            if sort not in SORTS[endpoint]:
                raise ApiError(400, f"Invalid sort: {sort}")
            descending = sort.endswith("DESC")
            created = (_time_param(params, "from"), _time_param(params, "to"))
            has_filter = created != (None, None)
            if endpoint == "/call":
                total, keys = data.query_calls(*created, descending, offset, size)
                docs = self._present(data, "calls", keys, data.calls(keys))
            else:
                updated = (_time_param(params, "fromUpdateTime"), _time_param(params, "toUpdateTime"))
                has_filter = has_filter or updated != (None, None)
                field = sort[:-4] if descending else sort[:-3]
                total, keys = data.query_customers(field, descending, created, updated, offset, size)
                docs = self._present(data, "customers", keys, data.customers(keys))
        return dumps(envelope(docs, total, page, size, has_filter)), len(docs)

    def _present(self, data: TenantData, stream: str, keys: list[int], recs: list[dict]) -> list[dict]:
        if not self.cfg.quirks:
            return recs
        return quirks.apply_all(self.cfg.seed, data.tenant_code, stream, keys, recs, self._group_names[data.name])

    # ----- admin -----------------------------------------------------------------------------

    def truth(self, tenant: str, stream: str) -> Iterator[dict[str, Any]]:
        """Canonical records as they are now, in ascending createTime order."""
        data = self.tenants[tenant]
        if stream == "customers":
            return data.all_customers()
        if stream == "calls":
            return data.all_calls()
        if stream == "staff":
            return iter([member for _, member in data.present_staff()])
        if stream == "groups":
            return iter(data.groups)
        raise KeyError(stream)

    def mutate(self, payload: dict[str, Any]) -> dict[str, Any]:
        tenant = payload.get("tenant")
        if tenant not in self.tenants:
            raise ApiError(404, f"unknown tenant {tenant!r}")
        data = self.tenants[tenant]
        late_ms = int(float(payload.get("late_minutes", self.cfg.late_minutes)) * 60_000)
        return {
            "tenant": tenant,
            "inserted_calls": data.insert_calls(int(payload.get("insert_calls", 0))),
            "updated_customers": data.update_customers(int(payload.get("update_customers", 0))),
            "late_calls": data.insert_calls(int(payload.get("late_calls", 0)), late_ms=late_ms),
            "deleted_staff": data.delete_staff(int(payload.get("delete_staff", 0))),
            "now": self.now(),
        }

    def accounts_report(self, with_tokens: bool = True) -> list[dict[str, str]]:
        rows = []
        for a in self.accounts:
            row = {"tenant": a.tenant, "email": a.email, "password": a.password}
            if with_tokens:
                row["token"] = a.api_token
            rows.append(row)
        return rows

    # ----- live data -------------------------------------------------------------------------

    def start_live(self) -> None:
        if max(self._live_rates()) <= 0:
            return
        threading.Thread(target=self._live_loop, name="live-data", daemon=True).start()

    def _live_rates(self) -> tuple[float, float, float]:
        cfg = self.cfg
        return cfg.live_inserts_per_sec, cfg.live_updates_per_sec, cfg.live_late_per_sec

    def _live_loop(self) -> None:
        """Insert calls, update customers and write late calls at the configured rates (per tenant)."""
        rates = self._live_rates()
        owed = {name: [0.0, 0.0, 0.0] for name in self.tenants}
        late_ms = int(self.cfg.late_minutes * 60_000)
        last = time.monotonic()
        # every insert copies the call axis (8-16 bytes per call): tick less often when it is big
        size = max(len(t.calls_view.times) for t in self.tenants.values())
        tick = min(1.0, max(0.1, size / 2_000_000))
        while not self._stop.wait(tick):
            now = time.monotonic()
            elapsed, last = now - last, now
            for name, data in self.tenants.items():
                due = []
                for i, rate in enumerate(rates):
                    owed[name][i] += rate * elapsed
                    due.append(int(owed[name][i]))
                    owed[name][i] -= due[-1]
                data.insert_calls(due[0])
                data.update_customers(due[1])
                data.insert_calls(due[2], late_ms=late_ms)

    def stop(self) -> None:
        self._stop.set()


def envelope(docs: list, total: int, page: int, size: int, search: bool) -> dict[str, Any]:
    """mongoose-paginate envelope, with the real API's string page/limit and wrong nextPage."""
    total_pages = -(-total // size) if total else 0
    has_next = page < total_pages
    has_prev = page > 1
    return {
        "docs": docs,
        "totalDocs": total,
        "limit": str(size),
        "page": str(page),
        "totalPages": total_pages,
        "pagingCounter": (page - 1) * size + 1,
        "hasPrevPage": has_prev,
        "hasNextPage": has_next,
        "prevPage": page - 1 if has_prev else None,
        "nextPage": str(page) + "1" if has_next else None,  # string concatenation, as the real one
        "search": search,
    }


def _int_param(raw: str | None, default: int, minimum: int) -> int:
    try:
        value = int(float(raw)) if raw not in (None, "") else default
    except ValueError:
        value = default
    return max(value, minimum)


def _time_param(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(float(raw))
    except ValueError:
        raise ApiError(400, f"Invalid {name}") from None
