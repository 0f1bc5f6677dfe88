"""Killed mid-run (SIGKILL, or SIGTERM from a scheduler) and restarted with the last STATE it wrote, the tap
still delivers every record, re-reading at most one slice plus the look-back."""

from __future__ import annotations

import json
import os
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
        # slow every /call answer, so that most moments of the run are mid-slice (the tap writes a
        # page's records, waits for the next page, and writes a slice's STATE after its last page)
        sim.set_faults([{"fault": "slow", "endpoints": ["/call"], "delay": 0.25}])
        catalog = catalog_with("calls")
        with tempfile.TemporaryDirectory() as tmp:
            argv = tap_command(config, Path(tmp), catalog=catalog)
            process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env())
            first_messages, signalled_at = _stop_mid_slice(process, stop_signal, after_states=8)
            process.stdout.close()
        assert process.returncode == returncode
        sim.clear_faults()

        # the stop landed mid-slice: records came after the last STATE written before the signal
        before = first_messages[:signalled_at]
        last_state_index = max(i for i, m in enumerate(before) if m["type"] == "STATE")
        assert any(m["type"] == "RECORD" for m in before[last_state_index:])
        # resumed from the last STATE the tap wrote, as Meltano would store it. On SIGTERM the tap
        # writes its held records and its state once more: a slice that completed between the signal
        # and its handler is in it (its records were written before), so it may be a slice ahead of
        # `before`'s; nothing lost is checked below either way
        states = [m["value"] for m in first_messages if m["type"] == "STATE"]
        last_state = states[-1]
        killed_at = bookmark(last_state, "calls", "PK")
        assert killed_at >= bookmark(before[last_state_index]["value"], "calls", "PK")
        first_ids = {m["record"]["_id"] for m in first_messages if m["type"] == "RECORD" and m["stream"] == "calls"}

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


def _stop_mid_slice(process: subprocess.Popen, stop_signal: signal.Signals,
                    after_states: int) -> tuple[list[dict], int]:
    """Stop the tap with `stop_signal` at a moment when it has written records after its last STATE;
    return every message it wrote and how many it had written when it was signalled.

    What this process has read lags behind what the tap has written (on a busy machine by more than
    a slice), so the moment is judged on a frozen tap: SIGSTOP, read all the pipe holds, and signal
    only when it ends with a whole RECORD line; otherwise let the tap go on and try at its next
    record."""
    fd = process.stdout.fileno()
    messages: list[dict] = []
    pending = b""
    states_seen = 0

    def take(chunk: bytes) -> None:
        nonlocal pending, states_seen
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            if line.startswith(b"{"):
                message = json.loads(line)
                messages.append(message)
                if message["type"] == "STATE" and bookmark(message["value"], "calls", "PK"):
                    states_seen += 1

    deadline = time.monotonic() + 120
    while True:
        chunk = os.read(fd, 1 << 16)
        assert chunk, "the tap ended before it could be stopped mid-slice"
        take(chunk)
        assert time.monotonic() < deadline
        if states_seen < after_states or messages[-1]["type"] != "RECORD":
            continue
        process.send_signal(signal.SIGSTOP)
        os.waitpid(process.pid, os.WUNTRACED)  # frozen: the pipe now holds all it has written
        os.set_blocking(fd, False)
        try:
            while chunk := os.read(fd, 1 << 16):
                take(chunk)
        except BlockingIOError:
            pass
        os.set_blocking(fd, True)
        if not pending and messages[-1]["type"] == "RECORD":
            signalled_at = len(messages)
            process.send_signal(stop_signal)
            process.send_signal(signal.SIGCONT)  # a SIGTERM is handled once the tap runs again
            break
        process.send_signal(signal.SIGCONT)
    while chunk := os.read(fd, 1 << 16):  # what the tap still writes (SIGTERM: the records it held)
        take(chunk)
    process.wait()
    return messages, signalled_at
