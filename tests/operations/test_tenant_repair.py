"""Data already mixed by a label that looked like another (``PK`` and ``PK `` with HN's login,
accepted before 0.2.0): ``orchestrate.tenant_repair`` names the label exactly as loaded and
removes its rows and bookmarks; the final tables are rebuilt with only the real PK's data.

The mixed warehouse is made the way it happened: a normal run, then HN's raw rows and bookmarks
relabelled ``PK `` (the tap now refuses such a label, so it cannot be loaded afresh).
"""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb

from orchestrate import warehouse
from reliability.checks import assert_final_tables_match_truth, truth_of
from reliability.pipeline import ENVIRONMENT

from conftest import PROJECT_ROOT

BAD = "PK "


def repair(pipeline, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestrate.tenant_repair", f"--environment={ENVIRONMENT}", *args],
                          cwd=PROJECT_ROOT, env=pipeline.env, capture_output=True, text=True, check=False)


def relabel_state(pipeline, old: str, new: str) -> None:
    for state_id, value in pipeline.state().items():
        text = json.dumps(value).replace(json.dumps({"tenant": old}), json.dumps({"tenant": new}))
        done = pipeline.meltano("state", "set", "--force", state_id, text, name="relabel-state")
        assert done.returncode == 0, done.tail()


def test_a_label_that_mixed_two_tenants_is_named_and_removed(make_pipeline):
    pipeline = make_pipeline()
    first = pipeline.run(pipeline.run_job_command("callio-all"), "first")
    assert first.returncode == 0, first.tail()
    con = duckdb.connect(str(pipeline.db_path))
    try:
        for table in warehouse.raw_tables():
            con.execute(f"update raw.{table} set tenant = ? where tenant = 'HN'", [BAD])
    finally:
        con.close()
    relabel_state(pipeline, "HN", BAD)

    listed = repair(pipeline, "list")
    assert listed.returncode == 0, listed.stderr
    flagged = [line for line in listed.stdout.splitlines() if line.startswith("'PK '")]
    assert len(flagged) == 1 and "spaces around it" in flagged[0] and "the same tenant as PK" in flagged[0], \
        listed.stdout

    removed = repair(pipeline, "remove", "--tenant", BAD)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "final tables rebuilt" in removed.stdout, removed.stdout
    for table in warehouse.raw_tables():
        assert {row[0] for row in pipeline.query(f"select distinct tenant from raw.{table}")} <= {"PK"}, table
    assert {row[0] for row in pipeline.query("select distinct tenant from main.call_log")} == {"PK"}
    assert_final_tables_match_truth(pipeline, ["PK"], truth=truth_of(pipeline.sim, ["PK"]),
                                    tables=("call_log", "customer"))
    partitions = json.dumps(pipeline.state())
    assert json.dumps({"tenant": BAD}) not in partitions and json.dumps({"tenant": "PK"}) in partitions
