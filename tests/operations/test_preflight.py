"""Operator mistakes in the configuration: one line naming the setting and its variable, exit 2,
before any request (the simulator counts none) and before any Meltano traceback."""

from __future__ import annotations

import json
import subprocess
import sys

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
    return {
        "project without key": ({"BQ_PROJECT_ID": "p"}, ("SERVICE_ACCOUNT_KEY_FILE", "SERVICE_ACCOUNT_KEY_JSON")),
        "missing key file": ({"BQ_PROJECT_ID": "p", "SERVICE_ACCOUNT_KEY_FILE": str(tmp_path / "nowhere.json")},
                             ("SERVICE_ACCOUNT_KEY_FILE", "no such file")),
        "placeholder project": ({"BQ_PROJECT_ID": "my-gcp-project", "SERVICE_ACCOUNT_KEY_FILE": str(key_file)},
                                ("BQ_PROJECT_ID", "example value")),
        "no project": ({"SERVICE_ACCOUNT_KEY_FILE": str(key_file)}, ("BQ_PROJECT_ID", "BQ_PROJECT_ID=p")),
        "key text not JSON": ({"BQ_PROJECT_ID": "p", "SERVICE_ACCOUNT_KEY_JSON": "{not json"},
                              ("SERVICE_ACCOUNT_KEY_JSON",)),
    }


@pytest.mark.parametrize("case", ["project without key", "missing key file", "placeholder project", "no project",
                                  "key text not JSON"])
def test_bigquery_configuration_is_checked_before_extraction(env, sim, tmp_path, case):
    changes, names = bigquery_cases(tmp_path)[case]
    sim.reset_stats()
    assert_one_line(run_job({**env, **changes}, "--environment=prod", "callio-calls-bq"), sim, *names)
