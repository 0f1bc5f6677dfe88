"""Rewrite the Singer messages going into the target and count what was sent.

Only SCHEMA and RECORD lines are re-serialised; every other line (STATE, ACTIVATE_VERSION,
BATCH, anything unparsable) goes through byte for byte, so the target sees exactly what the tap
said about everything the guard does not need to touch.
"""

from __future__ import annotations

import json
from collections import Counter

LOAD_ID_COLUMN = "_load_id"
TENANT_FIELD = "tenant"

# Nullable on purpose: BigQuery refuses to add a REQUIRED column to an existing table, and rows
# loaded before the guard existed have no load id.
LOAD_ID_SCHEMA = {"type": ["null", "string"]}


def normalise_tenant(value: object) -> str | None:
    """The tenant as it will read back from the warehouse.

    target-duckdb stores "" as NULL (it nulls every falsy non-zero value), so "" and a missing
    tenant are the same group on both sides of the comparison.
    """
    if value is None or value == "":
        return None
    return str(value)


class SingerRewriter:
    """Tags every record with the load id, turns every stream into an append-only log, and
    counts the records sent per (stream, tenant)."""

    def __init__(self, load_id: str) -> None:
        self.load_id = load_id
        self.sent: Counter[tuple[str, str | None]] = Counter()
        # stream -> whether its latest SCHEMA declares a tenant column (else the warehouse
        # table has none, and landed rows are counted without grouping).
        self.stream_has_tenant: dict[str, bool] = {}

    def rewrite(self, line: bytes) -> bytes:
        """Return the line to hand to the target (the same object when nothing changed)."""
        # Cheap pre-filter: STATE and other lines never need a JSON parse.
        if b'"RECORD"' not in line and b'"SCHEMA"' not in line:
            return line
        try:
            message = json.loads(line)
        except ValueError:
            return line  # let the target report the broken line the way it always does
        if not isinstance(message, dict):
            return line
        kind = message.get("type")
        if kind == "RECORD":
            self._tag_record(message)
        elif kind == "SCHEMA":
            self._make_append_only(message)
        else:
            return line
        return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"

    def _tag_record(self, message: dict) -> None:
        record = message.get("record")
        if not isinstance(record, dict):
            return  # malformed; the target will reject it, nothing to count
        record[LOAD_ID_COLUMN] = self.load_id
        stream = message.get("stream")
        self.sent[(stream, normalise_tenant(record.get(TENANT_FIELD)))] += 1

    def _make_append_only(self, message: dict) -> None:
        schema = message.setdefault("schema", {})
        properties = schema.setdefault("properties", {})
        properties[LOAD_ID_COLUMN] = dict(LOAD_ID_SCHEMA)
        # An empty key makes both targets append instead of merging: the raw layer becomes a
        # log of every version read, and dbt deduplicates on (tenant, _id).
        message["key_properties"] = []
        self.stream_has_tenant[message.get("stream")] = TENANT_FIELD in properties
