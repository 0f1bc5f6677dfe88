"""The mongoose-paginate envelope, paging, defaults and the 10,000 result window."""

import pytest

from .conftest import api, scan


@pytest.mark.parametrize("path", ["/customer", "/call", "/user", "/user-group"])
def test_envelope_fields_and_types(sim, path):
    body = api(sim, "HN", path, page=1, pageSize=3).json()
    assert set(body) == {"docs", "totalDocs", "totalPages", "page", "limit", "pagingCounter", "hasPrevPage",
                         "hasNextPage", "prevPage", "nextPage", "search"}
    assert isinstance(body["docs"], list) and len(body["docs"]) == 3
    assert body["page"] == "1" and body["limit"] == "3"
    assert isinstance(body["totalDocs"], int) and isinstance(body["totalPages"], int)
    assert body["totalPages"] == -(-body["totalDocs"] // 3)
    assert body["pagingCounter"] == 1
    assert body["hasPrevPage"] is False and body["prevPage"] is None
    assert body["hasNextPage"] is True
    assert body["nextPage"] == "11"  # wrong on purpose: string concatenation, as the real API
    assert isinstance(body["search"], bool)


def test_second_page_envelope(sim):
    body = api(sim, "HN", "/call", page=2, pageSize=4).json()
    assert body["page"] == "2" and body["nextPage"] == "21" and body["prevPage"] == 1
    assert body["pagingCounter"] == 5 and body["hasPrevPage"] is True


def test_last_page_has_no_next(sim):
    first = api(sim, "HN", "/user-group", page=1, pageSize=1).json()
    last = api(sim, "HN", "/user-group", page=first["totalPages"], pageSize=1).json()
    assert last["hasNextPage"] is False and last["nextPage"] is None and len(last["docs"]) == 1


@pytest.mark.parametrize("path,stream", [("/user", "staff"), ("/user-group", "groups")])
def test_default_page_size_is_10_and_hasnextpage_reaches_everything(sim, path, stream):
    body = api(sim, "PK", path).json()
    assert body["limit"] == "10"
    assert len(body["docs"]) == min(10, body["totalDocs"])
    docs = scan(sim, "PK", path, page_size=4)
    truth_ids = [r["_id"] for r in sim.truth("PK", stream)]
    assert sorted(d["_id"] for d in docs) == sorted(truth_ids)


def test_result_window_is_10000(sim):
    ok = api(sim, "PK", "/call", page=20, pageSize=500)
    assert ok.status_code == 200 and len(ok.json()["docs"]) == 500
    too_deep = api(sim, "PK", "/call", page=21, pageSize=500)
    assert too_deep.status_code == 400
    assert "Result window is too large" in too_deep.text
    assert api(sim, "PK", "/customer", page=1, pageSize=10_001).status_code == 400


def test_page_beyond_the_end_is_empty(sim):
    body = api(sim, "HN", "/user-group", page=50, pageSize=10).json()
    assert body["docs"] == [] and body["hasNextPage"] is False


def test_unknown_endpoint_is_404(sim):
    assert api(sim, "PK", "/contacts").status_code == 404


def test_concurrent_clients_on_keep_alive_connections_get_consistent_pages(sim):
    import concurrent.futures

    import requests

    def read(tenant):
        session = requests.Session()
        session.headers["token"] = sim.account(tenant)["token"]
        ids = []
        for page in range(1, 9):
            # a GET with a body must not desynchronise the keep-alive connection
            resp = session.get(sim.url + "/customer", params={"page": page, "pageSize": 200, "sort": "createTimeASC"},
                               data=b"ignored", timeout=30)
            ids += [d["_id"] for d in resp.json()["docs"]]
        return ids

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(read, ["PK", "HN", "SG"] * 2))
    for tenant, ids in zip(["PK", "HN", "SG"] * 2, results):
        assert ids == [c["_id"] for c in sim.truth(tenant, "customers")]
