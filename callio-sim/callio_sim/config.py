"""Options of one simulator run (shared by the CLI, the server and `testing.running_simulator`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

DAY_MS = 86_400_000
# Calendar days (bursts, "today") are local days in Asia/Ho_Chi_Minh, like the warehouse reports.
LOCAL_OFFSET_MS = 7 * 3_600_000


@dataclasses.dataclass(frozen=True)
class Burst:
    """Exactly `count` extra calls on local day `date` for `tenant` (None = every tenant)."""

    date: dt.date
    count: int
    tenant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Burst:
        """`[TENANT@]YYYY-MM-DD:COUNT`, e.g. `PK@2026-11-20:60000` or `2026-11-20:60000`."""
        tenant = None
        if "@" in text:
            tenant, text = text.split("@", 1)
        day, count = text.rsplit(":", 1)
        return cls(date=dt.date.fromisoformat(day), count=int(count), tenant=tenant or None)


@dataclasses.dataclass
class SimConfig:
    seed: int = 42
    tenants: tuple[str, ...] = ("PK", "HN", "SG")
    customers: int = 2000
    calls: int = 10000
    staff: int = 20
    groups: int = 5
    days: int = 30
    customer_days: int = 0  # 0: max(days, 120), so some customers are ~90+ days old
    now_ms: int = 0  # 0: wall clock at start (plus clock_skew_s)
    clock_skew_s: float = 0.0  # the simulated clock runs this far ahead (+) or behind (-) the host's
    bursts: tuple[Burst, ...] = ()
    same_ms_fraction: float = 0.08  # share of calls that repeat the previous call's createTime
    quirks: bool = True
    token_ttl_s: float = 1500.0
    accounts_per_tenant: int = 1
    live_inserts_per_sec: float = 0.0
    live_updates_per_sec: float = 0.0
    live_late_per_sec: float = 0.0
    log_requests: bool = False
    late_minutes: float = 5.0  # how far in the past late CDRs are written
    # The warehouse's callback window (dbt var callback_window_hours): callbacks of missed calls
    # are generated around its edge.
    callback_window_hours: float = 24.0
    result_window: int = 10_000
    default_page_size: int = 10
    # Latency model for benchmarks (all 0 = off): every API request is answered after
    # round_trip + per_record x records in the reply + a uniform share of jitter (seeded).
    latency_ms: float = 0.0
    latency_per_record_ms: float = 0.0
    latency_jitter_ms: float = 0.0

    def __post_init__(self) -> None:
        if not self.now_ms:
            self.now_ms = int(time.time() * 1000 + self.clock_skew_s * 1000)
        if not self.customer_days:
            self.customer_days = max(self.days, 120)
        self.tenants = tuple(t.strip() for t in self.tenants if t.strip())
        if not self.tenants:
            raise ValueError("at least one tenant is required")
        if self.staff < 1 or self.groups < 1:
            raise ValueError("--staff and --groups must be at least 1")
        if self.callback_window_hours <= 0:
            raise ValueError("--callback-window-hours must be above 0")
        if min(self.latency_ms, self.latency_per_record_ms, self.latency_jitter_ms) < 0:
            raise ValueError("--latency-* values must not be negative")

    def bursts_for(self, tenant: str) -> list[Burst]:
        return [b for b in self.bursts if b.tenant in (None, tenant)]


def local_day_start(ms: int) -> int:
    """Epoch ms of the start of the local (UTC+7) day containing `ms`."""
    return (ms + LOCAL_OFFSET_MS) // DAY_MS * DAY_MS - LOCAL_OFFSET_MS


def local_date_start(day: dt.date) -> int:
    epoch_days = (day - dt.date(1970, 1, 1)).days
    return epoch_days * DAY_MS - LOCAL_OFFSET_MS
