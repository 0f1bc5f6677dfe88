"""An existing .env of the old script (python -m callio_etl) works unchanged: every variable it
read reaches its new home, or is refused with one line naming where it went.

The .env below sets a non-default value for every variable of the old script; the effective
values are read back the way an operator would: `meltano config print` for the plugins,
`orchestrate.preflight --show` and `orchestrate.daemon --list` for the slots and the log level,
and `orchestrate.crontab` for the generated lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import PROJECT_ROOT, meltano_bin

KEY = {"type": "service_account", "project_id": "old-project",
       "client_email": "etl@old-project.iam.gserviceaccount.com",
       "private_key": "-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n"}
OLD_NAMES = ("CALLIO_API_BASE_URL", "API_TIMEOUT", "API_PAGE_SIZE", "API_TIME_SLICE_MS", "API_MIN_SLICE_MS",
             "CALLIO_ACCOUNTS_JSON", "CALLIO_ACCOUNTS_FILE", "SERVICE_ACCOUNT_KEY_JSON", "SERVICE_ACCOUNT_KEY_FILE",
             "BQ_PROJECT_ID", "BQ_DATASET_ID", "BQ_LOCATION", "LOG_LEVEL", "LIMIT_RECORDS_PER_ENDPOINT",
             "SCHEDULER_RUN_TIMES_UTC", "SCHEDULER_STAFF_GROUP_TIME_UTC", "OVERLAP_MS", "DAYS_TO_FETCH_IF_EMPTY")


def old_dotenv(key_file) -> str:
    # As the old template wrote it: quoted JSON, lower-case log level (the old code upper-cased it).
    return f"""# .env of callio_etl
