{#- CTE `latest_versions`: the first row of each (tenant, _id) of `relation` in the order
    `newest_first` (an ORDER BY list), with `columns`. Same rows on both engines; only the shape
    differs, each chosen for what its engine does with a million rows.

    DuckDB: one window over a single global sort by (tenant, _id, newest_first); a row is the
    first of its key when the row before it has another key. DuckDB 1.2 (pinned for
    target-duckdb) sorts that out of core under profiles.yml's memory_limit, but cannot spill a
    window partitioned by (tenant, _id): ranked that way, the full build of call_log (1M calls,
    21 columns) failed with "Out of Memory" under a memory_limit of 256 and 300 MB and peaked
    at 930 MB without one, where this shape completed under 100 MB. It costs time on a full
    build (call_log 12 -> 17 s on 2 cores: part of the sort runs on one thread), none on an
    incremental one.

    BigQuery: row_number() partitioned by (tenant, _id), which BigQuery spreads over its workers;
    a global ORDER BY there runs on a single worker. -#}
{% macro first_row_per_key(relation, columns, newest_first) -%}
    {{ return(adapter.dispatch('first_row_per_key', 'callio')(relation, columns, newest_first)) }}
{%- endmacro %}

{% macro default__first_row_per_key(relation, columns, newest_first) -%}
keys_newest_first as (
    select
        *,
        lag(tenant) over by_key_newest_first as previous_tenant,
        lag(_id) over by_key_newest_first as previous_id
    from {{ relation }}
    window by_key_newest_first as (order by tenant, _id, {{ newest_first }})
),

latest_versions as (
    select {{ columns | join(', ') }}
    from keys_newest_first
    where previous_tenant is distinct from tenant or previous_id is distinct from _id
)
{%- endmacro %}

{% macro bigquery__first_row_per_key(relation, columns, newest_first) -%}
ranked_versions as (
    select
        *,
        row_number() over (partition by tenant, _id order by {{ newest_first }}) as version_rank
    from {{ relation }}
),

latest_versions as (
    select {{ columns | join(', ') }}
    from ranked_versions
    where version_rank = 1
)
{%- endmacro %}
