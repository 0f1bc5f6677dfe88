"""Poison records (a 3 MiB text, a lone UTF-16 surrogate, JSON nested 100,000 deep, integers
past 64 bits) are set aside on the quarantine stream, counted, and the rest loads; the bookmark
moves past them (they are delivered: to quarantine)."""

from __future__ import annotations

import hashlib

import pytest

from tap_callio import quarantine
from tap_callio.slicing import iso

from conftest import DAY_MS, base_config, bookmark, catalog_with, run_tap, truth_ids

POISONS = ["huge_text", "lone_surrogate", "deep_nesting", "int_2_63_plus_5", "int_10_40", "float_1_5e300"]
REASONS = ["the limit is 262,144", "lone UTF-16 surrogate", "nested deeper", "does not fit a 64-bit integer",
           "does not fit a 64-bit integer", "does not fit a 64-bit integer"]


@pytest.fixture(scope="module")
def poisoned(small_sim):
    sim = small_sim
    start = sim.now() - 2 * DAY_MS
    chosen = {}
    rules = []
    for endpoint, stream, key in (("/customer", "customers", "updateTime"), ("/call", "calls", "createTime")):
        recent = sorted((r for r in sim.truth("PK", stream) if r[key] >= start), key=lambda r: r[key])
        picks = [r["_id"] for r in recent[-len(POISONS) :]]
        chosen[stream] = dict(zip(picks, zip(POISONS, REASONS, strict=True), strict=True))
        rules += [{"fault": "poison", "endpoints": [endpoint], "tenants": ["PK"], "ids": [i], "value": v}
                  for i, v in zip(picks, POISONS, strict=True)]
    sim.set_faults(rules)
    try:
        run = run_tap(base_config(sim, start_date=iso(start), page_size=50), catalog=catalog_with("customers", "calls"))
    finally:
        sim.clear_faults()
    return sim, start, chosen, run


def test_poison_records_are_quarantined_and_the_rest_loads(poisoned):
    sim, start, chosen, run = poisoned
    assert run.returncode == 0, run.stderr[-3000:]
    rows = run.records("quarantine")
    by_id = {(r["stream"], r["record_id"]): r for r in rows}
    for stream, key in (("customers", "updateTime"), ("calls", "createTime")):
        for record_id, (value, reason) in chosen[stream].items():
            row = by_id[(stream, record_id)]
            assert row["tenant"] == "PK" and reason in row["reason"], (value, row["reason"])
            assert row["run_id"] == run.sync_log()[("PK", stream)]["run_id"]
        assert not set(chosen[stream]) & run.ids(stream, "PK")
        reached = bookmark(run.final_state, stream, "PK")
        assert reached >= max(r[key] for r in sim.truth("PK", stream) if r["_id"] in chosen[stream])
        expected = truth_ids(sim, "PK", stream, key, upto=reached, since=start) - set(chosen[stream])
        assert expected <= run.ids(stream, "PK")
        assert run.sync_log()[("PK", stream)]["records_quarantined"] == len(POISONS)
        assert run.sync_log()[("HN", stream)]["records_quarantined"] == 0
    assert len(rows) == 2 * len(POISONS)
    assert f"QUARANTINED PK/calls: {len(POISONS)} records" in run.stderr


def test_quarantine_rows_come_before_the_state_that_passes_them(poisoned):
    """Readers run in worker threads; the main thread writes each quarantine row before the STATE
    whose bookmark moves past the record (else a kill in between loses the row)."""
    sim, _start, chosen, run = poisoned
    for stream, key in (("customers", "updateTime"), ("calls", "createTime")):
        times = {r["_id"]: r[key] for r in sim.truth("PK", stream) if r["_id"] in chosen[stream]}
        for record_id, time_key in times.items():
            row_at = next(
                i
                for i, m in enumerate(run.messages)
                if m["type"] == "RECORD"
                and m["stream"] == "quarantine"
                and (m["record"]["stream"], m["record"]["record_id"]) == (stream, record_id)
            )
            passed_at = next(
                i
                for i, m in enumerate(run.messages)
                if m["type"] == "STATE" and (bookmark(m["value"], stream, "PK") or -1) >= time_key
            )
            assert row_at < passed_at, (stream, record_id)


def test_quarantine_rows_keep_bounded_raw_text_its_length_and_hash(poisoned):
    _, _, chosen, run = poisoned
    rows = {r["record_id"]: r for r in run.records("quarantine")}
    huge = rows[next(i for i, (v, _) in chosen["customers"].items() if v == "huge_text")]
    assert len(huge["raw_text"]) == quarantine.RAW_TEXT_CAP < huge["raw_length"]
    assert huge["raw_length"] > 3 * 1024 * 1024
    small = rows[next(i for i, (v, _) in chosen["calls"].items() if v == "int_10_40")]
    assert small["raw_length"] == len(small["raw_text"]) and "1" + "0" * 40 in small["raw_text"]
    assert small["raw_sha256"] == hashlib.sha256(small["raw_text"].encode()).hexdigest()
    surrogate = rows[next(i for i, (v, _) in chosen["customers"].items() if v == "lone_surrogate")]
    assert "\\ud800" in surrogate["raw_text"]  # kept as the JSON escape: storable text


def test_poison_checks():
    assert quarantine.problem({"a": "x" * 262_144, "n": 2**63 - 1, "f": 1.5}) is None
    assert "64-bit" in quarantine.problem({"user": {"n": -(2**63) - 1}})
    assert "finite" in quarantine.problem({"f": float("inf")})
    assert "surrogate" in quarantine.problem({"tags": ["ok", "b\udc00d"]})
    assert "largest: name" in quarantine.problem({"name": "x" * 200_000, "email": "y" * 70_000})


def test_the_quick_poison_check_agrees_with_the_named_walk():
    # problem() answers None through a walk that names nothing, and only names the value of a
    # record it cannot pass: both walks must agree on every record, poison or not
    limit = quarantine.MAX_RECORD_TEXT_CHARS
    plain = {"tenant": "PK", "_id": "a", "n": 5, "ok": True, "name": "Đà Nẵng 😀", "none": None,
             "user": {"group": {"_id": "g"}, "tags": ["x", 1, 2.5, [["deep"]]]}}
    records = [
        plain,
        {},
        {**plain, "big": 2**63 - 1, "small": -(2**63), "flag": True, "f": 1.5e300, "zero": -0.0},
        {**plain, "big": 2**63},
        {**plain, "user": {"n": -(2**63) - 1}},
        {**plain, "tags": [1, [2, [10**40]]]},
        {**plain, "f": float("nan")},
        {**plain, "user": {"f": float("-inf")}},
        {**plain, "name": "Nguy\ud800n"},
        {**plain, "user": {"tags": ["ok", "b\udfffd"]}},
        {**plain, "name": "\U0010ffff\ue000\ud7ff"},  # neighbours of the surrogates: fine
        {"a": "x" * limit},
        {"a": "x" * (limit - 1), "b": "é"},
        {"a": "x" * (limit - 1), "b": ["é", "z"]},
        {"a": "x" * limit, "n": 2**70},
    ]
    for record in records:
        assert quarantine.problem(record) == quarantine._explain(record), record.keys()
    assert [quarantine.problem(r) is None for r in records] == [
        True, True, True, False, False, False, False, False, False, False, True, True, True, False, False,
    ]
