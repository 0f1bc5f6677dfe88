"""The optional latency model (benchmarks): off by default; when on, every API reply is held for
round trip + per-record time x records + seeded jitter. Checked through /_sim/config and the
planned delay the simulator adds up in /_sim/stats, never with a clock."""

from __future__ import annotations

import requests

from callio_sim.testing import running_simulator

OPTIONS = dict(seed=3, tenants="PK", customers=30, calls=120, staff=3, groups=2, quirks=False)


def _list_pages(handle, pages: int) -> list[int]:
    """Fetch `pages` pages of 10 calls; the number of records in each reply."""
    token = handle.account("PK")["token"]
    counts = []
    for page in range(1, pages + 1):
        reply = requests.get(f"{handle.url}/call", params={"page": page, "pageSize": 10},
                             headers={"token": token}, timeout=30)
        reply.raise_for_status()
        counts.append(len(reply.json()["docs"]))
    return counts


def test_latency_is_off_by_default():
    with running_simulator(**OPTIONS) as handle:
        assert handle.config["latency"] == {"round_trip_ms": 0.0, "per_record_ms": 0.0, "jitter_ms": 0.0}
        _list_pages(handle, 2)
        assert handle.stats()["latency_added_ms"] == 0


def test_round_trip_and_per_record_time_are_added_to_every_reply():
    with running_simulator(**OPTIONS, latency_ms=7, latency_per_record_ms=0.5) as handle:
        assert handle.config["latency"] == {"round_trip_ms": 7.0, "per_record_ms": 0.5, "jitter_ms": 0.0}
        handle.reset_stats()
        counts = _list_pages(handle, 3)
        assert counts == [10, 10, 10]
        assert handle.stats()["latency_added_ms"] == 3 * 7 + 0.5 * sum(counts)


def test_jitter_stays_within_its_bound():
    with running_simulator(**OPTIONS, latency_ms=2, latency_jitter_ms=4) as handle:
        handle.reset_stats()
        _list_pages(handle, 5)
        added = handle.stats()["latency_added_ms"]
        assert 5 * 2 < added < 5 * (2 + 4)


def test_stats_count_the_requests_answered_at_once():
    with running_simulator(**OPTIONS, latency_ms=300) as handle:
        handle.reset_stats()
        _list_pages(handle, 2)  # one after the other
        assert handle.stats()["max_in_flight"] == 1
