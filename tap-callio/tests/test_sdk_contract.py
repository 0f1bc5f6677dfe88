"""The private Singer SDK members tap-callio relies on, and the SDK behaviour its design assumes.
An SDK upgrade that changes any of them fails here, loudly, instead of silently breaking
bookmarks or the concurrent read (client.py get_records, streams.py IncrementalStream)."""

from __future__ import annotations

import inspect
import io
import json
import typing as t

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.streams import RESTStream

from tap_callio.client import CallioStream
from tap_callio.streams import IncrementalStream

EVENTS: list[tuple] = []


class ProbeStream(Stream):
    name = "probe"
    replication_key = "k"
    schema = th.PropertiesList(th.Property("tenant", th.StringType), th.Property("k", th.IntegerType)).to_dict()

    @property
    def partitions(self) -> list[dict]:
        return [{"tenant": "A"}, {"tenant": "B"}]

    def get_records(self, context: dict | None) -> t.Iterable[dict]:
        EVENTS.append(("get_records", context["tenant"]))
        yield {"tenant": context["tenant"], "k": 1}
        EVENTS.append(("get_records done", context["tenant"]))

    def _increment_stream_state(self, latest_record: dict, *, context: dict | None = None) -> None:
        EVENTS.append(("increment", latest_record["tenant"]))


class ProbeTap(Tap):
    name = "probe-tap"
    config_jsonschema = th.PropertiesList().to_dict()

    def discover_streams(self) -> list[Stream]:
        return [ProbeStream(tap=self)]


def _sync_probe(monkeypatch) -> list[dict]:
    EVENTS.clear()
    tap = ProbeTap(config={}, validate_config=False)
    stream = tap.streams["probe"]
    finalize = stream.state_manager.finalize_state

    def recording_finalize(state: dict | None = None) -> None:
        EVENTS.append(("finalize", (state or {}).get("context", {}).get("tenant")))
        finalize(state)

    monkeypatch.setattr(stream.state_manager, "finalize_state", recording_finalize)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    stream.sync()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_partitions_are_synced_one_after_the_other_and_finalized_after_each(monkeypatch):
    # client.py CallioStream.get_records: the first call starts every tenant, each call returns
    # when its own tenant is done, because the SDK finalizes a partition's state right after it.
    _sync_probe(monkeypatch)
    assert EVENTS[:4] == [("get_records", "A"), ("increment", "A"), ("get_records done", "A"), ("finalize", "A")]
    assert EVENTS[4:8] == [("get_records", "B"), ("increment", "B"), ("get_records done", "B"), ("finalize", "B")]


def test_increment_stream_state_is_called_for_every_record(monkeypatch):
    # IncrementalStream._increment_stream_state (private) is overridden to keep bookmarks per slice.
    _sync_probe(monkeypatch)
    assert [e for e in EVENTS if e[0] == "increment"] == [("increment", "A"), ("increment", "B")]
    assert "_increment_stream_state" in IncrementalStream.__dict__


def test_write_state_message_writes_only_unflushed_state(monkeypatch):
    # IncrementalStream._save_bookmark sets state_manager.is_flushed = False, then calls the
    # private _write_state_message, which must write one STATE and mark the state flushed.
    tap = ProbeTap(config={}, validate_config=False)
    stream = tap.streams["probe"]
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    stream.state_manager.is_flushed = False
    stream._write_state_message()
    stream._write_state_message()  # flushed: nothing more
    states = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [m["type"] for m in states] == ["STATE"]
    assert stream.state_manager.is_flushed is True


def test_rest_stream_members_used_by_the_client_exist():
    # client.py overrides RESTStream._request and calls _write_request_duration_log; it replaces
    # requests_session (one session per tenant), which the SDK uses to prepare and send requests.
    assert callable(RESTStream._request)
    assert callable(RESTStream._write_request_duration_log)
    assert isinstance(inspect.getattr_static(RESTStream, "requests_session"), property)
    assert "requests_session" in RESTStream.build_prepared_request.__code__.co_names
    assert "requests_session" in RESTStream._request.__code__.co_names
    assert isinstance(CallioStream.__dict__["requests_session"], property)
