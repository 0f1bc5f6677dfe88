"""What an operator sees and keeps from a job run, through the real job runner (one shared run
with one tenant whose login fails, and one run under a pseudo-terminal):

- the console is quiet off a terminal (no per-request METRIC lines, no slice lines, no colour
  codes) and ends with one table, tenant × stream, plus each failure with its reason;
- the full detail is kept in a dated, private run log; `orchestrate.runs` answers "what failed
  last night" from it;
- on a terminal the run shows live progress per tenant and stream;
- generated plugin configs a killed run left behind (every password) are gone after the next
  start, and the run folders are private;
- the state commands reset one stream, one tenant of one stream, everything, and back-fill one
  tenant from a date, without touching the others.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from callio_sim.testing import running_simulator
from reliability.pipeline import ENVIRONMENT, SIM_OPTIONS, Pipeline
from support.notify_servers import running_notify_servers
from support.warehouse_slots import Slot, warehouse_slot

from conftest import PROJECT_ROOT, isolated_environment

STALE_SECRET = "stale-Secret-Pw-0099"
ANSI = "\x1b["


@pytest.fixture(scope="module")
def notified():
    """The module's job runs notify these local servers (CALLIO_NOTIFY_URLS)."""
    with running_notify_servers() as servers:
        yield servers


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, notified):
    workdir = tmp_path_factory.mktemp("console")
    with warehouse_slot() as slot, running_simulator(**SIM_OPTIONS) as sim:
        yield Pipeline(sim, _environment(workdir, slot, notified), workdir)


def _environment(workdir: Path, slot: Slot, notified) -> dict[str, str]:
    env = isolated_environment(workdir, slot)
    env.pop("TAP_CALLIO_DAYS_TO_FETCH_IF_EMPTY")  # the first window an operator's first run has
    env.update({"CALLIO_ENV_FILE": str(workdir / "empty.env"), "CALLIO_NOTIFY_URLS": notified.urls(),
                "CALLIO_NOTIFY_LANGUAGE": "vi"})
    for leftover in ("MELTANO_ENVIRONMENT", "LOG_LEVEL"):
        env.pop(leftover, None)
    return env


@pytest.fixture(scope="module")
def failed_run(pipeline):
    """callio-all with HN's password wrong, after a "killed run" left a generated config behind."""
    run_dir = Path(pipeline.env["MELTANO_SYS_DIR_ROOT"]) / "run" / "tap-callio--calls"
    run_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(run_dir.parent, 0o755)
    stale = run_dir / "tap.0a1b2c3d-dead-beef-0000-000000000000.config.json"
    stale.write_text(json.dumps({"accounts": [{"tenant": "PK", "password": STALE_SECRET}]}))
    accounts = json.loads(pipeline.accounts_file.read_text())
    for account in accounts:
        if account["tenant"] == "HN":
            account["password"] = "wrong-password-123"
    pipeline.accounts_file.write_text(json.dumps(accounts))
    pipeline.sim.reset_stats()  # test_a_refused_login_... counts this run's logins (it runs next)
    run = pipeline.run(pipeline.run_job_command("callio-all"), "callio-all-hn-fails")
    pipeline.sim.write_accounts_file(pipeline.accounts_file)  # good logins again for what follows
    return run, stale


def run_logs(pipeline) -> list[Path]:
    return sorted(Path(pipeline.env["CALLIO_LOG_DIR"]).glob("runs/*/*.log"))


def test_console_is_quiet_and_ends_with_one_table(failed_run):
    run, _ = failed_run
    lines = run.output.splitlines()
    assert run.returncode == 1, run.tail()
    noisy = [line for line in lines if "METRIC" in line or ": slice [" in line]
    assert not noisy, "per-request or per-slice lines on the console"
    assert ANSI not in run.output, "colour codes written to a non-terminal"
    # 8 tenant x stream rows, 4 failures with their reasons, a line per task: about 40 lines
    assert len(lines) <= 45, f"{len(lines)} lines:\n{run.output}"
    rows = {tuple(line.split()[:3]) for line in lines if re.match(r"^(PK|HN)\s+\w+\s+[A-Z_]+\s+\d+\s", line)}
    for stream in ("customers", "calls", "staff", "groups"):
        assert ("PK", stream, "OK") in rows and ("HN", stream, "ERROR_LOGIN") in rows, rows
        assert any(line.strip().startswith(f"FAILED HN/{stream} (ERROR_LOGIN): ") and len(line.split(": ", 1)[1]) > 5
                   for line in lines), f"no reason for HN/{stream}:\n{run.output}"
    assert "wrong-password-123" not in run.output


