"""Independent oracle for fact_staff_daily: the warehouse spec's report, in plain Python.

No dbt, no SQL. Given the ground-truth records of every tenant (the simulator's canonical shape:
integer epoch ms, nested objects) it returns the rows fact_staff_daily must hold, every column
but ``_ingested_at``. The status rules are read from transform/seeds/status_rules.csv, the same
file the dbt project loads. See README.md beside this file for the exact semantics.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

SEEDS = Path(__file__).resolve().parents[2] / "transform" / "seeds"
RULES_PATH = SEEDS / "status_rules.csv"
DIRECTIONS_PATH = SEEDS / "direction_classes.csv"
CATEGORIES = ("KetBanZalo", "CoNhuCau", "TuChoi", "KhongNgheMay")
COLUMNS = (
    "Ngay", "Tenant", "Team", "MaNV_id", "MaNV", "TongCuoc", "SoSDT_Unique", "SoCuoc_NoiMay",
    "SoCuoc_KhongNoiMay", "TongThoiluongGoi_Giay", "TongRungChuong_Giay", "SoDataNhan",
    "SoSDT_KetBanZalo", "SoSDT_CoNhuCau", "SoSDT_TuChoi", "SoSDT_KhongNgheMay",
    "max_create_ms", "max_assigned_ms", "max_create_local", "max_assigned_local",
)
# RE2's \s (what the SQL uses): space, \t, \n, \f, \r
ASCII_SPACE = " \t\n\f\r"


# --- value rules shared with the SQL macros -------------------------------------------------

def to_text(value) -> str | None:
    """Text trimmed of ASCII whitespace; empty -> None (macro to_text)."""
    if value is None:
        return None
    text = str(value).strip(ASCII_SPACE)
    return text or None


def to_int(value) -> int | None:
    """Lenient integer: ints, floats and numeric text; anything else -> None (macro to_int64)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return int(math.floor(abs(number) + 0.5)) * (1 if number >= 0 else -1)


def normalize_phone(value) -> str | None:
    """Digits only, then a leading 84 becomes 0; empty -> None (macro normalize_phone)."""
    if value is None:
        return None
    digits = re.sub(r"[^0-9]", "", str(value))
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    return digits or None


def normalize_status(value) -> str | None:
    """Trimmed, lower-cased, NFC (macro normalize_status)."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", str(value).strip(ASCII_SPACE).lower())


def load_rules(path: Path = RULES_PATH) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(row["category"], row["match_type"].strip().lower(), normalize_status(row["pattern"]))
                for row in csv.DictReader(f)]


def load_direction_classes(path: Path = DIRECTIONS_PATH) -> dict[str, str]:
    """The editable spellings of the directions (the dbt seed itself): spelling -> class."""
    with path.open(encoding="utf-8", newline="") as f:
        return {(to_text(row["spelling"]) or "").lower(): row["direction_class"] for row in csv.DictReader(f)}


def direction_class(direction, classes: Mapping[str, str]) -> str:
    """outbound, inbound, internal or other: the direction as text, trimmed and lower-cased,
    looked up in the spellings; anything else, None included, is other (warehouse spec)."""
    text = to_text(direction)
    return classes.get(text.lower(), "other") if text is not None else "other"


def customer_number(call: Mapping, classes: Mapping[str, str]) -> str | None:
    """The customer's side of a call, normalised: fromNumber of an inbound call, toNumber of
    every other class (the agent is the caller there)."""
    inbound = direction_class(call.get("direction"), classes) == "inbound"
    return normalize_phone(to_text(call.get("fromNumber") if inbound else call.get("toNumber")))


def status_categories(status: str | None, rules: list[tuple[str, str, str]]) -> set[str]:
    """Categories of one normalised status: `contains` on the whole text, `equals` on any of
    its "|"-separated values (each trimmed)."""
    if not status:
        return set()
    parts = {re.sub(r"^[ \t\n\f\r]+|[ \t\n\f\r]+$", "", p) for p in status.split("|")}
    return {category for category, match_type, pattern in rules
            if (match_type == "contains" and pattern in status)
            or (match_type == "equals" and pattern in parts)}


def local_time(epoch_ms, tz: ZoneInfo) -> dt.datetime | None:
    """Wall-clock time in tz, without a zone (DuckDB TIMESTAMP, BigQuery DATETIME); None and 0
    ("never") -> None. Whole milliseconds, computed in integers (no float rounding)."""
    ms = to_int(epoch_ms)
    if not ms:
        return None
    utc = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)
    return utc.astimezone(tz).replace(tzinfo=None)


def utc_time(epoch_ms) -> dt.datetime | None:
    """The UTC instant as a naive datetime (how DuckDB returns a TIMESTAMP); None and 0 -> None."""
    ms = to_int(epoch_ms)
    if not ms:
        return None
    return dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)


def local_date(epoch_ms, tz: ZoneInfo) -> dt.date | None:
    """Calendar date in tz; None and 0 ("never") -> None."""
    time = local_time(epoch_ms, tz)
    return time.date() if time else None


# --- record accessors (nested objects or the tap's flat columns) ----------------------------

def _ref_id(value) -> str | None:
    """An id given as a plain string or as an object with _id."""
    if isinstance(value, Mapping):
        return to_text(value.get("_id"))
    return to_text(value)


def _nested(record: Mapping, obj: str, field: str):
    """obj.field from the API's nested object, or from the column the Singer SDK's flattening
    makes of it (`<obj>__<field>`, e.g. fromUser___id), as the project's raw tables hold it."""
    value = record.get(obj)
    if isinstance(value, Mapping) and field in value:
        return value.get(field) if field != "_id" else _ref_id(value)
    if isinstance(value, str) and field == "_id":
        return to_text(value)
    return record.get(f"{obj}__{field}")


