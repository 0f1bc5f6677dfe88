"""The keyset paginator on its own, against an in-memory reading of the API.

`serve` answers a page the way the API does (docs/callio-api.md): both time bounds inclusive,
newest first, offset pages, HTTP 400 past the 10,000-record result window. `read_slice` drives a
paginator the way the stream does: it asks for the token's bounds and page, keeps the records the
paginator accepts, and advances. Only the paginator's public behaviour is used: the bounds and
page it asks for, which records it accepts, and when it stops.
"""

from __future__ import annotations

import json

import pytest
import requests

from tap_callio.pagination import RESULT_WINDOW, KeysetPaginator, ResultWindowExceeded

KEY = "createTime"


def doc(n: int, key_ms: int) -> dict:
    return {"_id": f"{n:024x}", KEY: key_ms}


def serve(docs: list[dict], lo: int, hi: int, page: int, page_size: int) -> requests.Response:
    if page * page_size > RESULT_WINDOW:
        pytest.fail(f"asked for page {page} x {page_size}: past the result window, the API answers 400")
    matching = sorted((d for d in docs if lo <= d[KEY] <= hi), key=lambda d: d[KEY], reverse=True)
    start = (page - 1) * page_size
    body = {"docs": matching[start:start + page_size], "hasNextPage": start + page_size < len(matching),
            "page": str(page), "limit": str(page_size), "totalDocs": len(matching)}
    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(body).encode()
    return response


def read_slice(docs: list[dict], lo: int, hi: int, page_size: int) -> tuple[list[str], list[tuple[int, int, int]]]:
    """The ids the paginator accepts over the slice [lo, hi], and every (from, to, page) it asked."""
    paginator = KeysetPaginator(lo=lo, hi=hi, key=KEY, page_size=page_size)
    accepted: list[str] = []
    requests_made: list[tuple[int, int, int]] = []
    while not paginator.finished:
        assert len(requests_made) < 1_000, "the paginator does not stop"
        token = paginator.current_value
        lower, upper = token.query_bounds(lo)
        requests_made.append((lower, upper, token.page))
        response = serve(docs, lower, upper, token.page, page_size)
        for d in response.json()["docs"]:
            if paginator.in_range(d[KEY]) and not paginator.already_read(d["_id"], d[KEY]):
                accepted.append(d["_id"])
        paginator.advance(response)
    return accepted, requests_made


def test_reads_every_record_once_and_moves_the_upper_bound_down():
    docs = [doc(n, 1_000 + n // 3) for n in range(50)]  # three records per millisecond
    accepted, asked = read_slice(docs, lo=1_000, hi=1_016, page_size=7)
    assert sorted(accepted) == sorted(d["_id"] for d in docs)
    assert len(accepted) == len(set(accepted)), "a record on a page boundary was accepted twice"
    assert all(page == 1 for _, _, page in asked), "keyset paging never needs page 2 here"
    uppers = [upper for _, upper, _ in asked]
    assert uppers == sorted(uppers, reverse=True) and uppers[0] == 1_016
    assert all(lower == 1_000 for lower, _, _ in asked)


def test_the_bounds_are_inclusive_and_records_outside_the_slice_are_refused():
    docs = [doc(1, 999), doc(2, 1_000), doc(3, 1_005), doc(4, 1_010), doc(5, 1_011)]
    paginator = KeysetPaginator(lo=1_000, hi=1_010, key=KEY, page_size=10)
    assert paginator.current_value.query_bounds(1_000) == (1_000, 1_010)
    assert [paginator.in_range(d[KEY]) for d in docs] == [False, True, True, True, False]
    accepted, _ = read_slice(docs, lo=1_000, hi=1_010, page_size=10)
    assert sorted(accepted) == [doc(n, 0)["_id"] for n in (2, 3, 4)]


def test_a_millisecond_fuller_than_a_page_is_read_by_offset_then_below_it():
    crowded = [doc(n, 5_000) for n in range(23)]
    docs = [*crowded, *(doc(100 + n, 4_990 + n) for n in range(5))]
    accepted, asked = read_slice(docs, lo=4_000, hi=6_000, page_size=5)
    assert sorted(accepted) == sorted(d["_id"] for d in docs)
    assert len(accepted) == len(set(accepted))
    exact = [(lower, upper, page) for lower, upper, page in asked if lower == upper == 5_000]
    assert [page for *_, page in exact] == list(range(1, len(exact) + 1)), "exact millisecond read by offset"
    assert (4_000, 4_999, 1) in asked, "after the crowded millisecond the scan continues strictly below it"


def test_records_arriving_during_the_scan_cannot_shift_pages():
    docs = [doc(n, 10_000 + n) for n in range(40)]
    paginator = KeysetPaginator(lo=10_000, hi=10_039, key=KEY, page_size=10)
    seen: list[str] = []
    newcomer = 1_000
    while not paginator.finished:
        token = paginator.current_value
        lower, upper = token.query_bounds(10_000)
        response = serve(docs, lower, upper, token.page, 10)
        seen += [d["_id"] for d in response.json()["docs"]
                 if paginator.in_range(d[KEY]) and not paginator.already_read(d["_id"], d[KEY])]
        paginator.advance(response)
        # a new call lands at the front of createTimeDESC between two requests (newer than the
        # slice: its upper bound stays behind "now minus safety_lag_ms")
        docs.insert(0, doc(newcomer, 10_100))
        newcomer += 1
    assert sorted(seen) == sorted(doc(n, 0)["_id"] for n in range(40))


def test_more_records_in_one_millisecond_than_the_window_fail_loudly():
    docs = [doc(n, 7_000) for n in range(RESULT_WINDOW + 1)]
    with pytest.raises(ResultWindowExceeded, match="createTime=7000"):
        read_slice(docs, lo=6_000, hi=8_000, page_size=500)
