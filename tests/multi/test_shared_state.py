"""Beyond one server: bookmarks in PostgreSQL, one tenant per run, locks shared by every machine.

- an existing SQLite system database's bookmarks move to PostgreSQL (orchestrate.state migrate),
  and another machine's first one-tenant run goes on from them: nothing read again, nothing
  skipped;
- the same tenant started on two machines at once is never extracted twice at the same time; a
  runner killed outright keeps the tenant's lock while its task lives; the data ends exactly once;
- the database stopped in the middle of a run fails the run (non-zero exit) and leaves the
  bookmark where it was;
- `orchestrate.runs` on any machine lists every machine's runs (their reports are kept in the
  shared database), a killed run as one that did not finish, and a run whose report could not be
  written while the database was down once that machine has run again; the hourly freshness
  check of every machine tells a stale set once.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import psutil

from orchestrate import run_lock
from reliability.checks import assert_final_tables_match_truth
from reliability.pipeline import TENANTS
from support.notify_servers import running_notify_servers

SLOW_CALLS = [{"fault": "slow", "delay": 0.4, "endpoints": ["/call"]}]
TENANT_CALLS = "demo:tap-callio--calls-to-target-duckdb:tenant-PK"


def sync_log(machine, tenant: str, stream: str) -> list[dict]:
    rows = machine.query(f"select run_id, bookmark_start, bookmark_reached, started_at, finished_at "
                         f"from raw.sync_log where tenant = '{tenant}' and stream = '{stream}' order by started_at")
    keys = ("run_id", "bookmark_start", "bookmark_reached", "started_at", "finished_at")
    return [dict(zip(keys, row)) for row in rows]


def runs_listing(machine, *options: str) -> str:
    done = subprocess.run([sys.executable, "-m", "orchestrate.runs", "--last", "50", *options], cwd=machine.root,
                          env=machine.env, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    return done.stdout


def local_reports(machine) -> dict[str, dict]:
    """A machine's own run reports (beside its run logs), by log file."""
    reports = (json.loads(path.read_text()) for path in Path(machine.env["CALLIO_LOG_DIR"]).glob("runs/*/*.json"))
    return {report["log_file"]: report for report in reports}


def listed_runs(listing: str) -> dict[str, str]:
    """Each run's log file -> its first line, from `orchestrate.runs`."""
    runs, first = {}, None
    for line in listing.splitlines():
        if not line.startswith(" "):
            first = line
        elif line.strip().startswith("log: "):
            runs[line.strip().removeprefix("log: ")] = first
    return runs


def test_sqlite_bookmarks_move_to_postgres_and_another_machine_goes_on_from_them(team, postgres):
    crew = team(shared=True)
    first = crew.machine("a", database_uri=f"sqlite:///{crew.base / 'a-meltano.db'}")
    ran = first.run(first.run_job_command("callio-all"), "all-tenants-on-sqlite")
    assert ran.returncode == 0, ran.tail()
    reached = sync_log(first, "PK", "calls")[-1]["bookmark_reached"]

    moved = subprocess.run([sys.executable, "-m", "orchestrate.state", "--environment=demo", "migrate", "--to",
                            crew.database_uri], cwd=first.root, env=first.env, capture_output=True, text=True,
                           check=False)
    assert moved.returncode == 0, moved.stderr
    assert "state ids copied and read back" in moved.stdout, moved.stdout

    second = crew.machine("b")
    goes_on = second.run(second.run_job_command("callio-calls", "--tenant", "PK", "--verbose"), "pk-on-b")
    assert goes_on.returncode == 0, goes_on.tail()
    assert f"{TENANT_CALLS}: tenant PK's first run of its own starts from its bookmarks" in goes_on.output, \
        goes_on.tail()
    started = sync_log(second, "PK", "calls")[-1]
    assert started["bookmark_start"] == reached, (started, reached)  # neither from the start nor past it
    assert {row[0] for row in second.query("select distinct tenant from raw.sync_log where run_id = "
                                           f"'{started['run_id']}'")} == {"PK"}
    assert_final_tables_match_truth(second, TENANTS, tables=("call_log", "customer"))
    shown = subprocess.run([sys.executable, "-m", "orchestrate.state", "--environment=demo", "show"], cwd=second.root,
                           env=second.env, capture_output=True, text=True, check=True).stdout
    assert TENANT_CALLS in shown and "demo:tap-callio--calls-to-target-duckdb  calls" in shown, shown


