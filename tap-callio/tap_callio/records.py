"""Shape raw API documents into the records the tap emits.

One function per stream turns a raw document (any of the lenient shapes the
API sends) into a record holding exactly the fields of the stream's schema,
with nested objects normalised. Nothing is flattened here: flattening is the
SDK's (``flattening_enabled``) or the target's job, so every flattener produces
the same column names (README, "What the tap flattens").
A document that cannot be repaired raises :class:`UnusableRecord`; the caller
drops, counts and logs it.
"""

from __future__ import annotations

import typing as t

from tap_callio.parsing import (
    object_id,
    parse_bool,
    parse_epoch_ms,
    parse_int,
    parse_list,
    parse_object,
    parse_structured_text,
    parse_text,
    string_list,
)

STATUS_VALUE_KEYS = ("val", "value", "values", "text", "name")
STATUS_JOINER = " | "


class UnusableRecord(ValueError):
    """A document that lacks what every record needs (an id, a replication key)."""


def record_id(doc: t.Mapping) -> str | None:
    """The record id: ``_id``, else the ``id`` alias some payloads carry."""
    return parse_text(doc.get("_id")) or parse_text(doc.get("id"))


def _require_id(doc: t.Mapping) -> str:
    found = record_id(doc)
    if not found:
        raise UnusableRecord("no _id")
    return found


def _require_time(doc: t.Mapping, key: str) -> int:
    value = parse_epoch_ms(doc.get(key))
    if value is None:
        raise UnusableRecord(f"no usable {key}")
    return value


def _person(value: t.Any) -> dict | None:
    """A nested user (owner / agent) with its group reduced to the group id."""
    obj = parse_object(value)
    if obj is None:
        return None
    return {
        "_id": parse_text(obj.get("_id", obj.get("id"))),
        "name": parse_text(obj.get("name")),
        "email": parse_text(obj.get("email")),
        "ext": parse_text(obj.get("ext")),
        "group": object_id(obj.get("group")),
    }


def _group(value: t.Any) -> dict | None:
    obj = parse_object(value)
    if obj is None:
        return None
    return {
        "_id": parse_text(obj.get("_id", obj.get("id"))),
        "name": parse_text(obj.get("name")),
    }


def _custom_fields(value: t.Any) -> list[dict] | None:
    items = parse_list(value)
    if items is None:
        return None
    fields = []
    for item in items:
        obj = parse_object(item, id_key="key")
        if obj is None:
            continue
        raw_value = _first_truthy(obj, STATUS_VALUE_KEYS)
        fields.append(
            {
                "_id": parse_text(obj.get("_id")),
                "key": parse_text(obj.get("key")),
                "val": string_list(raw_value) if raw_value is not None else None,
            }
        )
    return fields


def _first_truthy(obj: t.Mapping, keys: t.Sequence[str]) -> t.Any:
    for key in keys:
        value = obj.get(key)
        if value:
            return value
    return None


def status_text(custom_fields: t.Any, status_key: str) -> str | None:
    """The status (``customField_0_val``): the entry whose key is ``status_key``,
    its first truthy value among val/value/values/text/name; a list becomes its
    non-empty trimmed elements, deduplicated in order, joined with " | "."""
    for item in parse_list(custom_fields) or []:
        obj = parse_object(item, id_key="key")
        if obj is None or parse_text(obj.get("key")) != status_key:
            continue
        value = _first_truthy(obj, STATUS_VALUE_KEYS)
        if value is None:
            return None
        if isinstance(value, str):
            # a list may arrive as JSON / Python-literal text
            decoded = parse_structured_text(value)
            if isinstance(decoded, (list, tuple)):
                value = decoded
        if isinstance(value, (list, tuple)):
            seen: list[str] = []
            for element in value:
                text = parse_text(element)
                text = text.strip() if text else ""
                if text and text not in seen:
                    seen.append(text)
            return STATUS_JOINER.join(seen) if seen else None
        text = parse_text(value)
        return text.strip() if text and text.strip() else None
    return None


def customer_record(doc: t.Mapping, tenant: str, status_key: str) -> dict:
    return {
        "tenant": tenant,
        "_id": _require_id(doc),
        "createTime": parse_epoch_ms(doc.get("createTime")),
        "updateTime": _require_time(doc, "updateTime"),
        "assignedTime": parse_epoch_ms(doc.get("assignedTime")),
        "name": parse_text(doc.get("name")),
        "phone": parse_text(doc.get("phone")),
        "email": parse_text(doc.get("email")),
        "code": parse_text(doc.get("code")),
        "source": parse_text(doc.get("source")),
        "tags": string_list(doc.get("tags")),
        "user": _person(doc.get("user")),
        "customFields": _custom_fields(doc.get("customFields")),
        "customField_0_val": status_text(doc.get("customFields"), status_key),
    }


def call_record(doc: t.Mapping, tenant: str, status_key: str) -> dict:
    return {
        "tenant": tenant,
        "_id": _require_id(doc),
        "createTime": _require_time(doc, "createTime"),
        "chargeTime": parse_epoch_ms(doc.get("chargeTime")),
        "startTime": parse_epoch_ms(doc.get("startTime")),
        "answerTime": parse_epoch_ms(doc.get("answerTime")),
        "endTime": parse_epoch_ms(doc.get("endTime")),
        "duration": parse_int(doc.get("duration")),
        "billDuration": parse_int(doc.get("billDuration")),
        "direction": parse_text(doc.get("direction")),
        "fromNumber": parse_text(doc.get("fromNumber")),
        "toNumber": parse_text(doc.get("toNumber")),
        "hangupCause": parse_text(doc.get("hangupCause")),
        "fromUser": _person(doc.get("fromUser")),
        "fromGroup": _group(doc.get("fromGroup")),
    }


def staff_record(doc: t.Mapping, tenant: str, status_key: str) -> dict:
    return {
        "tenant": tenant,
        "_id": _require_id(doc),
        "email": parse_text(doc.get("email")),
        "name": parse_text(doc.get("name")),
        "ext": parse_text(doc.get("ext")),
        "role": parse_text(doc.get("role")),
        "active": parse_bool(doc.get("active")),
        "createTime": parse_epoch_ms(doc.get("createTime")),
        "updateTime": parse_epoch_ms(doc.get("updateTime")),
        "group": _group(doc.get("group")),
    }


def group_record(doc: t.Mapping, tenant: str, status_key: str) -> dict:
    return {
        "tenant": tenant,
        "_id": _require_id(doc),
        "name": parse_text(doc.get("name")),
        "createTime": parse_epoch_ms(doc.get("createTime")),
        "updateTime": parse_epoch_ms(doc.get("updateTime")),
    }
