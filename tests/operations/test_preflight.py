"""Operator mistakes in the configuration: one line naming the setting and its variable, exit 2,
before any request (the simulator counts none) and before any Meltano traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

TRACEBACK = "Traceback (most recent call last)"
GOOD_KEY = {"type": "service_account", "project_id": "p", "client_email": "e@p.iam.gserviceaccount.com",
            "private_key": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n"}


@pytest.fixture
def sim(callio_sim_factory):
    return callio_sim_factory(tenants="PK", customers=5, calls=5, days=1)


@pytest.fixture
def env(isolated_env, sim, tmp_path):
    accounts = tmp_path / "accounts.json"
    sim.write_accounts_file(accounts)
    dotenv = tmp_path / ".env"
    dotenv.write_text("")
    for name in ("MELTANO_ENVIRONMENT", "BQ_PROJECT_ID", "SERVICE_ACCOUNT_KEY_FILE", "SERVICE_ACCOUNT_KEY_JSON"):
        isolated_env.pop(name, None)
    return {**isolated_env, "CALLIO_API_URL": sim.url, "CALLIO_ACCOUNTS_FILE": str(accounts),
            "CALLIO_ENV_FILE": str(dotenv)}


def run_job(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestrate.run_job", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def assert_one_line(done, sim, *names) -> None:
    output = done.stdout + done.stderr
    errors = [line for line in output.splitlines() if line.strip()]
    assert done.returncode == 2, output[-2000:]
    assert TRACEBACK not in output, output[-2000:]
    assert len(errors) == 1 and all(name in errors[0] for name in names), output[-2000:]
    assert sim.stats()["total"] == 0, "a request was sent despite the bad configuration"


@pytest.mark.parametrize(("variable", "value", "names"), [
    ("API_PAGE_SIZE", "abc", ("API_PAGE_SIZE", "page_size", "whole number")),
    ("TAP_CALLIO_PAGE_SIZE", "abc", ("TAP_CALLIO_PAGE_SIZE", "page_size")),
    ("TAP_CALLIO_START_DATE", "01/11/2026", ("TAP_CALLIO_START_DATE", "start_date", "ambiguous")),
    ("TAP_CALLIO_START_DATE", "notadate", ("TAP_CALLIO_START_DATE", "start_date", "not a date")),
    ("CALLIO_API_URL", "127.0.0.1:8765", ("CALLIO_API_URL", "api_url", "scheme")),
])
def test_bad_setting_is_one_line_before_any_request(env, sim, variable, value, names):
    sim.reset_stats()
    assert_one_line(run_job({**env, variable: value}, "--environment=demo", "callio-all"), sim, *names)


def test_unknown_environment_on_the_command_line(env, sim):
    sim.reset_stats()
    assert_one_line(run_job(env, "--environment=prd", "callio-all"), sim, "'prd'", "MELTANO_ENVIRONMENT")


def test_environment_from_the_env_file_is_honoured(env, sim, tmp_path):
    (tmp_path / ".env").write_text("MELTANO_ENVIRONMENT=prd\n")
    sim.reset_stats()
    assert_one_line(run_job(env, "callio-all"), sim, "'prd'", "MELTANO_ENVIRONMENT")
    (tmp_path / ".env").write_text("MELTANO_ENVIRONMENT=prod\n")
    cron = subprocess.run([sys.executable, "-m", "orchestrate.crontab"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, check=True).stdout
    jobs = [line for line in cron.splitlines() if "run_job" in line]
    assert jobs and all("--environment=prod" in line and "-bq" in line for line in jobs), cron


def bigquery_cases(tmp_path) -> dict:
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(GOOD_KEY))
    no_project = tmp_path / "key-without-project.json"
    no_project.write_text(json.dumps({k: v for k, v in GOOD_KEY.items() if k != "project_id"}))
    return {
        "project without key": ({"BQ_PROJECT_ID": "p"}, ("SERVICE_ACCOUNT_KEY_FILE", "SERVICE_ACCOUNT_KEY_JSON")),
        "missing key file": ({"BQ_PROJECT_ID": "p", "SERVICE_ACCOUNT_KEY_FILE": str(tmp_path / "nowhere.json")},
                             ("SERVICE_ACCOUNT_KEY_FILE", "no such file")),
        "placeholder project": ({"BQ_PROJECT_ID": "my-gcp-project", "SERVICE_ACCOUNT_KEY_FILE": str(no_project)},
                                ("BQ_PROJECT_ID", "example value")),
        "no project": ({"SERVICE_ACCOUNT_KEY_FILE": str(no_project)}, ("BQ_PROJECT_ID", "CALLIO_BQ_PROJECT")),
        "key text not JSON": ({"BQ_PROJECT_ID": "p", "SERVICE_ACCOUNT_KEY_JSON": "{not json"},
                              ("SERVICE_ACCOUNT_KEY_JSON",)),
        "two explicit projects": ({"CALLIO_BQ_PROJECT": "a", "TARGET_BIGQUERY_PROJECT": "b",
                                   "SERVICE_ACCOUNT_KEY_FILE": str(key_file)},
                                  ("CALLIO_BQ_PROJECT=a", "TARGET_BIGQUERY_PROJECT=b")),
    }


@pytest.mark.parametrize("case", ["project without key", "missing key file", "placeholder project", "no project",
                                  "key text not JSON", "two explicit projects"])
def test_bigquery_configuration_is_checked_before_extraction(env, sim, tmp_path, case):
    changes, names = bigquery_cases(tmp_path)[case]
    sim.reset_stats()
    assert_one_line(run_job({**env, **changes}, "--environment=prod", "callio-calls-bq"), sim, *names)


def preflight(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestrate.preflight", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("explicit", "chosen"), [({}, "p"), ({"CALLIO_BQ_PROJECT": "rio-system-migration"},
                                                              "rio-system-migration")])
def test_the_old_template_project_does_not_redirect_the_data(env, tmp_path, explicit, chosen):
    """The old script wrote to its key's project_id and used BQ_PROJECT_ID only when the key had
    none; its template sets BQ_PROJECT_ID=rio-system-migration. Unchanged, that .env keeps writing
    to the key's project; another project only when named (CALLIO_BQ_PROJECT); one line says which."""
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(GOOD_KEY))
    done = preflight({**env, "BQ_PROJECT_ID": "rio-system-migration", "SERVICE_ACCOUNT_KEY_FILE": str(key_file),
                      **explicit}, "--environment=prod", "callio-all-bq")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("BigQuery project:")]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"BigQuery project: {chosen},"), lines[0]
    assert "rio-system-migration" in lines[0] and " p" in lines[0].replace(",", " "), lines[0]


