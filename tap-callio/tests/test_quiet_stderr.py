"""stderr is quiet by default (no METRIC line per request, no "Pagination stopped" line per empty
slice: a default run of three tenants prints fewer than 150 lines), metrics come on request
(metrics_log_level), and `tap-callio --test` exits 0 without an ERROR line."""

from __future__ import annotations

import json

import pytest

from callio_sim.testing import running_simulator

from conftest import base_config, run_tap

TENANTS = "PK,HN,SG"


@pytest.fixture(scope="module")
def three_tenants():
    # default 30 days of slices per stream and tenant, small volumes
    with running_simulator(seed=11, tenants=TENANTS, customers=150, calls=450, staff=8, groups=3) as sim:
        yield sim


def _default_config(sim, **overrides):
    config = base_config(sim, **overrides)
    del config["days_to_fetch_if_empty"]  # the default look-back: 30 day slices per stream
    return config


def test_a_default_run_of_three_tenants_is_quiet(three_tenants):
    run = run_tap(_default_config(three_tenants))
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stderr.splitlines()
    assert len(lines) < 150, f"{len(lines)} stderr lines"
    assert not [line for line in lines if "METRIC" in line]
    assert not [line for line in lines if "Pagination stopped" in line]
    assert {r["tenant"] for r in run.records("calls")} == set(TENANTS.split(","))


def test_metrics_on_request(three_tenants):
    run = run_tap(_default_config(three_tenants, metrics_log_level="INFO"), extra=["--test"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert [line for line in run.stderr.splitlines() if "METRIC" in line and "http_request_duration" in line]


def test_connection_test_is_clean(three_tenants):
    run = run_tap(_default_config(three_tenants), extra=["--test"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert not [line for line in run.stderr.splitlines() if "ERROR" in line], run.stderr
    assert {m["stream"] for m in run.messages if m["type"] == "RECORD"} >= {"customers", "calls", "staff", "groups"}


STRUCTURED_LOGGING = """
version: 1
disable_existing_loggers: false
formatters:
  structured:
    (): singer_sdk.logging.StructuredFormatter
handlers:
  stderr:
    class: logging.StreamHandler
    formatter: structured
    stream: ext://sys.stderr
root:
  level: INFO
  handlers: [stderr]
"""


def test_structured_logging_through_the_sdk_log_config(three_tenants, tmp_path, monkeypatch):
    """The advertised `structured-logging` capability: SINGER_SDK_LOG_CONFIG with the SDK's
    StructuredFormatter turns every stderr line into a JSON object."""
    (tmp_path / "logging.yaml").write_text(STRUCTURED_LOGGING)
    monkeypatch.setenv("SINGER_SDK_LOG_CONFIG", str(tmp_path / "logging.yaml"))
    run = run_tap(_default_config(three_tenants), extra=["--test"])
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [json.loads(line) for line in run.stderr.splitlines()]
    assert lines and all(line["level"] in ("info", "warning") for line in lines), lines[:3]
    assert any("connection test done" in line["message"] for line in lines)
