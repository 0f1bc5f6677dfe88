"""Killed mid-run (SIGKILL, or SIGTERM from a scheduler) and restarted with the last STATE it wrote, the tap
still delivers every record, re-reading at most one slice plus the look-back."""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from callio_sim.testing import running_simulator
from tap_callio.slicing import iso

from conftest import DAY_MS, _env, base_config, bookmark, catalog_with, run_tap, tap_command, truth_ids

LOOKBACK = 600_000


@pytest.mark.parametrize(("stop_signal", "returncode"), [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 143)])
def test_stop_then_resume_from_last_state_loses_nothing(stop_signal, returncode):
    with running_simulator(seed=5, tenants="PK", customers=20, calls=3000, staff=3, groups=2, days=30) as sim:
        start = sim.now() - 31 * DAY_MS
        config = base_config(sim, start_date=iso(start), page_size=40, time_slice_ms=DAY_MS, calls_lookback_ms=LOOKBACK)
        # slow every /call answer so that the kill lands mid-slice: the tap writes a page's records
        # and, after a slice's last page, its STATE at once; the next page of the slice takes a
        # request. 0.03 s was too short on a busy machine: this process was not scheduled before
        # the tap had finished the slice, and the kill then landed right after its STATE.
        sim.set_faults([{"fault": "slow", "endpoints": ["/call"], "delay": 0.25}])
        catalog = catalog_with("calls")
        first_messages: list[dict] = []
        with tempfile.TemporaryDirectory() as tmp:
            argv = tap_command(config, Path(tmp), catalog=catalog)
            process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_env())
            states_seen = 0
            deadline = time.monotonic() + 120
            for line in process.stdout:
                if not line.startswith("{"):
                    continue
                message = json.loads(line)
                first_messages.append(message)
                if message["type"] == "STATE" and bookmark(message["value"], "calls", "PK"):
                    states_seen += 1
                if states_seen >= 8 and message["type"] == "RECORD":
                    # a record of the next, unfinished slice has been emitted: kill now
                    process.send_signal(stop_signal)
                    break
                assert time.monotonic() < deadline
            # what the tap still writes after the signal (SIGTERM: a final STATE)
            first_messages += [json.loads(line) for line in process.stdout if line.startswith("{")]
            process.wait()
            process.stdout.close()
        assert process.returncode == returncode
        sim.clear_faults()

        states = [m["value"] for m in first_messages if m["type"] == "STATE"]
        last_state = states[-1]
        killed_at = bookmark(last_state, "calls", "PK")
        first_ids = {m["record"]["_id"] for m in first_messages if m["type"] == "RECORD" and m["stream"] == "calls"}
        # records are emitted as they are read: some came after the last STATE
        last_state_index = max(i for i, m in enumerate(first_messages) if m["type"] == "STATE")
        assert any(m["type"] == "RECORD" for m in first_messages[last_state_index:])

        second = run_tap(config, state=last_state, catalog=catalog)
        assert second.returncode == 0, second.stderr[-3000:]
        reached = bookmark(second.final_state, "calls", "PK")
        expected = truth_ids(sim, "PK", "calls", "createTime", upto=reached, since=start)
        got = first_ids | second.ids("calls", "PK")
        assert expected - got == set()
        # the restart began at the last completed slice minus the look-back
        oldest_reread = min(r["createTime"] for r in second.records("calls", "PK"))
        assert oldest_reread >= killed_at + 1 - LOOKBACK
        rows = second.sync_log()
        assert rows[("PK", "calls")]["bookmark_start"] == killed_at