def bad_value_cases(tmp_path: Path, accounts: Path) -> dict:
    logins = json.loads(accounts.read_text())
    folder = tmp_path / "accounts-folder"
    folder.mkdir()
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    twins = tmp_path / "twins.json"
    twins.write_text(json.dumps([logins[0], {**logins[0], "tenant": logins[0]["tenant"] + " "}]))
    decomposed = tmp_path / "decomposed.json"
    decomposed.write_text(json.dumps([{**logins[0], "tenant": "H\u00e0 N\u1ed9i"},
                                      {**logins[0], "tenant": "Ha\u0300 N\u00f4\u0323i"}]))
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps([{**logins[0], "tenant": "PK\n2026-12-01 INFO all good"}]))
    return {
        "page size 0": ({"API_PAGE_SIZE": "0"}, ("API_PAGE_SIZE", "page_size", "1 to 500")),
        "page size -1": ({"TAP_CALLIO_PAGE_SIZE": "-1"}, ("TAP_CALLIO_PAGE_SIZE", "1 to 500")),
        "page size 100000": ({"API_PAGE_SIZE": "100000"}, ("API_PAGE_SIZE", "1 to 500")),
        "start date in the future": ({"TAP_CALLIO_START_DATE": "2999-01-01"},
                                     ("TAP_CALLIO_START_DATE", "in the future")),
        "30 February": ({"TAP_CALLIO_START_DATE": "2026-02-30"}, ("TAP_CALLIO_START_DATE", "not a real date")),
        # dev: no accounts file of its own (demo names the simulator's)
        "no accounts": ({"CALLIO_ACCOUNTS_FILE": "", "MELTANO_ENVIRONMENT": "dev"},
                        ("CALLIO_ACCOUNTS_JSON", "CALLIO_ACCOUNTS_FILE")),
        "missing accounts file": ({"CALLIO_ACCOUNTS_FILE": str(tmp_path / "nowhere.json")},
                                  ("CALLIO_ACCOUNTS_FILE", "cannot read", "nowhere.json")),
        "accounts file is a folder": ({"CALLIO_ACCOUNTS_FILE": str(folder)}, ("CALLIO_ACCOUNTS_FILE", "a folder")),
        "empty account list": ({"CALLIO_ACCOUNTS_FILE": str(empty)}, ("CALLIO_ACCOUNTS_FILE", "empty list")),
        "label with a trailing space": ({"CALLIO_ACCOUNTS_FILE": str(twins)},
                                        ("CALLIO_ACCOUNTS_FILE", "spaces around it")),
        "composed and decomposed label": ({"CALLIO_ACCOUNTS_FILE": str(decomposed)},
                                          ("CALLIO_ACCOUNTS_FILE", "duplicate tenant label")),
        "label with a newline": ({"CALLIO_ACCOUNTS_FILE": str(forged)},
                                 ("CALLIO_ACCOUNTS_FILE", "control character U+000A")),
        "inline duplicate labels": ({"CALLIO_ACCOUNTS_JSON": json.dumps([logins[0], logins[0]]),
                                     "CALLIO_ACCOUNTS_FILE": ""}, ("CALLIO_ACCOUNTS_JSON", "duplicate tenant label")),
    }


