"""A deterministic Singer message stream shaped like tap-callio's output (docs/architecture.md).

Independent of the simulator and the tap on purpose: it tests the BigQuery loading path alone.
Schemas hold the columns the staging models read as the project's tap emits them (SDK flattening
at depth 1: user___id, fromUser__name, group___id, ...) and, beside them, the nested objects
(user, fromUser, fromGroup, group) and arrays (tags, customFields with an array inside) that the
tap sends without flattening, so the denormalized BigQuery schema also gets RECORD and REPEATED
columns.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

BASE_MS = 1_767_200_000_000  # 2025-12-31T16:53:20Z, i.e. 2025-12-31 23:53 in Asia/Ho_Chi_Minh
TENANTS = ("PK", "HN")

INT = {"type": ["integer", "null"]}
STR = {"type": ["string", "null"]}
BOOL = {"type": ["boolean", "null"]}


def _obj(**props: Any) -> dict:
    return {"type": ["object", "null"], "properties": props}


USER = _obj(_id=STR, name=STR, email=STR, ext=STR, group=STR)

SCHEMAS: dict[str, tuple[dict, list[str]]] = {
    "customers": ({"type": "object", "properties": {
        "tenant": {"type": "string"}, "_id": {"type": "string"},
        "createTime": INT, "updateTime": INT, "assignedTime": INT,
        "name": STR, "phone": STR, "email": STR, "code": STR, "source": STR,
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
        "user": USER,
        "customFields": {"type": ["array", "null"], "items": _obj(
            _id=STR, key=STR, val={"type": ["array", "null"], "items": {"type": "string"}})},
        "user___id": STR, "user__name": STR, "user__group": STR, "customField_0_val": STR,
    }}, ["tenant", "_id"]),
    "calls": ({"type": "object", "properties": {
        "tenant": {"type": "string"}, "_id": {"type": "string"},
        "createTime": INT, "chargeTime": INT, "startTime": INT, "answerTime": INT,
        "endTime": INT, "duration": INT, "billDuration": INT,
        "direction": STR, "fromNumber": STR, "toNumber": STR, "hangupCause": STR,
        "fromUser": USER, "fromGroup": _obj(_id=STR, name=STR),
        "fromUser___id": STR, "fromUser__name": STR, "fromGroup___id": STR,
    }}, ["tenant", "_id"]),
    "staff": ({"type": "object", "properties": {
        "tenant": {"type": "string"}, "_id": {"type": "string"},
        "email": STR, "name": STR, "ext": STR, "role": STR, "active": BOOL,
        "createTime": INT, "updateTime": INT, "group": _obj(_id=STR, name=STR),
        "group___id": STR, "_snapshot_at": INT,
    }}, ["tenant", "_id"]),
    "groups": ({"type": "object", "properties": {
        "tenant": {"type": "string"}, "_id": {"type": "string"}, "name": STR,
        "createTime": INT, "updateTime": INT, "_snapshot_at": INT,
    }}, ["tenant", "_id"]),
    "sync_log": ({"type": "object", "properties": {
        "run_id": {"type": "string"}, "tenant": {"type": "string"}, "stream": {"type": "string"},
        "status": STR, "error": STR, "records_read": INT, "bookmark_start": INT,
        "bookmark_reached": INT,
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
    }}, ["run_id", "tenant", "stream"]),
}

STATUSES = ("Có nhu cầu", "Kết bạn Zalo", "Không nghe máy", "Tắt máy ngang | Zalo", None)


def _groups(tenant: str, n: int) -> list[dict]:
    return [{"tenant": tenant, "_id": f"{tenant}-g{i}", "name": f"Team {i}",
             "createTime": BASE_MS - 90_000_000, "updateTime": BASE_MS - 80_000_000,
             "_snapshot_at": BASE_MS + 999} for i in range(n)]


def _staff(tenant: str, n: int) -> list[dict]:
    return [{"tenant": tenant, "_id": f"{tenant}-u{i}", "email": f"u{i}@{tenant.lower()}.test",
             "name": f"Nhân viên {i}", "ext": str(100 + i), "role": "agent", "active": i % 5 != 4,
             "createTime": BASE_MS - 70_000_000, "updateTime": BASE_MS - 60_000_000 + i,
             "group": {"_id": f"{tenant}-g{i % 3}", "name": f"Team {i % 3}"},
             "group___id": f"{tenant}-g{i % 3}", "_snapshot_at": BASE_MS + 999} for i in range(n)]


def _customer(tenant: str, i: int) -> dict:
    staff = f"{tenant}-u{i % 10}"
    status = STATUSES[i % len(STATUSES)]
    return {
        "tenant": tenant, "_id": f"{tenant}-c{i}",
        "createTime": BASE_MS - 5_000_000 + i, "updateTime": BASE_MS + 1_000 * i,
        "assignedTime": BASE_MS + 500 * i if i % 4 else None,
        "name": f"Khách {i}", "phone": f"+84 90{i:07d}", "email": None,
        "code": f"KH{i}", "source": "import",
        "tags": ["vip", f"t{i % 3}"] if i % 2 else [],
        "user": {"_id": staff, "name": f"Nhân viên {i % 10}", "email": None, "ext": None,
                 "group": f"{tenant}-g{i % 3}"},
        "customFields": [{"_id": "cf0", "key": "status",
                          "val": status.split(" | ") if status else []}],
        "user___id": staff, "user__name": f"Nhân viên {i % 10}", "user__group": f"{tenant}-g{i % 3}",
        "customField_0_val": status,
    }


def _call(tenant: str, i: int) -> dict:
    start = BASE_MS + 60_000 * i
    answered = i % 3 != 0
    bill = 30 + i % 90 if answered else 0
    outbound = i % 4 != 0
    customer_number = f"090{i % 500:07d}"
    staff = f"{tenant}-u{i % 10}"
    return {
        "tenant": tenant, "_id": f"{tenant}-call{i}",
        "createTime": start, "chargeTime": start + 1_000, "startTime": start,
        "answerTime": start + 8_000 if answered else None,
        "endTime": start + 8_000 + bill * 1_000 if answered else start + 20_000,
        "duration": bill + 8 if answered else 20, "billDuration": bill,
        "direction": "outbound" if outbound else "inbound",
        "fromNumber": staff if outbound else customer_number,
        "toNumber": customer_number if outbound else staff,
        "hangupCause": "NORMAL_CLEARING" if answered else "NO_ANSWER",
        "fromUser": {"_id": staff, "name": f"Nhân viên {i % 10}", "email": None, "ext": None,
                     "group": f"{tenant}-g{i % 3}"},
        "fromGroup": {"_id": f"{tenant}-g{i % 3}", "name": f"Team {i % 3}"},
        "fromUser___id": staff, "fromUser__name": f"Nhân viên {i % 10}",
        "fromGroup___id": f"{tenant}-g{i % 3}",
    }


def records(customers: int, calls: int) -> Iterator[tuple[str, dict]]:
    """(stream, record) pairs in the order the tap emits them (sync_log last)."""
    counts: dict[tuple[str, str], int] = {}
    for tenant in TENANTS:
        for stream, rows in (("groups", _groups(tenant, 3)), ("staff", _staff(tenant, 10))):
            for row in rows:
                yield stream, row
            counts[(tenant, stream)] = len(rows)
        for i in range(customers):
            yield "customers", _customer(tenant, i)
        counts[(tenant, "customers")] = customers
        for i in range(calls):
            yield "calls", _call(tenant, i)
        counts[(tenant, "calls")] = calls
    for (tenant, stream), n in counts.items():
        yield "sync_log", {
            "run_id": "run-0001", "tenant": tenant, "stream": stream, "status": "OK",
            "error": None, "records_read": n, "bookmark_start": None,
            "bookmark_reached": BASE_MS + 60_000 * calls,
            "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:01:00Z"}


def expected_counts(customers: int, calls: int) -> dict[str, int]:
    per_tenant = {"groups": 3, "staff": 10, "customers": customers, "calls": calls}
    totals = {stream: n * len(TENANTS) for stream, n in per_tenant.items()}
    totals["sync_log"] = len(TENANTS) * len(per_tenant)
    return totals


FINAL_STATE = {"bookmarks": {"calls": {"replication_key_value": "bigquery-emulator-test"}}}


def singer_lines(customers: int = 40, calls: int = 120) -> Iterator[str]:
    """Every line of the Singer stream: SCHEMA per stream, RECORDs, a STATE at the end."""
    for stream, (schema, keys) in SCHEMAS.items():
        yield json.dumps({"type": "SCHEMA", "stream": stream, "schema": schema,
                          "key_properties": keys})
    for stream, record in records(customers, calls):
        yield json.dumps({"type": "RECORD", "stream": stream, "record": record},
                         ensure_ascii=False)
    yield json.dumps({"type": "STATE", "value": FINAL_STATE})


def write_singer_file(path, customers: int = 40, calls: int = 120) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for line in singer_lines(customers, calls):
            handle.write(line + "\n")


if __name__ == "__main__":
    for line in singer_lines():
        print(line)
