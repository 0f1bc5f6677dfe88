{#- The CTEs that keep one row per (tenant, _id) in an incremental mart, shared by call_log and
    customer. `latest_versions` holds, for every key among the candidates, the version first in
    the order `newest_first` (an ORDER BY list; `load_sequence('_load_id')` orders by load; the
    list should end with columns that leave no two different rows tied, so the version kept
    never depends on the order rows are read in).

    Full refresh: every landed version is a candidate. Incremental: the versions of every load after
    the newest one merged (on BigQuery that one too: cross_db/new_versions_ctes.sql) are ranked
    together with the current rows of the same keys, so a re-read never duplicates a row, an older version arriving late never
    replaces a newer one, and the result equals a full refresh over every landed version.
    "Later load" is the load guard's sequence in `_load_id`, which only grows from one load to
    the next; the loader's clock (`_sdc_batched_at`) may jump back and would skip new rows.
    A mart built before the marts carried `_load_id` needs one full refresh.

    Engine-specific shapes, each explained where it is written: how the new versions are
    selected (cross_db/new_versions_ctes.sql) and how the first version of each key is kept
    (cross_db/first_row_per_key.sql). `merged_up_to` (one row) is read twice, so DuckDB computes
    it once (cross_db/materialized_cte.sql).

    Use:  with {{ callio.latest_version_ctes(ref('stg_x'), columns, 'updateTime desc') }}
          select ... from latest_versions -#}
{% macro latest_version_ctes(staging_relation, columns, newest_first) -%}
{% if is_incremental() %}
merged_up_to as {{ callio.materialized_cte() }} (
    select coalesce(max({{ callio.load_sequence('_load_id') }}), 0) as load_sequence
    from {{ this }}
),

{{ callio.new_versions_ctes(staging_relation, columns) }},
{% else %}
new_versions as (
    select {{ columns | join(', ') }}
    from {{ staging_relation }}
),
{% endif %}

candidates as (
    select * from new_versions
    {% if is_incremental() %}
    union all
    select {% for c in columns %}current_rows.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    from {{ this }} as current_rows
    inner join (select distinct tenant, _id from new_versions) as touched
        on current_rows.tenant = touched.tenant and current_rows._id = touched._id
    {% endif %}
),

{{ callio.first_row_per_key('candidates', columns, newest_first) }}
{%- endmacro %}

{#- The load sequence of a load id written by the load guard ("000000000042-9f3c1a7e" -> 42);
    0 for rows loaded before the sequence existed (a uuid4 id, whose 13th character is never
    "-", or no id). -#}
{% macro load_sequence(load_id) -%}
    coalesce(case when substr({{ load_id }}, 13, 1) = '-'
                  then {{ callio.to_int64('substr(' ~ load_id ~ ', 1, 12)') }} end, 0)
{%- endmacro %}