def test_one_tenant_on_two_machines_at_once_is_extracted_by_one_at_a_time(team):
    crew = team(shared=True)
    a, b = crew.machine("a"), crew.machine("b")
    ready = a.run(a.run_job_command("callio-all"), "first-sync")
    assert ready.returncode == 0, ready.tail()
    a.sim.set_faults(SLOW_CALLS)
    for machine in (a, b):
        machine.env["TAP_CALLIO_PAGE_SIZE"] = "10"

    first = a.start(a.run_job_command("callio-calls", "--tenant", "PK", "--verbose"), "pk-on-a")
    assert first.wait_for(lambda text: "tenant PK stream calls: reading" in text), first.tail()
    second = b.start(b.run_job_command("callio-calls", "--tenant", "PK", "--verbose"), "pk-on-b")
    assert second.wait_for(lambda text: "waiting:" in text), second.tail()
    said = [line for line in second.output.splitlines() if "waiting:" in line]
    assert re.search(r"callio:demo:extract:PK is held by job callio-calls on \S+ \(PID \d+\)", said[0]), said
    # a's run, still going, is listed as running from b (both "machines" are this host: the
    # runner's process is seen), and is not among the failed
    going = [line for line in listed_runs(runs_listing(b)).values() if " callio-calls (demo) " in line]
    assert len(going) == 1 and going[0].endswith(": running"), going
    assert not listed_runs(runs_listing(b, "--failed")), runs_listing(b, "--failed")

    assert first.kill(), "the first run ended before the kill: the test proves nothing"
    lock = Path(a.env["CALLIO_RUN_LOCK"])
    orphans = run_lock.leftovers(lock.with_name(lock.name + ".pids"))
    deadline = time.monotonic() + 5
    while orphans and time.monotonic() < deadline:  # the killed runner's task still holds the tenant
        assert "task started" not in second.output, "machine b extracted PK beside machine a's task"
        orphans = [p for p in orphans if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.2)
    a.sim.clear_faults()
    assert second.finish() == 0, second.tail()

    runs = sync_log(b, "PK", "calls")
    for earlier, later in zip(runs, runs[1:]):
        assert earlier["finished_at"] <= later["started_at"], f"two extractions of PK overlapped: {runs}"
    assert_final_tables_match_truth(b, TENANTS, tables=("call_log",))

    # "what failed last night?" from either machine: b lists a's runs too, each naming its machine
    on_a, on_b = local_reports(a), local_reports(b)
    assert len(on_a) == 2 and len(on_b) == 1, (on_a.keys(), on_b.keys())
    every = listed_runs(runs_listing(b))
    assert set(every) == set(on_a) | set(on_b), every
    for log_file, report in {**on_a, **on_b}.items():
        assert f" on {report['host']}" in every[log_file], every[log_file]
        expected = "did not finish (killed?)" if report["exit_code"] is None else ": ok"
        assert every[log_file].endswith(expected), (every[log_file], report["exit_code"])
    killed = [log_file for log_file, report in on_a.items() if report["exit_code"] is None]
    assert len(killed) == 1 and set(listed_runs(runs_listing(b, "--failed"))) == set(killed)

    # both machines run the hourly freshness check: the team hears of a stale set once, not per
    # machine; a machine with other accounts (here: PK's only) tells of its own tenants, and neither
    # repeats the other's
    accounts = json.loads(b.accounts_file.read_text())
    pk_only = b.workdir / "accounts-pk.json"
    pk_only.write_text(json.dumps([account for account in accounts if account["tenant"] == "PK"]))
    assert len(accounts) > 1 and pk_only.read_text() != "[]"
    with running_notify_servers() as notified:
        def check(machine, accounts_file: Path) -> None:
            env = {**machine.env, "CALLIO_NOTIFY_URLS": notified.urls(), "CALLIO_ACCOUNTS_FILE": str(accounts_file)}
            checked = subprocess.run([sys.executable, "-m", "orchestrate.freshness", "--environment=demo",
                                      "--max-age-hours", "0"], cwd=machine.root, env=env, capture_output=True,
                                     text=True, check=False)
            assert checked.returncode == 1 and "STALE PK/calls" in checked.stdout, checked.stdout + checked.stderr

        check(a, a.accounts_file)
        check(b, b.accounts_file)
        assert len(notified.received) == 2, [m.title for m in notified.received]  # the webhook and the mailbox, once
        check(b, pk_only)
        check(a, a.accounts_file)
        check(b, pk_only)
        assert len(notified.received) == 4, [m.title for m in notified.received]
        assert "HN/calls" not in notified.received[-1].body and "PK/calls" in notified.received[-1].body


