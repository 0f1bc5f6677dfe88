"""Write a small, deterministic Callio data set for developing the transform without the tap.

Outputs (in --out-dir):
  batch1.singer.jsonl, batch2.singer.jsonl  Singer SCHEMA/RECORD/STATE messages exactly as
                                            tap-callio writes them (its own record builders and
                                            schemas, via tests/support/tap_output.py), the
                                            second batch carrying updates, re-reads and a new
                                            snapshot (HN's group snapshot "failed": not emitted)
  truth.json                                the final canonical records per tenant
                                            ({tenant: {customers, calls, staff, groups}}), the
                                            input of tests/oracle/report.py

The data covers the report's edge cases: calls at 23:30 and 00:30 local time, composed and
decomposed Vietnamese statuses, multi-value statuses, +84/84/0 phone formats, customers sharing
a phone, calls without a staff member, every direction spelling.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import random
import sys
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))  # support/
from support.tap_output import (  # noqa: E402
    STATUS_KEY,
    STREAM_ORDER,
    record_message,
    schema_message,
    sync_log_row,
    tap_record,
)

TENANTS = ("PK", "HN")
STATUSES = [
    "Không nghe máy", "Không nghe máy 2", "Kết bạn zalo", "Có nhu cầu", "Suy nghĩ thêm",
    "Tắt máy ngang", "Thuê bao", "Bận", "  BẬN ", "Kết bạn Zalo | Bận", "Không có nhu cầu",
    "Đã có thẻ", "Khác", None,
]
DIRECTIONS = ["outbound", "outbound", "inbound", "local", "1", "2", None]


def _id(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(24))


class World:
    """Canonical records of every tenant, mutated between the two batches."""

    def __init__(self, seed: int, today: dt.date, tz: str, tenants=TENANTS,
                 customers: int = 80, calls: int = 400) -> None:
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(tz)
        self.today = today
        self.sizes = (customers, calls)
        self.data = {t: self._tenant() for t in tenants}

    def ms(self, day_offset: int, hour: int, minute: int) -> int:
        local = dt.datetime.combine(self.today + dt.timedelta(days=day_offset), dt.time(hour, minute), self.tz)
        return int(local.timestamp() * 1000) + self.rng.randrange(0, 59_000)

    def random_ms(self, first_day: int = -11) -> int:
        return self.ms(self.rng.randint(first_day, 0), self.rng.randrange(24), self.rng.randrange(60))

    def _tenant(self) -> dict:
        rng = self.rng
        groups = [{"_id": _id(rng), "name": f"Team {n}", "createTime": self.ms(-30, 8, 0),
                   "updateTime": self.ms(-30, 8, 0)} for n in ("A", "B", "C")]
        staff = []
        for n in range(6):
            group = rng.choice(groups) if n != 5 else None  # one member without a group
            staff.append({"_id": _id(rng), "email": f"agent{n}@example.com",
                          "name": f"AGENT {n} - NV{n:03d} - HCM", "ext": str(100 + n), "role": "agent",
                          "active": True, "createTime": self.ms(-30, 9, 0), "updateTime": self.ms(-30, 9, 0),
                          "group": {"_id": group["_id"], "name": group["name"]} if group else None})
        customers = [self._customer(staff, n) for n in range(self.sizes[0])]
        calls = [self._call(staff, groups, customers) for _ in range(self.sizes[1])]
        # the local-date edge: one call at 23:30 and one at 00:30 local, same staff member
        for hour, minute in ((23, 30), (0, 30)):
            call = self._call(staff, groups, customers)
            call["createTime"] = self.ms(-2 if hour == 23 else -1, hour, minute)
            call["startTime"] = call["createTime"] + 1000
            call["endTime"] = call["startTime"] + 20_000
            call["fromUser"] = {"_id": staff[0]["_id"], "name": staff[0]["name"], "group": None}
            calls.append(call)
        return {"groups": groups, "staff": staff, "customers": customers, "calls": calls}

    def _phone(self, base: str) -> str:
        style = self.rng.randrange(4)
        return {0: base, 1: "+84" + base[1:], 2: "84 " + base[1:4] + "-" + base[4:], 3: base[:4] + " " + base[4:]}[style]

    def _status_fields(self, status: str | None) -> list:
        if status is None:
            return []
        if self.rng.random() < 0.3:
            status = unicodedata.normalize("NFD", status)
        values = [v for v in status.split(" | ")] if "|" in status else [status]
        return [{"_id": "cf1", "key": STATUS_KEY, "val": values}]

    def _customer(self, staff: list, n: int) -> dict:
        rng = self.rng
        base = "09" + "".join(rng.choice("0123456789") for _ in range(8))
        owner = rng.choice(staff) if rng.random() < 0.85 else None
        created = self.random_ms(-20)
        return {"_id": _id(rng), "createTime": created, "updateTime": created + 60_000,
                "assignedTime": self.random_ms() if owner else 0, "name": f"Khách {n}",
                "phone": self._phone(base), "email": None, "code": f"KH{n}", "source": "web", "tags": ["a"],
                "user": self._user_ref(owner), "customFields": self._status_fields(rng.choice(STATUSES))}

    @staticmethod
    def _user_ref(member: dict | None) -> dict | None:
        if member is None:
            return None
        group = member.get("group")
        return {"_id": member["_id"], "name": member["name"], "email": member["email"],
                "ext": member["ext"], "group": group["_id"] if group else None}

    def _call(self, staff: list, groups: list, customers: list) -> dict:
        rng = self.rng
        agent = rng.choice(staff) if rng.random() < 0.95 else None
        created = self.random_ms()
        bill = rng.choice([0, 0, 0, rng.randrange(5, 300), rng.randrange(5, 300)])
        ring_ms = rng.randrange(0, 40_000)
        number = (rng.choice(customers)["phone"] if rng.random() < 0.8
                  else "0" + "".join(rng.choice("0123456789") for _ in range(9)))
        direction = rng.choice(DIRECTIONS)
        agent_number = agent["ext"] if agent else "999"
        inbound = direction in ("inbound", "1")
        group = rng.choice(groups)
        return {"_id": _id(rng), "createTime": created, "chargeTime": created, "startTime": created + 500,
                "answerTime": created + 500 + ring_ms if bill else 0,
                "endTime": created + 500 + ring_ms + bill * 1000, "duration": bill + ring_ms // 1000,
                "billDuration": bill, "direction": direction,
                "fromNumber": number if inbound else agent_number, "toNumber": agent_number if inbound else number,
                "hangupCause": "NORMAL_CLEARING", "fromUser": self._user_ref(agent),
                "fromGroup": {"_id": group["_id"], "name": group["name"]}}

    def mutate(self) -> dict:
        """Second batch: updated customers, re-read and new calls, a new staff snapshot."""
        changed = {}
        for tenant, data in self.data.items():
            rng = self.rng
            customers = rng.sample(data["customers"], 25)
            for customer in customers:
                customer["updateTime"] += 86_400_000
                customer["customFields"] = self._status_fields(rng.choice(STATUSES))
                if rng.random() < 0.5:
                    owner = rng.choice(data["staff"])
                    customer["user"] = self._user_ref(owner)
                    customer["assignedTime"] = self.random_ms(-3)
            calls = rng.sample(data["calls"], 30)  # re-read; some CDRs completed later
            for call in calls[:10]:
                call["hangupCause"] = "ORIGINATOR_CANCEL"
            new_calls = [self._call(data["staff"], data["groups"], data["customers"]) for _ in range(60)]
            data["calls"].extend(new_calls)
            data["staff"].pop(4)  # left the company: not in the new snapshot
            data["staff"][1]["name"] = data["staff"][1]["name"] + " (renamed)"
            changed[tenant] = {"customers": customers, "calls": calls + new_calls,
                               "staff": data["staff"], "groups": data["groups"] if tenant == "PK" else None}
        return changed


def write_batch(path: Path, batches: dict, run_id: str, now: dt.datetime) -> None:
    snapshot_at = int(now.timestamp() * 1000)
    with path.open("w", encoding="utf-8") as f:
        def emit(message: dict) -> None:
            f.write(json.dumps(message, ensure_ascii=False) + "\n")
        for stream in STREAM_ORDER:
            emit(schema_message(stream))
        logs = []
        for tenant, streams in batches.items():
            for stream in ("customers", "calls", "staff", "groups"):
                records = streams.get(stream)
                status = "OK" if records is not None else "ERROR"
                for record in records or []:
                    emit(record_message(stream, tap_record(stream, tenant, record, snapshot_at=snapshot_at),
                                        time_extracted=now.isoformat()))
                key = {"customers": "updateTime", "calls": "createTime"}.get(stream)
                reached = max((r[key] for r in records or []), default=None) if key else None
                logs.append(sync_log_row(run_id=run_id, tenant=tenant, stream=stream, status=status,
                                         error=None if status == "OK" else "snapshot incomplete",
                                         records_read=len(records or []), records_quarantined=0,
                                         bookmark_start=None,
                                         bookmark_reached=reached, started_at=now.isoformat(),
                                         finished_at=(now + dt.timedelta(seconds=5)).isoformat()))
        for log in logs:
            emit(record_message("sync_log", log))
        emit({"type": "STATE", "value": {"run_id": run_id}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--today", default="2026-01-15", help="local 'today' of the data set (YYYY-MM-DD)")
    parser.add_argument("--tz", default="Asia/Ho_Chi_Minh")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tenants", default=",".join(TENANTS))
    parser.add_argument("--customers", type=int, default=80, help="per tenant")
    parser.add_argument("--calls", type=int, default=400, help="per tenant")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    world = World(args.seed, dt.date.fromisoformat(args.today), args.tz, args.tenants.split(","),
                  args.customers, args.calls)
    now = dt.datetime.combine(world.today, dt.time(12, 0), world.tz)
    write_batch(args.out_dir / "batch1.singer.jsonl", copy.deepcopy(world.data), "run-1", now - dt.timedelta(hours=2))
    write_batch(args.out_dir / "batch2.singer.jsonl", copy.deepcopy(world.mutate()), "run-2", now)
    (args.out_dir / "truth.json").write_text(json.dumps(world.data, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
