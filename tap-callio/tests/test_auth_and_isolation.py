"""Login per tenant, re-login once on 401, per-tenant token cache, secrets never
logged; a failing tenant is isolated (sync_log row, bookmark kept, other tenants
delivered, non-zero exit at the end)."""

from __future__ import annotations

from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, bookmark, catalog_with, logins, run_tap, truth_ids


def _secrets(sim):
    return [a["password"] for a in sim.accounts] + [a["token"] for a in sim.accounts]


def _assert_no_secret(sim, run, extra=()):
    text = run.stderr + "\n".join(str(m) for m in run.messages)
    for secret in [*_secrets(sim), *extra]:
        assert secret not in text


def _logins_by_tenant(sim):
    return {e["tenant"]: e["count"] for e in sim.stats()["entries"] if e["endpoint"] == "/auth/login"}


def test_bad_login_is_isolated_to_its_tenant(clean_sim):
    sim = clean_sim
    accounts = logins(sim)
    wrong = "definitely-wrong-password"
    for account in accounts:
        if account["tenant"] == "PK":
            account["password"] = wrong
    previous = {
        "bookmarks": {
            "calls": {
                "partitions": [
                    {
                        "context": {"tenant": "PK"},
                        "replication_key": "createTime",
                        "replication_key_value": 1_700_000_000_000,
                    },
                ]
            }
        }
    }
    start = sim.now() - 10 * DAY_MS
    run = run_tap(base_config(sim, accounts=accounts, start_date=iso(start)), state=previous)

    assert run.returncode != 0
    rows = run.sync_log()
    for stream in ("calls", "customers", "staff", "groups"):
        assert rows[("PK", stream)]["status"] == "ERROR_LOGIN"
        assert "PK" in rows[("PK", stream)]["error"]
        assert rows[("HN", stream)]["status"] == "OK"
        assert run.records(stream, "PK") == []
    assert bookmark(run.final_state, "calls", "PK") == 1_700_000_000_000
    assert bookmark(run.final_state, "customers", "PK") is None
    reached = bookmark(run.final_state, "calls", "HN")
    assert truth_ids(sim, "HN", "calls", "createTime", upto=reached, since=start) - run.ids("calls", "HN") == set()
    assert "tenant PK" in run.stderr and "login refused" in run.stderr
    # sync_log comes after everything, and the failure is reported at the very end
    assert "finished with failures: PK/calls" in run.stderr.splitlines()[-1]
    # the failed login is not retried per stream; HN logs in once for all streams
    assert _logins_by_tenant(sim).get("HN") == 1
    assert "Traceback" not in run.stderr
    _assert_no_secret(sim, run, extra=[wrong])


