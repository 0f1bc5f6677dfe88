"""Shared simulators for the contract tests (started once per session, through real HTTP)."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from callio_sim.testing import running_simulator

# 2026-11-24 15:00 local (UTC+7): a pinned clock makes the ground truth reproducible.
NOW_MS = int(dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC).timestamp() * 1000)
BURST_DAY = "2026-11-20"
BURST_COUNT = 60_000
BASE_OPTIONS = dict(seed=7, tenants="PK,HN,SG", customers=1500, calls=6000, staff=15, groups=4,
                    days=20, now_ms=NOW_MS)


@pytest.fixture(scope="session")
def sim():
    """Quirks on, one burst day of 60,000 calls for PK."""
    with running_simulator(**BASE_OPTIONS, bursts=[f"PK@{BURST_DAY}:{BURST_COUNT}"]) as handle:
        yield handle


@pytest.fixture(scope="session")
def clean_sim():
    """Quirks off: the API must serve exactly the ground truth."""
    with running_simulator(**BASE_OPTIONS, quirks=False) as handle:
        yield handle


@pytest.fixture
def fresh_sim():
    """A small private simulator for tests that mutate data, faults or tokens."""
    with running_simulator(seed=3, tenants="PK,HN", customers=300, calls=1500, now_ms=NOW_MS,
                           token_ttl_s=3600) as handle:
        yield handle


def api(handle, tenant: str, path: str, **params) -> requests.Response:
    return requests.get(handle.url + path, params=params, headers={"token": handle.account(tenant)["token"]},
                        timeout=30)


def login(handle, tenant: str) -> str:
    account = handle.account(tenant)
    resp = requests.post(handle.url + "/auth/login", json={"email": account["email"], "password": account["password"]},
                         timeout=30)
    resp.raise_for_status()
    return resp.json()["token"]


def scan(handle, tenant: str, path: str, page_size: int = 500, **params) -> list[dict]:
    """Every doc of a listing, by offset paging (fine for < 10,000 records, no live data)."""
    docs, page = [], 1
    while True:
        body = api(handle, tenant, path, page=page, pageSize=page_size, **params).json()
        docs += body["docs"]
        if not body["hasNextPage"]:
            return docs
        page += 1
