"""Bad input: records missing required fields, wrong types, nested values as strings, unknown
fields, duplicate ids inside a page and across pages, a status with odd Unicode, huge strings.
Nothing crashes the run; every dropped record is counted and logged with its id; the rest lands
in the final tables exactly once. Served by the stub in bad_api.py (see its docstring)."""

from __future__ import annotations

import json
import time

from .bad_api import TOKEN, BadApi, serving
from .pipeline import JOB_ALL

NOW = int(time.time() * 1000) - 3_600_000
HUGE = "X" * 100_000
ODD_STATUS = [" \u0110a\u0303 cho\u0302\u0301t \u0111o\u031b\u0301n\u200b ", "K\u1ebft b\u1ea1n zalo \U0001F389", "\u202eRTL\u202c", ""]
USER = {"_id": "u1", "name": "An", "email": "an@example.com", "ext": "101", "group": "g1"}


def call(call_id, created, **fields):
    record = {"_id": call_id, "createTime": created, "chargeTime": created, "startTime": created,
              "answerTime": 0, "endTime": created + 20_000 if isinstance(created, int) else None, "duration": 20, "billDuration": 0,
              "direction": "outbound", "fromNumber": "0901000001", "toNumber": "0902000002",
              "hangupCause": "NORMAL_CLEARING", "fromUser": USER, "fromGroup": {"_id": "g1", "name": "Team 1"}}
    record.update(fields)
    return record


def customer(customer_id, updated, **fields):
    record = {"_id": customer_id, "createTime": updated - 86_400_000, "updateTime": updated, "assignedTime": updated,
              "name": "Khach " + customer_id, "phone": "0903" + customer_id[-6:], "user": USER,
              "customFields": [{"_id": "f1", "key": "tinh-trang-kh", "val": ["Bận"]}]}
    record.update(fields)
    return record


GOOD_CALLS = {
    "call-good": call("call-good", NOW - 100_000),
    "call-types": call("call-types", NOW - 200_000, billDuration="12", duration=25.0, answerTime=float(NOW - 190_000),
                       createTime=str(NOW - 200_000)),
    "call-nested-text": call("call-nested-text", NOW - 250_000, fromUser=json.dumps(USER),
                             fromGroup="{'_id': 'g1', 'name': 'Team 1'}"),
    "call-unknown-huge": call("call-unknown-huge", NOW - 300_000, hangupCause=HUGE, mystery={"a": [1, 2]}, __v=3),
    "call-dup-page": call("call-dup-page", NOW - 350_000),
    "call-dup-pages": call("call-dup-pages", NOW - 400_000),
}
CALLS = [
    *GOOD_CALLS.values(),
    GOOD_CALLS["call-dup-page"],                                    # same page, same record
    call("call-dup-pages", NOW - 900_000),                          # same id, on a later page
    {"createTime": NOW - 450_000, "direction": "inbound"},          # no _id
    call("call-bad-time", "yesterday"),                             # unreadable createTime
    {"_id": "call-no-time", "direction": "inbound"},                # no createTime
    "not an object",
]
GOOD_CUSTOMERS = {
    "cust-odd-status": customer("cust-odd-status", NOW - 100_000,
                                customFields=[{"_id": "f0", "key": "nguon-data", "val": ["web"]},
                                              {"_id": "f1", "key": "tinh-trang-kh", "val": ODD_STATUS}]),
    "cust-dup-page": customer("cust-dup-page", NOW - 200_000),
    "cust-types": customer("cust-types", NOW - 300_000, updateTime=str(NOW - 300_000), createTime=float(NOW - 400_000),
                           user=str({"_id": "u1", "name": "An"}), customFields='[{"key": "tinh-trang-kh", "val": "Có nhu cầu"}]'),
}
CUSTOMERS = [
    *GOOD_CUSTOMERS.values(),
    GOOD_CUSTOMERS["cust-dup-page"],
    {"updateTime": NOW - 500_000, "name": "no id"},
    customer("cust-no-update", NOW, updateTime=None),
]
STAFF = [{"_id": "u1", "name": "An", "email": "an@example.com", "ext": "101", "role": "agent", "active": True,
          "createTime": NOW - 9e8, "updateTime": "1700000000000", "group": '{"_id": "g1", "name": "Team 1"}'},
         {"_id": "u2", "name": "Binh", "email": "binh@example.com", "active": "true", "group": "g1"}]
STAFF.append(STAFF[0])
GROUPS = [{"_id": "g1", "name": "Team 1", "createTime": NOW - 9e8, "updateTime": NOW - 9e8}, {"name": "no id"}]
DROPPED = {"calls": ["call-bad-time", "call-no-time"], "customers": ["cust-no-update"]}


def test_bad_records_never_crash_the_run_and_drops_are_counted(make_pipeline):
    pipeline = make_pipeline()
    api = BadApi(CALLS, CUSTOMERS, STAFF, GROUPS, newest_ms=NOW)
    pipeline.accounts_file.write_text(json.dumps([{"tenant": "PK", "token": TOKEN}]))
    with serving(api) as url:
        env = dict(pipeline.env, CALLIO_API_URL=url, TAP_CALLIO_PAGE_SIZE="2")
        run = pipeline.meltano("run", *JOB_ALL, name="bad-input", env=env)
    output = run.output
    assert run.returncode == 0, f"bad records must not fail the run:\n{run.tail()}"
    assert "Traceback" not in output
    assert TOKEN not in output

    dropped_lines = [line for line in output.splitlines() if "dropped record" in line]
    summary = [line.split("]", 1)[-1].split() for line in output.splitlines()]
    # summary columns: tenant stream status records dropped bookmark
    counted = {w[-5]: int(w[-2]) for w in summary if len(w) >= 6 and w[-6] == "PK" and w[-4] == "OK"}
    for stream, ids in DROPPED.items():
        lines = [line for line in dropped_lines if f"stream {stream}" in line]
        for record_id in ids:
            assert any(record_id in line for line in lines), f"{record_id} dropped without a log line naming it"
        assert counted.get(stream) == len(lines) >= len(ids), \
            f"{stream}: summary counts {counted.get(stream)} dropped, {len(lines)} logged:\n" + "\n".join(lines)

    rows = pipeline.query('select _id, count(*) from main.call_log group by 1')
    assert dict(rows) == {call_id: 1 for call_id in GOOD_CALLS}, rows
    typed = dict(pipeline.query("select _id, billDuration from main.call_log"))
    assert typed["call-types"] == 12
    assert dict(pipeline.query("select _id, fromUser__id from main.call_log"))["call-nested-text"] == "u1"
    assert dict(pipeline.query("select _id, length(hangupCause) from main.call_log"))["call-unknown-huge"] == len(HUGE)

    rows = pipeline.query("select _id, count(*) from main.customer group by 1")
    assert dict(rows) == {customer_id: 1 for customer_id in GOOD_CUSTOMERS}, rows
    statuses = dict(pipeline.query('select _id, "customField_0_val" from main.customer'))
    assert "\U0001F389" in statuses["cust-odd-status"] and "zalo" in statuses["cust-odd-status"], statuses
    assert statuses["cust-types"] == "Có nhu cầu", statuses
    assert sorted(pipeline.query("select _id, count(*) from main.staff group by 1")) == [("u1", 1), ("u2", 1)]
    assert pipeline.query('select group_id, name from main."group"') == [("g1", "Team 1")]