def test_the_database_stopped_mid_run_fails_the_run_and_keeps_the_bookmark(team, postgres):
    crew = team(shared=True)
    a = crew.machine("a")
    ready = a.run(a.run_job_command("callio-calls", "--tenant", "PK"), "first-sync")
    assert ready.returncode == 0, ready.tail()
    before = a.state()[TENANT_CALLS]
    a.sim.set_faults(SLOW_CALLS)
    a.env["TAP_CALLIO_PAGE_SIZE"] = "10"
    a.env["TAP_CALLIO_RECONCILIATION_INTERVAL_HOURS"] = "0"  # re-read days, so the run takes a while
    running = a.start(a.run_job_command("callio-calls", "--tenant", "PK", "--verbose"), "database-goes-down")
    assert running.wait_for(lambda text: "tenant PK stream calls: reading" in text), running.tail()
    postgres.stop()
    try:
        code = running.finish(timeout=300)
    finally:
        postgres.start()
    a.sim.clear_faults()
    assert code != 0, running.tail()
    # the runner ends as after any failure (closing table, saved report), not with a traceback: the
    # dbt step, whose lock is in that database, is not run and says why in one line
    assert "Traceback" not in running.output, running.tail()
    assert re.search(r"FAILED: dbt-duckdb:build \(not run: callio:demo:transform cannot be taken: the system "
                     r"database \(MELTANO_DATABASE_URI\) stopped answering: ", running.output), running.tail()
    assert a.state()[TENANT_CALLS] == before, "a bookmark moved while its database was down"
    again = a.run(a.run_job_command("callio-calls", "--tenant", "PK"), "after-the-database-is-back")
    assert again.returncode == 0, again.tail()
    assert_final_tables_match_truth(a, ["PK"], tables=("call_log",))

    # the report of the run the database went down under was not written there (one line of its
    # log says so); the next run wrote it, so the listing of the team has that run's real end
    went_down = next(report for report in local_reports(a).values() if report["exit_code"] == 1)
    assert "this run's report was not written to the shared system database" in \
        Path(went_down["log_file"]).read_text(), went_down["log_file"]
    failed = listed_runs(runs_listing(a, "--failed"))
    assert list(failed) == [went_down["log_file"]], failed
    assert failed[went_down["log_file"]].endswith(f"FAILED (exit {went_down['exit_code']})"), failed


def test_an_unreachable_system_database_is_one_line_without_its_password(tmp_path):
    """Every command starts with the preflight: a PostgreSQL system database that does not answer is
    one line naming MELTANO_DATABASE_URI, the password masked, exit 2, before Meltano is started."""
    from support.notify_servers import free_port

    from conftest import PROJECT_ROOT, isolated_environment

    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps([{"tenant": "PK", "token": "Tok-Secret-1"}]))
    env = {**isolated_environment(tmp_path), "CALLIO_ACCOUNTS_FILE": str(accounts),
           "MELTANO_DATABASE_URI": f"postgresql+psycopg://callio:Db-Secret-77@127.0.0.1:{free_port()}/meltano"}
    done = subprocess.run([sys.executable, "-m", "orchestrate.preflight", "--environment=demo"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, check=False)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert "MELTANO_DATABASE_URI=postgresql+psycopg://callio:***@127.0.0.1" in lines[0] and "cannot be reached" \
        in lines[0], lines
    assert "Db-Secret-77" not in done.stderr + done.stdout

    # the runs listing says in one line that the team's runs cannot be read, then lists this machine's
    listed = subprocess.run([sys.executable, "-m", "orchestrate.runs", "--failed"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, check=False)
    warned = [line for line in listed.stderr.splitlines() if line.strip()]
    assert listed.returncode == 0 and len(warned) == 1, listed.stderr
    assert "MELTANO_DATABASE_URI=postgresql+psycopg://callio:***@127.0.0.1" in warned[0] and \
        "this machine's runs only" in warned[0], warned
    assert listed.stdout.startswith("no runs recorded under "), listed.stdout
    assert "Db-Secret-77" not in listed.stderr + listed.stdout
