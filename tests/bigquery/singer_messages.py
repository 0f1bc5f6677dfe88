"""A deterministic Singer message stream exactly as tap-callio writes it.

Independent of the simulator on purpose: it tests the BigQuery loading path alone. The documents
below are shaped like the API's (nested user, fromUser, fromGroup, group; tags and customFields
arrays); the tap's own record builders and schemas turn them into the records and SCHEMA messages
(tests/support/tap_output.py), so the denormalized BigQuery schema gets RECORD and REPEATED
columns and the shape has one home, the tap.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: support

from support.tap_output import (  # noqa: E402
    KEY_PROPERTIES,
    STATUS_KEY,
    STREAM_ORDER,
    loaded_schema,
    record_message,
    schema_message,
    sync_log_row,
    tap_record,
)

BASE_MS = 1_767_200_000_000  # 2025-12-31T16:53:20Z, i.e. 2025-12-31 23:53 in Asia/Ho_Chi_Minh
TENANTS = ("PK", "HN")
SNAPSHOT_AT = BASE_MS + 999
# stream -> (the tap's schema, its key properties)
SCHEMAS: dict[str, tuple[dict, list[str]]] = {
    stream: (loaded_schema(stream), KEY_PROPERTIES[stream]) for stream in STREAM_ORDER}

STATUSES = ("Có nhu cầu", "Kết bạn Zalo", "Không nghe máy", "Tắt máy ngang | Zalo", None)


def _groups(tenant: str, n: int) -> list[dict]:
    return [{"_id": f"{tenant}-g{i}", "name": f"Team {i}",
             "createTime": BASE_MS - 90_000_000, "updateTime": BASE_MS - 80_000_000} for i in range(n)]


def _staff(tenant: str, n: int) -> list[dict]:
    return [{"_id": f"{tenant}-u{i}", "email": f"u{i}@{tenant.lower()}.test",
             "name": f"Nhân viên {i}", "ext": str(100 + i), "role": "agent", "active": i % 5 != 4,
             "createTime": BASE_MS - 70_000_000, "updateTime": BASE_MS - 60_000_000 + i,
             "group": {"_id": f"{tenant}-g{i % 3}", "name": f"Team {i % 3}"}} for i in range(n)]


def _customer(tenant: str, i: int) -> dict:
    staff = f"{tenant}-u{i % 10}"
    status = STATUSES[i % len(STATUSES)]
    return {
        "_id": f"{tenant}-c{i}",
        "createTime": BASE_MS - 5_000_000 + i, "updateTime": BASE_MS + 1_000 * i,
        "assignedTime": BASE_MS + 500 * i if i % 4 else None,
        "name": f"Khách {i}", "phone": f"+84 90{i:07d}", "email": None,
        "code": f"KH{i}", "source": "import",
        "tags": ["vip", f"t{i % 3}"] if i % 2 else [],
        "user": {"_id": staff, "name": f"Nhân viên {i % 10}", "email": None, "ext": None,
                 "group": f"{tenant}-g{i % 3}"},
        "customFields": [{"_id": "cf0", "key": STATUS_KEY,
                          "val": status.split(" | ") if status else []}],
    }


def _call(tenant: str, i: int) -> dict:
    start = BASE_MS + 60_000 * i
    answered = i % 3 != 0
    bill = 30 + i % 90 if answered else 0
    outbound = i % 4 != 0
    customer_number = f"090{i % 500:07d}"
    staff = f"{tenant}-u{i % 10}"
    return {
        "_id": f"{tenant}-call{i}",
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
    }


def records(customers: int, calls: int) -> Iterator[tuple[str, dict]]:
    """(stream, record) pairs in the order the tap emits them (sync_log last)."""
    counts: dict[tuple[str, str], int] = {}
    for tenant in TENANTS:
        documents = {"groups": _groups(tenant, 3), "staff": _staff(tenant, 10),
                     "customers": [_customer(tenant, i) for i in range(customers)],
                     "calls": [_call(tenant, i) for i in range(calls)]}
        for stream, docs in documents.items():
            for document in docs:
                yield stream, tap_record(stream, tenant, document, snapshot_at=SNAPSHOT_AT)
            counts[(tenant, stream)] = len(docs)
    for (tenant, stream), n in counts.items():
        yield "sync_log", sync_log_row(
            run_id="run-0001", tenant=tenant, stream=stream, status="OK",
            error=None, records_read=n, records_quarantined=0, bookmark_start=None,
            bookmark_reached=BASE_MS + 60_000 * calls,
            started_at="2026-01-01T00:00:00Z", finished_at="2026-01-01T00:01:00Z")


def expected_counts(customers: int, calls: int) -> dict[str, int]:
    per_tenant = {"groups": 3, "staff": 10, "customers": customers, "calls": calls}
    totals = {stream: n * len(TENANTS) for stream, n in per_tenant.items()}
    totals["sync_log"] = len(TENANTS) * len(per_tenant)
    totals["quarantine"] = 0  # announced by every tap run (its schema first); no poison records here
    return totals


FINAL_STATE = {"bookmarks": {"calls": {"replication_key_value": "bigquery-emulator-test"}}}


def singer_lines(customers: int = 40, calls: int = 120, streams: tuple[str, ...] = STREAM_ORDER) -> Iterator[str]:
    """Every line of the Singer stream: SCHEMA per stream, RECORDs, a STATE at the end (only
    the messages of `streams`, when given)."""
    for stream in STREAM_ORDER:
        if stream in streams:
            yield json.dumps(schema_message(stream))
    for stream, record in records(customers, calls):
        if stream in streams:
            yield json.dumps(record_message(stream, record), ensure_ascii=False)
    yield json.dumps({"type": "STATE", "value": FINAL_STATE})


def write_singer_file(path, customers: int = 40, calls: int = 120,
                      streams: tuple[str, ...] = STREAM_ORDER) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for line in singer_lines(customers, calls, streams):
            handle.write(line + "\n")


if __name__ == "__main__":
    for line in singer_lines():
        print(line)
