"""Admin endpoints and CLI outputs: accounts, truth, stats, health, dump-truth, accounts-out."""

import json
import subprocess
import sys

import requests

from .conftest import NOW_MS, api, login


def test_health_and_accounts(sim):
    assert requests.get(sim.url + "/_sim/health", timeout=10).json()["status"] == "ok"
    accounts = requests.get(sim.url + "/_sim/accounts", timeout=10).json()
    assert [a["tenant"] for a in accounts] == ["PK", "HN", "SG"]
    assert all(set(a) == {"tenant", "email", "password", "token"} for a in accounts)
    assert len({a["token"] for a in accounts}) == 3


def test_truth_is_clean_ndjson(sim):
    resp = requests.get(sim.url + "/_sim/truth/PK/calls", stream=True, timeout=60)
    assert resp.headers["Content-Type"].startswith("application/x-ndjson")
    previous = 0
    count = 0
    for line in resp.iter_lines():
        call = json.loads(line)
        for field in ("createTime", "startTime", "endTime", "answerTime", "chargeTime"):
            assert type(call[field]) is int
        assert "id" not in call and "__v" not in call
        assert call["fromUser"] is None or isinstance(call["fromUser"], dict)
        assert call["createTime"] >= previous
        previous = call["createTime"]
        count += 1
    assert count == api(sim, "PK", "/call", pageSize=1).json()["totalDocs"]
    assert requests.get(sim.url + "/_sim/truth/PK/nothing", timeout=10).status_code == 404
    assert requests.get(sim.url + "/_sim/truth/XX/calls", timeout=10).status_code == 404


def test_stats_count_requests_per_endpoint_tenant_and_status(fresh_sim):
    fresh_sim.reset_stats()
    api(fresh_sim, "PK", "/call")
    api(fresh_sim, "PK", "/call")
    api(fresh_sim, "HN", "/customer", page=100, pageSize=500)  # 400
    requests.get(fresh_sim.url + "/user", headers={"token": "bogus"}, timeout=10)  # 401, no tenant
    stats = fresh_sim.stats()
    entries = {(e["endpoint"], e["tenant"], e["status"]): e["count"] for e in stats["entries"]}
    assert entries == {("/call", "PK", "200"): 2, ("/customer", "HN", "400"): 1, ("/user", "", "401"): 1}
    assert stats["total"] == 4 and stats["by_endpoint"]["/call"] == 2 and stats["by_status"]["200"] == 2
    fresh_sim.reset_stats()
    assert fresh_sim.stats()["total"] == 0


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "callio_sim", *args], capture_output=True, text=True, timeout=120)


def test_dump_truth_and_accounts_out(tmp_path, sim):
    out = tmp_path / "truth"
    accounts = tmp_path / "accounts.json"
    proc = _cli("--seed", "7", "--tenants", "PK,HN,SG", "--customers", "1500", "--calls", "6000", "--staff", "15",
                "--groups", "4", "--days", "20", "--now", str(NOW_MS), "--burst", "PK@2026-11-20:60000",
                "--dump-truth", str(out), "--accounts-out", str(accounts))
    assert proc.returncode == 0, proc.stderr
    logins = json.loads(accounts.read_text())
    assert logins == [{k: a[k] for k in ("tenant", "email", "password")} for a in sim.accounts]
    for stream in ("customers", "staff", "groups"):
        lines = (out / "SG" / f"{stream}.ndjson").read_text().splitlines()
        assert [json.loads(line) for line in lines] == list(sim.truth("SG", stream))
    with open(out / "PK" / "calls.ndjson") as fh:
        assert sum(1 for _ in fh) == 66_000


def test_cli_rejects_bad_options():
    proc = _cli("--burst", "2999-01-01:5", "--dump-truth", "/nonexistent/x")
    assert proc.returncode == 2 and "after --now" in proc.stderr


def test_log_requests_never_logs_secrets(tmp_path):
    from callio_sim.testing import running_simulator

    with running_simulator(tenants="PK", customers=5, calls=5, now_ms=NOW_MS, log_requests=True) as sim:
        account = sim.account("PK")
        token = login(sim, "PK")
        requests.get(sim.url + "/call", headers={"token": token}, timeout=10)
        requests.get(sim.url + "/call", headers={"token": account["token"]}, timeout=10)
        sim.stop()
        log = sim.log_path.read_text()
    assert "/call tenant=PK -> 200" in log and "/auth/login tenant=PK -> 200" in log
    assert token not in log and account["token"] not in log and account["password"] not in log
