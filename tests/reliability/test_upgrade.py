"""A release that changes the final tables applies itself to an existing warehouse.

A new column of an incremental model would otherwise stay NULL in every row built before the
release (dbt's append_new_columns) until someone ran a full refresh, which nothing suggested.
For each change of transform/schema_changes.yml: a warehouse of the release before (its columns
removed, the change not recorded) gets the model rebuilt by the next job, once, with the column
filled in every row; a new warehouse records every change without rebuilding anything.
"""

from __future__ import annotations

import duckdb
import pytest

from orchestrate import schema_changes, warehouse

from .checks import assert_final_tables_match_truth
from .pipeline import TENANTS

CHANGES = schema_changes.declared()


@pytest.fixture(scope="module")
def pipeline(make_module_pipeline):
    pipeline = make_module_pipeline()
    first = pipeline.run(pipeline.run_job_command("callio-all"), "new-warehouse")
    assert first.returncode == 0, first.tail()
    assert "schema change" not in first.output, "a new warehouse was rebuilt for a schema change"
    return pipeline


def recorded(pipeline) -> set[str]:
    return {row[0] for row in pipeline.query(f"select id from raw.{warehouse.SCHEMA_CHANGES}")}


def test_a_new_warehouse_records_every_change_without_a_rebuild(pipeline):
    assert recorded(pipeline) == {change.id for change in CHANGES}


@pytest.mark.parametrize("change", CHANGES, ids=[change.id for change in CHANGES])
def test_a_warehouse_of_the_release_before_gets_the_change_once(pipeline, change):
    model = change.models[0]
    built = {column: values(pipeline, model, column) for column in change.columns}
    con = duckdb.connect(str(pipeline.db_path))
    try:
        for column in change.columns:
            con.execute(f'alter table main.{model} drop column "{column}"')
        con.execute(f"delete from raw.{warehouse.SCHEMA_CHANGES} where id = ?", [change.id])
    finally:
        con.close()

    upgraded = pipeline.run(pipeline.run_job_command("callio-calls"), f"upgrade-{change.id}")
    assert upgraded.returncode == 0, upgraded.tail()
    said = [line for line in upgraded.output.splitlines() if f"schema change {change.id}" in line]
    assert len(said) == 1 and model in said[0], upgraded.tail()
    for column, expected in built.items():  # filled in every row as the release's own build fills it
        assert values(pipeline, model, column) == expected, f"{model}.{column} differs after the upgrade"
    assert change.id in recorded(pipeline)
    assert_final_tables_match_truth(pipeline, TENANTS, tables=("call_log", "customer"))

    again = pipeline.run(pipeline.run_job_command("callio-calls"), f"after-{change.id}")
    assert again.returncode == 0 and "schema change" not in again.output, again.tail()  # once


def values(pipeline, model: str, column: str) -> list[tuple]:
    """How often each value of a column occurs (NULL included): the same after a rebuild."""
    return pipeline.query(f'select "{column}", count(*) from main.{model} group by 1 order by 1 nulls first')
