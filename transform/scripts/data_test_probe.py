"""Prove that the key and presence tests (primary_key, present, present_if_loaded) and
rows_match can fail.

    plant DB                 break a copy of a built warehouse: one fault per kind, each in a
                             different model (a duplicated key, a NULL key part, NULL columns,
                             a NULL in a raw table, a raw table that is not loaded, a KPI row
                             missing and one with another Team than its fact_staff_daily row)
    verify DB TARGET_PATH    after `dbt test` of those tests on the copy: exactly the tests of
                             the planted faults failed, with the expected number of failing rows,
                             each row labelled with what is wrong; every other one passed

Never run it on a warehouse you keep: it writes to DB.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

# (generic test, model or source it is attached to) -> failing rows: the label of each
# (primary_key: `problem`; present, present_if_loaded: `null_columns`), sorted.
EXPECTED = {
    ("primary_key", "model.callio.call_log"): ["duplicate"],
    ("primary_key", "model.callio.customer"): ["NULL _id"],
    ("primary_key", "model.callio.fact_staff_daily"): ["NULL MaNV_id"],
    ("primary_key", "model.callio.fact_staff_daily_PK"): ["duplicate NULL MaNV_id"],
    # record_id may be NULL: the row alone with a NULL record_id passes, the pair is a duplicate
    ("primary_key", "model.callio.quarantined_records"): ["duplicate"],
    ("present", "model.callio.call_log"): ["createTime NgayTao"],
    ("present", "model.callio.fact_staff_daily"): ["Team"],
    ("present", "seed.callio.status_rules"): ["pattern"],
    ("present_if_loaded", "source.callio.callio_raw.calls"): ["_id"],
    # raw.groups is dropped: a table not loaded yet has no NULLs
    # fact_agent_kpi_daily against fact_staff_daily: the two rows planted here, and the two
    # fact_staff_daily faults above (its row with a NULL MaNV_id is missing from the KPIs, and
    # the KPI row of that key has no twin left; its row with a NULL Team differs)
    ("rows_match", "model.callio.fact_agent_kpi_daily"): ["different Team", "different Team", "missing", "missing",
                                                           "unexpected"],
}
SELECTED = ("primary_key", "present", "present_if_loaded", "rows_match")
LABEL = {"primary_key": "problem", "rows_match": "problem"}  # else null_columns
DROPPED = "raw.groups"  # run dbt with --exclude stg_callio__groups: its view reads this table


def plant(db: str) -> None:
    con = duckdb.connect(db)
    # two fact_staff_daily rows other than the first and last (planted below): their KPI rows
    # go missing and get another Team
    keys = con.execute('select "Ngay", "Tenant", "MaNV_id" from main.fact_staff_daily where rowid > '
                       '(select min(rowid) from main.fact_staff_daily) order by rowid limit 2').fetchall()
    kpi_key = '"Ngay" = ? and "Tenant" = ? and "MaNV_id" = ?'
    con.execute(f"delete from main.fact_agent_kpi_daily where {kpi_key}", keys[0])
    con.execute(f"update main.fact_agent_kpi_daily set \"Team\" = 'probe' where {kpi_key}", keys[1])
    duplicate_pk_row = ("main.fact_staff_daily_PK",
                        "insert into {t} select * replace (null as MaNV_id) from {t} where rowid = {first}")
    for table, statement in [
        ("main.call_log", "update {t} set createTime = null, NgayTao = null where rowid = {last}"),
        ("main.call_log", "insert into {t} select * from {t} where rowid = {first}"),
        ("main.customer", "update {t} set _id = null where rowid = {first}"),
        ("main.fact_staff_daily", "update {t} set MaNV_id = null where rowid = {first}"),
        ("main.fact_staff_daily", "update {t} set Team = null where rowid = {last}"),
        duplicate_pk_row, duplicate_pk_row,  # a duplicated key with a NULL part
        ("main_staging.status_rules", "update {t} set pattern = null where rowid = {first}"),
        ("raw.calls", "update {t} set _id = null where rowid = {first}"),
    ]:
        con.execute(statement.format(t=table, first=f"(select min(rowid) from {table})",
                                     last=f"(select max(rowid) from {table})"))
    for sha in ("probe-alone", "probe-twice", "probe-twice"):
        con.execute("""insert into main.quarantined_records (tenant, stream, record_id, reason, raw_sha256)
                       values ('PK', 'calls', null, 'probe', ?)""", [sha])
    con.execute(f"drop table {DROPPED}")
    con.close()


def verify(db: str, target_path: str) -> None:
    target = Path(target_path)
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    results = json.loads((target / "run_results.json").read_text())["results"]
    con = duckdb.connect(db, read_only=True)
    problems, seen = [], set()
    for result in results:
        node = manifest[result["unique_id"]]
        name = node["test_metadata"]["name"]
        parent = node["attached_node"] or node["depends_on"]["nodes"][0]
        seen.add((name, parent))
        expected = EXPECTED.get((name, parent), [])
        label = LABEL.get(name, "null_columns")
        cursor = con.execute(result["compiled_code"])
        column = [d[0] for d in cursor.description].index(label) if expected else 0
        got = sorted(row[column] for row in cursor.fetchall())
        status = "fail" if expected else "pass"
        if result["status"] != status or result["failures"] != len(expected) or got != expected:
            problems.append(f"{result['unique_id']}: {result['status']} with {result['failures']} failing rows "
                            f"{got}, expected {status} with {expected}")
        elif expected:
            print(f"  {name} on {parent.split('.', 2)[-1]}: FAIL as planted, {got}")
    missing = set(EXPECTED) - seen
    if missing:
        problems.append(f"tests not run: {sorted(missing)}")
    if not {name for name, _ in seen} >= set(SELECTED):
        problems.append(f"selected {sorted(seen)}, expected every test of {SELECTED}")
    if problems:
        sys.exit("key and presence tests wrong on planted faults:\n" + "\n".join(problems))
    print(f"key and presence tests: {len(EXPECTED)} planted faults reported, the other "
          f"{len(results) - len(EXPECTED)} tests passed ({DROPPED} dropped: not loaded yet)")


if __name__ == "__main__":
    if sys.argv[1] == "plant":
        plant(sys.argv[2])
    else:
        verify(sys.argv[2], sys.argv[3])
