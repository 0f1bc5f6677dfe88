"""Standard Singer/SDK behaviour through the real CLI: --test, catalog
selection, stream maps, state in and out; and the log-masking defence."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from tap_callio.auth import SecretMaskingFilter
from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, bookmark, catalog_with, run_tap


def test_connection_test_mode(small_sim):
    run = run_tap(base_config(small_sim), extra=["--test"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert {s for (kind, s) in run.counts() if kind == "RECORD"} >= {"customers", "calls", "staff", "groups"}


def test_catalog_selection_and_stream_maps(small_sim):
    config = base_config(
        small_sim,
        start_date=iso(small_sim.now() - 3 * DAY_MS),
        stream_maps={"calls": {"fromNumber": None, "row_key": "tenant + ':' + _id"}},
    )
    run = run_tap(config, catalog=catalog_with("calls"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert {s for (kind, s) in run.counts() if kind == "RECORD"} == {"calls", "sync_log"}
    calls = run.records("calls")
    assert calls and all("fromNumber" not in r and r["row_key"] == r["tenant"] + ":" + r["_id"] for r in calls)
    assert {(t, s) for t, s in run.sync_log()} == {("PK", "calls"), ("HN", "calls")}


def test_state_out_is_per_tenant_and_accepted_back(small_sim):
    config = base_config(small_sim, start_date=iso(small_sim.now() - 2 * DAY_MS))
    first = run_tap(config, catalog=catalog_with("customers"))
    partitions = first.final_state["bookmarks"]["customers"]["partitions"]
    assert sorted(p["context"]["tenant"] for p in partitions) == ["HN", "PK"]
    assert all(p["replication_key"] == "updateTime" and isinstance(p["replication_key_value"], int) for p in partitions)
    assert "progress_markers" not in str(first.final_state)
    second = run_tap(config, state=first.final_state, catalog=catalog_with("customers"))
    assert second.returncode == 0
    assert bookmark(second.final_state, "customers", "PK") >= bookmark(first.final_state, "customers", "PK")


def test_masking_filter_replaces_secrets():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Keep()
    handler.addFilter(SecretMaskingFilter(lambda: ["hunter2", "tok-123"]))
    logger = logging.getLogger("tap-callio.test-masking")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning("login with %s and token %s", "hunter2", "tok-123")
    assert records == ["login with *** and token ***"]


MASKING_PROBE = """
import logging, sys
from tap_callio import tap
def logging_sync(self):
    for name in ("tap-callio", "singer_sdk.metrics", "urllib3.connectionpool"):
        logging.getLogger(name).warning("leak attempt %s / %s", "hunter22-pw", "tok-777-static")
tap.TapCallio.sync_all = logging_sync
sys.argv = ["tap-callio", "--config", sys.argv[1]]
tap.main()
"""


def test_secrets_are_masked_on_every_cli_log_handler(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "api_url": "http://127.0.0.1:9",
                "accounts": [
                    {"tenant": "PK", "email": "a@example.com", "password": "hunter22-pw"},
                    {"tenant": "HN", "token": "tok-777-static"},
                ],
            }
        )
    )
    done = subprocess.run(
        [sys.executable, "-c", MASKING_PROBE, str(config)], capture_output=True, text=True, check=True
    )
    assert done.stderr.count("leak attempt *** / ***") == 3
    assert "hunter22-pw" not in done.stderr and "tok-777-static" not in done.stderr
