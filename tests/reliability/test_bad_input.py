"""Bad input, served by the simulator's `poison` fault: records no warehouse takes (a 3 MiB text,
a lone UTF-16 surrogate, JSON nested 100,000 deep, integers past 64 bits) are quarantined, records
that cannot be used (no id, an unreadable time key, not an object) are dropped, a long text (100,000
characters) lands whole. Nothing fails the run (before, each of these failed every run of its
tenant's stream); drops and quarantines are counted and logged with their ids; every other record
lands exactly once with the truth's values (type quirks repaired), and an operator finds each
poison record in `quarantined_records`."""

from __future__ import annotations

import pytest

from .checks import assert_final_tables_match_truth, truth_of
from .pipeline import JOB_ALL, TENANTS

QUARANTINED = ["huge_text", "lone_surrogate", "deep_nesting", "int_2_63_plus_5", "int_10_40", "float_1_5e300"]
DROPPED = ["no_id", "bad_time", "not_object"]
ENDPOINTS = {"customers": "/customer", "calls": "/call"}


def summary_columns(output: str) -> dict[tuple[str, str], list[str]]:
    """Run summary rows: tenant stream status records dropped bookmark."""
    rows = {}
    for line in output.splitlines():
        words = line.split("]", 1)[-1].split()
        if len(words) >= 6 and words[-6] in TENANTS and words[-4] == "OK":
            rows[(words[-6], words[-5])] = words[-6:]
    return rows


@pytest.fixture(scope="module")
def poisoned_runs(make_module_pipeline):
    pipeline = make_module_pipeline()
    sim = pipeline.sim
    chosen: dict[str, dict[str, str]] = {}
    rules = []
    for stream, endpoint in ENDPOINTS.items():
        newest = [r["_id"] for r in sim.truth("PK", stream)][-(len(QUARANTINED) + len(DROPPED) + 1):]
        chosen[stream] = dict(zip(newest, [*QUARANTINED, *DROPPED, "long_text"]))
        rules += [{"fault": "poison", "endpoints": [endpoint], "tenants": ["PK"], "ids": [record_id], "value": value}
                  for record_id, value in chosen[stream].items()]
    sim.set_faults(rules)
    run = pipeline.meltano("run", *JOB_ALL, name="bad-input")
    return pipeline, chosen, run


def test_bad_records_never_fail_the_run_and_the_rest_lands_exactly_once(poisoned_runs):
    pipeline, chosen, run = poisoned_runs
    assert run.returncode == 0, f"bad records must not fail the run:\n{run.tail()}"
    assert "Traceback" not in run.output
    truth = truth_of(pipeline.sim, TENANTS)
    kept = {stream: {i for i, v in ids.items() if v == "long_text"} for stream, ids in chosen.items()}
    for stream, ids in chosen.items():
        truth["PK"][stream] = [r for r in truth["PK"][stream] if r["_id"] not in set(ids) - kept[stream]]
    # the long text is the one value that differs from the truth: compared on its own
    long_call = next(iter(kept["calls"]))
    assert pipeline.query(f"select length(hangupCause) from main.call_log where _id = '{long_call}'") == [(100_000,)]
    truth["PK"]["calls"] = [dict(r, hangupCause="L" * 100_000) if r["_id"] == long_call else r
                            for r in truth["PK"]["calls"]]
    long_customer = next(iter(kept["customers"]))
    truth["PK"]["customers"] = [dict(r, name="L" * 100_000) if r["_id"] == long_customer else r
                                for r in truth["PK"]["customers"]]
    assert_final_tables_match_truth(pipeline, TENANTS, truth=truth)


def test_drops_and_quarantines_are_counted_and_logged_with_their_ids(poisoned_runs):
    pipeline, chosen, run = poisoned_runs
    output = run.output
    summary = summary_columns(output)
    for stream, ids in chosen.items():
        dropped_lines = [line for line in output.splitlines() if f"stream {stream}: dropped record" in line]
        assert int(summary[("PK", stream)][-2]) == len(dropped_lines) == len(DROPPED), dropped_lines
        bad_time = next(i for i, v in ids.items() if v == "bad_time")
        assert any(bad_time in line for line in dropped_lines)
        quarantined_lines = [line for line in output.splitlines() if f"stream {stream}: quarantined record" in line]
        for record_id, value in ids.items():
            if value in QUARANTINED:
                assert any(record_id in line for line in quarantined_lines), f"{value} {record_id} not logged"
        assert f"QUARANTINED PK/{stream}: {len(QUARANTINED)} records" in output
    counted = dict(pipeline.query(
        "select stream, sum(records_quarantined) from raw.sync_log where tenant = 'PK' group by 1"))
    assert counted["customers"] == counted["calls"] == len(QUARANTINED)


def test_operators_find_each_poison_record_in_quarantined_records(poisoned_runs):
    pipeline, chosen, _ = poisoned_runs
    rows = pipeline.query(
        "select stream, record_id, reason, raw_length, length(raw_text), runs_seen from main.quarantined_records")
    found = {(stream, record_id): (reason, raw_length, text_length, runs)
             for stream, record_id, reason, raw_length, text_length, runs in rows}
    expected = {(stream, i) for stream, ids in chosen.items() for i, v in ids.items() if v in QUARANTINED}
    assert set(found) == expected, sorted(set(found) ^ expected)
    for (stream, record_id), (reason, raw_length, text_length, runs) in found.items():
        assert reason and runs == 1, (stream, record_id, reason, runs)
        assert text_length == min(raw_length, 65_536)
    huge = [v for v in found.values() if "limit is 262,144" in v[0]]
    assert len(huge) == 2 and all(raw_length > 3 * 1024 * 1024 for _, raw_length, _, _ in huge)