@pytest.mark.parametrize("case", ["page size 0", "page size -1", "page size 100000", "start date in the future",
                                  "30 February", "no accounts", "missing accounts file", "accounts file is a folder",
                                  "empty account list", "label with a trailing space",
                                  "composed and decomposed label", "label with a newline",
                                  "inline duplicate labels"])
def test_a_value_the_tap_would_refuse_is_one_line_before_any_request(env, sim, tmp_path, case):
    changes, names = bad_value_cases(tmp_path, Path(env["CALLIO_ACCOUNTS_FILE"]))[case]
    sim.reset_stats()
    environment = changes.get("MELTANO_ENVIRONMENT", "demo")
    assert_one_line(run_job({**env, **changes}, f"--environment={environment}", "callio-all"), sim, *names)


def test_an_env_line_python_dotenv_cannot_read_is_named(env, sim, tmp_path):
    """An unescaped JSON value (the old template's shape without its quotes) is skipped by
    python-dotenv with a warning nobody sees, so the variable would silently be unset."""
    dotenv = Path(env["CALLIO_ENV_FILE"])
    dotenv.write_text('LOG_LEVEL=INFO\nCALLIO_ACCOUNTS_JSON="[{"tenant": "PK", "email": "a@b.c"}]\n')
    sim.reset_stats()
    done = run_job(env, "--environment=demo", "callio-all")
    assert_one_line(done, sim, "line 2", "CALLIO_ACCOUNTS_JSON", "python-dotenv")


def test_windows_notepad_accounts_file_and_a_record_cap(env, tmp_path):
    """A UTF-8 byte order mark (Windows Notepad writes one) is accepted; a record cap passes the
    check but is named in a warning (a run stopped at it ends BEHIND, exit 3)."""
    accounts = Path(env["CALLIO_ACCOUNTS_FILE"])
    accounts.write_text(accounts.read_text(), encoding="utf-8-sig")
    done = preflight({**env, "LIMIT_RECORDS_PER_ENDPOINT": "500"}, "--environment=demo", "callio-all")
    assert done.returncode == 0, done.stderr
    assert "configuration ok" in done.stdout
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "LIMIT_RECORDS_PER_ENDPOINT=500" in warnings[0] and "exit 3" in warnings[0], warnings


