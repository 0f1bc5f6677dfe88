"""STATE reaches stdout only once every record before it is committed: held while its batch is
open, emitted in order after each commit, and a load killed at any point has printed no state
whose records are not in the table."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time

from conftest import LOADER, rows, rows_if_any, schema_message, state, write_config

PROPERTIES = {"tenant": {"type": "string"}, "_id": {"type": "string"}, "n": {"type": "integer"}}


def _line(message: dict) -> bytes:
    return (json.dumps(message) + "\n").encode()


def _start(tmp_path, database, batch_size_rows: int) -> subprocess.Popen:
    config = write_config(tmp_path / "config.json", database, batch_size_rows=batch_size_rows)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return subprocess.Popen([LOADER, "--config", str(config)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env={"TMPDIR": str(tmp_path / "tmp"), "PATH": "/usr/bin:/bin"})


def _records(first: int, count: int) -> bytes:
    return b"".join(_line({"type": "RECORD", "stream": "calls", "record": {"tenant": "PK", "_id": str(i), "n": i}})
                    for i in range(first, first + count))


def _readable(pipe, seconds: float) -> bool:
    return bool(select.select([pipe], [], [], seconds)[0])


def test_state_is_held_while_its_batch_is_open(tmp_path, database):
    loader = _start(tmp_path, database, batch_size_rows=1000)
    loader.stdin.write(_line(schema_message("calls", PROPERTIES)) + _records(0, 300) + _line(state({"sent": 300})))
    loader.stdin.flush()

    assert not _readable(loader.stdout, 2.0), "a state was printed before its records were committed"
    loader.stdin.close()
    printed = loader.stdout.read().decode().splitlines()

    assert loader.wait(timeout=60) == 0
    assert [json.loads(line) for line in printed] == [{"sent": 300}]
    assert len(rows(database, "raw.calls")) == 300


def test_every_state_is_printed_in_order_after_its_batch(tmp_path, database):
    loader = _start(tmp_path, database, batch_size_rows=1000)
    sent = []
    payload = _line(schema_message("calls", PROPERTIES))
    for first in range(0, 2500, 500):
        payload += _records(first, 500) + _line(state({"sent": first + 500}))
        sent.append({"sent": first + 500})
    out, _ = loader.communicate(payload, timeout=120)

    assert loader.returncode == 0
    assert [json.loads(line) for line in out.decode().splitlines()] == sent
    assert len(rows(database, "raw.calls")) == 2500


def test_a_load_killed_mid_way_has_acknowledged_only_what_it_committed(tmp_path, database):
    loader = _start(tmp_path, database, batch_size_rows=1000)
    loader.stdin.write(_line(schema_message("calls", PROPERTIES)))
    printed: list[dict] = []
    for first in range(0, 2500, 100):  # a state after every 100 records; batches of 1000
        loader.stdin.write(_records(first, 100) + _line(state({"sent": first + 100})))
    loader.stdin.flush()
    deadline = time.monotonic() + 60
    while not printed and time.monotonic() < deadline:  # the first batch committed
        if _readable(loader.stdout, 0.5):
            printed.append(json.loads(loader.stdout.readline()))
    os.kill(loader.pid, signal.SIGKILL)  # 2500 records sent, the third batch still open
    loader.wait(timeout=30)
    printed += [json.loads(line) for line in loader.stdout.read().decode().splitlines()]
    loader.stdin.close()

    landed = len(rows_if_any(database, "raw.calls"))
    assert printed, "no batch committed within a minute"
    assert landed % 1000 == 0  # whole batches only: each is one transaction
    assert max(p["sent"] for p in printed) <= landed  # no state ahead of the committed records
