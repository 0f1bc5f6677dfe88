"""Bad configuration: a clear one-line error before any request is sent (the simulator's
/_sim/stats shows zero requests), no stack trace, and no secret value echoed."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import PROJECT_ROOT

SECRET = "S3cret-Marker-Pw-0042"
TAP_IN_MELTANO = PROJECT_ROOT / ".meltano" / "extractors" / "tap-callio" / "venv" / "bin" / "tap-callio"
TRACEBACK_MARKS = ("Traceback (most recent call last)", "╭─", "Error: Object of type")


def assert_clean_refusal(pipeline, returncode: int, output: str, mentions: str) -> None:
    assert returncode != 0, f"a bad configuration must fail the run:\n{output[-3000:]}"
    assert not any(mark in output for mark in TRACEBACK_MARKS), f"stack trace in the output:\n{output[-3000:]}"
    assert SECRET not in output, "a secret value was echoed"
    errors = [line for line in output.splitlines() if "configuration error" in line.lower() or "invalid" in line.lower()]
    assert any(mentions in line for line in errors), f"no one-line error naming {mentions!r}:\n{output[-3000:]}"
    stats = pipeline.sim.stats()
    assert stats["total"] == 0, f"requests were sent despite the bad configuration: {stats['by_endpoint']}"


def bad_environments(tmp_path):
    """case -> (environment changes, text the error line must name).

    The demo environment names a default accounts file (output/demo-accounts.json), so "no
    accounts" is an accounts file holding an empty list."""
    malformed = '[{"tenant": "PK", "email": "a@b.c", "password": "' + SECRET + '"'
    files = {"empty": "[]", "malformed": malformed}
    for name, text in files.items():
        (tmp_path / f"accounts-{name}.json").write_text(text)
    folder = tmp_path / "accounts-is-a-folder"
    folder.mkdir()
    return {
        "no accounts": ({"CALLIO_ACCOUNTS_FILE": str(tmp_path / "accounts-empty.json")}, "accounts"),
        "accounts file not found": ({"CALLIO_ACCOUNTS_FILE": str(tmp_path / "nowhere.json")}, "accounts_file"),
        "malformed accounts file": ({"CALLIO_ACCOUNTS_FILE": str(tmp_path / "accounts-malformed.json")}, "accounts_file"),
        "malformed accounts JSON variable": ({"CALLIO_ACCOUNTS_FILE": None, "CALLIO_ACCOUNTS_JSON": malformed}, "accounts"),
        "unreadable accounts file": ({"CALLIO_ACCOUNTS_FILE": str(folder)}, "accounts_file"),
        "page size over the limit": ({"TAP_CALLIO_PAGE_SIZE": "501"}, "page_size"),
    }


@pytest.mark.parametrize("case", ["no accounts", "accounts file not found", "malformed accounts file",
                                  "malformed accounts JSON variable", "unreadable accounts file",
                                  "page size over the limit"])
def test_bad_configuration_is_refused_before_any_request(make_pipeline, tmp_path, case):
    pipeline = make_pipeline()
    changes, mentions = bad_environments(tmp_path)[case]
    env = dict(pipeline.env)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    pipeline.sim.reset_stats()
    run = pipeline.meltano("run", "tap-callio--staffgroup", "target-duckdb", name=case.replace(" ", "-"), env=env)
    assert_clean_refusal(pipeline, run.returncode, run.output, mentions)


def test_unknown_setting_is_refused_before_any_request(make_pipeline, tmp_path):
    """A misspelt setting (page_sise) would silently fall back to the default: refuse it.

    Meltano only passes settings it knows, so the installed tap is called directly, the way
    Meltano calls it, with a config file holding the misspelt name."""
    pipeline = make_pipeline()
    config = tmp_path / "tap-config.json"
    config.write_text(json.dumps({"api_url": pipeline.sim.url, "accounts_file": str(pipeline.accounts_file),
                                  "page_sise": 50}))
    pipeline.sim.reset_stats()
    with (tmp_path / "unknown-setting.out").open("w") as out:
        completed = subprocess.run([str(TAP_IN_MELTANO), "--config", str(config)], stdout=out,
                                   stderr=subprocess.PIPE, text=True, timeout=300, check=False)
    assert_clean_refusal(pipeline, completed.returncode, completed.stderr, "page_sise")


def test_old_timeout_variable_is_accepted(make_pipeline):
    """REQUEST_TIMEOUT (the old script's variable, an env alias of request_timeout) is a valid
    setting: the run must work. Meltano 4.4.1 crashes on any `kind: decimal` setting read from
    the environment ("Object of type Decimal is not JSON serializable")."""
    pipeline = make_pipeline()
    env = dict(pipeline.env, REQUEST_TIMEOUT="30")
    run = pipeline.meltano("run", "tap-callio--staffgroup", "target-duckdb", name="old-timeout-variable", env=env)
    assert not any(mark in run.output for mark in TRACEBACK_MARKS), run.tail()
    assert run.returncode == 0, run.tail()


def test_accounts_from_the_old_json_variable_are_accepted(make_pipeline):
    """CALLIO_ACCOUNTS_JSON (the old script's variable, an env alias of `accounts`) holding a
    valid list must work with the jobs' plugin variants (tap-callio--*, inherit_from)."""
    pipeline = make_pipeline()
    env = dict(pipeline.env, CALLIO_ACCOUNTS_JSON=pipeline.accounts_file.read_text())
    env.pop("CALLIO_ACCOUNTS_FILE")
    run = pipeline.meltano("run", "tap-callio--staffgroup", "target-duckdb", name="old-accounts-variable", env=env)
    assert not any(mark in run.output for mark in TRACEBACK_MARKS), run.tail()
    assert run.returncode == 0, run.tail()
    for account in pipeline.sim.accounts:
        assert account["password"] not in run.output
