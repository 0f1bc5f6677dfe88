{#- The CTEs that keep one row per (tenant, _id) in an incremental mart, shared by call_log and
    customer. `ranked_versions` holds every candidate version with `version_rank` = 1 for the one
    to keep, as ordered by `newest_first` (an ORDER BY list; `load_sequence('_load_id')` orders
    by load).

    Full refresh: every landed version is a candidate. Incremental: the versions of the newest
    load already merged and of every later load are ranked together with the current rows of
    the same keys, so a re-read never duplicates a row, an older version arriving late never
    replaces a newer one, and the result equals a full refresh over every landed version.
    "Later load" is the load guard's sequence in `_load_id`, which only grows from one load to
    the next; the loader's clock (`_sdc_batched_at`) may jump back and would skip new rows.
    A mart built before the marts carried `_load_id` needs one full refresh.

    Use:  with {{ callio.latest_version_ctes(ref('stg_x'), columns, 'updateTime desc') }}
          select ... from ranked_versions where version_rank = 1 -#}
{% macro latest_version_ctes(staging_relation, columns, newest_first) -%}
new_versions as (
    select {{ columns | join(', ') }}
    from {{ staging_relation }}
    {% if is_incremental() %}
    where {{ callio.load_sequence('_load_id') }} >= (
        select coalesce(max({{ callio.load_sequence('_load_id') }}), 0) from {{ this }})
    {% endif %}
),

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

ranked_versions as (
    select
        *,
        row_number() over (partition by tenant, _id order by {{ newest_first }}) as version_rank
    from candidates
)
{%- endmacro %}

{#- The load sequence of a load id written by the load guard ("000000000042-9f3c1a7e" -> 42);
    0 for rows loaded before the sequence existed (a uuid4 id, whose 13th character is never
    "-", or no id). -#}
{% macro load_sequence(load_id) -%}
    coalesce(case when substr({{ load_id }}, 13, 1) = '-'
                  then {{ callio.to_int64('substr(' ~ load_id ~ ', 1, 12)') }} end, 0)
{%- endmacro %}
