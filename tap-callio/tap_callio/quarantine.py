"""Poison records: values no warehouse takes (or the tap cannot even write), set aside on the
``quarantine`` stream instead of failing their tenant's stream run after run.

A record is poison when (decisions, see README "Poison records"):

- an integer does not fit a signed 64-bit integer (BigQuery INT64; the transform casts to
  BIGINT): 2**63 + 5, 10**40, or a float such as 1.5e300 read as an integer;
- a float is not finite;
- a text cannot be written as UTF-8 (a lone UTF-16 surrogate such as ``\\ud800``);
- its texts hold more than :data:`MAX_RECORD_TEXT_CHARS` characters in all (target-duckdb loads a
  row as one CSV line, and DuckDB refuses lines over 2 MiB; 256 Ki characters stay under 1 MiB
  of UTF-8 even for 4-byte characters);
- its JSON is nested deeper than the decoder accepts (found while decoding the page: envelope.py).

The quarantine row keeps tenant, stream, record id, the reason, the raw JSON text (the first
:data:`RAW_TEXT_CAP` characters; its full length and SHA-256 are kept too), when it was seen and
the run id.  The record counts as delivered (to quarantine), so bookmarks move past it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import re
import typing as t
from importlib import resources

from singer_sdk import SchemaDirectory, Stream, StreamSchema
from singer_sdk.helpers.conform import TypeConformanceLevel
from typing_extensions import override

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_RECORD_TEXT_CHARS = 262_144
RAW_TEXT_CAP = 65_536
STREAM_NAME = "quarantine"
# the characters that cannot be written as UTF-8 (str.encode fails on exactly these)
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class QuarantinedDoc(dict):
    """A document the page decoder could only read in part (nested too deep): the members it
    could decode (so that ids and sort keys still work), its raw text and the reason."""

    def __init__(self, members: dict, raw: str, reason: str) -> None:
        super().__init__(members)
        self.raw = raw
        self.reason = reason


def problem(record: t.Mapping[str, t.Any]) -> str | None:
    """Why a built record is poison, or None.  Iterative (records can be nested).  Every record
    is first checked without naming anything (:func:`_is_plain`); only a record that fails that
    check is walked again to say which value is wrong."""
    return None if _is_plain(record) else _explain(record)


def _is_plain(record: t.Mapping[str, t.Any]) -> bool:
    """True when :func:`_explain` finds nothing: the same checks, by the same exact types, without
    building a name for each value (the common path: a type check per value)."""
    text_chars = 0
    pending: list[t.Any] = [record.values()]
    while pending:
        for value in pending.pop():
            kind = type(value)
            if kind is str:
                text_chars += len(value)
                if not value.isascii() and _SURROGATE.search(value) is not None:
                    return False
            elif kind is int:
                if not INT64_MIN <= value <= INT64_MAX:
                    return False
            elif kind is float:
                if not math.isfinite(value):
                    return False
            elif kind is dict:
                pending.append(value.values())
            elif kind is list:
                pending.append(value)
    return text_chars <= MAX_RECORD_TEXT_CHARS


def _explain(record: t.Mapping[str, t.Any]) -> str | None:
    """The first problem found, naming the value (``user.group``, ``tags[2]``), or None."""
    text_chars = 0
    largest: tuple[int, str] = (0, "")
    stack: list[tuple[str, t.Any]] = list(record.items())
    while stack:
        name, value = stack.pop()
        kind = type(value)
        if kind is str:
            size = len(value)
            text_chars += size
            if size > largest[0]:
                largest = (size, name)
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    return f"{name} is not valid Unicode text (a lone UTF-16 surrogate)"
        elif kind is int:
            if not INT64_MIN <= value <= INT64_MAX:
                return f"{name} = {_short_number(value)} does not fit a 64-bit integer"
        elif kind is float:
            if not math.isfinite(value):
                return f"{name} is not a finite number"
        elif kind is dict:
            stack.extend((f"{name}.{key}", item) for key, item in value.items())
        elif kind is list:
            stack.extend((f"{name}[{i}]", item) for i, item in enumerate(value))
    if text_chars > MAX_RECORD_TEXT_CHARS:
        return (
            f"texts of {text_chars:,} characters (largest: {largest[1]}, {largest[0]:,}); "
            f"the limit is {MAX_RECORD_TEXT_CHARS:,}"
        )
    return None


def _short_number(value: int) -> str:
    digits = str(abs(value)) if value.bit_length() < 4000 else "a very long number"
    return ("-" if value < 0 else "") + (digits if len(digits) <= 24 else f"{digits[:6]}... ({len(digits)} digits)")


def raw_text(doc: t.Any) -> str:
    """The raw JSON text of a document (as received, for a partly decoded one)."""
    if isinstance(doc, QuarantinedDoc):
        return doc.raw
    try:
        return json.dumps(doc, ensure_ascii=True)
    except (ValueError, TypeError, RecursionError):
        return repr(type(doc))


def row(*, run_id: str, tenant: str, stream: str, record_id: str | None, reason: str, raw: str) -> dict:
    """One quarantine row (the schema of schemas/quarantine.json)."""
    encoded = raw.encode("utf-8", "surrogatepass")
    return {
        "run_id": run_id,
        "tenant": tenant,
        "stream": stream,
        "record_id": record_id,
        "reason": reason,
        "raw_text": raw[:RAW_TEXT_CAP].encode("utf-8", "replace").decode("utf-8"),
        "raw_length": len(raw),
        "raw_sha256": hashlib.sha256(encoded).hexdigest(),
        "seen_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


class QuarantineStream(Stream):
    """Side channel: rows are written while the other streams read, by the main thread when a
    reader hands one over (client.Quarantined; before the STATE that moves their bookmark past the
    record); its own sync only announces the schema, so it comes first."""

    name = STREAM_NAME
    primary_keys: t.ClassVar[list[str]] = ["run_id", "tenant", "stream", "raw_sha256"]
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # rows built by row(), schema-exact
    schema = StreamSchema(SchemaDirectory(resources.files(__package__) / "schemas"))

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        # Rows of every run are kept (quarantined_records groups the sightings): ACTIVATE_VERSION
        # would make a target delete earlier runs' rows.
        return False

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        return iter(())

    def put(self, entry: dict) -> bool:
        """Write one row now (main thread only); False when the stream is not selected."""
        if not self.selected:
            return False
        self._write_record_message(entry)
        return True