def test_a_tenant_no_account_has_is_refused_in_one_line(env, sim):
    sim.reset_stats()
    done = run_job(env, "--environment=demo", "--tenant", "HCM", "callio-all")
    assert_one_line(done, sim, "--tenant 'HCM'", "choose one of PK")


def test_report_tenants_that_no_account_has_are_named_in_a_warning(env):
    """CALLIO_REPORT_TENANTS (the tenants of fact_staff_daily_PK) with a label no account has: the
    run goes on, but a warning names the label and the accounts' labels (its report would stay empty)."""
    known = preflight({**env, "CALLIO_REPORT_TENANTS": " PK "}, "--environment=demo", "callio-all")
    assert known.returncode == 0 and not known.stderr.strip(), known.stderr
    done = preflight({**env, "CALLIO_REPORT_TENANTS": "PK, HCM"}, "--environment=demo", "callio-all")
    assert done.returncode == 0 and "configuration ok" in done.stdout, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "CALLIO_REPORT_TENANTS" in warnings[0] and "'HCM'" in warnings[0], warnings
    assert "'PK'" not in warnings[0] and "(PK)" in warnings[0], warnings


def test_the_online_check_logs_in_each_tenant_and_names_the_one_refused(env, sim, tmp_path):
    done = preflight(env, "--environment=demo", "--online", "callio-all")
    assert done.returncode == 0 and "configuration ok" in done.stdout, done.stderr
    accounts = json.loads(Path(env["CALLIO_ACCOUNTS_FILE"]).read_text())
    accounts[0]["password"] = "wrong-password-77"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(accounts))
    refused = preflight({**env, "CALLIO_ACCOUNTS_FILE": str(wrong)}, "--environment=demo", "--online", "callio-all")
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert refused.returncode == 2 and len(lines) == 1, refused.stderr
    assert f"tenant {accounts[0]['tenant']}" in lines[0] and accounts[0]["email"] in lines[0], lines
    assert "CALLIO_ACCOUNTS_FILE" in lines[0] and "wrong-password-77" not in refused.stderr
    unreachable = preflight({**env, "CALLIO_API_URL": "http://127.0.0.1:9"}, "--environment=demo", "--online",
                            "callio-all")
    assert unreachable.returncode == 2 and "cannot be reached" in unreachable.stderr, unreachable.stderr


def test_a_notifier_that_fails_or_hangs_changes_nothing_but_one_warning(env, sim):
    """A night refused by its configuration is a night that failed: it is notified. A notifier that
    refuses the connection or never answers costs one warning line within CALLIO_NOTIFY_TIMEOUT,
    and the exit code stays the job's own; the URL's secret is never printed."""
    from support.notify_servers import free_port, silent_server

    bad = {**env, "API_PAGE_SIZE": "0"}
    refused = run_job({**bad, "CALLIO_NOTIFY_URLS": f"json://127.0.0.1:{free_port()}/Hook-Secret-1"},
                      "--environment=demo", "callio-all")
    assert refused.returncode == 2, refused.stderr
    warned = [line for line in refused.stderr.splitlines() if "notification" in line]
    assert len(warned) == 1 and "JSON" in warned[0] and "Hook-Secret-1" not in refused.stderr, refused.stderr
    with silent_server() as port:
        hung = run_job({**bad, "CALLIO_NOTIFY_URLS": f"json://127.0.0.1:{port}/Hook-Secret-2",
                        "CALLIO_NOTIFY_TIMEOUT": "3"}, "--environment=demo", "callio-all")
    assert hung.returncode == 2, hung.stderr
    warned = [line for line in hung.stderr.splitlines() if "notification" in line]
    assert len(warned) == 1 and "not sent within 3 s (CALLIO_NOTIFY_TIMEOUT)" in warned[0], hung.stderr
    assert "Hook-Secret-2" not in hung.stderr
