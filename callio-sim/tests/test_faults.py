"""Fault injection: every kind, every trigger, per endpoint and per tenant, file and run time."""

import json
import subprocess
import sys

import pytest
import requests

from callio_sim.testing import running_simulator

from .conftest import NOW_MS, api, login


def _get(sim, tenant="PK", path="/call", timeout=10, token=None):
    return requests.get(sim.url + path, headers={"token": token or sim.account(tenant)["token"]}, timeout=timeout)


def test_429_with_and_without_retry_after(fresh_sim):
    fresh_sim.set_faults([{"fault": "status", "status": 429, "retry_after": 2, "times": 1},
                          {"fault": "status", "status": 429, "times": 1}])
    first, second, third = _get(fresh_sim), _get(fresh_sim), _get(fresh_sim)
    assert first.status_code == 429 and first.headers["Retry-After"] == "2"
    assert second.status_code == 429 and "Retry-After" not in second.headers
    assert third.status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(fresh_sim, status):
    fresh_sim.set_faults([{"fault": "status", "status": status, "times": 2}])
    assert [_get(fresh_sim).status_code for _ in range(3)] == [status, status, 200]


def test_endpoint_and_tenant_selection(fresh_sim):
    fresh_sim.set_faults([{"fault": "status", "status": 503, "endpoints": ["/customer"], "tenants": ["HN"]}])
    assert _get(fresh_sim, "HN", "/customer").status_code == 503
    assert _get(fresh_sim, "HN", "/call").status_code == 200
    assert _get(fresh_sim, "PK", "/customer").status_code == 200


def test_every_after_and_probability(fresh_sim):
    fresh_sim.set_faults([{"fault": "status", "status": 500, "every": 3}])
    assert [_get(fresh_sim).status_code for _ in range(6)] == [200, 200, 500, 200, 200, 500]
    fresh_sim.set_faults([{"fault": "status", "status": 500, "after": 2}])
    assert [_get(fresh_sim).status_code for _ in range(4)] == [200, 200, 500, 500]
    fresh_sim.set_faults([{"fault": "status", "status": 500, "probability": 0.5}])
    codes = [_get(fresh_sim, path="/user-group").status_code for _ in range(60)]
    assert 10 < codes.count(500) < 50
    fresh_sim.set_faults([{"fault": "status", "status": 500, "probability": 0.5}])
    assert [_get(fresh_sim, path="/user-group").status_code for _ in range(60)] == codes  # seeded


def test_slow_response_still_answers(fresh_sim):
    fresh_sim.set_faults([{"fault": "slow", "delay": 0.3, "times": 1}])
    resp = _get(fresh_sim)
    assert resp.status_code == 200 and resp.elapsed.total_seconds() >= 0.3


def test_hang_longer_than_the_client_timeout(fresh_sim):
    fresh_sim.set_faults([{"fault": "hang", "delay": 3, "times": 1}])
    with pytest.raises(requests.Timeout):
        _get(fresh_sim, timeout=0.5)
    assert _get(fresh_sim).status_code == 200


def test_dropped_connection(fresh_sim):
    fresh_sim.set_faults([{"fault": "drop", "times": 1}])
    with pytest.raises(requests.ConnectionError):
        _get(fresh_sim)
    assert _get(fresh_sim).status_code == 200


def test_truncated_body(fresh_sim):
    fresh_sim.set_faults([{"fault": "truncate", "times": 1}])
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError, ValueError)):
        _get(fresh_sim).json()


def test_non_json_body(fresh_sim):
    fresh_sim.set_faults([{"fault": "non_json", "times": 1}])
    resp = _get(fresh_sim)
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        resp.json()


def test_token_suddenly_invalid_mid_scan(fresh_sim):
    token = login(fresh_sim, "PK")
    fresh_sim.set_faults([{"fault": "expire_token", "endpoints": ["/call"], "after": 2, "times": 1}])
    codes = [_get(fresh_sim, token=token).status_code for _ in range(4)]
    assert codes == [200, 200, 401, 401]  # the session token stays revoked
    assert _get(fresh_sim, token=login(fresh_sim, "PK")).status_code == 200


def test_tenant_whose_login_always_fails(fresh_sim):
    fresh_sim.set_faults([{"fault": "status", "status": 401, "endpoints": ["/auth/login"], "tenants": ["HN"]}])
    for _ in range(3):
        account = fresh_sim.account("HN")
        resp = requests.post(fresh_sim.url + "/auth/login",
                             json={"email": account["email"], "password": account["password"]}, timeout=10)
        assert resp.status_code == 401
    assert login(fresh_sim, "PK")


def test_faults_are_counted_in_stats(fresh_sim):
    fresh_sim.reset_stats()
    fresh_sim.set_faults([{"fault": "drop", "times": 1}, {"fault": "status", "status": 429, "times": 1}])
    with pytest.raises(requests.ConnectionError):
        _get(fresh_sim)
    _get(fresh_sim)
    _get(fresh_sim)
    assert fresh_sim.stats()["by_status"] == {"drop": 1, "429": 1, "200": 1}


def test_delete_clears_and_bad_rules_are_rejected(fresh_sim):
    fresh_sim.set_faults([{"fault": "status", "status": 500}])
    fresh_sim.clear_faults()
    assert _get(fresh_sim).status_code == 200
    for bad in ([{"fault": "explode"}], [{"fault": "status", "endpoints": ["/nope"]}], [{"fault": "drop", "when": 1}]):
        resp = requests.post(fresh_sim.url + "/_sim/faults", json=bad, timeout=10)
        assert resp.status_code == 400


def test_faults_file_on_the_command_line(tmp_path):
    rules = [{"fault": "status", "status": 502, "endpoints": "/user-group", "times": 1}]
    with running_simulator(tenants="PK", customers=5, calls=5, now_ms=NOW_MS, faults=rules) as sim:
        assert api(sim, "PK", "/user-group").status_code == 502
        assert api(sim, "PK", "/user-group").status_code == 200
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps({"rules": rules}))
    bad.write_text(json.dumps([{"fault": "status", "endpoints": ["/nope"]}]))
    for path, code in ((good, 0), (bad, 2)):
        proc = subprocess.run([sys.executable, "-m", "callio_sim", "--faults", str(path), "--now", str(NOW_MS),
                               "--customers", "5", "--calls", "5", "--dump-truth", str(tmp_path / "t")],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == code, proc.stderr


def test_example_faults_file_is_valid(fresh_sim):
    from pathlib import Path

    rules = json.loads((Path(__file__).parent.parent / "examples" / "faults.json").read_text())
    described = fresh_sim.set_faults(rules)
    assert {r["fault"] for r in described} == {"status", "slow", "drop", "truncate", "non_json", "expire_token"}
