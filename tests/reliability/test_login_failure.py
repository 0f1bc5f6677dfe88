"""One tenant with a wrong password and one with a revoked token: the other tenant loads
completely, both failing tenants appear in the run summary and in update_log as ERROR_LOGIN,
the job runner still runs dbt and writes the HTML report (a browser shows it), the job exits
non-zero, and no secret is echoed. Once the password is right again, the tenant's two weeks of
calls and customers arrive at once, and every report table holds each of its days, those before
the report's window too, without a full refresh."""

from __future__ import annotations

import json
from pathlib import Path

from report_browser import PHONE, inspect_report, layout_problems

from .checks import REPORT_LOOKBACK_DAYS, assert_final_tables_match_truth, assert_report_matches_oracle, truth_of
from conftest import PROJECT_ROOT

WRONG_PASSWORD = "Wr0ng-Passw0rd-marker"
REVOKED_TOKEN = "revoked-token-0123456789abcdef"


def test_one_bad_login_does_not_stop_the_others(make_pipeline):
    pipeline = make_pipeline(tenants="PK,HN,SG", days=14, customer_days=14)
    pipeline.env["TAP_CALLIO_DAYS_TO_FETCH_IF_EMPTY"] = "20"  # a first sync reads every call
    accounts = json.loads(pipeline.accounts_file.read_text())
    for account in accounts:
        if account["tenant"] == "HN":
            account["password"] = WRONG_PASSWORD
    accounts = [a for a in accounts if a["tenant"] != "SG"] + [{"tenant": "SG", "token": REVOKED_TOKEN}]
    pipeline.accounts_file.write_text(json.dumps(accounts))

    run = pipeline.run(pipeline.run_job_command("callio-all"), "bad-logins")
    output = run.output
    assert run.returncode != 0, f"a failed login must fail the job:\n{run.tail()}"
    for secret in (WRONG_PASSWORD, REVOKED_TOKEN, *(a["password"] for a in pipeline.sim.accounts)):
        assert secret not in output, "a secret was echoed in the run output"

    summary = [line.split("]", 1)[-1].split() for line in output.splitlines()]
    statuses = {(w[-6], w[-5]): w[-4] for w in summary if len(w) >= 6 and w[-6] in ("PK", "HN", "SG")}
    for tenant in ("HN", "SG"):
        for stream in ("customers", "calls", "staff", "groups"):
            assert statuses.get((tenant, stream)) == "ERROR_LOGIN", f"summary {tenant} {stream}: {statuses}"
    assert all(statuses.get(("PK", s)) == "OK" for s in ("customers", "calls", "staff", "groups")), statuses

    logged = set(pipeline.query("select tenant, table_name, mode from main.update_log"))
    for tenant in ("HN", "SG"):
        for table in ("customer", "call_log", "staff", "group"):
            assert (tenant, table, "ERROR_LOGIN") in logged, f"update_log lacks ERROR_LOGIN for {tenant} {table}: {logged}"
    secrets_in_log = pipeline.query(
        f"select count(*) from main.update_log where coalesce(error, '') like '%{WRONG_PASSWORD}%' "
        f"or coalesce(error, '') like '%{REVOKED_TOKEN}%'")[0][0]
    assert secrets_in_log == 0

    # The failed extract steps did not stop the job: dbt ran after them, then the HTML report.
    assert "task FAILED: tap-callio--calls target-duckdb" in output, run.tail()
    assert "task finished: dbt-duckdb:build" in output, f"dbt did not run or failed after the failures:\n{run.tail()}"
    assert "report written" in output, run.tail()
    # the page of the real data, on a phone: every chart of the report tenant, nothing cut
    seen = inspect_report(Path(pipeline.env["CALLIO_REPORT_PATH"]),
                          PROJECT_ROOT / "output" / "test-artifacts" / "report-pipeline-phone.png", PHONE)
    assert seen["console_errors"] == [] and seen["page_errors"] == [] and seen["requests"] == [], seen
    assert [chart["id"] for chart in seen["charts"]] == ["calls", "answer-rate", "missed", "heatmap", "agent-time",
                                                          "leads", "status"]
    assert all(chart["values"] > 0 and chart["marks"] > 0 for chart in seen["charts"]), seen["charts"]
    assert layout_problems(seen) == []
    assert seen["facts"].startswith("Tenant PK · 30 ngày"), seen["facts"]
    # the data age first: PK just loaded, so not stale
    assert [(a["tenant"], a["stale"]) for a in seen["ages"]] == [("PK", False)], seen["ages"]
    assert seen["ages"][0]["text"].startswith("PK: dữ liệu đến "), seen["ages"]

    truth = assert_final_tables_match_truth(pipeline, ["PK"], truth=truth_of(pipeline.sim, ["PK"]))
    assert_report_matches_oracle(pipeline, truth, ["PK"], every_day=True)
    others = pipeline.query("select count(*) from main.call_log where tenant <> 'PK'")[0][0]
    assert others == 0

    # HN's password is right again after its outage: the first sync brings all of its data.
    for account in accounts:
        if account["tenant"] == "HN":
            account["password"] = pipeline.sim.account("HN")["password"]
    pipeline.accounts_file.write_text(json.dumps(accounts))
    back = pipeline.run(pipeline.run_job_command("callio-all"), "hn-back")
    assert "task finished: dbt-duckdb:build" in back.output, back.tail()
    truth = assert_final_tables_match_truth(pipeline, ["PK", "HN"])
    older = pipeline.sim.now() - (REPORT_LOOKBACK_DAYS + 2) * 86_400_000
    assert any(c["createTime"] < older for c in truth["HN"]["calls"]), "no HN call before the window: nothing proved"
    assert_report_matches_oracle(pipeline, truth, ["PK", "HN"], every_day=True)
