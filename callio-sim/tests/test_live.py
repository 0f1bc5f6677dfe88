"""Live data: /_sim/mutate, late CDRs, and offset-paging drift under live inserts and updates."""

import time

from callio_sim.testing import running_simulator

from .conftest import NOW_MS, api


def test_mutate_inserts_calls_at_the_front(fresh_sim):
    before = api(fresh_sim, "PK", "/call", pageSize=1).json()["totalDocs"]
    result = fresh_sim.mutate("PK", insert_calls=5)
    assert len(result["inserted_calls"]) == 5
    body = api(fresh_sim, "PK", "/call", pageSize=5, sort="createTimeDESC").json()
    assert body["totalDocs"] == before + 5
    assert {d["_id"] for d in body["docs"]} == set(result["inserted_calls"])
    assert all(int(float(d["createTime"])) >= NOW_MS for d in body["docs"])
    truth_ids = {c["_id"] for c in fresh_sim.truth("PK", "calls")}
    assert set(result["inserted_calls"]) <= truth_ids and len(truth_ids) == before + 5
    assert api(fresh_sim, "HN", "/call", pageSize=1).json()["totalDocs"] == 1500  # other tenant untouched


def test_late_calls_are_written_minutes_in_the_past(fresh_sim):
    now = fresh_sim.now()
    result = fresh_sim.mutate("HN", late_calls=3)
    late = {c["_id"]: c for c in fresh_sim.truth("HN", "calls") if c["_id"] in set(result["late_calls"])}
    assert len(late) == 3
    for c in late.values():
        assert now - 10 * 60_000 <= c["createTime"] <= now - 4 * 60_000
    # found by a time filter that covers the past minutes, between older calls
    body = api(fresh_sim, "HN", "/call", pageSize=500, **{"from": now - 10 * 60_000}).json()
    assert set(result["late_calls"]) <= {d["_id"] for d in body["docs"]}


def test_mutate_updates_customers_now(fresh_sim):
    result = fresh_sim.mutate("PK", update_customers=4)
    assert len(result["updated_customers"]) == 4
    top = api(fresh_sim, "PK", "/customer", pageSize=4, sort="updateTimeDESC").json()["docs"]
    assert {d["_id"] for d in top} == set(result["updated_customers"])
    truth = {c["_id"]: c for c in fresh_sim.truth("PK", "customers")}
    for cid in result["updated_customers"]:
        assert truth[cid]["updateTime"] >= NOW_MS
        assert truth[cid]["updateTime"] >= truth[cid]["assignedTime"]
    since = api(fresh_sim, "PK", "/customer", pageSize=50, fromUpdateTime=NOW_MS).json()
    assert {d["_id"] for d in since["docs"]} >= set(result["updated_customers"])
    # createTime is untouched: a from/to (createTime) filter does not find the old ones
    old = [cid for cid in result["updated_customers"] if truth[cid]["createTime"] < NOW_MS - 86_400_000]
    by_create = api(fresh_sim, "PK", "/customer", pageSize=500, **{"from": NOW_MS - 86_400_000}).json()
    assert not set(old) & {d["_id"] for d in by_create["docs"]}


def test_mutate_unknown_tenant_is_404(fresh_sim):
    import requests

    resp = requests.post(fresh_sim.url + "/_sim/mutate", json={"tenant": "XX", "insert_calls": 1}, timeout=10)
    assert resp.status_code == 404


def test_offset_paging_drifts_under_live_inserts_and_updates():
    with running_simulator(tenants="PK", customers=3000, calls=5000, now_ms=NOW_MS,
                           live_inserts_per_sec=200, live_updates_per_sec=200) as sim:
        calls, customers = [], []
        for page in range(1, 11):
            calls += api(sim, "PK", "/call", page=page, pageSize=100).json()["docs"]
            customers += api(sim, "PK", "/customer", page=page, pageSize=100, sort="updateTimeDESC").json()["docs"]
            time.sleep(0.05)
        assert len({c["_id"] for c in calls}) < len(calls), "inserted calls must shift later pages"
        assert len({c["_id"] for c in customers}) < len(customers)
        assert api(sim, "PK", "/call", pageSize=1).json()["totalDocs"] > 5000


def test_live_late_calls_land_in_the_past():
    options = dict(tenants="PK", customers=50, calls=200, now_ms=NOW_MS, late_minutes=30)
    with running_simulator(**options) as static:
        base_ids = {c["_id"] for c in static.truth("PK", "calls")}
    with running_simulator(**options, live_late_per_sec=50) as sim:
        deadline = time.monotonic() + 20
        while api(sim, "PK", "/call", pageSize=1).json()["totalDocs"] < 210 and time.monotonic() < deadline:
            time.sleep(0.1)
        calls = list(sim.truth("PK", "calls"))
        assert len(calls) >= 210
        late = [c for c in calls if c["_id"] not in base_ids]
        assert len(late) == len(calls) - 200 >= 10
        now = sim.now()
        assert all(now - 40 * 60_000 <= c["createTime"] <= now - 30 * 60_000 for c in late)


def test_mutate_deletes_staff_from_the_listing_and_the_truth(fresh_sim):
    before = [m["_id"] for m in fresh_sim.truth("PK", "staff")]
    result = fresh_sim.mutate("PK", delete_staff=1)
    assert result["deleted_staff"] == before[-1:]
    listed = api(fresh_sim, "PK", "/user", pageSize=500).json()
    assert [d["_id"] for d in listed["docs"]] == before[:-1]
    assert listed["totalDocs"] == len(before) - 1
    assert [m["_id"] for m in fresh_sim.truth("PK", "staff")] == before[:-1]
    # another tenant is untouched, and a second delete removes the next member
    assert fresh_sim.mutate("PK", delete_staff=1)["deleted_staff"] == before[-2:-1]
    assert [m["_id"] for m in fresh_sim.truth("HN", "staff")] != []
