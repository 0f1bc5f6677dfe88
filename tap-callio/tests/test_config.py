"""Configuration is checked before any request: one clear line on stderr, a
non-zero exit, no stack trace and no secret; --about and --discover work."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tap_callio.settings import CONFIG_SCHEMA, DEFAULTS

from conftest import TapRun, base_config, catalog_with, logins, run_tap

SECRET = "s3cr3t-Pa55word"
GOOD = [{"tenant": "PK", "email": "a@example.com", "password": SECRET}]


def _check_rejected(run, fragment):
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    error_lines = [line for line in lines if "configuration error" in line]
    assert len(error_lines) == 1, run.stderr
    assert fragment in error_lines[0]
    assert "Traceback" not in run.stderr
    assert SECRET not in run.stderr
    assert not [m for m in run.messages if m["type"] == "RECORD"]


def test_missing_accounts():
    _check_rejected(run_tap({"api_url": "http://127.0.0.1:9"}), "no accounts")


def test_malformed_accounts_file(tmp_path):
    path = tmp_path / "accounts.json"
    path.write_text('[{"tenant": "PK", "email": "a@example.com", "password": "' + SECRET + '"')
    _check_rejected(run_tap({"api_url": "http://127.0.0.1:9", "accounts_file": str(path)}), "not valid JSON")


def test_malformed_accounts_json_text():
    run = run_tap({"api_url": "http://127.0.0.1:9", "accounts": '[{"tenant": "PK", "password": "' + SECRET})
    _check_rejected(run, "not valid JSON")


def test_unreadable_accounts_file(tmp_path):
    run = run_tap({"api_url": "http://127.0.0.1:9", "accounts_file": str(tmp_path / "missing.json")})
    _check_rejected(run, "cannot read accounts_file")


def test_page_size_over_limit():
    _check_rejected(run_tap({"api_url": "http://127.0.0.1:9", "accounts": GOOD, "page_size": 501}), "page_size")


def test_duplicate_tenant_labels():
    accounts = [*GOOD, {"tenant": "PK", "token": SECRET}]
    _check_rejected(run_tap({"api_url": "http://127.0.0.1:9", "accounts": accounts}), "duplicate tenant")


def test_account_without_credentials():
    run = run_tap({"api_url": "http://127.0.0.1:9", "accounts": [{"tenant": "PK", "email": "x@example.com"}]})
    _check_rejected(run, "needs email and password")


def test_wrongly_typed_secret_is_not_echoed():
    run = run_tap(
        {"api_url": "http://127.0.0.1:9", "accounts": [{"tenant": "PK", "email": "a@b.c", "password": 987654321}]}
    )
    _check_rejected(run, "config['accounts'][0]['password'] must be of type")
    assert "987654321" not in run.stderr


def _cli(args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_CALLIO_")}
    env.update(env_extra or {})
    done = subprocess.run(
        [sys.executable, "-m", "tap_callio", *args], capture_output=True, text=True, env=env, check=False
    )
    return TapRun(done.returncode, [], done.stderr)


def test_malformed_config_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"accounts": [{"tenant": "PK", "password": "' + SECRET + '"')
    _check_rejected(_cli(["--config", str(path)]), "not valid JSON")


def test_malformed_accounts_environment_variable():
    run = _cli(["--config", "ENV"], {"TAP_CALLIO_ACCOUNTS": '[{"tenant": "PK", "password": "' + SECRET + '"'})
    _check_rejected(run, "not valid JSON")


def test_accounts_from_environment_variable_are_accepted(tmp_path):
    run = _cli(["--config", "ENV", "--test=schema"], {"TAP_CALLIO_ACCOUNTS": json.dumps(GOOD)})
    assert run.returncode == 0, run.stderr
    assert SECRET not in run.stderr


def test_about_markdown_lists_every_setting():
    done = subprocess.run(
        [sys.executable, "-m", "tap_callio", "--about", "--format=markdown"], capture_output=True, text=True, check=True
    )
    for setting in (
        "accounts",
        "accounts_file",
        "api_url",
        "page_size",
        "start_date",
        "days_to_fetch_if_empty",
        "request_timeout",
        "customers_lookback_ms",
        "calls_lookback_ms",
        "time_slice_ms",
        "min_time_slice_ms",
        "max_records_per_run",
        "max_retries",
        "status_custom_field_key",
    ):
        assert f"| {setting}" in done.stdout, setting


def test_about_json_marks_accounts_secret():
    done = subprocess.run(
        [sys.executable, "-m", "tap_callio", "--about", "--format=json"], capture_output=True, text=True, check=True
    )
    about = json.loads(done.stdout)
    assert about["settings"]["properties"]["accounts"].get("secret") is True


@pytest.mark.parametrize("config", [{}, {"accounts": GOOD}])
def test_discover_needs_no_credentials(tmp_path, config):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    done = subprocess.run(
        [sys.executable, "-m", "tap_callio", "--config", str(path), "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    catalog = json.loads(done.stdout)
    names = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert set(names) == {"customers", "calls", "staff", "groups", "sync_log", "quarantine"}
    assert names["calls"]["key_properties"] == ["tenant", "_id"]
    assert names["sync_log"]["key_properties"] == ["run_id", "tenant", "stream"]
    assert names["customers"]["replication_key"] == "updateTime"
    assert SECRET not in done.stderr


def test_defaults_live_only_in_the_schema():
    """A setting's default is written once, in the settings schema: code reads settings through
    settings.setting() and never carries a fallback of its own (a second default could drift)."""
    package = Path(__file__).resolve().parent.parent / "tap_callio"
    fallback = re.compile(r"""\.get\(\s*["'](\w+)["']\s*,""")
    found = [
        f"{path.name}: {name}"
        for path in sorted(package.glob("*.py"))
        for name in fallback.findall(path.read_text())
        if name in CONFIG_SCHEMA["properties"]
    ]
    assert not found, f"defaults written in code: {found}"
    assert DEFAULTS["page_size"] == 500 and DEFAULTS["calls_lookback_ms"] == 6 * 3_600_000  # 6 h (safety)


# --- labels, lists and dates an operator gets wrong (issue: one tenant's data under another's name)

DECOMPOSED_HA_NOI = "Ha\u0300 N\u00f4\u0323i"  # "Hà Nội" with combining accents


@pytest.mark.parametrize(("accounts", "fragment"), [
    ([*GOOD, {"tenant": "PK ", "token": SECRET}], "spaces around it"),
    ([{"tenant": "H\u00e0 N\u1ed9i", "token": SECRET}, {"tenant": DECOMPOSED_HA_NOI, "token": SECRET}],
     "duplicate tenant label"),
    ([{"tenant": "PK\nINFO forged line", "token": SECRET}], "control character U+000A"),
    ([], "no accounts"),
])
def test_labels_that_would_mix_tenants_or_forge_log_lines_are_refused(accounts, fragment):
    _check_rejected(run_tap({"api_url": "http://127.0.0.1:9", "accounts": accounts}), fragment)


def test_accounts_file_that_is_a_folder_or_an_empty_list(tmp_path):
    _check_rejected(run_tap({"api_url": "http://127.0.0.1:9", "accounts_file": str(tmp_path)}), "is a folder")
    empty = tmp_path / "accounts.json"
    empty.write_text("[]")
    _check_rejected(run_tap({"api_url": "http://127.0.0.1:9", "accounts_file": str(empty)}), "empty list")


def test_accounts_file_written_by_windows_notepad_is_read(clean_sim, tmp_path):
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps(logins(clean_sim)[:1]), encoding="utf-8-sig")  # a byte order mark first
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    config = {**base_config(clean_sim), "accounts_file": str(path)}
    config.pop("accounts", None)
    run = run_tap(config, catalog=catalog_with("groups", "sync_log"))
    assert run.returncode == 0, run.stderr
    assert run.records("groups"), run.stderr


@pytest.mark.parametrize("page_size", [0, -1, 100_000])
def test_page_size_out_of_range(page_size):
    run = run_tap({"api_url": "http://127.0.0.1:9", "accounts": GOOD, "page_size": page_size})
    _check_rejected(run, "page_size must be a whole number from 1 to 500")


@pytest.mark.parametrize(("start_date", "fragment"), [
    ("2026-02-30", "not a real date"),
    ("2999-01-01T00:00:00Z", "in the future"),
])
def test_start_date_that_reads_nothing_is_refused(start_date, fragment):
    run = run_tap({"api_url": "http://127.0.0.1:9", "accounts": GOOD, "start_date": start_date})
    _check_rejected(run, fragment)


def test_tenants_setting_picks_accounts_and_refuses_an_unknown_label(clean_sim):
    run = run_tap(base_config(clean_sim, tenants="HN"), catalog=catalog_with("groups"))
    assert run.returncode == 0, run.stderr
    assert {record["tenant"] for record in run.records("groups")} == {"HN"}
    assert set(run.sync_log()) == {("HN", "groups")}
    _check_rejected(run_tap({"api_url": "http://127.0.0.1:9", "accounts": GOOD, "tenants": ["PK", "XX"]}),
                    "setting tenants names 'XX'")
