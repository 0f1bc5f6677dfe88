"""Lenient parsing and record shaping (pure functions)."""

from __future__ import annotations

import pytest

from tap_callio import parsing, records
from tap_callio.slicing import run_start

OID = "66a72878bb65010000000003"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1727400000000, 1727400000000),
        ("1727400000000", 1727400000000),
        (1727400000000.0, 1727400000000),
        ("1727400000000.0", 1727400000000),
        (0, 0),
        (None, None),
        ("", None),
        ("abc", None),
        (-5, None),
        (True, None),
        (float("nan"), None),
    ],
)
def test_epoch_ms(raw, expected):
    assert parsing.parse_epoch_ms(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [{"_id": OID, "name": "A"}, '{"_id": "%s", "name": "A"}' % OID, "{'_id': '%s', 'name': 'A'}" % OID],
)
def test_nested_object_from_object_json_or_literal_text(raw):
    assert parsing.parse_object(raw) == {"_id": OID, "name": "A"}


def test_nested_id_string_and_garbage():
    assert parsing.parse_object(OID) == {"_id": OID}
    assert parsing.parse_object(12) is None
    assert parsing.parse_object("{'_id': __import__('os').getcwd()}") == {"_id": "{'_id': __import__('os').getcwd()}"}
    assert parsing.object_id({"id": OID}) == OID


def test_literal_text_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = "[__import__('pathlib').Path(%r).touch()]" % str(marker)
    parsing.parse_list(text)
    assert not marker.exists()


def test_status_text_rules():
    fields = [
        {"key": "other", "val": ["x"]},
        {"key": "tinh-trang-kh", "val": [" Bận ", "", "Kết bạn zalo", "Bận", None]},
    ]
    assert records.status_text(fields, "tinh-trang-kh") == "Bận | Kết bạn zalo"
    assert records.status_text([{"key": "k", "val": [], "value": "Có nhu cầu"}], "k") == "Có nhu cầu"
    assert records.status_text([{"key": "k", "text": "  Thuê bao "}], "k") == "Thuê bao"
    assert records.status_text([{"key": "k", "values": "['A', 'B', 'A']"}], "k") == "A | B"
    assert records.status_text([{"key": "k", "name": "N"}], "k") == "N"
    assert records.status_text([{"key": "k", "val": ["  ", ""]}], "k") is None
    assert records.status_text([{"key": "other", "val": ["x"]}], "k") is None
    assert records.status_text(None, "k") is None
    assert records.status_text('[{"key": "k", "val": ["J"]}]', "k") == "J"


def test_customer_record_flattening_and_normalisation():
    doc = {
        "id": OID,
        "createTime": "1700000000000",
        "updateTime": 1700000001000.0,
        "assignedTime": 0,
        "name": "Khách",
        "phone": 912345678,
        "tags": "['a', 'b']",
        "extra": 1,
        "user": "{'_id': 'u1', 'name': 'Agent', 'group': {'_id': 'g1', 'name': 'Team'}}",
        "customFields": [{"_id": "c1", "key": "tinh-trang-kh", "val": "Bận"}],
    }
    record = records.customer_record(doc, "PK", "tinh-trang-kh")
    assert record["_id"] == OID and record["tenant"] == "PK"
    assert record["createTime"] == 1700000000000 and record["updateTime"] == 1700000001000
    assert record["assignedTime"] == 0
    assert record["phone"] == "912345678"
    assert record["tags"] == ["a", "b"]
    assert record["user"] == {"_id": "u1", "name": "Agent", "email": None, "ext": None, "group": "g1"}
    assert record["customFields"] == [{"_id": "c1", "key": "tinh-trang-kh", "val": ["Bận"]}]
    assert record["customField_0_val"] == "Bận"
    assert "extra" not in record


def test_call_record_nested_objects():
    doc = {
        "_id": OID,
        "createTime": 1,
        "fromUser": {"_id": "u1", "name": "A", "group": "g1"},
        "fromGroup": "g1",
        "direction": 2,
        "duration": "30",
        "billDuration": 12.0,
        "answerTime": None,
    }
    record = records.call_record(doc, "HN", "k")
    assert record["fromUser"] == {"_id": "u1", "name": "A", "email": None, "ext": None, "group": "g1"}
    assert record["fromGroup"] == {"_id": "g1", "name": None}
    assert record["direction"] == "2" and record["duration"] == 30 and record["billDuration"] == 12
    assert record["answerTime"] is None


def test_staff_record_group_forms():
    as_id = records.staff_record({"_id": "s", "group": "g1", "active": "true"}, "PK", "k")
    as_obj = records.staff_record({"_id": "s", "group": {"_id": "g1", "name": "T"}, "active": 1}, "PK", "k")
    assert as_id["group"]["_id"] == as_obj["group"]["_id"] == "g1"
    assert as_id["active"] is True and as_obj["active"] is True


@pytest.mark.parametrize("doc", [{"createTime": 1}, {"_id": OID}, {"_id": OID, "createTime": "never"}])
def test_unusable_call_is_rejected(doc):
    with pytest.raises(records.UnusableRecord):
        records.call_record(doc, "PK", "k")


def test_run_start_prefers_bookmark_minus_lookback():
    assert run_start(bookmark=10_000, lookback_ms=1_000, start_date="2020-01-01", days_if_empty=30, now_ms=0) == 9_001
    assert (
        run_start(bookmark=None, lookback_ms=1_000, start_date="1970-01-02T00:00:00Z", days_if_empty=30, now_ms=0)
        == 86_400_000
    )
    assert run_start(bookmark=None, lookback_ms=0, start_date=None, days_if_empty=2, now_ms=5 * 86_400_000) == (
        3 * 86_400_000
    )


def test_records_built_from_the_same_remembered_text_share_nothing():
    # parse_structured_text remembers short texts (the same user arrives as text in record after
    # record): the records built from it must still be independent, since the SDK changes them
    user = "{'_id': 'u1', 'name': 'Agent', 'group': {'_id': 'g1', 'name': 'Team'}}"
    doc = {"_id": OID, "updateTime": 1, "user": user, "tags": "['a', 'b']",
           "customFields": '[{"key": "k", "val": ["x"]}]'}
    first, second = (records.customer_record(doc, "PK", "k") for _ in range(2))
    assert first == second
    first["user"]["group"] = "changed"
    first["tags"].append("c")
    first["customFields"][0]["val"].append("y")
    again = records.customer_record(doc, "PK", "k")
    assert again == second and again["user"]["group"] == "g1" and again["tags"] == ["a", "b"]
    assert again["customFields"] == [{"_id": None, "key": "k", "val": ["x"]}]
    long_text = "[" + ", ".join(["'x'"] * parsing.CACHED_TEXT_CHARS) + "]"  # decoded, not remembered
    assert parsing.parse_list(long_text) == ["x"] * parsing.CACHED_TEXT_CHARS
