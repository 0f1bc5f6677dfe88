"""Records that cannot be repaired are dropped, counted and logged with tenant,
stream and id or position, never raised (edge case the simulator never serves,
so a tiny local HTTP server sends it)."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from tap_callio.slicing import iso

from conftest import DAY_MS, catalog_with, run_tap

NOW = int(time.time() * 1000)
GOOD = {"_id": "a" * 24, "createTime": str(NOW - 3_600_000), "fromUser": "{'_id': 'u1', 'name': 'An'}"}
DOCS = [
    GOOD,
    {"createTime": NOW - 3_600_000, "name": "no id"},
    {"_id": "b" * 24, "createTime": "yesterday"},
    "not an object",
]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        docs = DOCS if self.path.startswith("/call?") else []
        body = json.dumps({"docs": docs, "totalDocs": len(docs), "hasNextPage": False, "page": "1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def broken_api():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_unrepairable_records_are_dropped_counted_and_logged(broken_api):
    config = {
        "api_url": broken_api,
        "accounts": [{"tenant": "PK", "token": "static-token-xyz"}],
        "start_date": iso(NOW - DAY_MS),
        "time_slice_ms": 2 * DAY_MS,
    }
    run = run_tap(config, catalog=catalog_with("calls"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert [r["_id"] for r in run.records("calls")] == ["a" * 24]
    record = run.records("calls")[0]
    assert record["fromUser"]["name"] == "An" and isinstance(record["createTime"], int)
    dropped = [line for line in run.stderr.splitlines() if "dropped record" in line]
    assert len(dropped) == 3
    assert all("tenant PK stream calls" in line for line in dropped)
    assert any("at position 1" in line and "no _id" in line for line in dropped)
    assert any("b" * 24 in line and "createTime" in line for line in dropped)
    assert any("at position 3" in line for line in dropped)
    summary = next(line.split() for line in run.stderr.splitlines() if line.split()[-6:-4] == ["PK", "calls"])
    assert summary[-4:-1] == ["OK", "1", "3"]  # status, records read, dropped
    assert "static-token-xyz" not in run.stderr
