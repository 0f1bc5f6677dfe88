"""Singer messages exactly as tap-callio writes them, built by the tap's own code.

Sample data (tests/bigquery/singer_messages.py, transform/scripts/make_sample_singer.py) starts
from raw API documents and goes through the tap's record builders (tap_callio/records.py) and its
stream schemas (tap_callio/schemas/), so the record shape has one home: the tap. Only the standard
library and tap_callio.records are needed (not the Singer SDK), so any venv can use this module.
tap-callio/tests/test_shared_tap_output.py keeps the few facts repeated here (key properties,
snapshot streams, the default status key, the stream order) equal to the tap's.

The tap emits the API's nested objects; the project turns on the Singer SDK's flattening at
depth 1 (tap-callio `config:` in meltano/extract.meltano.yml), so the loaders and the dbt models
see `user___id`, `fromUser__name`, arrays as JSON text. `schema_message` and `tap_record` apply
that flattening (`flatten_schema`, `flatten_record`, depth 1 only, standard library only);
tap-callio/tests/test_shared_tap_output.py checks them against the SDK's own functions.
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
KEY_PROPERTIES = {
    **{stream: ["tenant", "_id"] for stream in BUILDERS},
    "sync_log": ["run_id", "tenant", "stream"],
    "quarantine": ["run_id", "tenant", "stream", "raw_sha256"],
}
SNAPSHOT_STREAMS = ("staff", "groups")  # stamped with _snapshot_at, one value per tenant snapshot
STATUS_KEY = "tinh-trang-kh"  # the tap's default status_custom_field_key
STREAM_ORDER = ("quarantine", "customers", "calls", "staff", "groups", "sync_log")  # quarantine: schema first
FLATTENING_SEPARATOR = "__"  # the SDK's default; the project sets flattening_max_depth: 1


def flatten_schema(tap_schema: dict) -> dict:
    """The SDK's depth-1 flattening of a stream schema: an object's properties become
    `<object>__<property>` columns; arrays, and objects one level down, become JSON text."""
    properties: dict[str, dict] = {}
    for name, prop in tap_schema["properties"].items():
        types = prop.get("type", [])
        if "object" in types and "properties" in prop:
            for sub_name, sub in prop["properties"].items():
                key = f"{name}{FLATTENING_SEPARATOR}{sub_name}"
                properties[key] = _as_json_text(sub) if {"object", "array"} & set(sub.get("type", [])) else sub
        elif "array" in types:
            properties[name] = _as_json_text(prop)
        else:
            properties[name] = prop
    return {**tap_schema, "properties": properties}


def flatten_record(record: dict, flat_schema: dict) -> dict:
    """The SDK's depth-1 flattening of one record (a null object stays one null field)."""
    flat: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, dict) and name not in flat_schema["properties"]:
            for sub_name, sub in value.items():
                flat[f"{name}{FLATTENING_SEPARATOR}{sub_name}"] = _json_text(sub)
        else:
            flat[name] = _json_text(value)
    return flat


def _as_json_text(prop: dict) -> dict:
    return {"type": ["string", "null"] if "null" in prop.get("type", []) else "string"}


def _json_text(value: Any) -> Any:
    return json.dumps(value, separators=(",", ":")) if isinstance(value, (dict, list)) else value


def schema(stream: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{stream}.json").read_text(encoding="utf-8"))


def loaded_schema(stream: str) -> dict:
    """The stream's schema as the loaders see it (after the project's flattening)."""
    return flatten_schema(schema(stream))


def schema_message(stream: str) -> dict:
    return {"type": "SCHEMA", "stream": stream, "schema": loaded_schema(stream), "key_properties": KEY_PROPERTIES[stream]}


def tap_record(stream: str, tenant: str, document: dict, *, snapshot_at: int | None = None,
               status_key: str = STATUS_KEY) -> dict:
    """The record the project's tap emits for one raw API document of `tenant` (flattened)."""
    record = BUILDERS[stream](document, tenant, status_key)
    if stream in SNAPSHOT_STREAMS:
        record["_snapshot_at"] = snapshot_at
    _check_fields(stream, record)
    return flatten_record(record, loaded_schema(stream))


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