def customer_status(record: Mapping, status_key: str) -> str | None:
    """customField_0_val when present, else the tap's rule over customFields."""
    if "customField_0_val" in record:
        return to_text(record["customField_0_val"])
    for field in record.get("customFields") or []:
        if isinstance(field, Mapping) and field.get("key") == status_key:
            for name in ("val", "value", "values", "text", "name"):
                value = field.get(name)
                if value:
                    values = value if isinstance(value, list) else [value]
                    cleaned = [str(v).strip() for v in values if v is not None and str(v).strip()]
                    return to_text(" | ".join(dict.fromkeys(cleaned)))
            return None
    return None


# --- the report -----------------------------------------------------------------------------

def expected_fact_staff_daily(
    truth: Mapping[str, Mapping[str, Iterable[Mapping]]],
    *,
    tz: str = "Asia/Ho_Chi_Minh",
    report_tenants: Iterable[str] | None = None,
    today: dt.date | None = None,
    lookback_days: int | None = None,
    rules_path: Path = RULES_PATH,
    status_key: str = "tinh-trang-kh",
    directions_path: Path = DIRECTIONS_PATH,
) -> list[dict]:
    """Expected fact_staff_daily rows, sorted by (Ngay, Tenant, MaNV_id).

    truth: {tenant: {"customers": [...], "calls": [...], "staff": [...], "groups": [...]}}.
    report_tenants: keep only these tenants (gives fact_staff_daily_PK); None keeps all.
    today, lookback_days: when both are given, keep only days >= today - lookback_days (the
    window an incremental run recomputes); otherwise every day (a full refresh).
    """
    zone = ZoneInfo(tz)
    rules = load_rules(rules_path)
    classes = load_direction_classes(directions_path)
    keep = set(report_tenants) if report_tenants is not None else None
    start = window_start(today, lookback_days)
    rows = []
    for tenant, streams in truth.items():
        if keep is not None and tenant not in keep:
            continue
        rows.extend(_tenant_rows(tenant, streams, zone, rules, classes, status_key, start))
    rows.sort(key=lambda r: (r["Ngay"], r["Tenant"], r["MaNV_id"]))
    return rows


def window_start(today: dt.date | None, lookback_days: int | None) -> dt.date | None:
    """First day an incremental run recomputes; None (every day) unless both are given."""
    return today - dt.timedelta(days=lookback_days) if today and lookback_days is not None else None


def report_differences(actual: list[Mapping], expected: list[Mapping], columns=COLUMNS,
                       key_columns=("Ngay", "Tenant", "MaNV_id")) -> list[str]:
    """What differs between report rows read from a warehouse and the oracle's rows, keyed by
    `key_columns`: missing, unexpected and duplicate rows, then every differing cell.
    Floats are compared with math.isclose (rel and abs 1e-9): every fractional column is one
    division of integers on both sides (ms / 1000, sums by counts)."""
    key = lambda r: tuple(r[c] for c in key_columns)  # noqa: E731
    got, want = {key(r): r for r in actual}, {key(r): r for r in expected}
    problems = [f"missing row {k}" for k in sorted(want.keys() - got.keys(), key=str)]
    problems += [f"unexpected row {k}" for k in sorted(got.keys() - want.keys(), key=str)]
    if len(actual) != len(got):
        problems.append(f"duplicate ({', '.join(key_columns)}) rows ({len(actual)} rows, {len(got)} keys)")
    for k in sorted(want.keys() & got.keys(), key=str):
        problems += [f"{k} {column}: warehouse={got[k][column]!r} oracle={want[k][column]!r}"
                     for column in columns if not _same_cell(got[k][column], want[k][column])]
    return problems


