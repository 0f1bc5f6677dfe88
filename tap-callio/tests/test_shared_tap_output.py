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
