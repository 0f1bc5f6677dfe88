{#- CTE `new_versions`: the rows of `relation` (a staging view) with `columns` whose load
    sequence (latest_version_ctes.sql: load_sequence) is at least (BigQuery) or above (DuckDB,
    see below) `merged_up_to.load_sequence`, the CTE holding the newest load the mart has merged.

    DuckDB: the staging views hash and normalise every row they return. Filtered directly by
    `load_sequence(_load_id) >= (select ...)`, DuckDB 1.2 evaluates that comparison as a join
    above the view, so every incremental run hashed every raw row. Written as `_load_id in
    new_loads` (the few load ids after the merged one), it is a hash semi-join, and DuckDB
    pushes the range of those ids into the scan of the raw table, below the view's expressions:
    only the new rows are hashed (1M calls: the call_log model 16 s -> 2 s). new_loads is
    materialised so that the two reads of new_versions do not each list the load ids again; it
    holds a few ids, whatever the size of a load. An IN list never matches NULL, so rows without
    a load id (load 0) come through a second branch, which DuckDB drops from the plan when the
    raw table has no such row.

    DuckDB starts after the newest merged load, not at it. That load is re-read on BigQuery
    because a load may still have been landing when dbt merged it; a DuckDB file has one writer
    at a time (target-duckdb holds it for the whole load, dbt cannot open it meanwhile), so every
    row of a load had landed before dbt could merge any, and a load id is never used again (the
    guard's sequence only grows). Re-reading it cost the first incremental build after a first
    sync a re-rank of every row that sync loaded (1M calls: call_log 24 s).

    BigQuery: the direct comparison, as before: BigQuery bills the bytes of every column a
    branch reads, which the second branch would double, and the pushdown is DuckDB's. -#}
{% macro new_versions_ctes(relation, columns) -%}
    {{ return(adapter.dispatch('new_versions_ctes', 'callio')(relation, columns)) }}
{%- endmacro %}

{% macro default__new_versions_ctes(relation, columns) -%}
new_loads as {{ callio.materialized_cte() }} (
    select distinct _load_id
    from {{ relation }}
    where {{ callio.load_sequence('_load_id') }} > (select load_sequence from merged_up_to)
),

new_versions as (
    select {{ columns | join(', ') }}
    from {{ relation }}
    where _load_id in (select _load_id from new_loads)
    union all
    select {{ columns | join(', ') }}
    from {{ relation }}
    where _load_id is null and (select load_sequence from merged_up_to) = 0
)
{%- endmacro %}

{% macro bigquery__new_versions_ctes(relation, columns) -%}
new_versions as (
    select {{ columns | join(', ') }}
    from {{ relation }}
    where {{ callio.load_sequence('_load_id') }} >= (select load_sequence from merged_up_to)
)
{%- endmacro %}
