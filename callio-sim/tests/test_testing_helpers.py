"""The Python helpers other parts use: running_simulator and the callio_sim_factory fixture."""

import json

import pytest
import requests

from callio_sim.testing import running_simulator

from .conftest import NOW_MS


def test_factory_fixture_starts_and_stops(callio_sim_factory):
    handle = callio_sim_factory(tenants=["PK"], customers=10, calls=10, now_ms=NOW_MS)
    assert requests.get(handle.url + "/_sim/health", timeout=10).status_code == 200
    assert handle.tenants == ["PK"] and handle.accounts[0]["token"]
    handle.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(handle.url + "/_sim/health", timeout=5)


def test_handle_helpers(tmp_path):
    with running_simulator(tenants="PK,HN", customers=20, calls=30, now_ms=NOW_MS,
                           faults=[{"fault": "status", "status": 503, "endpoints": ["/user"], "times": 1}]) as sim:
        path = sim.write_accounts_file(tmp_path / "acc.json", tenants=["HN"])
        assert json.loads(path.read_text()) == [{k: sim.account("HN")[k] for k in ("tenant", "email", "password")}]
        assert len(list(sim.truth("HN", "calls"))) == 30
        headers = {"token": sim.account("PK")["token"]}
        assert requests.get(sim.url + "/user", headers=headers, timeout=10).status_code == 503
        assert requests.get(sim.url + "/user", headers=headers, timeout=10).status_code == 200
        assert sim.faults()[0]["fired"] == 1
        sim.set_faults([{"fault": "status", "status": 500}])
        assert requests.get(sim.url + "/call", headers=headers, timeout=10).status_code == 500
        sim.clear_faults()
        assert requests.get(sim.url + "/call", headers=headers, timeout=10).status_code == 200
        assert sim.mutate("PK", insert_calls=1)["inserted_calls"]
        assert sim.stats()["by_status"] == {"503": 1, "200": 2, "500": 1}


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError):
        with running_simulator(customer=1):
            pass


def test_start_up_with_100k_calls_per_tenant(capsys):
    """Behaviour only (no wall-clock assertion): 3 x 100k calls serve; the time is printed."""
    import time

    started = time.perf_counter()
    with running_simulator(tenants="PK,HN,SG", calls=100_000, customers=100_000, now_ms=NOW_MS) as sim:
        elapsed = time.perf_counter() - started
        for tenant in sim.tenants:
            body = requests.get(sim.url + "/call", params={"pageSize": 500, "page": 20},
                                headers={"token": sim.account(tenant)["token"]}, timeout=30).json()
            assert body["totalDocs"] == 100_000 and len(body["docs"]) == 500
    with capsys.disabled():
        print(f"\n[callio-sim] start-up with 3 x 100k calls: {elapsed:.2f} s (process start to healthy)")


def test_empty_tenants_work():
    with running_simulator(tenants="PK", customers=0, calls=0, now_ms=NOW_MS) as sim:
        body = requests.get(sim.url + "/call", headers={"token": sim.account("PK")["token"]}, timeout=10).json()
        assert body["docs"] == [] and body["totalDocs"] == 0 and body["totalPages"] == 0
        assert body["hasNextPage"] is False
        assert list(sim.truth("PK", "customers")) == []
        assert sim.mutate("PK", insert_calls=2, update_customers=1)["inserted_calls"]