def test_a_refused_login_is_tried_once_per_job_and_names_the_account(pipeline, failed_run):
    """Three tap variants in one job, one login attempt for HN (repeated refusals can lock a real
    account); its reason names the tenant, the account's e-mail and where it is configured."""
    run, _ = failed_run
    logins = {e["tenant"]: e["count"] for e in pipeline.sim.stats()["entries"] if e["endpoint"] == "/auth/login"}
    assert logins.get("HN") == 1, logins
    email = next(a["email"] for a in pipeline.sim.accounts if a["tenant"] == "HN")
    reasons = [line for line in run.output.splitlines() if line.strip().startswith("FAILED HN/")]
    assert len(reasons) == 4 and all(email in line and f"accounts_file {pipeline.accounts_file}" in line
                                     and "CALLIO_ACCOUNTS_FILE" in line for line in reasons), reasons
    # customers (the first variant) tried it; calls, staff and groups (two later variants) did not
    assert sum("not tried again" in line for line in reasons) == 3, reasons


def test_the_failed_job_sends_one_message_per_address_naming_the_tenant(pipeline, failed_run, notified):
    """One message (to the webhook and to the mailbox) for the job with HN's wrong password: the
    failing tenant and streams with the console's reasons, how many tenants were fine, where the
    log is; in Vietnamese; no password, token or secret of the notify URLs in it."""
    run, _ = failed_run
    assert sorted(m.channel for m in notified.received) == ["json", "mail"], notified.received
    secrets = [*notified.secrets(), "wrong-password-123", *(a["password"] for a in pipeline.sim.accounts),
               *(a["token"] for a in pipeline.sim.accounts)]
    console = {line.strip() for line in run.output.splitlines() if line.strip().startswith("FAILED HN/")}
    for message in notified.received:
        assert "callio-all" in message.title and "LỖI" in message.title, message.title
        lines = {line.removeprefix("- ") for line in message.body.splitlines()}
        assert console <= lines, (console, message.channel, repr(message.body))  # the console's own words
        assert "Tenant ổn: 1/2 (PK)" in message.body and ".log" in message.body, message.body
        assert not [secret for secret in secrets if secret in message.title + message.body], message.body


def test_freshness_names_the_tenant_that_never_loaded_and_an_old_load(pipeline, failed_run, notified):
    """The dead man's switch reads the warehouse: HN (its login refused) never loaded, PK just did;
    30 hours later (faketime) PK's customers and calls are past two missed slots (19.5 h), its
    staff and groups, read once a day, not yet (49 h). One message per new stale set: an hour later,
    with the same streams stale (their lines an hour older), none."""
    command = [sys.executable, "-m", "orchestrate.freshness", f"--environment={ENVIRONMENT}"]
    sent = len(notified.received)
    now = subprocess.run(command, cwd=PROJECT_ROOT, env=pipeline.env, capture_output=True, text=True, check=False)
    assert now.returncode == 1, now.stdout + now.stderr
    lines = now.stdout.splitlines()
    for stream in ("customers", "calls", "staff", "groups"):
        assert any(line.startswith(f"STALE HN/{stream}: never loaded") for line in lines), lines
        assert any(line.startswith(f"ok    PK/{stream}: last successful load") for line in lines), lines
    assert len(notified.received) == sent + 2  # the webhook and the mailbox, once
    assert all("HN/calls" in m.body for m in notified.received[sent:])
    again = subprocess.run(command, cwd=PROJECT_ROOT, env=pipeline.env, capture_output=True, text=True, check=False)
    assert again.returncode == 1 and len(notified.received) == sent + 2  # the same stale set: no new message

    later = subprocess.run([shutil.which("faketime"), "-f", "+30h", *command], cwd=PROJECT_ROOT, env=pipeline.env,
                           capture_output=True, text=True, check=False)
    stale = {line.split(":")[0].removeprefix("STALE ") for line in later.stdout.splitlines() if line.startswith("STALE")}
    assert {"PK/customers", "PK/calls"} <= stale and not {"PK/staff", "PK/groups"} & stale, later.stdout
    assert len(notified.received) == sent + 4
    # an hour later the same streams are stale, each an hour older: the same set, no new message
    hour_later = subprocess.run([shutil.which("faketime"), "-f", "+31h", *command], cwd=PROJECT_ROOT,
                                env=pipeline.env, capture_output=True, text=True, check=False)
    assert hour_later.returncode == 1 and hour_later.stdout != later.stdout, hour_later.stdout + hour_later.stderr
    assert len(notified.received) == sent + 4, [m.title for m in notified.received[sent + 4:]]