def test_expired_token_is_renewed_once_and_the_request_retried(clean_sim):
    sim = clean_sim
    sim.set_faults([{"fault": "expire_token", "endpoints": ["/call"], "tenants": ["PK"], "times": 2, "every": 3}])
    start = sim.now() - 10 * DAY_MS
    # small pages: enough /call requests for the fault to fire twice (slices are sized by count)
    run = run_tap(base_config(sim, start_date=iso(start), page_size=50), catalog=catalog_with("calls"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert _logins_by_tenant(sim).get("PK") == 3
    assert _logins_by_tenant(sim).get("HN") == 1
    reached = bookmark(run.final_state, "calls", "PK")
    assert truth_ids(sim, "PK", "calls", "createTime", upto=reached, since=start) - run.ids("calls", "PK") == set()
    _assert_no_secret(sim, run)


def test_second_401_fails_only_that_tenant_and_stream(clean_sim):
    sim = clean_sim
    sim.set_faults([{"fault": "status", "status": 401, "endpoints": ["/user"], "tenants": ["HN"]}])
    run = run_tap(base_config(sim, start_date=iso(sim.now() - 2 * DAY_MS)))
    assert run.returncode != 0
    rows = run.sync_log()
    assert rows[("HN", "staff")]["status"] == "ERROR_LOGIN"
    assert rows[("HN", "groups")]["status"] == "OK"
    assert rows[("PK", "staff")]["status"] == "OK"
    assert run.records("staff", "HN") == []
    _assert_no_secret(sim, run)


def test_static_token_accounts(clean_sim):
    sim = clean_sim
    accounts = [{"tenant": a["tenant"], "token": a["token"]} for a in sim.accounts]
    run = run_tap(
        base_config(sim, accounts=accounts, start_date=iso(sim.now() - 2 * DAY_MS)), catalog=catalog_with("staff")
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.ids("staff", "PK") == truth_ids(sim, "PK", "staff")
    assert _logins_by_tenant(sim) == {}
    _assert_no_secret(sim, run)


def test_tenant_added_later_starts_from_its_own_start_and_removed_tenant_keeps_state(clean_sim):
    sim = clean_sim
    start = sim.now() - 5 * DAY_MS
    only_pk = base_config(sim, accounts=logins(sim, ["PK"]), start_date=iso(start))
    first = run_tap(only_pk, catalog=catalog_with("calls"))
    assert first.returncode == 0
    pk_mark = bookmark(first.final_state, "calls", "PK")
    assert bookmark(first.final_state, "calls", "HN") is None

    both = base_config(sim, start_date=iso(start))
    second = run_tap(both, state=first.final_state, catalog=catalog_with("calls"))
    assert second.returncode == 0
    rows = second.sync_log()
    assert rows[("HN", "calls")]["bookmark_start"] is None
    assert rows[("PK", "calls")]["bookmark_start"] == pk_mark
    hn_reached = bookmark(second.final_state, "calls", "HN")
    assert (
        truth_ids(sim, "HN", "calls", "createTime", upto=hn_reached, since=start) - second.ids("calls", "HN") == set()
    )
    assert min(r["createTime"] for r in second.records("calls", "HN")) < pk_mark - DAY_MS

    only_hn = base_config(sim, accounts=logins(sim, ["HN"]), start_date=iso(start))
    third = run_tap(only_hn, state=second.final_state, catalog=catalog_with("calls"))
    assert third.returncode == 0
    assert bookmark(third.final_state, "calls", "PK") == bookmark(second.final_state, "calls", "PK")
    assert third.records("calls", "PK") == []


def test_a_refused_login_is_tried_once_per_job_and_names_the_account(clean_sim, tmp_path):
    """The job runner hands every tap run of a job one refused_logins_file: the first run's refusal
    is recorded (tenant, reason, e-mail; no secret), and the job's next tap variant does not try that
    login again (three tries in one night may lock a real account), yet reports it the same way."""
    sim = clean_sim
    wrong = "definitely-wrong-password"
    accounts = logins(sim)
    for account in accounts:
        if account["tenant"] == "PK":
            account["password"] = wrong
    email = next(a["email"] for a in accounts if a["tenant"] == "PK")
    refusals = tmp_path / "refused-logins.jsonl"
    config = base_config(sim, accounts=accounts, refused_logins_file=str(refusals))

    first = run_tap(config, catalog=catalog_with("groups"))
    assert _logins_by_tenant(sim).get("PK") == 1
    reason = first.sync_log()[("PK", "groups")]["error"]
    assert "login refused (HTTP 401)" in reason and email in reason, reason
    assert "setting accounts (CALLIO_ACCOUNTS_JSON)" in reason, reason

    second = run_tap(config, catalog=catalog_with("staff"))
    assert _logins_by_tenant(sim).get("PK") == 1, "the refused login was tried again in the same job"
    assert second.returncode != 0
    row = second.sync_log()[("PK", "staff")]
    assert row["status"] == "ERROR_LOGIN" and email in row["error"] and "not tried again" in row["error"]
    assert second.sync_log()[("HN", "staff")]["status"] == "OK"
    assert wrong not in refusals.read_text() and all(a["password"] not in refusals.read_text() for a in sim.accounts)
    _assert_no_secret(sim, second, extra=[wrong])
