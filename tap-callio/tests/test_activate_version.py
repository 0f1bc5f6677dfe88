"""ACTIVATE_VERSION (emit_activate_version_messages): sent for the snapshot streams after the last
tenant's records, only when every tenant's snapshot was complete; never for sync_log (an audit
log whose earlier rows must stay) nor for the incremental streams."""

from __future__ import annotations

from conftest import base_config, catalog_with, logins, run_tap


def _stream_order(run) -> list[tuple[str, str]]:
    return [(m["type"], m["stream"]) for m in run.messages if m["type"] in ("RECORD", "ACTIVATE_VERSION")]


def test_snapshot_streams_are_activated_after_their_records(small_sim):
    config = base_config(small_sim, emit_activate_version_messages=True)
    run = run_tap(config, catalog=catalog_with("staff", "groups", "calls"))
    assert run.returncode == 0, run.stderr[-2000:]
    activations = [m for m in run.messages if m["type"] == "ACTIVATE_VERSION"]
    assert [m["stream"] for m in activations] == ["staff", "groups"]
    order = _stream_order(run)
    for message in activations:
        stream = message["stream"]
        position = order.index(("ACTIVATE_VERSION", stream))
        records = [m for m in run.messages if m["type"] == "RECORD" and m["stream"] == stream]
        assert {r["record"]["tenant"] for r in records} == {"PK", "HN"}
        # every record of the stream comes before its activation and carries its version
        assert all(i < position for i, item in enumerate(order) if item == ("RECORD", stream))
        assert {r["version"] for r in records} == {message["version"]}


def test_no_activation_when_a_tenant_snapshot_failed(small_sim):
    accounts = [*logins(small_sim, ["PK"]), {"tenant": "HN", "email": "nobody@example.com", "password": "wrong"}]
    config = base_config(small_sim, accounts=accounts, emit_activate_version_messages=True)
    run = run_tap(config, catalog=catalog_with("staff"))
    assert run.returncode == 1  # HN failed
    assert run.records("staff", "PK")
    assert not [m for m in run.messages if m["type"] == "ACTIVATE_VERSION"]
    warning = [line for line in run.stderr.splitlines() if "no ACTIVATE_VERSION" in line]
    assert len(warning) == 1 and "HN" in warning[0], run.stderr[-2000:]