def test_full_detail_is_kept_in_a_private_dated_run_log(pipeline, failed_run):
    logs = run_logs(pipeline)
    assert len(logs) == 1 and logs[0].parent.name == datetime.now(UTC).strftime("%Y-%m-%d"), logs
    assert stat.S_IMODE(logs[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(logs[0].parent.stat().st_mode) == 0o700
    text = logs[0].read_text()
    assert "METRIC: " in text and "stream calls: slice [" in text and "Done. PASS=" in text
    # a metric point reads as the SDK writes it, without the logger's book-keeping
    assert '"metric": "record_count"' in text and "_logger" not in text and "thread_name" not in text
    assert ANSI not in text and "wrong-password-123" not in text


def test_recent_runs_say_what_failed_and_where_bookmarks_are(pipeline, failed_run):
    done = subprocess.run([sys.executable, "-m", "orchestrate.runs"], cwd=PROJECT_ROOT, env=pipeline.env,
                          capture_output=True, text=True, check=True)
    out = done.stdout
    assert "callio-all (demo)" in out and "FAILED (exit 1)" in out, out
    assert re.search(r"\d\d:\d\d:\d\d UTC \(20\d\d-\d\d-\d\d \d\d:\d\d Asia/Ho_Chi_Minh\)", out), out
    for stream in ("customers", "calls", "staff", "groups"):
        assert re.search(rf"HN/{stream} ERROR_LOGIN: \S", out), out
    assert re.search(r"bookmarks: .*PK/calls 20\d\d-", out), out


def test_stale_generated_configs_are_removed_and_run_folders_private(pipeline, failed_run):
    _, stale = failed_run
    assert not stale.exists(), "a generated config with secrets left by a killed run is still there"
    assert stat.S_IMODE(stale.parent.parent.stat().st_mode) == 0o700


def test_terminal_shows_live_progress(pipeline, failed_run, notified):
    """Under a pseudo-terminal (as a person at a console): progress bars per tenant and stream;
    a healthy job notifies nobody."""
    command = pipeline.run_job_command("callio-calls")
    before = len(notified.received)
    main, child = pty.openpty()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**pipeline.env, "COLUMNS": "120"}, stdin=child,
                               stdout=child, stderr=child, close_fds=True)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the terminal closed: the run ended
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    assert process.wait() == 0
    assert len(notified.received) == before, "a healthy job sent a message"
    screen = b"".join(chunks).decode("utf-8", "replace")
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
    assert re.search(r"PK calls\s+━", plain) and re.search(r"HN calls\s+━", plain), plain[-3000:]
    assert re.search(r"\d+ records", plain) and "/s" in plain, plain[-3000:]
    assert "job callio-calls (demo): all tasks ok" in plain


def state(pipeline) -> dict[str, dict]:
    """Every state id with bookmarks, read straight from Meltano's system database (a `meltano
    state get` per id would take seconds each)."""
    path = pipeline.env["MELTANO_DATABASE_URI"].removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    try:
        rows = con.execute("select state_id, completed_state from state").fetchall()
    finally:
        con.close()
    found = {}
    for state_id, completed in rows:
        value = json.loads(completed or "{}")
        if value.get("singer_state", {}).get("bookmarks"):
            found[state_id] = value
    return found


def calls_bookmarks(pipeline) -> dict[str, int]:
    calls = state(pipeline)[f"{ENVIRONMENT}:tap-callio--calls-to-target-duckdb"]["singer_state"]["bookmarks"]["calls"]
    return {p["context"]["tenant"]: p["replication_key_value"] for p in calls["partitions"]}


def state_command(pipeline, *args) -> str:
    done = subprocess.run([sys.executable, "-m", "orchestrate.state", f"--environment={ENVIRONMENT}", *args],
                          cwd=PROJECT_ROOT, env=pipeline.env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_state_commands_reset_and_backfill_only_what_they_name(pipeline, failed_run):
    if "HN" not in calls_bookmarks(pipeline):  # HN's login failed in the shared run
        subprocess.run([sys.executable, "-m", "orchestrate.run_job", f"--environment={ENVIRONMENT}", "callio-calls"],
                       cwd=PROJECT_ROOT, env=pipeline.env, capture_output=True, check=True)
    before = calls_bookmarks(pipeline)
    assert set(before) == {"PK", "HN"}, before

    start = "2026-01-05"  # a day means local midnight, 5 January 00:00 in Vietnam, not 07:00 there
    start_ms = int(datetime(2026, 1, 5, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp() * 1000)
    said = state_command(pipeline, "backfill", "--tenant", "PK", "--from", start, "--stream", "calls")
    assert "2026-01-04T17:00:00Z (2026-01-05 00:00 Asia/Ho_Chi_Minh)" in said, said
    after = calls_bookmarks(pipeline)
    assert after == {"PK": start_ms, "HN": before["HN"]}, after
    customers_id = f"{ENVIRONMENT}:tap-callio--customers-to-target-duckdb"
    customers_before = state(pipeline)[customers_id]

    state_command(pipeline, "reset", "--stream", "calls", "--tenant", "HN")
    assert calls_bookmarks(pipeline) == {"PK": start_ms}
    assert state(pipeline)[customers_id] == customers_before  # other streams untouched

    state_command(pipeline, "reset", "--stream", "calls")
    assert f"{ENVIRONMENT}:tap-callio--calls-to-target-duckdb" not in state(pipeline)
    assert state(pipeline)[customers_id] == customers_before

    state_command(pipeline, "reset", "--all")
    assert state(pipeline) == {}
