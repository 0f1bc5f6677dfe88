"""Time filters (inclusive, on the documented fields only), sorts and unknown parameters."""

import pytest

from .conftest import api, scan


def _truth(sim, tenant, stream):
    return list(sim.truth(tenant, stream))


def test_call_from_to_filter_createtime_inclusive(clean_sim):
    calls = _truth(clean_sim, "PK", "calls")
    times = sorted(c["createTime"] for c in calls)
    lo, hi = times[1000], times[1400]  # bounds that are real createTimes, to test inclusiveness
    expected = sorted(c["_id"] for c in calls if lo <= c["createTime"] <= hi)
    got = scan(clean_sim, "PK", "/call", **{"from": lo, "to": hi})
    assert sorted(d["_id"] for d in got) == expected
    assert all(lo <= d["createTime"] <= hi for d in got)
    assert any(d["createTime"] == lo for d in got) and any(d["createTime"] == hi for d in got)


def test_customer_from_to_filter_createtime_not_updatetime(clean_sim):
    customers = _truth(clean_sim, "HN", "customers")
    # a window that contains the update of old customers but not their creation
    recent = sorted(c["updateTime"] for c in customers)[-200]
    expected = sorted(c["_id"] for c in customers if c["createTime"] >= recent)
    got = scan(clean_sim, "HN", "/customer", **{"from": recent})
    assert sorted(d["_id"] for d in got) == expected
    updated_recently_created_long_ago = [c for c in customers if c["updateTime"] >= recent > c["createTime"]]
    assert updated_recently_created_long_ago, "the trap needs old customers updated recently"
    assert not {c["_id"] for c in updated_recently_created_long_ago} & {d["_id"] for d in got}


def test_customer_update_time_filter(clean_sim):
    customers = _truth(clean_sim, "SG", "customers")
    times = sorted(c["updateTime"] for c in customers)
    lo, hi = times[300], times[700]
    expected = sorted(c["_id"] for c in customers if lo <= c["updateTime"] <= hi)
    got = scan(clean_sim, "SG", "/customer", fromUpdateTime=lo, toUpdateTime=hi, sort="updateTimeDESC")
    assert sorted(d["_id"] for d in got) == expected


def test_both_customer_filters_combine(clean_sim):
    customers = _truth(clean_sim, "SG", "customers")
    c_lo = sorted(c["createTime"] for c in customers)[500]
    u_lo = sorted(c["updateTime"] for c in customers)[900]
    expected = sorted(c["_id"] for c in customers if c["createTime"] >= c_lo and c["updateTime"] >= u_lo)
    for sort in ("updateTimeDESC", "createTimeASC"):
        got = scan(clean_sim, "SG", "/customer", sort=sort, fromUpdateTime=u_lo, **{"from": c_lo})
        assert sorted(d["_id"] for d in got) == expected


def test_unknown_parameters_are_ignored(clean_sim):
    everything = api(clean_sim, "PK", "/customer", pageSize=1).json()["totalDocs"]
    misnamed = api(clean_sim, "PK", "/customer", pageSize=1, updateTimeFrom=1, startDate=1, foo="bar").json()
    assert misnamed["totalDocs"] == everything
    assert api(clean_sim, "PK", "/call", pageSize=1, fromUpdateTime=10**13).json()["totalDocs"] == \
        api(clean_sim, "PK", "/call", pageSize=1).json()["totalDocs"]


@pytest.mark.parametrize("path,sort,field", [
    ("/call", "createTimeDESC", "createTime"), ("/call", "createTimeASC", "createTime"),
    ("/customer", "updateTimeDESC", "updateTime"), ("/customer", "updateTimeASC", "updateTime"),
    ("/customer", "createTimeDESC", "createTime"), ("/customer", "createTimeASC", "createTime"),
])
def test_sorts(clean_sim, path, sort, field):
    docs = api(clean_sim, "HN", path, pageSize=500, sort=sort).json()["docs"]
    values = [d[field] for d in docs]
    assert values == sorted(values, reverse=sort.endswith("DESC"))
    stream = "calls" if path == "/call" else "customers"
    all_values = sorted((r[field] for r in clean_sim.truth("HN", stream)), reverse=sort.endswith("DESC"))
    assert values == all_values[:500]


def test_default_sort_is_createtime_desc(clean_sim):
    docs = api(clean_sim, "PK", "/call", pageSize=50).json()["docs"]
    assert [d["createTime"] for d in docs] == sorted((d["createTime"] for d in docs), reverse=True)


@pytest.mark.parametrize("path,sort", [("/call", "updateTimeDESC"), ("/call", "startTimeDESC"),
                                        ("/customer", "-updateTime"), ("/customer", "nameASC")])
def test_undocumented_sorts_are_rejected(clean_sim, path, sort):
    resp = api(clean_sim, "PK", path, sort=sort)
    assert resp.status_code == 400
    assert "sort" in resp.json()["message"].lower()


def test_offset_pages_of_a_static_listing_are_disjoint_and_complete(clean_sim):
    docs = scan(clean_sim, "HN", "/call", page_size=500)
    ids = [d["_id"] for d in docs]
    assert len(ids) == len(set(ids)) == sum(1 for _ in clean_sim.truth("HN", "calls"))
