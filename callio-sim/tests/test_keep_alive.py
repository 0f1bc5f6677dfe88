"""Replies on a kept-alive connection must not stall (Nagle's algorithm against delayed ACKs).

The test asserts on the cause, not on time (timing depends on the machine's load): each accepted
socket has TCP_NODELAY set, and one kept-alive connection carries many small replies in order.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from callio_sim.app import Simulator
from callio_sim.cli import build_parser, config_from_args
from callio_sim.server import Handler, serve


@pytest.fixture
def in_process_server(monkeypatch):
    """The real server in this process, so the test can look at the sockets it accepts."""
    nodelay_flags: list[int] = []
    original_setup = Handler.setup

    def recording_setup(self):
        original_setup(self)
        nodelay_flags.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(Handler, "setup", recording_setup)
    sim = Simulator(config_from_args(build_parser().parse_args(
        ["--tenants", "PK", "--customers", "50", "--calls", "200", "--seed", "1"])))
    server = serve(sim, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield sim, server.server_address[1], nodelay_flags
    finally:
        server.shutdown()
        server.server_close()


def test_small_replies_on_a_kept_alive_connection(in_process_server):
    sim, port, nodelay_flags = in_process_server
    account = sim.accounts_report(with_tokens=False)[0]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/auth/login", body=json.dumps(
        {"email": account["email"], "password": account["password"]}),
        headers={"Content-Type": "application/json"})
    token = json.loads(conn.getresponse().read())["token"]
    ids = []
    for page in range(1, 21):
        conn.request("GET", f"/call?page={page}&pageSize=1", headers={"token": token})
        reply = conn.getresponse()
        assert reply.status == 200
        ids.append(json.loads(reply.read())["docs"][0]["_id"])
    conn.close()
    assert len(set(ids)) == 20
    assert nodelay_flags == [1], "one kept-alive connection, accepted with TCP_NODELAY"
