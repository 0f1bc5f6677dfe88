"""dbt on DuckDB under a memory cap (transform/profiles.yml `settings.memory_limit`, issue #16).

Builds call_log and customer, full and then incremental, from 200,000 call and 34,000 customer
versions under a cap of 128 MB (the profile's default is sized for 1M calls), with the marts' data
tests, and checks that every kept version is the one the model's ORDER BY puts first, computed here
by a plain row_number() partitioned by key with no cap: the DuckDB shapes (one global sort, the new
loads picked by a semi-join on their ids) keep exactly the versions the BigQuery shape keeps. The
volume at which the partitioned window itself broke under a cap (1M calls: "Out of Memory" at 256
and 300 MB) takes too long for a test.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import yaml

from conftest import PROJECT_ROOT, isolated_environment, tail

DBT = PROJECT_ROOT / ".meltano" / "utilities" / "dbt-duckdb" / "venv" / "bin" / "dbt"
TRANSFORM = PROJECT_ROOT / "transform"
CAP = "128MB"
CALLS = 200_000

LOAD_SEQUENCE = "coalesce(case when substr(_load_id, 13, 1) = '-' then cast(substr(_load_id, 1, 12) as bigint) end, 0)"
# The models' ORDER BY lists (call_log.sql, customer.sql), over the staging views' columns.
NEWEST_FIRST = {
    "call_log": f"{LOAD_SEQUENCE} desc, _sdc_batched_at desc, _sdc_extracted_at desc, row_hash desc, _load_id desc",
    "customer": f"coalesce(updateTime, -1) desc, {LOAD_SEQUENCE} desc, _sdc_batched_at desc, row_hash desc, "
    "updateTime desc, _sdc_extracted_at desc, _load_id desc",
}
STAGING = {"call_log": "main_staging.stg_callio__calls", "customer": "main_staging.stg_callio__customers"}


def land_calls(con: duckdb.DuckDBPyConnection, load: int, first: int, count: int, batched: str) -> None:
    """`count` call versions of ids first.. in load `load`, typed as target-duckdb lands them."""
    con.execute(f"""
        insert into raw.calls
        select tenant, _id, createtime, createtime + 1000 as chargetime, createtime + 2000 as starttime,
               case when i % 3 = 0 then 0 else createtime + 9000 end as answertime,
               createtime + 60000 as endtime, 60 as duration, case when i % 3 = 0 then 0 else 51 end as billduration,
               case when i % 2 = 0 then 'inbound' else 'outbound' end as direction,
               '+84 9' || lpad(cast(i % 99991 as varchar), 8, '0') as fromnumber,
               '028' || lpad(cast(i % 7919 as varchar), 8, '0') as tonumber,
               case when i % 5 = 0 then 'NO_ANSWER' else 'NORMAL_CLEARING' end || '-{load}' as hangupcause,
               'u' || (i % 40) as fromuser___id, 'Agent ' || (i % 40) || ' - NV0' || (i % 40) as fromuser__name,
               'g' || (i % 5) as fromgroup___id,
               -- a tenth of the reads in one load carry no extraction time
               case when i % 10 = 0 then null else timestamp '{batched}' - interval (i % 7) second end
                   as _sdc_extracted_at,
               timestamp '{batched}' as _sdc_batched_at, '{load:012d}-0000abcd' as _load_id
        from (select i, ['PK', 'HN', 'SG'][1 + i % 3] as tenant, md5(cast(i as varchar))[1:24] as _id,
                     cast(1764547200000 + i * 997 as hugeint) as createtime
              from range({first}, {first + count}) as r(i))
    """)


def land_customers(con: duckdb.DuckDBPyConnection, load: int, first: int, count: int, batched: str) -> None:
    con.execute(f"""
        insert into raw.customers
        select ['PK', 'HN', 'SG'][1 + i % 3] as tenant, md5('c' || i)[1:24] as _id,
               cast(1764547200000 + i * 1000 as hugeint) as createtime,
               cast(1764547200000 + i * 1000 + (i % 4) * 60000 + {load} as hugeint) as updatetime,
               cast(1764547200000 + i * 1000 as hugeint) as assignedtime,
               'Customer ' || i || ' v{load}' as name, '09' || lpad(cast(i as varchar), 8, '0') as phone,
               'c' || i || '@example.test' as email, 'KH' || i as code, 'u' || (i % 40) as user___id,
               'Agent ' || (i % 40) as user__name, 'g' || (i % 5) as user__group,
               ['Tắt máy ngang', 'Suy nghĩ thêm', 'Đã mua'][1 + i % 3] as customfield_0_val,
               case when i % 10 = 0 then null else timestamp '{batched}' end as _sdc_extracted_at,
               timestamp '{batched}' as _sdc_batched_at, '{load:012d}-0000abcd' as _load_id
        from range({first}, {first + count}) as r(i)
    """)


def dbt_build(env: dict[str, str], log: Path, *extra: str) -> None:
    with log.open("w") as out:
        completed = subprocess.run(
            [str(DBT), "--no-use-colors", "build", "--select", "+call_log", "+customer",
             "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test", *extra],
            cwd=TRANSFORM, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    assert completed.returncode == 0, f"dbt build under a {CAP} cap failed:\n{tail(log)}"


def assert_marts_keep_the_first_version(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    for mart, newest_first in NEWEST_FIRST.items():
        columns = [name for (name,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'main' and table_name = ?", [mart]).fetchall()
            if not name.endswith("_local") and not name.startswith("Ngay")]
        listed = ", ".join(columns)
        expected = (f"select {listed} from (select *, row_number() over (partition by tenant, _id order by {newest_first})"
                    f" as version_rank from {STAGING[mart]}) where version_rank = 1")
        for left, right in ((f"select {listed} from main.{mart}", expected), (expected, f"select {listed} from main.{mart}")):
            extra = con.execute(f"select count(*) from ({left} except all {right})").fetchone()[0]
            assert extra == 0, f"{mart}: {extra} rows differ from the first version of their key"
    con.close()


def test_profile_caps_duckdb_memory():
    """The cap lives in profiles.yml (one place), with an environment override."""
    profile = yaml.safe_load((TRANSFORM / "profiles.yml").read_text())["callio"]["outputs"]["duckdb"]
    assert "CALLIO_DUCKDB_MEMORY_LIMIT" in profile["settings"]["memory_limit"]
    assert profile["settings"]["preserve_insertion_order"] is False


def test_marts_build_under_a_small_memory_cap(tmp_path: Path):
    env = isolated_environment(tmp_path)
    env.update({"CALLIO_DUCKDB_MEMORY_LIMIT": CAP, "DBT_PROFILES_DIR": str(TRANSFORM), "DBT_TARGET": "duckdb"})
    warehouse = Path(env["CALLIO_DUCKDB_PATH"])
    con = duckdb.connect(str(warehouse))
    con.execute("create schema raw")
    con.execute("""create table raw.calls (tenant varchar, _id varchar, createtime hugeint, chargetime hugeint,
        starttime hugeint, answertime hugeint, endtime hugeint, duration hugeint, billduration hugeint,
        direction varchar, fromnumber varchar, tonumber varchar, hangupcause varchar, fromuser___id varchar,
        fromuser__name varchar, fromgroup___id varchar, _sdc_extracted_at timestamp, _sdc_batched_at timestamp,
        _load_id varchar)""")
    con.execute("""create table raw.customers (tenant varchar, _id varchar, createtime hugeint, updatetime hugeint,
        assignedtime hugeint, name varchar, phone varchar, email varchar, code varchar, user___id varchar,
        user__name varchar, user__group varchar, customfield_0_val varchar, _sdc_extracted_at timestamp,
        _sdc_batched_at timestamp, _load_id varchar)""")
    # Load 1, then load 2 re-reading a tenth of the calls and customers (and reading some twice).
    land_calls(con, 1, 0, CALLS - CALLS // 10, "2026-01-15 01:00:00")
    land_calls(con, 2, CALLS - 2 * CALLS // 10, CALLS // 10, "2026-01-15 02:00:00")
    land_customers(con, 1, 0, 30_000, "2026-01-15 01:00:00")
    land_customers(con, 2, 27_000, 3_000, "2026-01-15 02:00:00")
    land_customers(con, 2, 29_000, 1_000, "2026-01-15 02:00:00")
    con.close()

    dbt_build(env, tmp_path / "dbt-full.log", "--full-refresh")
    assert_marts_keep_the_first_version(warehouse)

    # Load 3 re-reads calls of both earlier loads and adds new ones: the incremental path.
    con = duckdb.connect(str(warehouse))
    land_calls(con, 3, CALLS - CALLS // 10 - 5_000, 15_000, "2026-01-15 03:00:00")
    land_customers(con, 3, 28_500, 3_000, "2026-01-15 03:00:00")
    con.close()
    dbt_build(env, tmp_path / "dbt-incremental.log")
    assert_marts_keep_the_first_version(warehouse)