CALLIO_API_BASE_URL=http://callio.example.test:9000
API_TIMEOUT=45
API_PAGE_SIZE=200
API_TIME_SLICE_MS=43200000
API_MIN_SLICE_MS=1800000
CALLIO_ACCOUNTS_JSON='[{{"tenant":"PK","email":"pk@example.com","password":"old-pw-123"}}]'
SERVICE_ACCOUNT_KEY_FILE={key_file}
BQ_PROJECT_ID=old-project
BQ_DATASET_ID=old_dataset
BQ_LOCATION=US
LOG_LEVEL=warning
LIMIT_RECORDS_PER_ENDPOINT=500
SCHEDULER_RUN_TIMES_UTC=01:00,05:30,09:00
SCHEDULER_STAFF_GROUP_TIME_UTC=05:30
OVERLAP_MS=240000
DAYS_TO_FETCH_IF_EMPTY=14
"""


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("legacy")
    key_file = folder / "service-account.json"
    key_file.write_text(json.dumps(KEY))
    dotenv = folder / ".env"
    dotenv.write_text(old_dotenv(key_file))
    ours = ("TAP_CALLIO", "TARGET_", "DBT_", "MELTANO_", "CALLIO_")
    env = {k: v for k, v in os.environ.items() if k not in OLD_NAMES and not k.startswith(ours)}
    env.update({"CALLIO_ENV_FILE": str(dotenv), "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", "TZ": "Asia/Ho_Chi_Minh",
                "CALLIO_LOG_DIR": str(folder / "logs")})
    return env, dotenv, key_file


def run(command, env) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False)


def config(env, dotenv, plugin) -> dict:
    done = run([meltano_bin(), "--environment=prod", f"--env-file={dotenv}", "config", "print", plugin,
                "--format=json"], env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_plugin_settings_come_from_the_old_names(legacy):
    env, dotenv, key_file = legacy
    tap = config(env, dotenv, "tap-callio")
    assert tap["api_url"] == "http://callio.example.test:9000"
    assert tap["request_timeout"] == 45
    assert tap["page_size"] == 200
    assert tap["time_slice_ms"] == 43200000
    assert tap["min_time_slice_ms"] == 1800000
    assert tap["max_records_per_run"] == 500
    assert tap["customers_lookback_ms"] == 240000
    assert tap["days_to_fetch_if_empty"] == 14
    assert tap["accounts"] == "*****"  # set (Meltano masks secrets)
    target = config(env, dotenv, "target-bigquery")
    assert (target["project"], target["location"], target["credentials_path"]) == ("old-project", "US", str(key_file))
    dbt = config(env, dotenv, "dbt-bigquery")
    assert (dbt["project"], dbt["dataset"], dbt["location"], dbt["keyfile"]) == (
        "old-project", "old_dataset", "US", str(key_file))


def test_orchestrator_reads_log_level_and_slots_from_the_old_names(legacy):
    env, _, _ = legacy
    shown = run([sys.executable, "-m", "orchestrate.preflight", "--environment=prod", "--show", "callio-all-bq"], env)
    assert shown.returncode == 0, shown.stderr
    assert "log level: warning (LOG_LEVEL)" in shown.stdout
    listed = run([sys.executable, "-m", "orchestrate.daemon", "--environment=prod", "--list"], env)
    assert listed.returncode == 0, listed.stderr
    slots = sorted((line.split()[1], line.split()[2], line.split()[8]) for line in listed.stdout.splitlines())
    # minute, hour (UTC), job: staff + groups ride along at 05:30, customers + calls at every time
    # and the hourly freshness check (orchestrate.freshness) at minute 15
    assert slots == [("0", "1", "callio-customers-calls-bq"), ("0", "9", "callio-customers-calls-bq"),
                     ("15", "*", "freshness"), ("30", "5", "callio-all-bq")], listed.stdout


def test_generated_cron_lines_fire_at_the_old_utc_times_on_a_vietnamese_clock(legacy):
    env, _, _ = legacy
    done = run([sys.executable, "-m", "orchestrate.crontab", "--environment=prod"], env)
    assert done.returncode == 0, done.stderr
    lines = [line.split(" ", 5) for line in done.stdout.splitlines() if line and not line.startswith("#")]
    entries = [e for e in lines if e[1] != "*"]
    assert [(e[0], e[1]) for e in lines if e[1] == "*"] == [("15", "*")]  # the hourly freshness check
    # Asia/Ho_Chi_Minh is UTC+7 all year: 01:00, 05:30, 09:00 UTC are 08:00, 12:30, 16:00 local.
    assert sorted((e[1], e[0], e[5].split("--environment=prod ")[1].split()[0]) for e in entries) == [
        ("12", "30", "callio-all-bq"), ("16", "0", "callio-customers-calls-bq"),
        ("8", "0", "callio-customers-calls-bq")]
    assert "CRON_TZ" not in done.stdout
    assert all("mkdir -p logs" in e[5] and f"cd {PROJECT_ROOT}" in e[5] for e in entries)


@pytest.mark.parametrize(("changes", "named"), [
    ({"CALLIO_ACCOUNTS_FILE": "/etc/callio/accounts.json"}, "CALLIO_ACCOUNTS_FILE and CALLIO_ACCOUNTS_JSON"),
    ({"SCHEDULER_RUN_TIMES_UTC": "2:30pm"}, "SCHEDULER_RUN_TIMES_UTC"),
    ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
])
def test_old_values_this_pipeline_reads_differently_are_refused_in_one_line(legacy, changes, named):
    env, _, _ = legacy
    done = run([sys.executable, "-m", "orchestrate.preflight", "--environment=prod", "callio-all-bq"],
               {**env, **changes})
    errors = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(errors) == 1 and named in errors[0], done.stderr


def test_old_single_slice_value_is_accepted_as_no_limit(legacy):
    """The old script's API_TIME_SLICE_MS=0 (one slice) means no longest slice here too: slices
    are sized from the API's counts, the bookmark still moves slice by slice."""
    env, _, _ = legacy
    done = run([sys.executable, "-m", "orchestrate.preflight", "--environment=prod", "callio-all-bq"],
               {**env, "API_TIME_SLICE_MS": "0"})
    assert done.returncode == 0, done.stderr
