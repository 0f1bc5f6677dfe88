"""tests/support/tap_output.py builds sample Singer data with the tap's own record builders and
schemas, for suites whose venvs lack the Singer SDK. The few facts it must repeat (key
properties, which streams are snapshots, the default status key, the stream order) are checked
here against the tap itself, so a change to the tap fails this test instead of drifting."""

from __future__ import annotations

import sys
from pathlib import Path

from tap_callio import streams
from tap_callio.tap import STREAM_TYPES, TapCallio

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from support import tap_output  # noqa: E402


def test_streams_keys_and_schemas_are_the_taps():
    assert tap_output.STREAM_ORDER == tuple(stream.name for stream in STREAM_TYPES)
    for stream_type in STREAM_TYPES:
        assert tap_output.KEY_PROPERTIES[stream_type.name] == list(stream_type.primary_keys), stream_type.name
        assert tap_output.schema(stream_type.name) == streams.SCHEMAS.get_schema(stream_type.name)


def test_record_builders_and_snapshot_streams_are_the_taps():
    for stream_type in STREAM_TYPES:
        builder = getattr(stream_type, "record_builder", None)
        if builder is not None:
            assert tap_output.BUILDERS[stream_type.name] is builder, stream_type.name
    snapshots = tuple(s.name for s in STREAM_TYPES if issubclass(s, streams.SnapshotStream))
    assert tap_output.SNAPSHOT_STREAMS == snapshots


def test_default_status_key_is_the_taps():
    assert tap_output.STATUS_KEY == TapCallio.config_jsonschema["properties"]["status_custom_field_key"]["default"]


def test_flattening_is_the_sdks_at_the_projects_depth():
    """tap_output flattens as the SDK does with the project's settings (flattening_max_depth: 1
    in meltano/extract.meltano.yml), on documents with nested objects, null objects and arrays."""
    import yaml
    from singer_sdk.helpers._flattening import flatten_record, flatten_schema

    extract = Path(__file__).resolve().parents[2] / "meltano" / "extract.meltano.yml"
    plugin = next(p for p in yaml.safe_load(extract.read_text())["plugins"]["extractors"] if p["name"] == "tap-callio")
    assert plugin["config"]["flattening_enabled"] is True
    depth = plugin["config"]["flattening_max_depth"]
    assert depth == 1, "tests/support/tap_output.py flattens at depth 1 only"
    user = {"_id": "u1", "name": "Lan", "email": None, "ext": "101", "group": "g1"}
    documents = {
        "customers": [{"_id": "c1", "createTime": 1, "updateTime": 2, "name": "A", "phone": "0901", "tags": ["x", "y"],
                       "user": user, "customFields": [{"_id": "f", "key": tap_output.STATUS_KEY, "val": ["Có nhu cầu"]}]},
                      {"_id": "c2", "createTime": 1, "updateTime": 2, "user": None, "customFields": None}],
        "calls": [{"_id": "k1", "createTime": 5, "fromUser": user, "fromGroup": {"_id": "g1", "name": "Team"}},
                  {"_id": "k2", "createTime": 6, "fromUser": None, "fromGroup": None}],
        "staff": [{"_id": "u1", "name": "Lan", "group": {"_id": "g1", "name": "Team"}}, {"_id": "u2", "group": None}],
        "groups": [{"_id": "g1", "name": "Team"}],
    }
    for stream, docs in documents.items():
        sdk_schema = flatten_schema(tap_output.schema(stream), max_level=depth)
        assert tap_output.loaded_schema(stream)["properties"] == sdk_schema["properties"], stream
        for document in docs:
            record = tap_output.BUILDERS[stream](document, "PK", tap_output.STATUS_KEY)
            if stream in tap_output.SNAPSHOT_STREAMS:
                record["_snapshot_at"] = 7
            ours = tap_output.tap_record(stream, "PK", document, snapshot_at=7)
            assert ours == flatten_record(record, sdk_schema, max_level=depth), (stream, document["_id"])
