"""Type quirks the real API shows, applied to a copy of a canonical record on the way out.

Each quirk hits a fixed fraction of records, chosen deterministically from (seed, tenant,
stream, key), so a given record always looks the same. `--no-quirks` turns all of them off.
"""

from __future__ import annotations

import json
from typing import Any

from .records import STREAM_CODES, Draws, draw_rows, mix

TIME_FIELDS = {
    "customers": ("createTime", "updateTime", "assignedTime"),
    "calls": ("createTime", "chargeTime", "startTime", "answerTime", "endTime"),
    "staff": ("createTime", "updateTime"),
    "groups": ("createTime", "updateTime"),
}
EXTRA_FIELDS = {"__v": 0, "isDeleted": False, "orgId": "5f1d7c0e9a1b2c3d4e5f6a7b", "metadata": {"source": "api"}}
# The readings of `direction` (docs/callio-api.md: words or numbers 1 inbound, 2 outbound,
# 3 internal): other spellings of the canonical word, numbers as JSON numbers or as text.
DIRECTION_SPELLINGS = {
    "outbound": ("Outbound", " outbound ", "OUTBOUND", "out", "OUT", 2, "2"),
    "inbound": ("Inbound", " inbound", "IN", "in", 1, "1"),
    "local": ("internal", "Internal ", "LOCAL", 3, "3"),
}


def _as_text(rng: Draws, value: dict) -> Any:
    """A nested object as an id string, JSON text or Python-literal text."""
    r = rng.random()
    if r < 0.34:
        return value["_id"]
    if r < 0.67:
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def apply_all(seed: int, tenant_code: int, stream: str, keys: list[int], records: list[dict[str, Any]],
              group_names: dict[str, str]) -> list[dict[str, Any]]:
    """The records as the API serves them; each record's quirks depend only on its key."""
    rows = draw_rows(mix(seed, tenant_code, STREAM_CODES["quirks"], STREAM_CODES[stream]), keys, width=10)
    return [apply(rng, stream, record, group_names) for rng, record in zip(rows, records)]


def apply(rng: Draws, stream: str, record: dict[str, Any], group_names: dict[str, str]) -> dict[str, Any]:
    out = dict(record)
    roll = rng.random()
    if roll < 0.08:  # numeric strings for the times
        for f in TIME_FIELDS[stream]:
            if isinstance(out.get(f), int):
                out[f] = str(out[f])
    elif roll < 0.14:  # floats for the times
        for f in TIME_FIELDS[stream]:
            if isinstance(out.get(f), int):
                out[f] = float(out[f])
    if rng.random() < 0.3:
        out["id"] = out["_id"]
    if rng.random() < 0.2:
        out.update(EXTRA_FIELDS)
    if stream == "customers":
        _nested(rng, out, "user", group_names)
    elif stream == "calls":
        _nested(rng, out, "fromUser", group_names)
        if isinstance(out.get("fromGroup"), dict) and rng.random() < 0.15:
            out["fromGroup"] = _as_text(rng, out["fromGroup"])
        if out.get("answerTime") == 0 and rng.random() < 0.4:
            out["answerTime"] = None
        spellings = DIRECTION_SPELLINGS.get(out.get("direction"))
        if spellings and rng.random() < 0.5:
            out["direction"] = spellings[int(rng.random() * len(spellings))]
    elif stream == "staff":
        if rng.random() < 0.4:
            out["group"] = _as_text(rng, out["group"])
    return out


def _nested(rng: Draws, out: dict[str, Any], field: str, group_names: dict[str, str]) -> None:
    """`user`/`fromUser`: sometimes text; otherwise its `group` sometimes an object."""
    value = out.get(field)
    if not isinstance(value, dict):
        return
    r = rng.random()
    if r < 0.12:
        out[field] = _as_text(rng, value)
    elif r < 0.3:
        out[field] = dict(value, group={"_id": value["group"], "name": group_names.get(value["group"])})
