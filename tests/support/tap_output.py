"""Singer messages exactly as tap-callio writes them, built by the tap's own code.

Sample data (tests/bigquery/singer_messages.py, transform/scripts/make_sample_singer.py) starts
from raw API documents and goes through the tap's record builders (tap_callio/records.py) and its
stream schemas (tap_callio/schemas/), so the record shape has one home: the tap. Only the standard
library and tap_callio.records are needed (not the Singer SDK), so any venv can use this module.
tap-callio/tests/test_shared_tap_output.py keeps the few facts repeated here (key properties,
snapshot streams, the default status key, the stream order) equal to the tap's.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

TAP_DIR = Path(__file__).resolve().parents[2] / "tap-callio"
if importlib.util.find_spec("tap_callio") is None:  # a venv without the tap installed
    sys.path.insert(0, str(TAP_DIR))

from tap_callio import records as tap_records  # noqa: E402

SCHEMA_DIR = TAP_DIR / "tap_callio" / "schemas"
BUILDERS = {
    "customers": tap_records.customer_record,
    "calls": tap_records.call_record,
    "staff": tap_records.staff_record,
    "groups": tap_records.group_record,
}
# Declared by the tap's stream classes (primary_keys); repeated here because they need the SDK.
KEY_PROPERTIES = {**{stream: ["tenant", "_id"] for stream in BUILDERS}, "sync_log": ["run_id", "tenant", "stream"]}
SNAPSHOT_STREAMS = ("staff", "groups")  # stamped with _snapshot_at, one value per tenant snapshot
STATUS_KEY = "tinh-trang-kh"  # the tap's default status_custom_field_key
STREAM_ORDER = ("customers", "calls", "staff", "groups", "sync_log")


def schema(stream: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{stream}.json").read_text(encoding="utf-8"))


def schema_message(stream: str) -> dict:
    return {"type": "SCHEMA", "stream": stream, "schema": schema(stream), "key_properties": KEY_PROPERTIES[stream]}


def tap_record(stream: str, tenant: str, document: dict, *, snapshot_at: int | None = None,
               status_key: str = STATUS_KEY) -> dict:
    """The record the tap emits for one raw API document of `tenant`."""
    record = BUILDERS[stream](document, tenant, status_key)
    if stream in SNAPSHOT_STREAMS:
        record["_snapshot_at"] = snapshot_at
    _check_fields(stream, record)
    return record


def sync_log_row(**fields: Any) -> dict:
    """A sync_log record; every field of the stream's schema must be given."""
    _check_fields("sync_log", fields)
    return dict(fields)


def record_message(stream: str, record: dict, time_extracted: str | None = None) -> dict:
    message = {"type": "RECORD", "stream": stream, "record": record}
    if time_extracted is not None:
        message["time_extracted"] = time_extracted
    return message


def _check_fields(stream: str, record: dict) -> None:
    declared = set(schema(stream)["properties"])
    if set(record) != declared:
        raise ValueError(f"{stream} record fields differ from the tap's schema: "
                         f"missing {sorted(declared - set(record))}, extra {sorted(set(record) - declared)}")
