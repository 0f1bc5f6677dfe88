"""The generated data is realistic where the tap and the reports depend on it."""

import datetime as dt
import re
import unicodedata
from collections import Counter

from callio_sim.testing import running_simulator

from .conftest import BURST_COUNT, BURST_DAY, NOW_MS, api

DAY_MS = 86_400_000
LOCAL = dt.timezone(dt.timedelta(hours=7))


def _norm(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return "0" + digits[2:] if digits.startswith("84") else digits


def test_staff_names_groups_and_ids(clean_sim):
    groups = list(clean_sim.truth("PK", "groups"))
    staff = list(clean_sim.truth("PK", "staff"))
    assert len(groups) == 4 and len(staff) == 15
    group_ids = {g["_id"] for g in groups}
    for member in staff:
        assert re.fullmatch(r"[A-Z ]+ - NV\d{3} - [A-Z]+", member["name"]), member["name"]
        assert member["group"]["_id"] in group_ids
        assert re.fullmatch(r"[0-9a-f]{24}", member["_id"])
        assert isinstance(member["active"], bool)
    assert len({m["group"]["_id"] for m in staff}) == len(groups)  # every group has staff


def test_customers_phones_statuses_and_owners(clean_sim):
    customers = list(clean_sim.truth("PK", "customers"))
    assert len(customers) == 1500
    formats = Counter("plus" if c["phone"].startswith("+84") else "84" if c["phone"].startswith("84")
                      else "0" if c["phone"].startswith("0") else "?" for c in customers)
    assert formats["0"] > formats["84"] > 0 and formats["plus"] > 0 and formats["?"] == 0
    assert len({_norm(c["phone"]) for c in customers}) == len(customers)
    statuses = [f["val"] for c in customers for f in c["customFields"] if f["key"] == "tinh-trang-kh"]
    flat = {unicodedata.normalize("NFC", v.strip()) for vals in statuses for v in vals}
    assert {"Không nghe máy", "Không nghe máy 2", "Kết bạn zalo", "Có nhu cầu", "Suy nghĩ thêm",
            "Tắt máy ngang", "Thuê bao", "Bận"} <= flat
    assert any(len(v) > 1 for v in statuses), "multi-value statuses"
    assert any(v == [] for v in statuses), "empty statuses"
    assert any(not any(f["key"] == "tinh-trang-kh" for f in c["customFields"]) for c in customers)
    raw = [v for vals in statuses for v in vals if v]
    assert any(v != unicodedata.normalize("NFC", v) for v in raw), "decomposed (NFD) accents"
    assert any(v == unicodedata.normalize("NFC", v) and not v.isascii() for v in raw)
    assert any(c["user"] is None and c["assignedTime"] == 0 for c in customers)
    reassigned = [c for c in customers if c["user"] and c["assignedTime"] > c["createTime"]]
    assert reassigned and all(c["assignedTime"] <= c["updateTime"] for c in reassigned)
    assert all(isinstance(c["user"]["group"], str) for c in customers if c["user"])


def test_customers_created_long_ago_and_updated_today(clean_sim):
    customers = list(clean_sim.truth("HN", "customers"))
    today = dt.datetime.fromtimestamp(NOW_MS / 1000, LOCAL).replace(hour=0, minute=0, second=0, microsecond=0)
    today_ms = int(today.timestamp() * 1000)
    old_and_fresh = [c for c in customers if c["createTime"] <= NOW_MS - 90 * DAY_MS and c["updateTime"] >= today_ms]
    assert len(old_and_fresh) >= 5
    assert all(c["createTime"] <= c["updateTime"] <= NOW_MS for c in customers)


def test_calls_directions_answers_and_durations(clean_sim):
    calls = list(clean_sim.truth("SG", "calls"))
    directions = Counter(c["direction"] for c in calls)
    # the documented words, and a few that no reading covers (NULL, an unknown word)
    assert directions.keys() == {"outbound", "inbound", "local", "transfer", None}
    assert directions["outbound"] > directions["inbound"] > directions["local"] > directions[None] > 0
    unknown_wait = 0
    for c in calls:
        assert c["startTime"] <= c["endTime"]
        if c["billDuration"] > 0:
            assert c["endTime"] > c["startTime"] and c["hangupCause"] == "NORMAL_CLEARING"
            if c["answerTime"] > c["startTime"]:
                assert c["endTime"] > c["answerTime"]
            else:  # answered, but the backend did not record when: 0, or a time before the start
                unknown_wait += 1
        else:
            assert c["answerTime"] == 0 and c["endTime"] - c["startTime"] > 0  # ringing time
        assert c["duration"] == round((c["endTime"] - c["startTime"]) / 1000)
    answered = sum(c["billDuration"] > 0 for c in calls)
    assert 0.3 < answered / len(calls) < 0.9
    assert 0.02 * answered < unknown_wait < 0.1 * answered
    assert any(c["billDuration"] > 0 and c["answerTime"] == 0 for c in calls)
    assert any(c["billDuration"] > 0 and 0 < c["answerTime"] < c["startTime"] for c in calls)
    assert all(c["createTime"] <= NOW_MS for c in calls)
    assert min(c["createTime"] for c in calls) >= NOW_MS - 20 * DAY_MS


def test_calls_match_customers_sometimes_in_another_format(clean_sim):
    customers = {c["phone"]: c for c in clean_sim.truth("PK", "customers")}
    by_norm = {_norm(p): p for p in customers}
    same = other = 0
    for c in clean_sim.truth("PK", "calls"):
        number = {"outbound": c["toNumber"], "inbound": c["fromNumber"]}.get(c["direction"])
        if number is None or _norm(number) not in by_norm:
            continue
        if number == by_norm[_norm(number)]:
            same += 1
        else:
            other += 1
    assert same > other > 0


def test_many_calls_share_a_millisecond(clean_sim):
    counts = Counter(c["createTime"] for c in clean_sim.truth("PK", "calls"))
    assert sum(1 for n in counts.values() if n >= 2) > 50
    assert max(counts.values()) >= 3


def test_burst_day_has_exactly_the_requested_calls(sim):
    start = int(dt.datetime.fromisoformat(BURST_DAY).replace(tzinfo=LOCAL).timestamp() * 1000)
    normal = api(sim, "HN", "/call", pageSize=1, **{"from": start, "to": start + DAY_MS - 1}).json()["totalDocs"]
    burst = api(sim, "PK", "/call", pageSize=1, **{"from": start, "to": start + DAY_MS - 1}).json()["totalDocs"]
    assert BURST_COUNT <= burst < BURST_COUNT + 1000
    assert normal < 1000


def test_generation_is_deterministic_and_ids_do_not_depend_on_the_clock():
    options = dict(seed=11, tenants="PK", customers=50, calls=100, staff=5, groups=2)
    with running_simulator(**options, now_ms=NOW_MS) as a, running_simulator(**options, now_ms=NOW_MS) as b:
        assert list(a.truth("PK", "calls")) == list(b.truth("PK", "calls"))
        assert list(a.truth("PK", "customers")) == list(b.truth("PK", "customers"))
        assert a.accounts == b.accounts
    with running_simulator(**options, now_ms=NOW_MS + 3 * DAY_MS) as c:
        assert [r["_id"] for r in c.truth("PK", "staff")] == [r["_id"] for r in a_staff(options)]


def a_staff(options):
    with running_simulator(**options, now_ms=NOW_MS) as a:
        return list(a.truth("PK", "staff"))


def test_different_seeds_give_different_data():
    with running_simulator(seed=1, tenants="PK", customers=20, calls=20, now_ms=NOW_MS) as a, \
            running_simulator(seed=2, tenants="PK", customers=20, calls=20, now_ms=NOW_MS) as b:
        assert [c["phone"] for c in a.truth("PK", "customers")] != [c["phone"] for c in b.truth("PK", "customers")]
        assert a.accounts[0]["password"] != b.accounts[0]["password"]


def test_missed_inbound_calls_called_back_around_the_window_edge(clean_sim):
    """Outbound calls to the number of missed inbound calls: before them, in the same
    millisecond, inside the 24-hour window, exactly at its edge and just past it."""
    window = 24 * 3_600_000
    calls = list(clean_sim.truth("PK", "calls"))
    outbound = {}
    for c in calls:
        if c["direction"] == "outbound":
            outbound.setdefault(_norm(c["toNumber"]), []).append(c["createTime"])
    missed = [c for c in calls if c["direction"] == "inbound" and c["billDuration"] == 0]
    delays = [t - c["createTime"] for c in missed for t in outbound.get(_norm(c["fromNumber"]), [])]
    kinds = Counter("before" if d < 0 else "same ms" if d == 0 else "inside" if d < window
                    else "edge" if d == window else "just past" if d <= window + 60_000 else "later"
                    for d in delays)
    assert min(kinds[k] for k in ("before", "same ms", "inside", "edge", "just past")) >= 10, kinds
    # queue calls: missed with nobody on them, some still in their queue's group
    unattended = [c for c in missed if c["fromUser"] is None]
    assert any(c["fromGroup"] is None for c in unattended) and any(c["fromGroup"] for c in unattended)


def test_the_callback_window_is_an_option():
    options = dict(seed=5, tenants="PK", customers=200, calls=2000, now_ms=NOW_MS, days=10, quirks=False)
    with running_simulator(**options, callback_window_hours=2) as sim:
        calls = list(sim.truth("PK", "calls"))
    outbound = {}
    for c in calls:
        if c["direction"] == "outbound":
            outbound.setdefault(_norm(c["toNumber"]), set()).add(c["createTime"])
    missed = [c for c in calls if c["direction"] == "inbound" and c["billDuration"] == 0]
    assert len(calls) == 2000
    assert any(c["createTime"] + 2 * 3_600_000 in outbound.get(_norm(c["fromNumber"]), ()) for c in missed)