def _same_cell(actual, expected) -> bool:
    if isinstance(actual, float) or isinstance(expected, float):
        return (actual is not None and expected is not None
                and math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-9))
    return actual == expected


def _latest_by_id(records: Iterable[Mapping], order_key=None) -> dict[str, Mapping]:
    latest: dict[str, Mapping] = {}
    for record in records or []:
        record_id = to_text(record.get("_id"))
        if record_id is None:
            continue
        if order_key is None or record_id not in latest or order_key(record) >= order_key(latest[record_id]):
            latest[record_id] = record
    return latest


def _tenant_rows(tenant, streams, zone, rules, classes, status_key, window_start) -> list[dict]:
    groups = {gid: to_text(g.get("name")) for gid, g in _latest_by_id(streams.get("groups")).items()}
    staff = _latest_by_id(streams.get("staff"))
    customers = _latest_by_id(streams.get("customers"), lambda c: to_int(c.get("updateTime")) or -1)
    calls = _latest_by_id(streams.get("calls"))

    number_categories: dict[str, set[str]] = defaultdict(set)
    for customer in customers.values():
        phone = normalize_phone(to_text(customer.get("phone")))
        if phone:
            number_categories[phone] |= status_categories(
                normalize_status(customer_status(customer, status_key)), rules)

    days: dict[tuple, dict] = defaultdict(lambda: {"calls": [], "assigned": {}})
    for call in calls.values():
        staff_id = to_text(_nested(call, "fromUser", "_id"))
        day = local_date(call.get("createTime"), zone)
        if staff_id is None or day is None or (window_start and day < window_start):
            continue
        days[(day, staff_id)]["calls"].append(call)
    for customer_id, customer in customers.items():
        staff_id = to_text(_nested(customer, "user", "_id"))
        day = local_date(customer.get("assignedTime"), zone)
        if staff_id is None or day is None or (window_start and day < window_start):
            continue
        days[(day, staff_id)]["assigned"][customer_id] = customer

    rows = []
    for (day, staff_id), activity in days.items():
        row = {"Ngay": day, "Tenant": tenant, "MaNV_id": staff_id}
        day_calls, assigned = activity["calls"], activity["assigned"]
        numbers, answered, unanswered, talk, ring_ms = set(), 0, 0, 0, 0
        for call in day_calls:
            bill = to_int(call.get("billDuration")) or 0
            number = customer_number(call, classes)
            if number:
                numbers.add(number)
            if bill > 0:
                answered += 1
                talk += bill
            else:
                unanswered += 1
                start, end = to_int(call.get("startTime")), to_int(call.get("endTime"))
                elapsed = end - start if start is not None and end is not None else 0
                ring_ms += max(elapsed - 1000 * bill, 0)
        member = staff.get(staff_id)
        staff_group = None
        if member is not None:
            group_id = to_text(_nested(member, "group", "_id"))
            staff_group = groups.get(group_id)
        call_groups = [groups.get(_nested(c, "fromGroup", "_id")) for c in day_calls]
        call_names = [to_text(_nested(c, "fromUser", "name")) for c in day_calls]
        owner_names = [to_text(_nested(c, "user", "name")) for c in assigned.values()]
        row["Team"] = staff_group or min((g for g in call_groups if g), default=None) or "Unassigned"
        row["MaNV"] = ((to_text(member.get("name")) if member else None)
                       or min((n for n in call_names if n), default=None)
                       or min((n for n in owner_names if n), default=None))
        row.update(
            TongCuoc=len(day_calls), SoSDT_Unique=len(numbers), SoCuoc_NoiMay=answered,
            SoCuoc_KhongNoiMay=unanswered, TongThoiluongGoi_Giay=talk,
            TongRungChuong_Giay=ring_ms / 1000, SoDataNhan=len(assigned),
            max_create_ms=max((to_int(c.get("createTime")) for c in day_calls), default=None),
            max_assigned_ms=max((to_int(c.get("assignedTime")) for c in assigned.values()), default=None),
        )
        row.update(max_create_local=local_time(row["max_create_ms"], zone),
                   max_assigned_local=local_time(row["max_assigned_ms"], zone))
        for category in CATEGORIES:
            row[f"SoSDT_{category}"] = sum(1 for n in numbers if category in number_categories.get(n, ()))
        rows.append({column: row[column] for column in COLUMNS})
    return rows
