"""Compare what was sent with what landed, and say what is short."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from .messages import normalise_tenant


class LandedCounter(Protocol):
    """What a warehouse checker provides (DuckDB and BigQuery implement it)."""

    def table_label(self, stream: str) -> str:
        """Human name of the stream's table for messages, e.g. ``raw.calls`` (never secrets)."""

    def count_landed(self, stream: str, has_tenant: bool, load_id: str) -> dict[str | None, int]:
        """Rows of the stream's table carrying ``load_id``, per tenant (one ``None`` group when
        the table has no tenant column). A missing table means nothing landed: return {}."""


@dataclass(frozen=True)
class Shortfall:
    stream: str
    tenant: str | None
    sent: int
    landed: int
    table: str

    def message(self) -> str:
        tenant = self.tenant if self.tenant is not None else "(no tenant)"
        return (
            f"load-guard: {self.stream}/{tenant}: sent {self.sent} records, {self.landed} landed"
            f" in {self.table} — bookmark not advanced, the next run re-reads them"
        )


def find_shortfalls(
    sent: Mapping[tuple[str, str | None], int],
    stream_has_tenant: Mapping[str, bool],
    counter: LandedCounter,
    load_id: str,
) -> list[Shortfall]:
    """One warehouse query per stream; every (stream, tenant) with fewer rows than sent."""
    shortfalls = []
    for stream in sorted({s for s, _ in sent}, key=str):
        has_tenant = stream_has_tenant.get(stream, False)
        landed_raw = counter.count_landed(stream, has_tenant, load_id)
        landed: dict[str | None, int] = {}
        for tenant, count in landed_raw.items():
            key = normalise_tenant(tenant) if has_tenant else None
            landed[key] = landed.get(key, 0) + count
        # Without a tenant column every record of the stream is one group.
        expected: dict[str | None, int] = {}
        for (s, tenant), count in sent.items():
            if s == stream:
                key = tenant if has_tenant else None
                expected[key] = expected.get(key, 0) + count
        for tenant in sorted(expected, key=lambda t: (t is None, t or "")):
            if landed.get(tenant, 0) < expected[tenant]:
                shortfalls.append(
                    Shortfall(stream, tenant, expected[tenant], landed.get(tenant, 0),
                              counter.table_label(stream))
                )
    return shortfalls
