"""POST /auth/login, the `token` header, token lifetime and re-login invalidation."""

import time

import requests

from callio_sim.testing import running_simulator

from .conftest import NOW_MS, api, login


def test_login_returns_a_token_that_works_in_the_token_header(fresh_sim):
    token = login(fresh_sim, "PK")
    resp = requests.get(fresh_sim.url + "/user", headers={"token": token}, timeout=10)
    assert resp.status_code == 200
    assert resp.json()["totalDocs"] > 0


def test_wrong_credentials_give_401_with_json_error(fresh_sim):
    account = fresh_sim.account("PK")
    for body in ({"email": account["email"], "password": "nope"}, {"email": "who@x.test", "password": "x"}, {}):
        resp = requests.post(fresh_sim.url + "/auth/login", json=body, timeout=10)
        assert resp.status_code == 401
        assert "message" in resp.json()
        assert "token" not in resp.json()


def test_bearer_header_or_missing_token_is_rejected(fresh_sim):
    token = login(fresh_sim, "PK")
    assert requests.get(fresh_sim.url + "/call", timeout=10).status_code == 401
    resp = requests.get(fresh_sim.url + "/call", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert resp.status_code == 401


def test_second_login_invalidates_the_first_token(fresh_sim):
    first = login(fresh_sim, "HN")
    assert requests.get(fresh_sim.url + "/customer", headers={"token": first}, timeout=10).status_code == 200
    second = login(fresh_sim, "HN")
    assert requests.get(fresh_sim.url + "/customer", headers={"token": first}, timeout=10).status_code == 401
    assert requests.get(fresh_sim.url + "/customer", headers={"token": second}, timeout=10).status_code == 200


def test_long_lived_api_token_survives_logins(fresh_sim):
    login(fresh_sim, "PK")
    login(fresh_sim, "PK")
    assert api(fresh_sim, "PK", "/call").status_code == 200


def test_tokens_of_one_tenant_only_see_that_tenant(fresh_sim):
    pk = {d["_id"] for d in api(fresh_sim, "PK", "/user", pageSize=100).json()["docs"]}
    hn = {d["_id"] for d in api(fresh_sim, "HN", "/user", pageSize=100).json()["docs"]}
    assert pk and hn and not pk & hn


def test_session_tokens_expire_after_the_configured_ttl():
    with running_simulator(tenants="PK", customers=10, calls=10, now_ms=NOW_MS, token_ttl_s=0.5) as sim:
        token = login(sim, "PK")
        assert requests.get(sim.url + "/call", headers={"token": token}, timeout=10).status_code == 200
        time.sleep(1.0)
        assert requests.get(sim.url + "/call", headers={"token": token}, timeout=10).status_code == 401
        assert requests.get(sim.url + "/call", headers={"token": login(sim, "PK")}, timeout=10).status_code == 200
